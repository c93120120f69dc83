"""TableSizeBytes as AWS reports it: moto always says 0, so add up the items' sizes.

AWS refreshes a table's size about every six hours; the sandbox works it out when the table's
items were last put or deleted (see table_order.py for the version that tracks that), so an
UpdateItem that changes an item in place shows in the size only after the next put or delete.
"""
from __future__ import annotations

from moto.dynamodb.models import dynamodb_backends

from webapp.sandbox.dynamodb.table_order import items_version

_SIZE = "_sandbox_size_bytes"


def table_size_bytes(account_id: str, region: str, table_name: str) -> int | None:
    """The summed size of the table's items, or None when moto has no such table."""
    try:
        table = dynamodb_backends[account_id][region].tables[table_name]
    except KeyError:
        return None
    version = items_version(table)
    known = table.__dict__.get(_SIZE)
    if known is not None and known[0] == version:
        return known[1]
    size = sum(item.size() for item in table.all_items())
    table.__dict__[_SIZE] = (version, size)
    return size
