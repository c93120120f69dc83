"""The dashboard's view of an account: who we are and how many of each resource exist."""
from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from webapp.aws.apigateway import rest_apis
from webapp.aws.dynamodb import tables as dynamodb
from webapp.aws.functions import lambda_functions as functions
from webapp.aws.iam import policies as iam_policies
from webapp.aws.iam import roles as iam_roles
from webapp.aws.logs import log_groups as logs
from webapp.aws.account import Identity, get_caller_identity
from webapp.aws.errors import ConsoleError, ExpiredCredentials, NoCredentials, Unreachable
from webapp.aws.paging import Count

T = TypeVar("T")

# Failures that make every other call fail the same way: stop after the first.
BLOCKING_ERRORS = (Unreachable, NoCredentials, ExpiredCredentials)

COUNTERS: tuple[tuple[str, Callable[[], Count]], ...] = (
    ("tables", dynamodb.count_tables),
    ("functions", functions.count_functions),
    ("roles", iam_roles.count_roles),
    ("policies", iam_policies.count_customer_policies),
    ("apis", rest_apis.count_rest_apis),
    ("log_groups", logs.count_log_groups),
)


@dataclass(frozen=True, slots=True)
class ResourceCount:
    """One dashboard tile: a resource kind and its count, or why it could not be counted."""

    kind: str
    count: Count | None
    error: ConsoleError | None


@dataclass(frozen=True, slots=True)
class Overview:
    """The account identity and resource counts, or the one problem that stopped them."""

    identity: Identity | None
    problem: ConsoleError | None
    counts: list[ResourceCount]


def account_overview() -> Overview:
    """Read the caller identity and count every resource kind, all at once.

    The identity is asked alongside the counts rather than before them: on a busy endpoint the
    page then waits behind its queue once, not twice (bench/gateway_load.py).
    """
    with ThreadPoolExecutor(max_workers=len(COUNTERS) + 1) as pool:
        # Each worker runs in a copy of this context so it keeps the request's region.
        who = pool.submit(contextvars.copy_context().run, _count, get_caller_identity)
        futures = {
            kind: pool.submit(contextvars.copy_context().run, _count, counter)
            for kind, counter in COUNTERS
        }
        identity, identity_error = who.result()
        if isinstance(identity_error, BLOCKING_ERRORS):
            return Overview(None, identity_error, [])
        counts = [ResourceCount(kind, *future.result()) for kind, future in futures.items()]
    problem = next((c.error for c in counts if isinstance(c.error, BLOCKING_ERRORS)), None)
    return Overview(identity, problem, counts)


def _count(counter: Callable[[], T]) -> tuple[T | None, ConsoleError | None]:
    try:
        return counter(), None
    except ConsoleError as err:
        return None, err
