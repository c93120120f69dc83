"""CloudWatch Logs groups and events."""
from __future__ import annotations

from .clients import client
from .errors import N_, aws_errors
from .paging import Count, count_items


def count_log_groups() -> Count:
    """How many log groups the region has (capped)."""
    with aws_errors(N_("count log groups")):
        pages = client("logs").get_paginator("describe_log_groups").paginate()
        return count_items(pages, "logGroups")
