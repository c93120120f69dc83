"""Lambda functions."""
from __future__ import annotations

from .clients import client
from .errors import N_, aws_errors
from .paging import Count, count_items


def count_functions() -> Count:
    """How many Lambda functions the region has (capped)."""
    with aws_errors(N_("count Lambda functions")):
        pages = client("lambda").get_paginator("list_functions").paginate()
        return count_items(pages, "Functions")
