"""API Gateway REST APIs."""
from __future__ import annotations

import json
import re
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

from webapp import json_nesting
from webapp.aws.account import account_id
from webapp.aws import clients
from webapp.aws.clients import client, connection, current_region
from webapp.aws.errors import N_, ConsoleError, InvalidInput, Unreachable, aws_errors
from webapp.aws.functions.lambda_functions import PolicyStatement, _statement
from webapp.aws.paging import PAGE_SIZE, Count, Page, count_items
from webapp.iam_grammar.arns import arn_like


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


# --- The APIs area: REST APIs, resources, methods, deployments, stages, logging, tests ---

ENDPOINT_TYPES = ("REGIONAL", "EDGE", "PRIVATE")
HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY")
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "COGNITO_USER_POOLS", "CUSTOM")
INTEGRATION_KINDS = ("lambda_proxy", "lambda", "mock", "http_proxy")
LOG_LEVELS = ("OFF", "ERROR", "INFO")
LAMBDA_PRINCIPAL = "apigateway.amazonaws.com"
LOGS_ROLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
APIGATEWAY_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": LAMBDA_PRINCIPAL},
        "Action": "sts:AssumeRole",
    }],
}
# AWS's own wording when logging is turned on before the account has a role (kept verbatim).
NO_LOGGING_ROLE = N_("CloudWatch Logs role ARN must be set in account settings to enable logging")
LOGGING_ROLE_UNFINISHED = N_(
    "Created the role %(role)s but could not finish setting it up: %(reason)s Fix that, then "
    "set the role's ARN in API Gateway's account settings, or delete the role in IAM."
)
METHOD_UNFINISHED = N_(
    "Created the method %(method)s, but its integration could not be set: %(reason)s Fix that "
    "and create the method again, which replaces it."
)
CORS_HEADERS = {
    "Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'",
    "Access-Control-Allow-Origin": "'*'",
}
MOCK_REQUEST_TEMPLATE = '{"statusCode": 200}'
CALL_TIMEOUT_S = 10.0
MAX_CALL_BODY_BYTES = 1024 * 1024
# A path part as API Gateway accepts it: plain, {param} or a greedy {param+}.
PATH_PART = re.compile(r"^(?:[A-Za-z0-9._:-]+|\{[A-Za-z0-9._-]+\+?\})$")
_PATH_PARAM = re.compile(r"\{([^}+]+)\+?\}")


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


def create_rest_api(name: str, description: str, endpoint_type: str) -> RestApi:
    """A new REST API with only its root resource."""
    with aws_errors(N_("create the REST API"), f"REST API {name}"):
        raw = client("apigateway").create_rest_api(
            name=name, description=description,
            endpointConfiguration={"types": [endpoint_type]})
    return _rest_api(raw)


def get_rest_api(api_id: str) -> RestApi:
    """One REST API by id."""
    with aws_errors(N_("read the REST API"), f"REST API {api_id}"):
        return _rest_api(client("apigateway").get_rest_api(restApiId=api_id))


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource of an API's tree: its path and the methods defined on it."""

    resource_id: str
    parent_id: str | None
    path_part: str
    path: str
    methods: tuple[str, ...]

    @property
    def depth(self) -> int:
        """0 for the root "/", 1 for /items, 2 for /items/{id}…"""
        return 0 if self.path == "/" else self.path.count("/")

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """The names of the {param} and {param+} parts along the path."""
        return tuple(_PATH_PARAM.findall(self.path))


def _resource(raw: dict) -> Resource:
    return Resource(raw["id"], raw.get("parentId"), raw.get("pathPart", ""), raw.get("path", "/"),
                    tuple(sorted(raw.get("resourceMethods", {}) or {})))


def list_resources(api_id: str) -> list[Resource]:
    """Every resource of the API, parents before children (sorted by path, like folders)."""
    with aws_errors(N_("list the API's resources"), f"REST API {api_id}"):
        pages = client("apigateway").get_paginator("get_resources").paginate(
            restApiId=api_id, PaginationConfig={"PageSize": LARGEST_PAGE})
        found = [_resource(raw) for page in pages for raw in page.get("items", [])]
    return sorted(found, key=lambda resource: resource.path.split("/"))


def get_resource(api_id: str, resource_id: str) -> Resource:
    """One resource by id."""
    with aws_errors(N_("read the resource"), f"resource {resource_id} of REST API {api_id}"):
        return _resource(client("apigateway").get_resource(restApiId=api_id,
                                                           resourceId=resource_id))


def path_part_problem(path_part: str, siblings: list[Resource]) -> str | None:
    """What API Gateway would refuse in a new path part under a parent with these children."""
    if not PATH_PART.match(path_part):
        return N_("Use letters, digits and . _ - : only, or one {name} or {name+} parameter.")
    if any(sibling.path_part == path_part for sibling in siblings):
        return N_("The parent already has a resource with this path part.")
    if path_part.startswith("{") and any(sibling.path_part.startswith("{") for sibling in siblings):
        return N_("A parent may have only one parameter resource ({name} or {name+}).")
    return None


def create_resource(api_id: str, parent_id: str, path_part: str) -> Resource:
    """A child resource under `parent_id`."""
    with aws_errors(N_("create the resource"), f"REST API {api_id}"):
        raw = client("apigateway").create_resource(restApiId=api_id, parentId=parent_id,
                                                   pathPart=path_part)
    return _resource(raw)


def enable_cors(api_id: str, resource_id: str) -> None:
    """An OPTIONS method with a MOCK integration answering the CORS headers, as AWS's console adds.

    A new resource has no methods yet, so the preflight allows every method but ANY (which is
    not an HTTP method), as the AWS console does for ANY.
    """
    allowed_methods = ",".join(sorted(name for name in HTTP_METHODS if name != "ANY"))
    headers = {**CORS_HEADERS, "Access-Control-Allow-Methods": f"'{allowed_methods}'"}
    apigateway = client("apigateway")
    target = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": "OPTIONS"}
    with aws_errors(N_("add the CORS OPTIONS method"), f"resource {resource_id}"):
        apigateway.put_method(**target, authorizationType="NONE")
        apigateway.put_integration(**target, type="MOCK",
                                   requestTemplates={"application/json": MOCK_REQUEST_TEMPLATE})
        apigateway.put_method_response(
            **target, statusCode="200",
            responseParameters={f"method.response.header.{name}": False for name in headers})
        apigateway.put_integration_response(
            **target, statusCode="200",
            responseParameters={f"method.response.header.{name}": value
                                for name, value in headers.items()})


def subtree(resources: list[Resource], resource_id: str) -> list[Resource]:
    """The resource and everything under it, deepest first."""
    by_parent: dict[str | None, list[Resource]] = {}
    for resource in resources:
        by_parent.setdefault(resource.parent_id, []).append(resource)
    found: list[Resource] = []
    pending = [resource for resource in resources if resource.resource_id == resource_id]
    while pending:
        resource = pending.pop()
        found.append(resource)
        pending.extend(by_parent.get(resource.resource_id, []))
    return sorted(found, key=lambda resource: resource.depth, reverse=True)


def delete_resource_tree(api_id: str, resource_id: str) -> list[Resource]:
    """Delete a resource and every resource under it; the deleted ones, deepest first.

    AWS deletes the children with their parent; deleting leaves first does the same on
    endpoints that would leave them orphaned.
    """
    doomed = subtree(list_resources(api_id), resource_id)
    apigateway = client("apigateway")
    for resource in doomed:
        with aws_errors(N_("delete the resource"), f"resource {resource.path}"):
            try:
                apigateway.delete_resource(restApiId=api_id, resourceId=resource.resource_id)
            except apigateway.exceptions.NotFoundException:
                if resource.resource_id == resource_id:
                    raise
    return doomed


@dataclass(frozen=True, slots=True)
class Integration:
    """What a method calls: its type, URI and mapping templates."""

    integration_type: str
    http_method: str
    uri: str
    request_templates: dict[str, str]
    response_templates: dict[str, str]

    @property
    def lambda_target(self) -> str | None:
        """FUNCTION_ARN[:QUALIFIER] for a Lambda integration, else None."""
        match = _LAMBDA_TARGET.search(self.uri)
        return match["target"] if match else None


@dataclass(frozen=True, slots=True)
class Method:
    """One method of a resource."""

    http_method: str
    authorization_type: str
    integration: Integration | None


def get_method(api_id: str, resource_id: str, http_method: str) -> Method:
    """A method and its integration."""
    with aws_errors(N_("read the method"), f"{http_method} on resource {resource_id}"):
        raw = client("apigateway").get_method(restApiId=api_id, resourceId=resource_id,
                                              httpMethod=http_method)
    integration = raw.get("methodIntegration")
    if not integration:
        return Method(raw["httpMethod"], raw.get("authorizationType", "NONE"), None)
    responses = integration.get("integrationResponses", {}) or {}
    ok = responses.get("200", {}) or {}
    return Method(raw["httpMethod"], raw.get("authorizationType", "NONE"), Integration(
        integration.get("type", ""), integration.get("httpMethod", ""), integration.get("uri", ""),
        integration.get("requestTemplates") or {}, ok.get("responseTemplates") or {}))


@dataclass(frozen=True, slots=True)
class NewMethod:
    """A method to put on a resource and how it integrates."""

    http_method: str
    authorization_type: str
    integration_kind: str
    function_arn: str = ""
    qualifier: str = ""
    http_url: str = ""
    request_template: str = ""
    response_template: str = ""

    @property
    def lambda_target(self) -> str:
        """The function ARN with its alias or version, as the integration calls it."""
        return f"{self.function_arn}:{self.qualifier}" if self.qualifier else self.function_arn


def lambda_integration_uri(region: str, function_target: str) -> str:
    """The integration URI API Gateway uses to invoke a Lambda function."""
    return (f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
            f"{function_target}/invocations")


def _integration_arguments(spec: NewMethod) -> dict[str, object]:
    region = current_region()
    if spec.integration_kind == "lambda_proxy":
        return {"type": "AWS_PROXY", "integrationHttpMethod": "POST",
                "uri": lambda_integration_uri(region, spec.lambda_target)}
    if spec.integration_kind == "lambda":
        templates = ({"application/json": spec.request_template}
                     if spec.request_template.strip() else {})
        return {"type": "AWS", "integrationHttpMethod": "POST",
                "uri": lambda_integration_uri(region, spec.lambda_target),
                "requestTemplates": templates, "passthroughBehavior": "WHEN_NO_TEMPLATES"}
    if spec.integration_kind == "http_proxy":
        return {"type": "HTTP_PROXY", "integrationHttpMethod": spec.http_method,
                "uri": spec.http_url}
    return {"type": "MOCK", "requestTemplates": {"application/json": MOCK_REQUEST_TEMPLATE}}


def put_method(api_id: str, resource_id: str, spec: NewMethod) -> None:
    """Create (or replace) a method with its integration; non-proxy kinds also get a 200 response."""
    apigateway = client("apigateway")
    target = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": spec.http_method}
    with aws_errors(N_("create the method"), f"{spec.http_method} on resource {resource_id}"):
        apigateway.put_method(**target, authorizationType=spec.authorization_type)
    try:
        with aws_errors(N_("set the method's integration"), f"{spec.http_method} {resource_id}"):
            apigateway.put_integration(**target, **_integration_arguments(spec))
            if spec.integration_kind in ("lambda", "mock"):
                templates = ({"application/json": spec.response_template}
                             if spec.response_template.strip() else {})
                apigateway.put_method_response(**target, statusCode="200",
                                               responseModels={"application/json": "Empty"})
                apigateway.put_integration_response(**target, statusCode="200",
                                                    responseTemplates=templates)
    except ConsoleError as err:
        # The method exists without a working integration; say so rather than hide it.
        raise type(err)(METHOD_UNFINISHED, method=spec.http_method, reason=err.message) from err


def execute_api_arn(api_id: str, http_method: str, resource_path: str, stage: str = "*") -> str:
    """The execute-api ARN a Lambda permission names as its source (ANY becomes *)."""
    method = "*" if http_method == "ANY" else http_method
    return (f"arn:aws:execute-api:{current_region()}:{account_id()}:{api_id}/{stage}/{method}"
            f"{resource_path}")


def may_invoke(function_target: str, source_arn: str) -> bool:
    """Whether the function's resource policy lets API Gateway call it from `source_arn`."""
    function_name, qualifier = _split_target(function_target)
    for statement in _policy_statements(function_name, qualifier):
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


def _split_target(function_target: str) -> tuple[str, str]:
    # arn:aws:lambda:REGION:ACCOUNT:function:NAME has 7 parts; a qualifier makes 8.
    if function_target.count(":") == 7:
        function_name, qualifier = function_target.rsplit(":", 1)
        return function_name, qualifier
    return function_target, ""


def _policy_statements(function_name: str, qualifier: str) -> list[PolicyStatement]:
    try:
        with aws_errors(N_("read the resource-based policy"), f"Lambda function {function_name}"):
            start = {"Qualifier": qualifier} if qualifier else {}
            reply = client("lambda").get_policy(FunctionName=function_name, **start)
    except ConsoleError as err:
        if err.aws_code == "ResourceNotFoundException":
            return []
        raise
    document = json.loads(reply["Policy"])
    statements = document.get("Statement", [])
    return [_statement(raw) for raw in (statements if isinstance(statements, list) else [statements])]


def add_invoke_permission(function_target: str, source_arn: str) -> str:
    """Let API Gateway invoke the function from `source_arn` (lambda:AddPermission); the Sid."""
    function_name, qualifier = _split_target(function_target)
    statement_id = f"apigateway-{secrets.token_hex(8)}"
    start = {"Qualifier": qualifier} if qualifier else {}
    with aws_errors(N_("allow API Gateway to invoke the function"),
                    f"Lambda function {function_target}"):
        client("lambda").add_permission(
            FunctionName=function_name, StatementId=statement_id,
            Action="lambda:InvokeFunction", Principal=LAMBDA_PRINCIPAL, SourceArn=source_arn,
            **start)
    return statement_id


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


def get_cloudwatch_role_arn() -> str | None:
    """The account's role API Gateway writes logs with in this region, if set."""
    with aws_errors(N_("read the API Gateway account settings")):
        return client("apigateway").get_account().get("cloudwatchRoleArn") or None


def clear_account_logging_role(role_arn: str) -> bool:
    """Clear the account's CloudWatch Logs role, only while it is `role_arn`; whether it was.

    False when it was empty or named another role (someone set their own since), which is left
    alone. AWS may refuse to clear the setting; that refusal is a ConsoleError like any other.
    """
    if get_cloudwatch_role_arn() != role_arn:
        return False
    with aws_errors(N_("clear the account's CloudWatch Logs role"), f"IAM role {role_arn}"):
        client("apigateway").update_account(patchOperations=[
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": ""}])
    return True


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


def log_group_arn(log_group_name: str) -> str:
    """A log group's ARN (access logging names its destination by ARN)."""
    return f"arn:aws:logs:{current_region()}:{account_id()}:log-group:{log_group_name}"


def update_stage_logging(api_id: str, stage_name: str, level: str, access_destination_arn: str,
                         access_format: str) -> None:
    """Set execution logging (OFF/ERROR/INFO) and access logging ("" destination: off)."""
    if (level != "OFF" or access_destination_arn) and not get_cloudwatch_role_arn():
        # AWS refuses with this text; some endpoints accept it and never log, so ask first.
        raise InvalidInput(NO_LOGGING_ROLE)
    operations: list[dict[str, str]] = [
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": level}]
    if access_destination_arn:
        operations += [
            {"op": "replace", "path": "/accessLogSettings/destinationArn",
             "value": access_destination_arn},
            {"op": "replace", "path": "/accessLogSettings/format", "value": access_format}]
    else:
        operations.append({"op": "remove", "path": "/accessLogSettings"})
    with aws_errors(N_("update the stage's logging"), f"stage {stage_name}"):
        client("apigateway").update_stage(restApiId=api_id, stageName=stage_name,
                                          patchOperations=operations)


# How API Gateway refuses a role IAM has not finished making (it passes in a few seconds).
ROLE_NOT_READY = "does not have required permissions"


def set_account_logging_role(role_arn: str, attempts: int = 5) -> None:
    """Make the role API Gateway's CloudWatch Logs role in this region, retrying while IAM
    catches up (a role made moments ago is refused as lacking permissions for a few seconds)."""
    for attempt in range(attempts):
        try:
            with aws_errors(N_("set the account's CloudWatch Logs role"), f"IAM role {role_arn}"):
                client("apigateway").update_account(patchOperations=[
                    {"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}])
            return
        except ConsoleError as err:
            if attempt == attempts - 1 or ROLE_NOT_READY not in err.message:
                raise  # only IAM's delay is worth waiting out; access denied is not
            clients.sleep(2 ** attempt)


def create_logging_role(role_name: str) -> str:
    """A role API Gateway may assume to write logs, set as the account's; the role's ARN."""
    iam = client("iam")
    with aws_errors(N_("create the role"), f"IAM role {role_name}"):
        role_arn = iam.create_role(
            RoleName=role_name, AssumeRolePolicyDocument=json.dumps(APIGATEWAY_TRUST_POLICY),
            Description="Lets API Gateway write execution and access logs (Serverless Console)",
        )["Role"]["Arn"]
    try:
        with aws_errors(N_("attach the policy"), f"IAM policy {LOGS_ROLE_POLICY_ARN}"):
            iam.attach_role_policy(RoleName=role_name, PolicyArn=LOGS_ROLE_POLICY_ARN)
            iam.get_waiter("role_exists").wait(RoleName=role_name)
        set_account_logging_role(role_arn)
    except ConsoleError as err:
        # The role exists now; say so, so nobody is left with an unexplained extra role.
        raise type(err)(LOGGING_ROLE_UNFINISHED, role=role_arn, reason=err.message) from err
    return role_arn


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A request to test a method with: the path with parameters filled, query, headers, body."""

    http_method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str


LAMBDA_REQUEST_ID = re.compile(r"(?:x-amzn-RequestId=|Lambda request id: )([A-Za-z0-9-]{8,64})")


@dataclass(frozen=True, slots=True)
class HttpResult:
    """What came back: status, headers, body, latency and (for TestInvokeMethod) the log."""

    status: int
    headers: dict[str, str]
    body: str
    latency_ms: float
    log: str = ""
    started_ms: int = 0  # when the request was made, epoch ms (the logs link searches near it)

    @property
    def lambda_request_id(self) -> str | None:
        """The Lambda request a TestInvokeMethod ran, as its log names it (endpoint response
        headers, or the function error line); None when the log names none."""
        found = LAMBDA_REQUEST_ID.search(self.log)
        return found.group(1) if found else None

    @property
    def pretty_body(self) -> str:
        """The body indented when it is JSON, else as it came."""
        try:
            return json.dumps(json_nesting.loads(self.body), indent=2, ensure_ascii=False)
        except ValueError:  # not JSON, or nested too deep to lay out
            return self.body


def test_invoke_method(api_id: str, resource_id: str, request: HttpRequest) -> HttpResult:
    """Run the method inside API Gateway without a deployment (TestInvokeMethod)."""
    path = request.path + (f"?{request.query}" if request.query else "")
    started_ms = int(time.time() * 1000)
    with aws_errors(N_("test the method"), f"{request.http_method} {request.path}"):
        reply = client("apigateway").test_invoke_method(
            restApiId=api_id, resourceId=resource_id, httpMethod=request.http_method,
            pathWithQueryString=path, headers=request.headers, body=request.body)
    headers = {name: str(value) for name, value in (reply.get("headers") or {}).items()}
    return HttpResult(int(reply.get("status", 0)), headers, reply.get("body", "") or "",
                      float(reply.get("latency", 0)), reply.get("log", "") or "", started_ms)


LOCALHOST_SUFFIX = ".localhost"
CALL_FAILED = N_("Could not call %(url)s: %(reason)s")


def call_stage(stage_url: str, request: HttpRequest) -> HttpResult:
    """Send a real HTTP request to a deployed stage and read the answer (bounded in time and size)."""
    url = stage_url + request.path + (f"?{request.query}" if request.query else "")
    has_body = bool(request.body) and request.http_method not in ("GET", "HEAD")
    data = request.body.encode() if has_body else None
    outgoing = urllib.request.Request(_loopback(url), data=data, headers=request.headers,
                                      method=request.http_method)
    if outgoing.full_url != url:  # a *.localhost name: connect to loopback, keep the name
        outgoing.add_header("Host", urlsplit(url).netloc)
    started = time.perf_counter()
    try:
        with _opener().open(outgoing, timeout=CALL_TIMEOUT_S) as reply:
            status, headers, body = reply.status, dict(reply.headers.items()), reply.read(
                MAX_CALL_BODY_BYTES)
    except urllib.error.HTTPError as err:
        status, headers, body = err.code, dict(err.headers.items()), err.read(MAX_CALL_BODY_BYTES)
    except (OSError, ValueError) as err:
        raise Unreachable(CALL_FAILED, url=url, reason=str(err)) from err
    latency_ms = (time.perf_counter() - started) * 1000
    return HttpResult(status, headers, body.decode("utf-8", "replace"), latency_ms)


def _loopback(url: str) -> str:
    """`url` with a `*.localhost` host replaced by 127.0.0.1: browsers and curl resolve such
    names to loopback themselves (RFC 6761), Python's resolver does not."""
    parts = urlsplit(url)
    if not (parts.hostname or "").endswith(LOCALHOST_SUFFIX):
        return url
    netloc = f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1"
    return urlunsplit(parts._replace(netloc=netloc))


def _opener() -> urllib.request.OpenerDirector:
    # Only http(s), and no proxy from the environment: the stage URL is the endpoint's own.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))
