"""The state keeper: journals each change as it is made, and replaces the whole state on demand.

Changes are serialised: a change runs and its journal line is written under one lock, so the
journal's order is the order the changes took effect, and a change is journaled before its
answer leaves (a client never sees success for a change a kill could lose). Reads are not
serialised.

Reset and restore close a gate first: new requests get 503 (botocore retries those), Lambda
workers are stopped so running invocations end, and the requests already in flight are waited
for. Then moto's backends are reset, the new state is replayed and the journal replaced.
"""
import fcntl
import json
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any

from moto.moto_api._internal.models import moto_api_backend
from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, Dispatcher
from webapp.sandbox.persistence import changes, clock, draws, effects
from webapp.sandbox.persistence.journal import Journal, Loaded, parse
from webapp.sandbox.persistence.replay import (ReplayReport, effect_entry, replay,
                                               request_entry)

logger = logging.getLogger(__name__)

LOCK_FILE = "lock"
# How long a reset or restore waits for requests in flight to finish.
DRAIN_SECONDS = 30.0
# Paths that pass the gate while it is closed: the health check and the state endpoint itself.
UNGATED_PREFIX = "/_sandbox/"
GZIP_LEVEL = 6
# zlib's window bits for the gzip format (16 + the largest window).
GZIP_WBITS = 16 + zlib.MAX_WBITS


class DataDirectoryBusy(RuntimeError):
    """Another sandbox keeps its state in the same directory."""


class Busy(RuntimeError):
    """Requests in flight did not finish in time for a reset or restore."""


class StateKeeper:
    """Journals changes and effects; resets and restores the sandbox's whole state."""

    def __init__(self, journal: Journal, loaded: Loaded | None = None,
                 dir_lock: IO[bytes] | None = None) -> None:
        self._journal = journal
        self._pending = loaded.entries if loaded else []
        self._skipped = loaded.skipped if loaded else 0
        self._dir_lock = dir_lock
        self._changes = threading.RLock()
        self._traffic = threading.Condition()
        self._in_flight = 0
        self._closed_reason: str | None = None
        self._dispatcher: Dispatcher | None = None
        self._stop_workers: Callable[[], None] = _nothing
        self._after_reset: Callable[[], None] = _nothing
        self.restored: ReplayReport | None = None
        self.write_error: str | None = None

    @classmethod
    def open(cls, persist: bool, data_dir: Path) -> "StateKeeper":
        """A keeper journaling into `data_dir` (and holding it), or into a temporary file."""
        if not persist:
            return cls(Journal.temporary())
        data_dir.mkdir(parents=True, exist_ok=True)
        dir_lock = (data_dir / LOCK_FILE).open("ab")
        try:
            fcntl.flock(dir_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            dir_lock.close()
            raise DataDirectoryBusy(f"another sandbox keeps its state in {data_dir}; stop it, "
                                    "or set SANDBOX_DATA_DIR to another directory") from None
        journal, loaded = Journal.in_directory(data_dir)
        return cls(journal, loaded, dir_lock)

    def attach(self, dispatcher: Dispatcher, stop_workers: Callable[[], None],
               after_reset: Callable[[], None]) -> ReplayReport:
        """Replay what the journal holds into `dispatcher`, then journal its changes.

        `stop_workers` ends running Lambda invocations before a reset or restore;
        `after_reset` runs once moto's backends are empty again.
        """
        self._dispatcher = dispatcher
        self._stop_workers = stop_workers
        self._after_reset = after_reset
        draws.install()
        clock.install()
        report = replay(dispatcher, self._pending)
        self._pending = []
        self.restored = report if report.changes else None
        dispatcher.gate = self
        dispatcher.changes = self
        effects.listen(self._effect)
        return report

    def close(self) -> None:
        """Stop journaling; flush the journal to disk."""
        effects.listen(None)
        self._journal.close()
        if self._dir_lock is not None:
            self._dir_lock.close()

    # Journaling (the dispatcher's ChangeRecorder) ------------------------------------------

    def records(self, request: Request, operation: AwsOperation | None) -> bool:
        """Whether the request changes state."""
        return changes.is_change(operation) or changes.is_unnamed_change(request, operation)

    def record(self, request: Request, body: bytes, operation: AwsOperation | None,
               answer: Callable[[], Response]) -> Response:
        """Make the change and, if it succeeded, journal it before answering."""
        with self._changes:
            started = time.time()
            with draws.recording() as drawn, clock.recording() as readings:
                response = answer()
            if response.status_code < HTTPStatus.BAD_REQUEST:
                self._append(request_entry(request, body, changes.change_name(request, operation),
                                           started, drawn, readings))
        return response

    def _effect(self, kind: str, args: dict[str, Any], apply: effects.Apply) -> None:
        with self._changes:
            started = time.time()
            with draws.recording() as drawn, clock.recording() as readings:
                apply(**args)
            self._append(effect_entry(kind, args, started, drawn, readings))

    def _append(self, entry: dict[str, Any]) -> None:
        try:
            self._journal.append(entry)
        except (OSError, ValueError) as err:  # ValueError: a closed file
            # The change is made but will not survive a restart: say so wherever we can.
            self.write_error = f"could not write the journal: {err}"
            logger.error("%s; this change will be lost when the sandbox stops", self.write_error)

    # The gate (the dispatcher's Gate) -------------------------------------------------------

    @contextmanager
    def passage(self, request: Request) -> Iterator[Response | None]:
        """Count the request in flight, or refuse it while the state is being replaced."""
        if request.path.startswith(UNGATED_PREFIX):
            yield None
            return
        with self._traffic:
            reason = self._closed_reason
            if reason is None:
                self._in_flight += 1
        if reason is not None:
            yield _unavailable(reason)
            return
        try:
            yield None
        finally:
            with self._traffic:
                self._in_flight -= 1
                self._traffic.notify_all()

    @contextmanager
    def _closed(self, reason: str) -> Iterator[None]:
        with self._traffic:
            if self._closed_reason is not None:
                raise Busy("the sandbox is already being reset or restored")
            self._closed_reason = reason
        try:
            self._stop_workers()
            with self._traffic:
                if not self._traffic.wait_for(lambda: self._in_flight == 0, DRAIN_SECONDS):
                    raise Busy(f"{self._in_flight} request(s) still running after "
                               f"{DRAIN_SECONDS:.0f} s; try again when they finish")
            yield
        finally:
            with self._traffic:
                self._closed_reason = None

    # Reset, restore, snapshot ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: moto's backends, Lambda workers, and the journal."""
        with self._closed("the sandbox is being reset"), self._changes:
            self._journal.replace([])  # first: if it cannot be written, nothing has changed
            self.write_error = None
            self._clear()
            self.restored = None

    def restore(self, data: bytes) -> ReplayReport:
        """Replace the whole state with a snapshot's; JournalError (nothing changed) if it is
        not one."""
        loaded = parse(data)
        with self._closed("the sandbox is restoring a snapshot"), self._changes:
            self._journal.replace(loaded.entries)  # first: if it cannot be written, no change
            self.write_error = None
            self._clear()
            report = replay(self._require_dispatcher(), loaded.entries)
            self.restored = report
        return report

    def snapshot(self) -> Iterator[bytes]:
        """The journal as it is now, gzip-compressed, in chunks."""
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, GZIP_WBITS)
        for chunk in self._journal.chunks():
            yield compressor.compress(chunk)
        yield compressor.flush()

    def info(self) -> dict[str, Any]:
        """What the health check says of the state."""
        path = self._journal.path
        try:
            size: int | None = self._journal.size()
        except (OSError, ValueError) as err:
            size = None
            self.write_error = self.write_error or f"cannot read the journal: {err}"
        return {
            "persist": path is not None,
            "data_dir": str(path.parent) if path is not None else None,
            "changes": self._journal.count,
            "bytes": size,
            "restored": self.restored.as_json() if self.restored else None,
            "skipped_lines": self._skipped,
            "error": self.write_error,
        }

    def _clear(self) -> None:
        moto_api_backend.reset()
        self._after_reset()

    def _require_dispatcher(self) -> Dispatcher:
        if self._dispatcher is None:
            raise RuntimeError("the keeper is not attached to a dispatcher")
        return self._dispatcher


def _nothing() -> None:
    pass


def _unavailable(reason: str) -> Response:
    body = {"__type": "ServiceUnavailableException", "message": f"{reason}; try again shortly"}
    return Response(json.dumps(body), status=HTTPStatus.SERVICE_UNAVAILABLE,
                    mimetype="application/x-amz-json-1.0",
                    headers={"x-amzn-ErrorType": "ServiceUnavailableException",
                             "Retry-After": "1"})
