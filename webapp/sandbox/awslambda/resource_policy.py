"""May an AWS service invoke a function? The function's resource policy (moto's GetPolicy) decides.

Services that call Lambda on a user's behalf without a role (API Gateway, a CloudWatch Logs
subscription) need a statement of the function's resource policy ("Using resource-based policies
for Lambda") that allows one of the service's principals (`Principal: {"Service": ...}`, or `*`)
the action lambda:InvokeFunction, and whose AWS:SourceArn / AWS:SourceAccount conditions, if
any, name the calling resource and its account. ArnLike / StringLike conditions read `*` and `?`
as wildcards; ArnEquals / StringEquals compare whole ARNs.

Each caller keeps its own principals, source ARN and refusal: see apigateway/permissions.py and
logs/subscriptions.py.
"""
from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.core.exceptions import ServiceException
from werkzeug.exceptions import HTTPException

from webapp.iam_grammar.arns import arn_like

INVOKE_ACTIONS = frozenset({"lambda:invokefunction", "lambda:*", "*"})
SOURCE_ARN_KEY = "aws:sourcearn"
SOURCE_ACCOUNT_KEY = "aws:sourceaccount"
EXACT_OPERATORS = frozenset({"ArnEquals", "StringEquals"})


def service_may_invoke(account_id: str, region: str, function_arn: str, qualifier: str | None,
                       principals: Collection[str], source_arn: str) -> bool:
    """Whether the function's policy lets one of `principals` invoke it from `source_arn`."""
    try:
        wire = lambda_backends[account_id][region].get_policy(function_arn, qualifier)
    except (KeyError, ServiceException, HTTPException):  # no function, or no policy at all
        return False
    document = json.loads(json.loads(wire)["Policy"])
    return any(_allows(statement, set(principals), source_arn, account_id)
               for statement in document["Statement"])


def _allows(statement: dict[str, Any], principals: set[str], source_arn: str,
            account_id: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    if not any(action.lower() in INVOKE_ACTIONS for action in _listed(statement.get("Action"))):
        return False
    if not _names(statement.get("Principal"), principals):
        return False
    return _conditions_hold(statement.get("Condition") or {}, source_arn, account_id)


def _names(principal: Any, principals: set[str]) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return bool(principals & set(_listed(principal.get("Service")))) or (
            principal.get("AWS") == "*")
    return False


def _conditions_hold(conditions: dict[str, dict[str, Any]], source_arn: str,
                     account_id: str) -> bool:
    for operator, entries in conditions.items():
        for key, values in entries.items():
            if key.lower() == SOURCE_ARN_KEY and not any(
                    _arn_matches(operator, pattern, source_arn) for pattern in _listed(values)):
                return False
            if key.lower() == SOURCE_ACCOUNT_KEY and account_id not in _listed(values):
                return False
    return True


def _arn_matches(operator: str, pattern: str, arn: str) -> bool:
    if operator in EXACT_OPERATORS:
        return pattern == arn
    return arn_like(pattern, arn)


def _listed(value: Any) -> list[Any]:
    """A policy element written as one value or a list, as a list (nothing when absent)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
