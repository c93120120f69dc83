"""A log stream's events kept in (timestamp, eventId) order, and the reads that bisect them.

moto's LogStream.events is a list in arrival order; here it stays sorted by `event_key`
instead, maintained on each put (see `restore_order`), so a time window is two bisections and a
group's streams merge in time order without sorting anything. moto gives event ids from one
process-wide counter, so (timestamp, eventId) orders every event of a group totally, and a page
can end at one such key and the next start just after it (`PageToken`).

The functions here take the stream's list and do not lock: the caller (operations.py) holds
the lock that puts also take.
"""
from __future__ import annotations

import base64
import binascii
import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# FilterLogEvents and GetLogEvents: at most 10,000 events or 1 MB a page.
MAX_PAGE_EVENTS = 10_000
MAX_PAGE_BYTES = 1_048_576
# What an event costs against the 1 MB: its message in UTF-8 plus AWS's 26 bytes of overhead.
EVENT_OVERHEAD_BYTES = 26
TOKEN_PREFIX = "sbx1"


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


def merged(ranges: Iterable[tuple[str, Sequence[Any], int, int]]) -> Iterator[tuple[Any, str]]:
    """(event, stream name) from each (stream name, events, low, high) range, in key order."""
    def walk(name: str, events: Sequence[Any], low: int, high: int) -> Iterator[tuple[int, int, Any, str]]:
        for index in range(low, high):
            event = events[index]
            yield event.timestamp, event.event_id, event, name

    walks = [walk(*part) for part in ranges if part[2] < part[3]]
    for _timestamp, _event_id, event, name in heapq.merge(*walks):
        yield event, name


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
