"""Scan pages at DynamoDB's pace: moto sorts a whole table on every Scan; keep the order instead.

moto's Table.all_items() builds and sorts a list of every item each time it is called, and Scan
calls it for every page, so one page of 50 from a 100,000-item table costs as much as reading the
table. Here the sorted list is kept on the table and updated in place by each put (insert, or
replace the item with the same key) and delete (remove), found by bisection in moto's own order.

Every put or delete also bumps the table's version. A list sorted while a write ran is not kept,
because the version it started with is gone by the time it is stored. UpdateItem changes an
existing Item in place (same key, same object) and so needs nothing; when it creates an item it
goes through put_item.

ItemCount (moto's len(table)) is counted from the partitions rather than item by item, so
DescribeTable, which every items page of the console calls, costs the same on a big table.
"""
from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models.table import Table

_SORTED = "_sandbox_sorted_items"
_VERSION = "_sandbox_items_version"
_INSTALLED = "_sandbox_keeps_order"
_lock = threading.Lock()


def _order(item: Any) -> Any:
    """moto's Scan order (Table.all_items sorts by this)."""
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key


def items_version(table: Table) -> int:
    """A number that changes whenever an item of the table is put or deleted."""
    with _lock:
        return int(table.__dict__.get(_VERSION, 0))


def _position(items: list[Any], item: Any) -> tuple[int, bool]:
    place = bisect_left(items, _order(item), key=_order)
    return place, place < len(items) and _order(items[place]) == _order(item)


def _after_put(table: Table, item: Any) -> None:
    _reorder(table, item, stays=True)


def _after_delete(table: Table, item: Any) -> None:
    _reorder(table, item, stays=False)


def _reorder(table: Table, item: Any, *, stays: bool) -> None:
    """Count a change of the table and, if its order is kept, put the item in (or take it out)."""
    with _lock:
        table.__dict__[_VERSION] = table.__dict__.get(_VERSION, 0) + 1
        items = table.__dict__.get(_SORTED)
        if items is None or item is None:
            return
        place, found = _position(items, item)
        if stays and found:
            items[place] = item
        elif stays:
            items.insert(place, item)
        elif found:
            del items[place]


def _followed(write: Callable[..., Any], after: Callable[[Table, Any], None]) -> Callable[..., Any]:
    def changed(self: Table, *args: Any, **kwargs: Any) -> Any:
        with _lock:  # a sort already under way must not be kept
            self.__dict__[_VERSION] = self.__dict__.get(_VERSION, 0) + 1
        result = write(self, *args, **kwargs)
        after(self, result)
        return result

    changed.__doc__ = write.__doc__
    return changed


def install() -> None:
    """Make moto's tables keep their sorted item list between writes (once per process)."""
    if getattr(Table, _INSTALLED, False):
        return
    sort_all = Table.all_items

    def all_items(self: Table) -> list[Any]:
        with _lock:
            cached = self.__dict__.get(_SORTED)
            version = self.__dict__.get(_VERSION, 0)
            if cached is not None:
                return list(cached)
        items = sort_all(self)
        with _lock:
            if self.__dict__.get(_VERSION, 0) == version:
                self.__dict__[_SORTED] = items
        return list(items)

    def count(self: Table) -> int:
        # moto builds a list of 1s per item; the partitions' own sizes give the same count.
        if not self.has_range_key:
            return len(self.items)
        return sum(len(partition) for partition in list(self.items.values()))

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.__len__ = count  # type: ignore[method-assign]
    Table.put_item = _followed(Table.put_item, _after_put)  # type: ignore[method-assign]
    Table.delete_item = _followed(Table.delete_item, _after_delete)  # type: ignore[method-assign]
    setattr(Table, _INSTALLED, True)
