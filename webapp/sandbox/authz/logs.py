"""CloudWatch Logs: actions and the resource ARNs AWS checks them on.

AWS's AccessDenied messages show the forms (e.g. "logs:CreateLogGroup on resource:
arn:aws:logs:R:A:log-group:/aws/lambda/f:log-stream:"):

* log-stream actions (a `logStreamName` parameter: CreateLogStream, PutLogEvents,
  GetLogEvents, DeleteLogStream): `arn:aws:logs:R:A:log-group:GROUP:log-stream:STREAM`;
* log-group actions (CreateLogGroup, DescribeLogStreams, PutRetentionPolicy, FilterLogEvents…):
  `arn:aws:logs:R:A:log-group:GROUP:log-stream:` — which is why policies grant
  `log-group:GROUP:*`, and why `log-group:GROUP` without `:*` does not cover them;
* DescribeLogGroups: `arn:aws:logs:R:A:log-group::log-stream:`;
* tagging by ARN: the `resourceArn` given; anything else: `*`.
"""
from typing import Any

from werkzeug.wrappers import Request

from webapp.sandbox.authz.permissions import ANY_RESOURCE, Permission, Target, json_body
from webapp.sandbox.dispatch import AwsOperation

SERVICE = "logs"
ACCOUNT_WIDE = frozenset({"DescribeLogGroups", "ListLogGroups"})
GROUP_MARKER = "log-group:"
# DescribeLogGroups returns group ARNs ending in ":*"; logGroupIdentifier accepts either form.
ANY_STREAM_SUFFIX = ":*"


def permissions(request: Request, operation: AwsOperation, target: Target) -> list[Permission]:
    """The CloudWatch Logs permissions a request needs."""
    body = json_body(request)
    if operation.name in ACCOUNT_WIDE:
        return [Permission(operation.action, stream_arn(target, "", ""))]
    groups = _group_names(body)
    if groups:
        stream = body.get("logStreamName")
        return [Permission(operation.action, stream_arn(target, group, stream or ""))
                for group in groups]
    if isinstance(body.get("resourceArn"), str):
        return [Permission(operation.action, body["resourceArn"])]
    return [Permission(operation.action, ANY_RESOURCE)]


def stream_arn(target: Target, group: str, stream: str) -> str:
    """`…:log-group:GROUP:log-stream:STREAM`; an empty stream names the group, as AWS does."""
    return target.arn(SERVICE, f"log-group:{group}:log-stream:{stream}")


def _group_names(body: dict[str, Any]) -> list[str]:
    named: list[str] = []
    for single in ("logGroupName", "logGroupIdentifier"):
        if isinstance(body.get(single), str):
            named.append(body[single])
    for several in ("logGroupNames", "logGroupIdentifiers"):
        if isinstance(body.get(several), list):
            named.extend(name for name in body[several] if isinstance(name, str))
    return [_group_name(name) for name in named]


def _group_name(identifier: str) -> str:
    if not identifier.startswith("arn:"):
        return identifier
    name = identifier.partition(GROUP_MARKER)[2]
    return name.removesuffix(ANY_STREAM_SUFFIX)
