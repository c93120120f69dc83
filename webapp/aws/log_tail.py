"""Live tail by polling: the events ingested since the last poll, at a cost set by recent events.

Each poll is FilterLogEvents with a startTime LOOKBACK_MS before the cursor, so it reads only the
last moments of the group however large the group is. New events are told apart by when they were
ingested, not by their own timestamps, because a Lambda's lines can reach CloudWatch after later
ones from another stream: an event is new when its ingestionTime is past the cursor, or equals it
and its ID was not seen at that millisecond. Events stamped more than LOOKBACK_MS before they were
ingested are missed (AWS's own StartLiveTail streams by ingestion and has no such gap).

The cursor travels in the poll URL: `<ingestion ms>` or `<ingestion ms>.<id digests>`, the digests
being short hashes of the IDs already shown at that millisecond.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace

from .errors import N_, ConsoleError
from .logs import EventQuery, LogEvent, filter_events

LOOKBACK_MS = 120_000
MAX_EVENTS = 200  # shown per poll; the rest are counted as skipped
READ_LIMIT = 1000
MAX_CALLS = 5


@dataclass(frozen=True, slots=True)
class TailCursor:
    """Where a tail stands: the newest ingestion time shown and the IDs shown at that time."""

    ingestion_ms: int
    seen: frozenset[str] = frozenset()

    def token(self) -> str:
        """The cursor as URL text."""
        if not self.seen:
            return str(self.ingestion_ms)
        return f"{self.ingestion_ms}." + "-".join(sorted(self.seen))

    def is_new(self, event: LogEvent) -> bool:
        """True for an event this tail has not shown yet."""
        if event.ingestion_ms != self.ingestion_ms:
            return event.ingestion_ms > self.ingestion_ms
        return digest(event) not in self.seen


def digest(event: LogEvent) -> str:
    """A short stand-in for an event's ID (stream and ID, since IDs are per group)."""
    text = f"{event.log_stream_name}\0{event.event_id}\0{event.timestamp_ms}".encode()
    return hashlib.blake2s(text, digest_size=5).hexdigest()


def start_cursor(now_ms: int | None = None) -> TailCursor:
    """A cursor that shows only what is ingested from now on."""
    return TailCursor(int(time.time() * 1000) if now_ms is None else now_ms)


def parse_cursor(text: str) -> TailCursor:
    """The cursor from TailCursor.token(); ConsoleError for anything else."""
    head, _, rest = text.partition(".")
    seen = frozenset(part for part in rest.split("-") if part)
    if not head.isascii() or not head.isdigit() or len(head) > 15 or any(
            len(part) != 10 or not all(c in "0123456789abcdef" for c in part) for part in seen):
        raise ConsoleError(N_("The live tail's position is damaged. Start the tail again."),
                           code="invalid")
    return TailCursor(int(head), seen)


@dataclass(frozen=True, slots=True)
class TailBatch:
    """What one poll found: the new events (oldest first), how many more it left out, and where
    the next poll starts."""

    events: list[LogEvent]
    skipped: int
    cursor: TailCursor


def poll(query: EventQuery, cursor: TailCursor) -> TailBatch:
    """The query's events ingested since `cursor` (its time range is ignored)."""
    window = replace(query, start_ms=max(0, cursor.ingestion_ms - LOOKBACK_MS), end_ms=None)
    fresh: list[LogEvent] = []
    token: str | None = None
    for _ in range(MAX_CALLS):
        page = filter_events(window, token, READ_LIMIT)
        fresh += [event for event in page.items if cursor.is_new(event)]
        token = page.next_token
        if not token:
            break
    if not fresh:
        return TailBatch([], 0, cursor)
    fresh.sort(key=lambda event: (event.ingestion_ms, event.order_key))
    shown = fresh[-MAX_EVENTS:]
    newest = max(event.ingestion_ms for event in fresh)
    seen = {digest(event) for event in fresh if event.ingestion_ms == newest}
    if newest == cursor.ingestion_ms:
        seen |= cursor.seen
    shown.sort(key=lambda event: event.order_key)
    return TailBatch(shown, len(fresh) - len(shown), TailCursor(newest, frozenset(seen)))
