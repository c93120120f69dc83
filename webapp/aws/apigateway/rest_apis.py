"""API Gateway REST APIs: count, list, create, read, rename or re-type, delete.

The rest of an API lives beside this module: resources.py (its tree), methods.py (methods and
their integrations), lambda_integrations.py (what calls a Lambda function and may invoke it),
stages.py (deployments, stages, invoke URLs), cloudwatch_logging.py (the account's logging role,
a stage's logs) and calls.py (test invokes, calls to a deployed stage).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from webapp.aws.clients import client
from webapp.aws.errors import N_, aws_errors
from webapp.aws.paging import PAGE_SIZE, Count, Page, count_items

ENDPOINT_TYPES = ("REGIONAL", "EDGE", "PRIVATE")
# API Gateway's largest page for GetRestApis, GetResources and GetDeployments.
LARGEST_PAGE = 500


def count_rest_apis() -> Count:
    """How many REST APIs the region has (capped)."""
    with aws_errors(N_("count REST APIs")):
        pages = client("apigateway").get_paginator("get_rest_apis").paginate()
        return count_items(pages, "items")


@dataclass(frozen=True, slots=True)
class RestApi:
    """A REST API as lists and pages show it."""

    api_id: str
    name: str
    description: str
    endpoint_type: str
    created_date: str


def _rest_api(raw: dict) -> RestApi:
    types = raw.get("endpointConfiguration", {}).get("types") or ["EDGE"]
    created = raw.get("createdDate")
    return RestApi(raw["id"], raw.get("name", ""), raw.get("description", ""), types[0],
                   created.isoformat() if created else "")


def list_rest_apis(page_token: str | None = None) -> Page[RestApi]:
    """One page of the region's REST APIs."""
    start = {"position": page_token} if page_token else {}
    with aws_errors(N_("list REST APIs")):
        reply = client("apigateway").get_rest_apis(limit=PAGE_SIZE, **start)
    return Page([_rest_api(raw) for raw in reply.get("items", [])], reply.get("position"))


def create_rest_api(name: str, description: str, endpoint_type: str, *,
                    tags: Mapping[str, str] | None = None) -> RestApi:
    """A new REST API with only its root resource."""
    tagged = {"tags": dict(tags)} if tags else {}
    with aws_errors(N_("create the REST API"), f"REST API {name}"):
        raw = client("apigateway").create_rest_api(
            name=name, description=description,
            endpointConfiguration={"types": [endpoint_type]}, **tagged)
    return _rest_api(raw)


def get_rest_api(api_id: str) -> RestApi:
    """One REST API by id."""
    with aws_errors(N_("read the REST API"), f"REST API {api_id}"):
        return _rest_api(client("apigateway").get_rest_api(restApiId=api_id))


def update_rest_api(api_id: str, name: str, endpoint_type: str) -> None:
    """Rename the API and change its endpoint type, each only when it differs."""
    gateway = client("apigateway")
    with aws_errors(N_("update the API"), f"REST API {api_id}"):
        api = gateway.get_rest_api(restApiId=api_id)
        operations = []
        if api.get("name") != name:
            operations.append({"op": "replace", "path": "/name", "value": name})
        current = (api.get("endpointConfiguration") or {}).get("types") or []
        if current and current[0] != endpoint_type:
            operations.append({"op": "replace",
                               "path": f"/endpointConfiguration/types/{current[0]}",
                               "value": endpoint_type})
        if operations:
            gateway.update_rest_api(restApiId=api_id, patchOperations=operations)


def delete_rest_api(api_id: str) -> None:
    """Delete a REST API with its resources, methods, deployments and stages (NotFound if
    there is none)."""
    gateway = client("apigateway")
    # Asked first: moto (and so the sandbox) fails a delete of a missing API with a server
    # error instead of AWS's NotFoundException.
    with aws_errors(N_("read the REST API"), f"REST API {api_id}"):
        gateway.get_rest_api(restApiId=api_id)
    with aws_errors(N_("delete the REST API"), f"REST API {api_id}"):
        gateway.delete_rest_api(restApiId=api_id)
