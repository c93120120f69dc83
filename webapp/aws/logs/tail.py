"""Live tail by polling: the events ingested since the last poll, at a cost set by recent events.

New events are told apart by when they were ingested, not by their own timestamps, because a
Lambda's lines can reach CloudWatch after later ones from another stream: an event is new when its
ingestionTime is past the cursor, or equals it and its ID was not seen at that millisecond.

FilterLogEvents reads oldest first, so a poll reads the recent window first — events stamped from
RECENT_MS before the cursor on — and, when that window holds more than a poll may read
(MAX_CALLS x READ_LIMIT), halves it toward the newest end until it fits, saying that lines were
skipped. Only then does it look further back, to LOOKBACK_MS before the cursor, for late arrivals.
So a poll's cost depends on the last moments of the group, never on its size. Events stamped more
than LOOKBACK_MS before they were ingested are missed (AWS's own StartLiveTail streams by
ingestion and has no such gap).

The cursor travels in the poll URL: `<ingestion ms>` or `<ingestion ms>.<id digests>`, the digests
being short hashes of the IDs already shown at that millisecond (at most MAX_DIGESTS; past that the
cursor moves one millisecond on, since one PutLogEvents batch is ingested at once).
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace

from webapp.aws.errors import N_, InvalidInput
from webapp.aws.logs.log_groups import EventQuery, LogEvent, filter_events

LOOKBACK_MS = 120_000
RECENT_MS = 15_000
MAX_EVENTS = 200  # shown per poll; the rest are counted as skipped
READ_LIMIT = 1000
MAX_CALLS = 8
MAX_DIGESTS = 64
FIRST_SLICE_MS = 1000


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
        raise InvalidInput(N_("The live tail's position is damaged. Start the tail again."))
    return TailCursor(int(head), seen)


@dataclass(frozen=True, slots=True)
class TailBatch:
    """What one poll found: the new events (oldest first), how many more it left out, whether it
    could not read everything new (too many lines arrived), and where the next poll starts."""

    events: list[LogEvent]
    skipped: int
    cursor: TailCursor
    cut: bool = False


def poll(query: EventQuery, cursor: TailCursor, now_ms: int | None = None) -> TailBatch:
    """The query's events ingested since `cursor` (its time range is ignored)."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    lower = max(0, cursor.ingestion_ms - LOOKBACK_MS)
    fresh, complete, calls_left = _read_new(query, cursor, lower, None, MAX_CALLS, share=2)
    cut = False
    if not complete:  # too much to read oldest first: read back from the newest end instead
        fresh, cut = _newest_slices(query, cursor, lower, now, calls_left)
    if not fresh:
        return TailBatch([], 0, cursor, cut)
    fresh.sort(key=lambda event: (event.ingestion_ms, event.order_key))
    shown = fresh[-MAX_EVENTS:]
    shown.sort(key=lambda event: event.order_key)
    after = _next_cursor(cursor, fresh)
    if cut:  # what was skipped stays skipped: on from the next millisecond of ingestion
        after = TailCursor(after.ingestion_ms + 1)
    return TailBatch(shown, len(fresh) - len(shown), after, cut)


def _newest_slices(query: EventQuery, cursor: TailCursor, lower: int, now: int,
                   calls_left: int) -> tuple[list[LogEvent], bool]:
    """New events read in slices of time going back from now (1 s, 2 s, 4 s …) while calls last;
    True when some could not be read."""
    fresh: list[LogEvent] = []
    size, start, end = FIRST_SLICE_MS, now - FIRST_SLICE_MS, None
    while calls_left > 0:
        start = max(lower, start)
        found, complete, calls_left = _read_new(query, cursor, start, end, calls_left)
        if not complete:  # too full: what is newer was read, or narrow this slice to its newest
            top = now if end is None else end
            if fresh or top - start <= 1 or calls_left == 0:
                return fresh or found, True
            start = (start + top) // 2 + 1
            continue
        fresh = found + fresh
        if start <= lower:
            return fresh, False
        size *= 2
        start, end = start - size, start - 1
    return fresh, end is None or end >= cursor.ingestion_ms - RECENT_MS


def _read_new(query: EventQuery, cursor: TailCursor, start_ms: int, end_ms: int | None,
              calls_left: int, share: int = 1) -> tuple[list[LogEvent], bool, int]:
    """The new events stamped in [start, end], whether the window was read to its end, and the
    calls left. With `share` 2 it uses at most half the calls left (at least one), keeping the
    rest for a narrower try."""
    window = replace(query, start_ms=start_ms, end_ms=end_ms)
    fresh: list[LogEvent] = []
    token: str | None = None
    allowed = max(1, calls_left // share) if calls_left > 1 else calls_left
    calls_left -= allowed
    while allowed > 0:
        page = filter_events(window, token, READ_LIMIT)
        allowed -= 1
        fresh += [event for event in page.items if cursor.is_new(event)]
        token = page.next_token
        if not token:
            return fresh, True, calls_left + allowed
    return fresh, False, calls_left


def _next_cursor(cursor: TailCursor, fresh: list[LogEvent]) -> TailCursor:
    newest = max(event.ingestion_ms for event in fresh)
    seen = {digest(event) for event in fresh if event.ingestion_ms == newest}
    if newest == cursor.ingestion_ms:
        seen |= cursor.seen
    if len(seen) > MAX_DIGESTS:
        return TailCursor(newest + 1)
    return TailCursor(newest, frozenset(seen))
