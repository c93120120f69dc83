"""A group's events newest first, a page at a time, from FilterLogEvents (which reads oldest first).

FilterLogEvents has no order switch, so the newest page is found by reading time windows that end
at the page's end and reach back further each time (x8) until they hold a page of events or reach
the range's start. Only the newest events seen are kept, so memory stays at one page. The first
window starts a minute before the group's newest event as DescribeLogStreams reports it (or
before the end, if that is earlier): the window always ends at the true end, so a stale report
costs only a larger first window, never a missed event.

The page token is ours: `n.<end ms>.<skip>.<window ms>` — the next page ends at the oldest time
shown, skipping the events of that same millisecond already shown, and starts with a window as
wide as the last page spanned.
"""
from __future__ import annotations

import time
from dataclasses import replace

from .errors import N_, ConsoleError
from .logs import EVENTS_PAGE_SIZE, EventQuery, LogEvent, filter_events, latest_event_ms
from .paging import Page

FIRST_WINDOW_MS = 60_000
GROWTH = 8
# Without an end, the page ends this far ahead: PutLogEvents takes events up to 2 hours ahead.
FUTURE_MS = 2 * 3_600_000 + 60_000
READ_LIMIT = 10_000  # FilterLogEvents' largest page
MAX_CALLS = 40  # per page shown, across windows and their pages
TOKEN_PREFIX = "n"


def newest_events(query: EventQuery, page_token: str | None = None,
                  limit: int | None = None) -> Page[LogEvent]:
    """One page of the query's events, newest first (EVENTS_PAGE_SIZE of them unless `limit`)."""
    limit = limit or EVENTS_PAGE_SIZE
    if page_token:
        end, skip, window = parse_token(page_token)
    else:
        end = query.end_ms if query.end_ms is not None else int(time.time() * 1000) + FUTURE_MS
        skip, window = 0, FIRST_WINDOW_MS
        hint = None if query.stream else latest_event_ms(query.log_group_name)
        if hint is not None and hint < end:
            window = max(window, end - hint + FIRST_WINDOW_MS)
    lower = query.start_ms or 0
    need = limit + skip
    kept: list[LogEvent] = []  # the newest `need` events read so far, oldest first
    window_start = max(lower, end - window + 1)
    read_end, calls, older_left = end, 0, True
    while True:
        room = need - len(kept)
        older, used, spilled = _read_window(
            replace(query, start_ms=window_start, end_ms=read_end), room, MAX_CALLS - calls)
        calls += used
        kept = older + kept
        if spilled or window_start <= lower:  # older events left behind, or none can exist
            older_left = spilled
            break
        if len(kept) >= need or calls >= MAX_CALLS:
            break
        read_end = window_start - 1
        window *= GROWTH
        window_start = max(lower, end - window + 1)
    newest_first = sorted(kept, key=lambda event: event.order_key, reverse=True)
    shown = newest_first[skip:skip + limit]
    if not shown or not (older_left or len(newest_first) > skip + limit):
        return Page(shown, None)
    oldest = shown[-1].timestamp_ms
    same_ms = sum(1 for event in shown if event.timestamp_ms == oldest)
    if oldest == end:
        same_ms += skip
    return Page(shown, make_token(oldest, same_ms, max(1000, end - oldest)))


def _read_window(query: EventQuery, room: int, calls_left: int) -> tuple[list[LogEvent], int, bool]:
    """The newest `room` events of the query's window in time order (with any that share the
    oldest kept millisecond), the calls it took, and whether older events were left out."""
    newest: list[LogEvent] = []
    token: str | None = None
    calls, spilled = 0, False
    while True:
        page = filter_events(query, token, READ_LIMIT)
        calls += 1
        newest, cut = _newest(newest + page.items, room)
        spilled = spilled or cut
        token = page.next_token
        if not token:
            return newest, calls, spilled
        if calls >= max(1, calls_left):
            return newest, calls, True


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
        raise ConsoleError(N_("This page link is damaged or out of date. Start again from the "
                              "first page."), code="invalid") from None
    if end < 0 or skip < 0 or window <= 0:
        raise ConsoleError(N_("This page link is damaged or out of date. Start again from the "
                              "first page."), code="invalid")
    return end, skip, window
