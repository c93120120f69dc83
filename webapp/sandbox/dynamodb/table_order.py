"""Scan pages at DynamoDB's pace: moto sorts a whole table on every Scan; keep the order instead.

moto's Table.all_items() builds and sorts a list of every item each time it is called, and Scan
calls it for every page, so one page of 50 from a 100,000-item table costs as much as reading the
table. The order only changes when an item is put (a new key, or a new Item object for an old
one) or deleted, so the sorted list is kept on the table until then.

A write bumps the table's version before and after it changes the items; a list computed while
a write ran is not kept, because the version it started with is gone by the time it is stored.
UpdateItem changes an existing Item in place (same key, same object), so it needs no bump; when
it creates an item it goes through put_item.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models.table import Table

_SORTED = "_sandbox_sorted_items"
_VERSION = "_sandbox_items_version"
_INSTALLED = "_sandbox_keeps_order"
_lock = threading.Lock()


def _bump(table: Table) -> None:
    with _lock:
        table.__dict__[_VERSION] = table.__dict__.get(_VERSION, 0) + 1
        table.__dict__.pop(_SORTED, None)


def _changing(write: Callable[..., Any]) -> Callable[..., Any]:
    def changed(self: Table, *args: Any, **kwargs: Any) -> Any:
        _bump(self)
        try:
            return write(self, *args, **kwargs)
        finally:
            _bump(self)

    changed.__doc__ = write.__doc__
    return changed


def items_version(table: Table) -> int:
    """A number that changes whenever an item of the table is put or deleted."""
    with _lock:
        return int(table.__dict__.get(_VERSION, 0))


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

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.put_item = _changing(Table.put_item)  # type: ignore[method-assign]
    Table.delete_item = _changing(Table.delete_item)  # type: ignore[method-assign]
    setattr(Table, _INSTALLED, True)
