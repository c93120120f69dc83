"""An API's deployments and stages: list, deploy, stage variables, delete, and where a stage
answers."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from webapp.aws.apigateway.rest_apis import LARGEST_PAGE
from webapp.aws.clients import client, connection, current_region
from webapp.aws.errors import N_, aws_errors


@dataclass(frozen=True, slots=True)
class Deployment:
    """One deployment of an API: a snapshot stages point at."""

    deployment_id: str
    description: str
    created_date: datetime | None


@dataclass(frozen=True, slots=True)
class StageLogging:
    """A stage's execution log level (OFF, ERROR, INFO) and access log settings."""

    level: str
    access_destination_arn: str
    access_format: str


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of an API, the deployment it serves and its settings."""

    stage_name: str
    deployment_id: str
    description: str
    variables: dict[str, str]
    logging: StageLogging
    last_updated: datetime | None


def _stage(raw: dict) -> Stage:
    settings = (raw.get("methodSettings") or {}).get("*/*", {}) or {}
    access = raw.get("accessLogSettings") or {}
    return Stage(raw["stageName"], raw.get("deploymentId", ""), raw.get("description", ""),
                 dict(raw.get("variables") or {}),
                 StageLogging(str(settings.get("loggingLevel") or "OFF").upper(),
                              access.get("destinationArn", ""), access.get("format", "")),
                 raw.get("lastUpdatedDate"))


def list_stages(api_id: str) -> list[Stage]:
    """The API's stages by name."""
    with aws_errors(N_("list the API's stages"), f"REST API {api_id}"):
        reply = client("apigateway").get_stages(restApiId=api_id)
    return sorted((_stage(raw) for raw in reply.get("item", [])), key=lambda s: s.stage_name)


def get_stage(api_id: str, stage_name: str) -> Stage:
    """One stage by name."""
    with aws_errors(N_("read the stage"), f"stage {stage_name} of REST API {api_id}"):
        return _stage(client("apigateway").get_stage(restApiId=api_id, stageName=stage_name))


def list_deployments(api_id: str) -> list[Deployment]:
    """The API's deployments, newest first."""
    with aws_errors(N_("list the API's deployments"), f"REST API {api_id}"):
        pages = client("apigateway").get_paginator("get_deployments").paginate(
            restApiId=api_id, PaginationConfig={"PageSize": LARGEST_PAGE})
        found = [Deployment(raw["id"], raw.get("description", ""), raw.get("createdDate"))
                 for page in pages for raw in page.get("items", [])]
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    # createdDate has whole seconds: deployments made within one keep the listing's order
    # (oldest first), so sorting oldest-first and reversing puts the newest first.
    return sorted(found, key=lambda item: item.created_date or oldest)[::-1]


# How an export names the method ANY.
EXPORTED_ANY = "x-amazon-apigateway-any-method"
EXPORTED_INTEGRATION = "x-amazon-apigateway-integration"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", EXPORTED_ANY)


@dataclass(frozen=True, slots=True)
class DeployedMethod:
    """A method as a stage serves it: path, HTTP method, integration type and URI ("" when the
    export did not say)."""

    path: str
    http_method: str
    integration_type: str
    uri: str


def deployed_methods(api_id: str, stage_name: str) -> tuple[frozenset[DeployedMethod], bool]:
    """The methods the stage's deployment serves, read from GetExport (OpenAPI 3 with the
    integrations), which describes the deployed API, not the API as it is now; and whether the
    export carried integrations (moto's in-process mock exports paths and methods only)."""
    with aws_errors(N_("export the stage"), f"stage {stage_name} of REST API {api_id}"):
        reply = client("apigateway").get_export(
            restApiId=api_id, stageName=stage_name, exportType="oas30",
            parameters={"extensions": "integrations"}, accepts="application/json")
        document = json.loads(reply["body"].read() or b"{}")
    found = set()
    with_integrations = False
    for path, operations in (document.get("paths") or {}).items():
        for name, operation in (operations or {}).items():
            name = name.lower()  # OpenAPI writes them in lower case (moto's mock in upper)
            if name not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            integration = operation.get(EXPORTED_INTEGRATION) or {}
            with_integrations = with_integrations or bool(integration)
            found.add(DeployedMethod(path, "ANY" if name == EXPORTED_ANY else name.upper(),
                                     str(integration.get("type", "")).upper(),
                                     str(integration.get("uri", ""))))
    return frozenset(found), with_integrations


def create_deployment(api_id: str, stage_name: str, description: str) -> Deployment:
    """Deploy the API's current resources and methods to a stage (created when new)."""
    with aws_errors(N_("deploy the API"), f"REST API {api_id}"):
        raw = client("apigateway").create_deployment(restApiId=api_id, stageName=stage_name,
                                                     description=description)
    return Deployment(raw["id"], raw.get("description", ""), raw.get("createdDate"))


def stale_stages(stages: list[Stage], deployments: list[Deployment]) -> set[str]:
    """Names of stages serving an older snapshot than the API's newest deployment.

    API Gateway records no modification time for resources or methods, so the newest change
    the console can see is the newest deployment: a stage pointing at any other deployment is
    behind what was last deployed and can be brought up to date by redeploying.
    """
    if not deployments:
        return set()
    newest = deployments[0].deployment_id
    return {stage.stage_name for stage in stages if stage.deployment_id != newest}


def update_stage_variables(api_id: str, stage_name: str, old: dict[str, str],
                           new: dict[str, str]) -> None:
    """Make the stage's variables exactly `new` (patch operations from the difference with `old`)."""
    operations = [{"op": "remove", "path": f"/variables/{name}"} for name in old if name not in new]
    operations += [{"op": "replace", "path": f"/variables/{name}", "value": value}
                   for name, value in new.items() if old.get(name) != value]
    if not operations:
        return
    with aws_errors(N_("update the stage variables"), f"stage {stage_name}"):
        client("apigateway").update_stage(restApiId=api_id, stageName=stage_name,
                                          patchOperations=operations)


def invoke_url(api_id: str, stage_name: str) -> str:
    """Where a stage answers: AWS's execute-api host; on the sandbox, its own stage host
    `{api-id}.execute-api.localhost` (an origin apart from the sandbox's API, which browsers and
    curl resolve to loopback); on another endpoint, its /restapis/… form."""
    endpoint_url = connection().endpoint_url
    if endpoint_url and connection().backend == "sandbox":
        port = urlsplit(endpoint_url).port
        return f"http://{api_id}.execute-api.localhost:{port}/{stage_name}"
    if endpoint_url:
        return _path_invoke_url(endpoint_url, api_id, stage_name)
    return aws_invoke_url(api_id, stage_name)


def aws_invoke_url(api_id: str, stage_name: str) -> str:
    """The stage's address on AWS itself, https://{id}.execute-api.{region}.amazonaws.com/{stage}
    (what a local invoke URL stands for)."""
    return f"https://{api_id}.execute-api.{current_region()}.amazonaws.com/{stage_name}"


def path_invoke_url(api_id: str, stage_name: str) -> str | None:
    """The sandbox's other address for a stage, /restapis/{id}/{stage}/_user_request_ on its own
    endpoint (LocalStack's form, for clients that cannot resolve *.localhost); None elsewhere."""
    endpoint_url = connection().endpoint_url
    if endpoint_url and connection().backend == "sandbox":
        return _path_invoke_url(endpoint_url, api_id, stage_name)
    return None


def _path_invoke_url(endpoint_url: str, api_id: str, stage_name: str) -> str:
    return f"{endpoint_url.rstrip('/')}/restapis/{api_id}/{stage_name}/_user_request_"


def delete_stage(api_id: str, stage_name: str) -> None:
    """Delete a stage: its URL stops answering; the deployments it served stay."""
    with aws_errors(N_("delete the stage"), f"stage {stage_name} of REST API {api_id}"):
        client("apigateway").delete_stage(restApiId=api_id, stageName=stage_name)
