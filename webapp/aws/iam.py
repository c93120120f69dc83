"""IAM roles and policies."""
from __future__ import annotations

from .clients import client
from .errors import N_, aws_errors
from .paging import Count, count_items


def count_roles() -> Count:
    """How many IAM roles the account has (capped)."""
    with aws_errors(N_("count IAM roles")):
        pages = client("iam").get_paginator("list_roles").paginate()
        return count_items(pages, "Roles")


def count_customer_policies() -> Count:
    """How many customer-managed policies the account has (capped)."""
    with aws_errors(N_("count IAM policies")):
        pages = client("iam").get_paginator("list_policies").paginate(Scope="Local")
        return count_items(pages, "Policies")
