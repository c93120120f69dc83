"""API Gateway REST APIs."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .clients import client
from .errors import N_, aws_errors
from .paging import Count, count_items


def count_rest_apis() -> Count:
    """How many REST APIs the region has (capped)."""
    with aws_errors(N_("count REST APIs")):
        pages = client("apigateway").get_paginator("get_rest_apis").paginate()
        return count_items(pages, "items")


# Scanning every API's resources costs a call or more per API; past this many the page says so.
MAX_APIS_SCANNED = 30
# API Gateway's largest page for GetRestApis and GetResources.
LARGEST_PAGE = 500
# arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN[:QUALIFIER]/invocations
_LAMBDA_TARGET = re.compile(r":lambda:path/[^/]+/functions/(?P<target>[^/]+)/invocations$")


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
    pages = client("apigateway").get_paginator("get_resources").paginate(
        restApiId=api["id"], embed=["methods"], PaginationConfig={"PageSize": LARGEST_PAGE})
    for page in pages:
        for resource in page.get("items", []):
            for http_method, method in sorted(resource.get("resourceMethods", {}).items()):
                integration = method.get("methodIntegration") or {}
                qualifier = lambda_qualifier(integration.get("uri", ""), function_arn)
                if qualifier is not None:
                    found.append(LambdaIntegration(
                        api["id"], api.get("name", ""), http_method, resource.get("path", ""),
                        integration.get("type", ""), qualifier))
    return sorted(found, key=lambda item: (item.resource_path, item.http_method))


def lambda_qualifier(uri: str, function_arn: str) -> str | None:
    """The alias or version the URI calls this function by ("" for none); None for another target."""
    match = _LAMBDA_TARGET.search(uri)
    if match is None:
        return None
    target = match["target"]
    if target == function_arn:
        return ""
    if target.startswith(function_arn + ":"):
        return target[len(function_arn) + 1:]
    return None
