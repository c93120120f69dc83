"""DynamoDB tables and items."""
from __future__ import annotations

from .clients import client
from .errors import N_, aws_errors
from .paging import Count, count_items


def count_tables() -> Count:
    """How many tables the region has (capped)."""
    with aws_errors(N_("count DynamoDB tables")):
        pages = client("dynamodb").get_paginator("list_tables").paginate()
        return count_items(pages, "TableNames")
