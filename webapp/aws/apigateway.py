"""API Gateway REST APIs."""
from __future__ import annotations

from .clients import client
from .errors import N_, aws_errors
from .paging import Count, count_items


def count_rest_apis() -> Count:
    """How many REST APIs the region has (capped)."""
    with aws_errors(N_("count REST APIs")):
        pages = client("apigateway").get_paginator("get_rest_apis").paginate()
        return count_items(pages, "items")
