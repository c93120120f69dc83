"""May API Gateway invoke the function? Its resource policy, or the integration's role, decides.

Without `credentials` on the integration, AWS needs a statement of the function's resource policy
(moto's GetPolicy) allowing principal apigateway.amazonaws.com the action lambda:InvokeFunction,
whose AWS:SourceArn condition (if any) matches the call's execute-api ARN,
`arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/RESOURCE_PATH`, `*` per segment.

With `credentials` (an invocation role's ARN), API Gateway assumes the role instead: the role
must trust apigateway.amazonaws.com, and its identity policies must allow lambda:InvokeFunction
on the function (qualified ARN if the URI names a qualifier); the resource policy is not read.
"""
import json
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.core.exceptions import ServiceException
from werkzeug.exceptions import HTTPException

from webapp.sandbox import authz
from webapp.sandbox.apigateway.settings import trusts_gateway
from webapp.sandbox.authz.patterns import arn_glob, plain
from webapp.sandbox.authz.roles import find_role

PRINCIPAL = "apigateway.amazonaws.com"
INVOKE_ACTIONS = frozenset({"lambda:invokefunction", "lambda:*", "*"})
SOURCE_ARN_KEY = "aws:sourcearn"
SOURCE_ACCOUNT_KEY = "aws:sourceaccount"
INVOKE_ACTION = "lambda:InvokeFunction"


def source_arn(region: str, account_id: str, api_id: str, stage: str, http_method: str,
               resource_path: str) -> str:
    """The execute-api ARN a call presents; ANY methods present `*`."""
    method = "*" if http_method == "ANY" else http_method
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}{resource_path}"


def may_invoke(account_id: str, region: str, function_arn: str, qualifier: str | None,
               arn: str) -> bool:
    """Whether the function's policy lets API Gateway call it from `arn`."""
    try:
        wire = lambda_backends[account_id][region].get_policy(function_arn, qualifier)
    except (KeyError, ServiceException, HTTPException):  # no policy at all
        return False
    document = json.loads(json.loads(wire)["Policy"])
    return any(_allows(statement, arn, account_id) for statement in document["Statement"])


def role_may_invoke(account_id: str, role_arn: str, function_arn: str,
                    qualifier: str | None) -> bool:
    """Whether API Gateway may assume `role_arn` and, as the role, invoke the function."""
    role = find_role(account_id, role_arn)
    if role is None or not trusts_gateway(role.assume_role_policy_document):
        return False
    resource = f"{function_arn}:{qualifier}" if qualifier else function_arn
    return authz.is_allowed(account_id, role_arn, INVOKE_ACTION, resource)


def _allows(statement: dict[str, Any], arn: str, account_id: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    actions = statement.get("Action", [])
    if not any(action.lower() in INVOKE_ACTIONS for action in _listed(actions)):
        return False
    if not _names_gateway(statement.get("Principal")):
        return False
    return _conditions_hold(statement.get("Condition") or {}, arn, account_id)


def _names_gateway(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return PRINCIPAL in _listed(principal.get("Service", [])) or principal.get("AWS") == "*"
    return False


def _conditions_hold(conditions: dict[str, dict[str, Any]], arn: str, account_id: str) -> bool:
    for operator, entries in conditions.items():
        for key, values in entries.items():
            if key.lower() == SOURCE_ARN_KEY and not any(
                    _arn_matches(operator, pattern, arn) for pattern in _listed(values)):
                return False
            if key.lower() == SOURCE_ACCOUNT_KEY and account_id not in _listed(values):
                return False
    return True


def _arn_matches(operator: str, pattern: str, arn: str) -> bool:
    if operator in ("ArnEquals", "StringEquals"):
        return pattern == arn
    return arn_glob(plain(pattern)).fullmatch(arn) is not None


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
