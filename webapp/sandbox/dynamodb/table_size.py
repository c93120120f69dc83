"""TableSizeBytes as AWS reports it: moto always says 0, so add up the items' sizes.

AWS refreshes a table's size about every six hours. The sandbox works it out again after items
were put or deleted (table_order.py keeps the version that tracks that): at once for a table of
up to FRESH_ITEMS items, and at most every REFRESH_SECONDS for a bigger one, so that a page that
describes a large table after every write does not add up every item each time. An UpdateItem
that changes an item in place shows in the size after the next put or delete.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from moto.dynamodb.models import dynamodb_backends

from webapp.sandbox.dynamodb.table_order import items_version

FRESH_ITEMS = 10_000
REFRESH_SECONDS = 60.0
_SIZE = "_sandbox_size_bytes"


def _items(table: Any) -> Iterator[Any]:
    for entry in list(table.items.values()):
        if isinstance(entry, dict):  # a table with a sort key: hash value -> {range value: item}
            yield from list(entry.values())
        else:
            yield entry


def table_size_bytes(account_id: str, region: str, table_name: str,
                     now: Callable[[], float] = time.monotonic) -> int | None:
    """The summed size of the table's items, or None when moto has no such table."""
    try:
        table = dynamodb_backends[account_id][region].tables[table_name]
    except KeyError:
        return None
    version = items_version(table)
    known = table.__dict__.get(_SIZE)  # (version, size, when)
    if known is not None and (known[0] == version or (
            len(table) > FRESH_ITEMS and now() - known[2] < REFRESH_SECONDS)):
        return int(known[1])
    size = sum(item.size() for item in _items(table))
    table.__dict__[_SIZE] = (version, size, now())
    return size
