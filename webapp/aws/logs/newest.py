"""A group's events newest first, a page at a time, from FilterLogEvents (which reads oldest first).

FilterLogEvents has no order switch, so the newest page is found by reading time windows that end
at the page's end and reach back further each time (x8) until they hold a page of events or reach
the range's start. Only the newest events seen are kept, so memory stays at one page. The first
window starts a minute before the group's newest event as DescribeLogStreams reports it (or
before the end, if that is earlier): the window always ends at the true end, so a stale report
costs only a larger first window, never a missed event.

The page token is ours: `n.<end ms>.<skip>.<span ms>` — the next page ends at the oldest time
shown, skipping the events of that same millisecond already shown, and starts with a window as
wide as the last page spanned. Windows grow back from the newest event known (`top`), so the
empty stretch between it and the end of the range is read once, not multiplied.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

from webapp.aws.errors import N_, InvalidInput, TooLarge
from webapp.aws.logs.log_groups import (
    EVENTS_PAGE_SIZE, EventQuery, LogEvent, filter_events, latest_event_ms,
)
from webapp.aws.paging import Page, following

FIRST_WINDOW_MS = 60_000
GROWTH = 8
# Without an end, the page ends this far ahead: PutLogEvents takes events up to 2 hours ahead.
FUTURE_MS = 2 * 3_600_000 + 60_000
READ_LIMIT = 10_000  # FilterLogEvents' largest page
MAX_CALLS = 40  # per page shown, across windows and their pages
TOKEN_PREFIX = "n"
MAX_SKIP = 10_000  # events of one millisecond already shown; more would read pages for nothing


def newest_events(query: EventQuery, page_token: str | None = None,
                  limit: int | None = None) -> Page[LogEvent]:
    """One page of the query's events, newest first (EVENTS_PAGE_SIZE of them unless `limit`)."""
    limit = limit or EVENTS_PAGE_SIZE
    if page_token:
        end, skip, span = parse_token(page_token)
        top = end
    else:  # the first window starts a little before the newest event known
        end = query.end_ms if query.end_ms is not None else int(time.time() * 1000) + FUTURE_MS
        skip, span = 0, FIRST_WINDOW_MS
        hint = latest_event_ms(query.log_group_name, query.stream)
        top = hint if hint is not None and hint < end else end  # the newest event, as far as known
    lower = query.start_ms or 0
    need = limit + skip
    kept: list[LogEvent] = []  # the newest `need` events read so far, oldest first
    window_start = max(lower, top - span + 1)
    read_end, calls, older_left = end, 0, True
    while True:
        room = need - len(kept)
        read = _read_window(replace(query, start_ms=window_start, end_ms=read_end), room,
                            MAX_CALLS - calls)
        older, used, complete, spilled = read.events, read.calls, read.complete, read.spilled
        calls += used
        if not complete:
            # More than the calls left can read, and the unread part is the newest: narrow the
            # window toward its newest events and read again (what is let go is older, read later
            # if the page needs it).
            if calls >= MAX_CALLS or window_start >= read_end:
                raise TooLarge(TOO_DENSE)
            newest_known = min(read_end, max(top, read.last_ms))
            window_start = _narrowed(window_start, newest_known, read, room)
            span = max(1, newest_known - window_start + 1)
            continue
        kept = older + kept
        if spilled or window_start <= lower:  # older events left behind, or none can exist
            older_left = spilled
            break
        if len(kept) >= need or calls >= MAX_CALLS:
            break
        read_end = window_start - 1
        span *= GROWTH
        window_start = max(lower, read_end - span + 1)
    newest_first = sorted(kept, key=lambda event: event.order_key, reverse=True)
    shown = newest_first[skip:skip + limit]
    if not shown or not (older_left or len(newest_first) > skip + limit):
        return Page(shown, None)
    oldest = shown[-1].timestamp_ms
    same_ms = sum(1 for event in shown if event.timestamp_ms == oldest)
    if oldest == end:
        same_ms += skip
    return Page(shown, make_token(oldest, same_ms, max(1000, shown[0].timestamp_ms - oldest)))


def newest_pages(query: EventQuery) -> Iterator[Page[LogEvent]]:
    """Every page of the query's events, newest first; the first is read before this returns
    (so its ConsoleError comes here), the rest as the caller asks."""
    size = READ_LIMIT // 10
    return following(newest_events(query, limit=size),
                     lambda token: newest_events(query, token, limit=size))


TOO_DENSE = N_("This time range holds more events than can be read newest first in one go. "
               "Narrow the time range or the filter pattern, or show oldest first.")


@dataclass(frozen=True, slots=True)
class WindowRead:
    """One window's read: the newest `room` events in time order (with any sharing the oldest
    kept millisecond), the calls made, whether the window was read to its end, whether older
    events were left out, and how many events were read up to which time."""

    events: list[LogEvent]
    calls: int
    complete: bool
    spilled: bool
    count: int
    first_ms: int
    last_ms: int


def _read_window(query: EventQuery, room: int, calls_left: int) -> WindowRead:
    """Read a window oldest first, using at most half the calls left so a narrower try remains."""
    newest: list[LogEvent] = []
    token: str | None = None
    allowed = max(1, calls_left // 2)
    calls, count, first_ms, last_ms, spilled = 0, 0, 0, 0, False
    while True:
        page = filter_events(query, token, READ_LIMIT)
        calls += 1
        if page.items and not count:
            first_ms = min(event.timestamp_ms for event in page.items)
        count += len(page.items)
        last_ms = max([last_ms, *(event.timestamp_ms for event in page.items)])
        newest, cut = _newest(newest + page.items, room)
        spilled = spilled or cut
        token = page.next_token
        if not token or calls >= allowed:
            return WindowRead(newest, calls, not token, spilled, count, first_ms, last_ms)


def _narrowed(start: int, end: int, read: WindowRead, room: int) -> int:
    """A later start for the window [start, end] that was too full to read: past what was read
    (the oldest part), and, at the rate read, about `room` events before the end."""
    if read.count == 0:
        return (start + end) // 2 + 1
    rate = read.count / (read.last_ms - read.first_ms + 1)  # events per millisecond
    span = max(1, int(room * 1.5 / rate))
    return min(end, max(start + 1, read.last_ms, end - span + 1))


def _newest(events: list[LogEvent], room: int) -> tuple[list[LogEvent], bool]:
    """The newest `room` events in time order, widened to keep a millisecond whole, and whether
    any were dropped."""
    events.sort(key=lambda event: event.order_key)
    if len(events) <= room:
        return events, False
    first = len(events) - room
    while first > 0 and events[first - 1].timestamp_ms == events[first].timestamp_ms:
        first -= 1
    return events[first:], first > 0


def make_token(end_ms: int, skip: int, window_ms: int) -> str:
    """The next newest-first page's token."""
    return f"{TOKEN_PREFIX}.{end_ms}.{skip}.{window_ms}"


def parse_token(token: str) -> tuple[int, int, int]:
    """(end ms, events to skip at end ms, first window ms) from a token of make_token."""
    parts = token.split(".")
    try:
        if len(parts) != 4 or parts[0] != TOKEN_PREFIX:
            raise ValueError(token)
        end, skip, window = (int(part) for part in parts[1:])
    except ValueError:
        raise InvalidInput(N_("This page link is damaged or out of date. Start again from the "
                              "first page.")) from None
    if end < 0 or not 0 <= skip <= MAX_SKIP or window <= 0:
        raise InvalidInput(N_("This page link is damaged or out of date. Start again from the "
                              "first page."))
    return end, skip, window
