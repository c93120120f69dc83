"""Writing many items into a table: BatchWriteItem in batches of 25, with retries.

Rows come in as (line, item) pairs so every failure can name the line it came from. A batch
never holds the same key twice (DynamoDB rejects the whole batch for that); a later row with
a key already in the batch sends the batch first, so the later row wins as it would with
one put after another. Unprocessed items, and a batch DynamoDB throttles as a whole, are
retried with exponential backoff and jitter. A batch DynamoDB refuses as a whole for a bad
item (ValidationException, e.g. an item over 400 KB) is written again one item at a time, so
only the bad row fails. Batches travel on daemon threads: stopping the console never waits.
"""
from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from decimal import Decimal

from botocore.client import BaseClient

from webapp.aws.dynamodb import item_json
from webapp.aws import clients
from webapp.aws.clients import client
from webapp.aws.errors import N_, ConsoleError, InvalidInput, Throttled, aws_errors

logger = logging.getLogger(__name__)

BATCH_SIZE = 25  # BatchWriteItem's limit of put requests per call
FIRST_DELAY_S = 0.05
MAX_DELAY_S = 2.0
MAX_RETRIES = 8
UNPROCESSED = N_(
    "DynamoDB left this item unprocessed %(retries)s times (the table's write capacity was "
    "exceeded). Import this row again later, or raise the table's write capacity.")

WireKey = tuple[tuple[str, object], ...]


@dataclass(frozen=True, slots=True)
class RowFailure:
    """A row that was not written: its line and why."""

    line: int
    error: ConsoleError


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What one batch did: how many rows it wrote and which failed."""

    written: int
    failures: list[RowFailure] = field(default_factory=list)


def write_items(table_name: str, rows: Iterable[tuple[int, dict]], key_names: Sequence[str],
                on_batch: Callable[[BatchOutcome], None], *,
                sleep: Callable[[float], None] | None = None,
                jitter: Callable[[float, float], float] = random.uniform) -> None:
    """Put every (line, item) into the table in batches, calling `on_batch` after each one.

    Raises ConsoleError when the table cannot be written at all (missing, access denied,
    unreachable); rows already written stay written. Whatever ends the import (also an error
    reading `rows`), the batch already sent is counted through `on_batch` first.
    """
    writer = _Writer(table_name, tuple(key_names), client("dynamodb"),
                     sleep or clients.current().sleep, jitter)
    # One batch travels while the next is read and converted: waiting for DynamoDB releases
    # the GIL, so the parsing overlaps the round trip. One batch in flight at a time keeps the
    # batches in order, so a later row still overwrites an earlier one.
    in_flight: Future[BatchOutcome] | None = None
    batch: dict[WireKey, tuple[int, dict]] = {}
    try:
        for line, item in rows:
            wire = item_json.to_wire(item)
            key = writer.key_of(wire)
            if key in batch or len(batch) == BATCH_SIZE:
                if in_flight is not None:
                    sent, in_flight = in_flight, None
                    on_batch(sent.result())
                in_flight = _in_background(writer.write, batch)
                batch = {}
            batch[key] = (line, wire)
    except BaseException:
        _count_sent(in_flight, on_batch)
        raise
    if in_flight is not None:
        on_batch(in_flight.result())
    if batch:
        on_batch(writer.write(batch))


def _in_background(write: Callable[[dict], BatchOutcome],
                   batch: dict[WireKey, tuple[int, dict]]) -> Future[BatchOutcome]:
    """Send one batch on a daemon thread, so stopping the console never waits for it."""
    future: Future[BatchOutcome] = Future()

    def send() -> None:
        try:
            future.set_result(write(batch))
        except BaseException as err:  # handed to whoever waits for the batch
            future.set_exception(err)

    future.set_running_or_notify_cancel()
    threading.Thread(target=send, name="batch-write", daemon=True).start()
    return future


def _count_sent(in_flight: Future[BatchOutcome] | None,
                on_batch: Callable[[BatchOutcome], None]) -> None:
    """Count the batch in flight when the import ends on an error; its own error is dropped."""
    if in_flight is None:
        return
    try:
        outcome = in_flight.result()
    except Exception:
        logger.info("the batch in flight failed too", exc_info=True)
        return
    on_batch(outcome)


@dataclass(frozen=True, slots=True)
class _Writer:
    table_name: str
    key_names: tuple[str, ...]
    dynamodb: BaseClient
    sleep: Callable[[float], None]
    jitter: Callable[[float, float], float]

    def key_of(self, wire: dict) -> WireKey:
        """The item's key as something hashable; 1 and 1.0 are the same number key."""
        parts = []
        for name in self.key_names:
            kind, value = next(iter(wire.get(name, {"NULL": True}).items()))
            parts.append((kind, Decimal(value) if kind == "N" else value))
        return tuple(parts)

    def write(self, batch: dict[WireKey, tuple[int, dict]]) -> BatchOutcome:
        """Send one batch, retrying what DynamoDB leaves unprocessed."""
        pending = batch
        delay = FIRST_DELAY_S
        for attempt in range(MAX_RETRIES + 1):
            if attempt:
                self.sleep(self.jitter(0, delay))
                delay = min(delay * 2, MAX_DELAY_S)
            try:
                unprocessed = self._batch_write([wire for _, wire in pending.values()])
            except ConsoleError as err:
                if isinstance(err, Throttled):
                    # Throttled as a whole after botocore's own retries: back off and send
                    # all of it again, as if DynamoDB had left every item unprocessed.
                    continue
                if not isinstance(err, InvalidInput):
                    raise
                return self._one_by_one(len(batch), pending)
            pending = {key: pending[key] for key in map(self.key_of, unprocessed)}
            if not pending:
                return BatchOutcome(len(batch))
        logger.info("BatchWriteItem left %d items unprocessed after %d retries",
                    len(pending), MAX_RETRIES)
        failures = [RowFailure(line, Throttled(UNPROCESSED, retries=MAX_RETRIES))
                    for line, _ in pending.values()]
        return BatchOutcome(len(batch) - len(failures), _by_line(failures))

    def _batch_write(self, wires: list[dict]) -> list[dict]:
        with aws_errors(N_("write the items"), f"Table {self.table_name}"):
            reply = self.dynamodb.batch_write_item(RequestItems={
                self.table_name: [{"PutRequest": {"Item": wire}} for wire in wires]})
        return [request["PutRequest"]["Item"]
                for request in reply.get("UnprocessedItems", {}).get(self.table_name, [])]

    def _one_by_one(self, size: int, pending: dict[WireKey, tuple[int, dict]]) -> BatchOutcome:
        failures = []
        for line, wire in pending.values():
            try:
                with aws_errors(N_("write the item"), f"Table {self.table_name}"):
                    self.dynamodb.put_item(TableName=self.table_name, Item=wire)
            except ConsoleError as err:
                if not isinstance(err, InvalidInput):
                    raise
                failures.append(RowFailure(line, err))
        return BatchOutcome(size - len(failures), _by_line(failures))


def _by_line(failures: list[RowFailure]) -> list[RowFailure]:
    return sorted(failures, key=lambda failure: failure.line)
