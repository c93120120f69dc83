"""Resources a policy can be scoped to: the region's tables, log groups and Lambda functions.

The builder's picker needs names, so listing is cheap (one paginated List call per page, capped);
the ARNs a policy needs come from `get_resource` for the one resource chosen, which for a table
also names its indexes.
"""
from __future__ import annotations

from dataclasses import dataclass

from webapp.aws.clients import client
from webapp.aws.dynamodb.tables import describe_table
from webapp.aws.errors import N_, NOT_FOUND, NotFound, aws_errors

# A picker longer than this is no help; the user types the name instead.
PICKER_CAP = 200

TABLE = "table"
LOG_GROUP = "log-group"
FUNCTION = "function"
KINDS = (TABLE, LOG_GROUP, FUNCTION)


@dataclass(frozen=True, slots=True)
class PolicyResource:
    """One resource a policy can name: its kind, name, ARN and (for a table) its index ARNs."""

    kind: str
    name: str
    arn: str
    index_arns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResourceNames:
    """The names of a kind of resource, and whether the list stopped at the cap."""

    names: list[str]
    is_capped: bool


def list_resource_names(kind: str, limit: int = PICKER_CAP) -> ResourceNames:
    """Up to `limit` names of the region's resources of `kind`, in AWS's order."""
    if kind == TABLE:
        with aws_errors(N_("list DynamoDB tables")):
            pages = client("dynamodb").get_paginator("list_tables").paginate()
            return _capped((name for page in pages for name in page.get("TableNames", [])), limit)
    if kind == LOG_GROUP:
        with aws_errors(N_("list log groups")):
            pages = client("logs").get_paginator("describe_log_groups").paginate()
            return _capped((group["logGroupName"] for page in pages
                            for group in page.get("logGroups", [])), limit)
    if kind == FUNCTION:
        with aws_errors(N_("list Lambda functions")):
            pages = client("lambda").get_paginator("list_functions").paginate()
            return _capped((function["FunctionName"] for page in pages
                            for function in page.get("Functions", [])), limit)
    raise ValueError(f"unknown resource kind {kind!r}")


def _capped(names, limit: int) -> ResourceNames:
    # The generator pulls pages lazily, so stopping here stops the paginator too.
    found: list[str] = []
    for name in names:
        if len(found) == limit:
            return ResourceNames(found, is_capped=True)
        found.append(name)
    return ResourceNames(found, is_capped=False)


def get_resource(kind: str, name: str) -> PolicyResource:
    """The resource's ARN (and a table's index ARNs); ConsoleError when it does not exist."""
    if kind == TABLE:
        table = describe_table(name)
        return PolicyResource(TABLE, table.name, table.arn,
                              tuple(index.arn for index in table.indexes if index.arn))
    if kind == LOG_GROUP:
        return PolicyResource(LOG_GROUP, name, _log_group_arn(name))
    if kind == FUNCTION:
        with aws_errors(N_("read the function"), f"Lambda function {name}"):
            config = client("lambda").get_function_configuration(FunctionName=name)
        return PolicyResource(FUNCTION, config["FunctionName"], config["FunctionArn"])
    raise ValueError(f"unknown resource kind {kind!r}")


def _log_group_arn(log_group_name: str) -> str:
    with aws_errors(N_("describe the log group"), f"Log group {log_group_name}"):
        pages = client("logs").get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix=log_group_name)
        for page in pages:
            for group in page.get("logGroups", []):
                if group["logGroupName"] == log_group_name:
                    # DescribeLogGroups' arn ends in ":*" (the group and its streams); keep the group.
                    return group["arn"].removesuffix(":*")
    raise NotFound(NOT_FOUND, resource=f"Log group {log_group_name}")
