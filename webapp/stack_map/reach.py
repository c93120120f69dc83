"""What an IAM policy document lets its holder reach: DynamoDB tables and log groups.

Pure rules over a document (no AWS calls): the gatherer draws a REACHES line for each. Only
Allow statements with Action and Resource count (a Deny, NotAction or NotResource narrows rather
than grants); a bare "*" resource reaches nothing in particular and draws no line. Conditions
are not weighed: the policy simulator, asked separately, has the last word on what is allowed.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from webapp.aws.iam.permissions_summary import statements, strings
from webapp.iam_grammar.arns import resource_matches, split_arn
from webapp.iam_grammar.wildcards import action_matches, has_wildcard

TABLE, LOG_GROUP = "table", "log-group"
SERVICE_OF = {TABLE: "dynamodb", LOG_GROUP: "logs"}
# A table name as DynamoDB accepts it: what an environment variable naming one looks like.
TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


@dataclass(frozen=True, slots=True)
class Reach:
    """A table or log group (by name) a policy allows actions on, and those actions as written."""

    kind: str
    name: str
    actions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Place:
    """Where ARNs are built: the region and account of the map."""

    region: str
    account_id: str

    def table_arn(self, table_name: str) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/{table_name}"

    def log_group_arn(self, log_group_name: str) -> str:
        return f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{log_group_name}"


def service_actions(actions: Iterable[str], service: str) -> tuple[str, ...]:
    """The action patterns that cover some action of `service` ("*", "dynamodb:Get*")."""
    return tuple(action for action in actions
                 if action_matches(action.split(":", 1)[0], service))


def reaches(document: dict, place: Place, table_names: Iterable[str],
            log_group_names: Iterable[str]) -> list[Reach]:
    """The tables and log groups the document's Allow statements name, each with its actions.

    A wildcard resource reaches the given tables and log groups it matches; a resource without
    wildcards naming a table or log group of this region and account reaches it whether or not
    it exists (the map marks a missing one).
    """
    tables, groups = sorted(set(table_names)), sorted(set(log_group_names))
    found: dict[tuple[str, str], list[str]] = {}
    for statement in statements(document):
        if statement.get("Effect") != "Allow" or "Action" not in statement:
            continue
        actions = strings(statement.get("Action"))
        resources = [resource for resource in strings(statement.get("Resource")) if resource != "*"]
        for kind, names, arn_of in ((TABLE, tables, place.table_arn),
                                    (LOG_GROUP, groups, place.log_group_arn)):
            allowed = service_actions(actions, SERVICE_OF[kind])
            if not allowed:
                continue
            for name in _reached(kind, resources, names, arn_of, place):
                kept = found.setdefault((kind, name), [])
                kept.extend(action for action in allowed if action not in kept)
    return [Reach(kind, name, tuple(actions)) for (kind, name), actions in found.items()]


def _reached(kind: str, resources: list[str], names: list[str], arn_of: Callable[[str], str],
             place: Place) -> list[str]:
    reached: list[str] = []
    for resource in resources:
        named = _named(kind, resource, place)
        if named is not None and not has_wildcard(named):
            reached.append(named)
            continue
        reached.extend(name for name in names
                       if any(resource_matches(resource, arn) for arn in _arns(kind, arn_of(name))))
    return list(dict.fromkeys(reached))


def _arns(kind: str, arn: str) -> tuple[str, ...]:
    # A log group's rights are usually written on its streams: "…:log-group:NAME:*".
    if kind == LOG_GROUP:
        return arn, f"{arn}:*", f"{arn}:log-stream:*"
    return arn, f"{arn}/*"


def _named(kind: str, resource: str, place: Place) -> str | None:
    """The table or log group a resource ARN of this region and account names (wildcards kept)."""
    parts = split_arn(resource)
    if parts is None or parts[2] != SERVICE_OF[kind]:
        return None
    if parts[3] != place.region or parts[4] != place.account_id:
        return None
    if kind == TABLE and parts[5].startswith("table/"):
        return parts[5][len("table/"):].split("/", 1)[0] or None
    if kind == LOG_GROUP and parts[5].startswith("log-group:"):
        return parts[5][len("log-group:"):].split(":", 1)[0] or None
    return None


def table_variables(environment: dict[str, str], table_names: Iterable[str]) -> list[tuple[str, str]]:
    """(variable, table) for each environment variable naming a table: its value is an existing
    table's name, or its name says TABLE and its value could be a table's name."""
    existing = set(table_names)
    return [(variable, value) for variable, value in sorted(environment.items())
            if value in existing or ("TABLE" in variable.upper() and TABLE_NAME.match(value))]
