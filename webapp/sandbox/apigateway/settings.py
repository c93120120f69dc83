"""Stage logging needs the account's CloudWatch role, and that role must trust API Gateway.

moto turns logging on without a role and takes any role ARN; AWS refuses both (AWS_FACTS §6).
"""
import json
from typing import Any
from urllib.parse import unquote

from moto.apigateway.models import apigateway_backends

from webapp.sandbox.apigateway.exceptions import BadRequestException
from webapp.sandbox.authz.roles import find_role

NO_ROLE = "CloudWatch Logs role ARN must be set in account settings to enable logging"
# AWS's wording since 2020 (earlier: "…does not have required permissions set to API Gateway").
UNTRUSTED_ROLE = ("The role ARN does not have required permissions configured. Please grant "
                  "trust permission for API Gateway and add the required role policy.")
GATEWAY_PRINCIPAL = "apigateway.amazonaws.com"
LOG_LEVEL_SUFFIX = "/logging/loglevel"
ACCESS_LOG_PREFIX = "/accessLogSettings"
LOG_LEVELS_NEEDING_ROLE = frozenset({"INFO", "ERROR"})


def check_stage_update(account_id: str, region: str,
                       patch_operations: list[dict[str, Any]]) -> None:
    """BadRequestException if the patch enables logging while the account has no role."""
    if not any(_enables_logging(operation) for operation in patch_operations):
        return
    if not apigateway_backends[account_id][region].account.cloudwatch_role_arn:
        raise BadRequestException(NO_ROLE)


def check_account_update(account_id: str, patch_operations: list[dict[str, Any]]) -> None:
    """BadRequestException if the patch sets a role that does not exist or trust API Gateway."""
    for operation in patch_operations:
        if operation.get("path") != "/cloudwatchRoleArn" or not operation.get("value"):
            continue
        role = find_role(account_id, str(operation["value"]))
        if role is None or not trusts_gateway(role.assume_role_policy_document):
            raise BadRequestException(UNTRUSTED_ROLE)


def _enables_logging(operation: dict[str, Any]) -> bool:
    path = unquote(str(operation.get("path", "")))
    if operation.get("op") not in ("replace", "add"):
        return False
    if path.endswith(LOG_LEVEL_SUFFIX):
        return str(operation.get("value", "")).upper() in LOG_LEVELS_NEEDING_ROLE
    return path.startswith(ACCESS_LOG_PREFIX) and bool(operation.get("value"))


def trusts_gateway(document: str | dict[str, Any]) -> bool:
    """Whether a role's trust policy lets apigateway.amazonaws.com assume it."""
    policy = json.loads(unquote(document)) if isinstance(document, str) else document
    statements = policy.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = _listed(statement.get("Action", []))
        principal = statement.get("Principal", {})
        services = _listed(principal.get("Service", [])) if isinstance(principal, dict) else []
        if (statement.get("Effect") == "Allow" and GATEWAY_PRINCIPAL in services
                and any(action in ("sts:AssumeRole", "sts:*", "*") for action in actions)):
            return True
    return False


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
