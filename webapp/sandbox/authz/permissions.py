"""What a request needs: the IAM actions it performs and the resource ARN of each.

Worked out per service from the request itself (sandbox modules `dynamodb`, `logs`,
`awslambda`, `apigateway`, `sts`, `iam`); sts:GetCallerIdentity needs nothing, as on AWS. Every
other service falls back to its operation name as the action on resource `*`: a grant scoped to
an ARN does not match it (so only `"Resource": "*"` allows those calls), and neither does a Deny
scoped to an ARN. This is the same simplification moto's own access control makes for every
service.
"""
import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request

from webapp.sandbox.dispatch import AwsOperation

# Actions that need no permission at all on AWS.
UNCHECKED_ACTIONS = frozenset({"sts:GetCallerIdentity"})
ANY_RESOURCE = "*"


@dataclass(frozen=True, slots=True)
class Target:
    """Where resource ARNs of a request point: the signing region and the session's account."""

    partition: str
    region: str
    account_id: str

    def arn(self, service: str, resource: str, *, region: str | None = None) -> str:
        """An ARN in this account; region defaults to the request's ('' for global resources)."""
        in_region = self.region if region is None else region
        return f"arn:{self.partition}:{service}:{in_region}:{self.account_id}:{resource}"


@dataclass(frozen=True, slots=True)
class Permission:
    """One action on one resource a request needs, with condition keys only it carries."""

    action: str
    resource: str
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


PermissionRule = Callable[[Request, AwsOperation, Target], list[Permission]]


def required_permissions(request: Request, operation: AwsOperation,
                         target: Target) -> list[Permission]:
    """Every permission the request needs, in the order AWS would report a denial."""
    if operation.action in UNCHECKED_ACTIONS:
        return []
    rule = _rules().get(operation.service)
    if rule is None:
        return [Permission(operation.action, ANY_RESOURCE)]
    return unique(rule(request, operation, target))


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or {} for an empty or malformed body (moto reports those)."""
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def unique(permissions: list[Permission]) -> list[Permission]:
    """The permissions without repeats (a batch may touch one table many times), order kept."""
    seen: set[tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]]] = set()
    kept: list[Permission] = []
    for permission in permissions:
        identity = (permission.action, permission.resource, tuple(sorted(permission.keys.items())))
        if identity not in seen:
            seen.add(identity)
            kept.append(permission)
    return kept


@functools.cache
def _rules() -> dict[str, PermissionRule]:
    # Imported here: the service modules import this one for Permission and Target.
    from webapp.sandbox.authz import apigateway, awslambda, dynamodb, iam, logs, sts

    return {"dynamodb": dynamodb.permissions, "logs": logs.permissions,
            "lambda": awslambda.permissions, "apigateway": apigateway.permissions,
            "sts": sts.permissions, "iam": iam.permissions}
