"""A log stream's events kept in (timestamp, eventId) order, and the reads that bisect them.

moto's LogStream.events is a list in arrival order; here it stays sorted by `event_key`
instead, maintained on each put (see `restore_order`), so a time window is two bisections and a
group's streams are read in time order a slice at a time (`matching_in_order`). moto gives event ids from one
process-wide counter, so (timestamp, eventId) orders every event of a group totally, and a page
can end at one such key and the next start just after it (`PageToken`).

The functions here take the stream's list and do not lock: the caller (operations.py) holds
the lock that puts also take.
"""
from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# FilterLogEvents and GetLogEvents: at most 10,000 events or 1 MB a page.
MAX_PAGE_EVENTS = 10_000
MAX_PAGE_BYTES = 1_048_576
# What an event costs against the 1 MB: its message in UTF-8 plus AWS's 26 bytes of overhead.
EVENT_OVERHEAD_BYTES = 26
TOKEN_PREFIX = "sbx1"
# The least number of events the first time slice of a search is sized to hold.
FIRST_SLICE_EVENTS = 1_000


class Event(Protocol):
    """What this module needs of moto's LogEvent."""

    timestamp: int
    event_id: int
    message: str
    ingestion_time: int


def event_key(event: Event) -> tuple[int, int]:
    """The order events are kept in."""
    return (event.timestamp, event.event_id)


def event_bytes(event: Event) -> int:
    """What one event counts against a page's 1 MB."""
    return len(event.message.encode()) + EVENT_OVERHEAD_BYTES


def restore_order(events: list[Any], first_new: int) -> None:
    """Put `events` back in order after a batch was appended at `first_new`.

    The usual batch is later than everything before it and costs one comparison; a batch that
    reaches back in time (or is out of order itself) is merged by Timsort, which finds the two
    sorted runs and merges them in linear time.
    """
    if first_new >= len(events):
        return
    keys = [event_key(event) for event in events[first_new:]]
    in_order = all(earlier <= later for earlier, later in zip(keys, keys[1:]))
    if in_order and (first_new == 0 or event_key(events[first_new - 1]) <= keys[0]):
        return
    events.sort(key=event_key)


def window(events: Sequence[Any], start_time: int | None, end_time: int | None,
           end_inclusive: bool) -> tuple[int, int]:
    """The index range of events with start_time <= timestamp <= end_time (or < end_time)."""
    low = bisect_left(events, (start_time, -1), key=event_key) if start_time else 0
    if end_time is None:
        return low, len(events)
    bound = (end_time + 1, -1) if end_inclusive else (end_time, -1)
    return low, max(low, bisect_left(events, bound, key=event_key))


def after(events: Sequence[Any], key: tuple[int, int]) -> int:
    """The index of the first event later than `key`."""
    return bisect_right(events, key, key=event_key)


def before(events: Sequence[Any], key: tuple[int, int]) -> int:
    """The index just past the last event earlier than `key`."""
    return bisect_left(events, key, key=event_key)


def matching_in_order(ranges: Iterable[tuple[str, Sequence[Any], int, int]],
                      matches: Callable[[str], bool], want: int) -> Iterator[tuple[Any, str]]:
    """(event, stream name) of the events whose message `matches`, in key order, from each
    (stream name, events, low, high) range.

    The ranges are read a slice of time at a time: each stream's part of the slice is found by
    bisection and filtered on its own, and only the matches are sorted, so a non-matching event
    costs one test rather than a trip through a merge heap. The first slice is sized to hold
    about `want` events (at least FIRST_SLICE_EVENTS), and a slice that finds fewer than `want`
    matches so far doubles the next one, so a sparse pattern widens quickly and a dense one
    reads little past what the page needs.
    """
    live = [[name, events, low, high] for name, events, low, high in ranges if low < high]
    if not live:
        return
    first = min(part[1][part[2]].timestamp for part in live)
    last = max(part[1][part[3] - 1].timestamp for part in live)
    total = sum(part[3] - part[2] for part in live)
    span = max(1, (last - first + 1) * max(FIRST_SLICE_EVENTS, want) // total)
    found_so_far = 0
    start = first
    while live:
        end = start + span
        found: list[tuple[int, int, Any, str]] = []
        for part in live:
            name, events, low, high = part
            stop = high if events[high - 1].timestamp < end else bisect_left(
                events, (end, -1), lo=low, hi=high, key=event_key)
            for index in range(low, stop):
                event = events[index]
                if matches(event.message):
                    found.append((event.timestamp, event.event_id, event, name))
            part[2] = stop
        found.sort(key=_first_two)
        for _timestamp, _event_id, event, name in found:
            yield event, name
        found_so_far += len(found)
        if found_so_far < want:
            span *= 2
        live = [part for part in live if part[2] < part[3]]
        start = end


def _first_two(item: tuple[int, int, Any, str]) -> tuple[int, int]:
    return (item[0], item[1])


@dataclass(frozen=True, slots=True)
class PageToken:
    """Where a FilterLogEvents page ended: the key of its last event."""

    timestamp: int
    event_id: int

    @property
    def key(self) -> tuple[int, int]:
        """The event key the next page starts after."""
        return (self.timestamp, self.event_id)

    def encode(self) -> str:
        """The opaque nextToken."""
        raw = f"{TOKEN_PREFIX}:{self.timestamp}:{self.event_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> PageToken | None:
        """The position a nextToken names, or None for a token this sandbox never gave."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            prefix, timestamp, event_id = raw.split(":")
            if prefix != TOKEN_PREFIX:
                return None
            return cls(int(timestamp), int(event_id))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
