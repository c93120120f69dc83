"""API Gateway and Lambda: which methods call a function, and API Gateway's permission to."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from webapp.aws.account import account_id
from webapp.aws.apigateway.rest_apis import LARGEST_PAGE
from webapp.aws.clients import client, current_region
from webapp.aws.errors import N_, aws_errors
from webapp.aws.functions.lambda_functions import PolicyStatement, get_resource_policy
from webapp.iam_grammar.arns import arn_like

# Scanning every API's resources costs a call or more per API; past this many the page says so.
MAX_APIS_SCANNED = 30
# arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN[:QUALIFIER]/invocations
LAMBDA_TARGET = re.compile(r":lambda:path/[^/]+/functions/(?P<target>[^/]+)/invocations$")
# Who a function's resource policy lets invoke it from API Gateway.
LAMBDA_PRINCIPAL = "apigateway.amazonaws.com"


@dataclass(frozen=True, slots=True)
class LambdaIntegration:
    """A method whose integration calls a Lambda function (qualifier: alias or version, or "")."""

    api_id: str
    api_name: str
    http_method: str
    resource_path: str
    integration_type: str
    qualifier: str


@dataclass(frozen=True, slots=True)
class IntegrationScan:
    """The methods found, how many REST APIs were looked at, and whether more were left."""

    integrations: list[LambdaIntegration]
    apis_scanned: int
    is_capped: bool


def find_lambda_integrations(function_arn: str) -> IntegrationScan:
    """Methods of the region's REST APIs (the first MAX_APIS_SCANNED) integrating this function."""
    apigateway = client("apigateway")
    found: list[LambdaIntegration] = []
    scanned = 0
    with aws_errors(N_("look for API Gateway methods that call this function")):
        pages = apigateway.get_paginator("get_rest_apis").paginate(
            PaginationConfig={"PageSize": LARGEST_PAGE})
        for page in pages:
            for api in page.get("items", []):
                if scanned == MAX_APIS_SCANNED:
                    return IntegrationScan(found, scanned, is_capped=True)
                scanned += 1
                found.extend(_integrations_of(api, function_arn))
    return IntegrationScan(found, scanned, is_capped=False)


def _integrations_of(api: dict, function_arn: str) -> list[LambdaIntegration]:
    found = []
    for method in list_method_integrations(api["id"]):
        qualifier = _qualifier_of(method.lambda_target, function_arn)
        if qualifier is not None:
            found.append(LambdaIntegration(
                api["id"], api.get("name", ""), method.http_method, method.resource_path,
                method.integration_type, qualifier))
    return found


@dataclass(frozen=True, slots=True)
class MethodIntegration:
    """One method of an API and what its integration calls (`lambda_target`: the function's
    ARN, with any qualifier, when it is a Lambda function; "" otherwise)."""

    resource_id: str
    resource_path: str
    http_method: str
    integration_type: str
    lambda_target: str


def list_method_integrations(api_id: str) -> list[MethodIntegration]:
    """Every method of the API with its integration, read with GetResources embed=methods (one
    paged call), by path and method."""
    found: list[MethodIntegration] = []
    with aws_errors(N_("list the API's methods"), f"REST API {api_id}"):
        pages = client("apigateway").get_paginator("get_resources").paginate(
            restApiId=api_id, embed=["methods"], PaginationConfig={"PageSize": LARGEST_PAGE})
        for page in pages:
            for resource in page.get("items", []):
                for http_method, method in (resource.get("resourceMethods") or {}).items():
                    integration = (method or {}).get("methodIntegration") or {}
                    found.append(MethodIntegration(
                        resource["id"], resource.get("path", ""), http_method,
                        integration.get("type", ""), lambda_target(integration.get("uri", ""))))
    return sorted(found, key=lambda item: (item.resource_path, item.http_method))


def lambda_target(uri: str) -> str:
    """The function ARN (with any qualifier) a Lambda integration URI calls; "" for another URI."""
    match = LAMBDA_TARGET.search(uri)
    return match["target"] if match else ""


def lambda_qualifier(uri: str, function_arn: str) -> str | None:
    """The alias or version the URI calls this function by ("" for none); None for another target."""
    return _qualifier_of(lambda_target(uri), function_arn)


def _qualifier_of(target: str, function_arn: str) -> str | None:
    if not target:
        return None
    if target == function_arn:
        return ""
    if target.startswith(function_arn + ":"):
        return target[len(function_arn) + 1:]
    return None


def lambda_integration_uri(region: str, function_target: str) -> str:
    """The integration URI API Gateway uses to invoke a Lambda function."""
    return (f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
            f"{function_target}/invocations")


def execute_api_arn(api_id: str, http_method: str, resource_path: str, stage: str = "*") -> str:
    """The execute-api ARN a Lambda permission names as its source (ANY becomes *)."""
    method = "*" if http_method == "ANY" else http_method
    return (f"arn:aws:execute-api:{current_region()}:{account_id()}:{api_id}/{stage}/{method}"
            f"{resource_path}")


def may_invoke(function_target: str, source_arn: str) -> bool:
    """Whether the function's resource policy lets API Gateway call it from `source_arn`."""
    function_name, qualifier = split_target(function_target)
    return statements_allow_invoke(get_resource_policy(function_name, qualifier) or [], source_arn)


def statements_allow_invoke(statements: list[PolicyStatement], source_arn: str) -> bool:
    """Whether these resource-policy statements let API Gateway invoke from `source_arn`."""
    for statement in statements:
        if statement.effect != "Allow":
            continue
        if not any(principal.value in (LAMBDA_PRINCIPAL, "*") for principal in statement.principals):
            continue
        if not any(action in ("lambda:InvokeFunction", "lambda:*", "*")
                   for action in statement.actions):
            continue
        if statement.source_arn is None or arn_like(statement.source_arn, source_arn):
            return True
    return False


def split_target(function_target: str) -> tuple[str, str]:
    """A function target (ARN, perhaps with an alias or version) as (function ARN, qualifier)."""
    # arn:aws:lambda:REGION:ACCOUNT:function:NAME has 7 parts; a qualifier makes 8.
    if function_target.count(":") == 7:
        function_name, qualifier = function_target.rsplit(":", 1)
        return function_name, qualifier
    return function_target, ""


def add_invoke_permission(function_target: str, source_arn: str) -> str:
    """Let API Gateway invoke the function from `source_arn` (lambda:AddPermission); the Sid."""
    function_name, qualifier = split_target(function_target)
    statement_id = f"apigateway-{secrets.token_hex(8)}"
    start = {"Qualifier": qualifier} if qualifier else {}
    with aws_errors(N_("allow API Gateway to invoke the function"),
                    f"Lambda function {function_target}"):
        client("lambda").add_permission(
            FunctionName=function_name, StatementId=statement_id,
            Action="lambda:InvokeFunction", Principal=LAMBDA_PRINCIPAL, SourceArn=source_arn,
            **start)
    return statement_id
