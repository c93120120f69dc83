"""Least-privilege policy documents for one resource and an access level (pure: no Flask, no AWS).

Each kind of resource offers a curated list of actions, each marked read or write and placed on
the narrowest ARNs it needs: a table's Query and Scan also reach its indexes (`table/NAME/index/*`),
writing logs needs the group (to create it) and its streams, invoking a function covers its
versions and aliases. Actions sharing the same ARNs share one statement.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TABLE = "table"
LOG_GROUP = "log-group"
FUNCTION = "function"
KINDS = (TABLE, LOG_GROUP, FUNCTION)

READ = "read"
WRITE = "write"
READ_WRITE = "read-write"
CHOSEN = "chosen"
ACCESS_LEVELS = (READ, WRITE, READ_WRITE, CHOSEN)

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True, slots=True)
class CuratedAction:
    """One action the builder offers: whether it reads or writes, and which ARN forms it needs."""

    action: str
    level: str  # READ or WRITE
    scopes: tuple[str, ...]


def _table(action: str, level: str, *, indexes: bool = False) -> CuratedAction:
    return CuratedAction(f"dynamodb:{action}", level, ("table", "index") if indexes else ("table",))


CURATED: dict[str, tuple[CuratedAction, ...]] = {
    TABLE: (
        _table("GetItem", READ), _table("BatchGetItem", READ),
        _table("Query", READ, indexes=True), _table("Scan", READ, indexes=True),
        _table("ConditionCheckItem", READ), _table("DescribeTable", READ),
        _table("PutItem", WRITE), _table("UpdateItem", WRITE), _table("DeleteItem", WRITE),
        _table("BatchWriteItem", WRITE),
    ),
    LOG_GROUP: (
        CuratedAction("logs:DescribeLogStreams", READ, ("group",)),
        CuratedAction("logs:FilterLogEvents", READ, ("group",)),
        CuratedAction("logs:GetLogEvents", READ, ("stream",)),
        CuratedAction("logs:CreateLogGroup", WRITE, ("group",)),
        CuratedAction("logs:CreateLogStream", WRITE, ("stream",)),
        CuratedAction("logs:PutLogEvents", WRITE, ("stream",)),
    ),
    FUNCTION: (
        CuratedAction("lambda:GetFunction", READ, ("function",)),
        CuratedAction("lambda:GetFunctionConfiguration", READ, ("function",)),
        CuratedAction("lambda:InvokeFunction", WRITE, ("function", "qualified")),
    ),
}

# Statement ids, by the ARN forms a statement covers (alphanumeric, as IAM requires).
_SIDS = {
    ("table",): "TableItems", ("table", "index"): "TableAndIndexes",
    ("group",): "LogGroup", ("stream",): "LogStreams",
    ("function",): "Function", ("function", "qualified"): "FunctionAndVersions",
}


def offered_actions(kind: str) -> tuple[CuratedAction, ...]:
    """Every action the builder offers for a kind of resource, reads first."""
    if kind not in CURATED:
        raise ValueError(f"unknown resource kind {kind!r}")
    return CURATED[kind]


def actions_for(kind: str, access: str, actions: Sequence[str] | None = None) -> list[str]:
    """The curated actions an access level grants; for CHOSEN, `actions` checked against the offer."""
    offered = offered_actions(kind)
    if access == READ_WRITE:
        return [curated.action for curated in offered]
    if access in (READ, WRITE):
        return [curated.action for curated in offered if curated.level == access]
    if access == CHOSEN:
        names = {curated.action for curated in offered}
        unknown = [action for action in actions or () if action not in names]
        if unknown:
            raise ValueError(f"not offered for {kind}: {', '.join(unknown)}")
        wanted = set(actions or ())
        return [curated.action for curated in offered if curated.action in wanted]
    raise ValueError(f"unknown access level {access!r}")


def _scoped_arn(kind: str, arn: str, scope: str) -> str:
    if kind == LOG_GROUP:
        group_arn = arn.removesuffix(":*")
        return f"{group_arn}:*" if scope == "group" else f"{group_arn}:log-stream:*"
    if scope == "index":
        return f"{arn}/index/*"
    if scope == "qualified":
        return f"{arn}:*"
    return arn


def policy_for(kind: str, arns: Sequence[str], access: str,
               actions: Sequence[str] | None = None) -> dict:
    """A least-privilege identity policy granting `access` on the resources named by `arns`.

    `arns` are the resources' own ARNs (a table's, a log group's, a function's unqualified ARN);
    the index, stream and version ARNs are derived from them. Raises ValueError for an unknown
    kind or access level, an action not offered for the kind, or nothing to grant.
    """
    granted = set(actions_for(kind, access, actions))
    if not granted or not arns:
        raise ValueError("a policy needs at least one action and one resource")
    grouped: dict[tuple[str, ...], list[str]] = {}
    for curated in offered_actions(kind):
        if curated.action in granted:
            grouped.setdefault(curated.scopes, []).append(curated.action)
    statements = []
    for scopes, scope_actions in grouped.items():
        resources = [_scoped_arn(kind, arn, scope) for arn in arns for scope in scopes]
        statements.append({
            "Sid": _SIDS[scopes],
            "Effect": "Allow",
            "Action": scope_actions,
            "Resource": resources[0] if len(resources) == 1 else resources,
        })
    return {"Version": POLICY_VERSION, "Statement": statements}
