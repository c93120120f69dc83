"""A resource's methods and their integrations: read, put (with the integration), delete, CORS."""
from __future__ import annotations

from dataclasses import dataclass

from webapp.aws.apigateway.lambda_integrations import LAMBDA_TARGET, lambda_integration_uri
from webapp.aws.clients import client, current_region
from webapp.aws.errors import N_, ConsoleError, aws_errors

HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY")
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "COGNITO_USER_POOLS", "CUSTOM")
INTEGRATION_KINDS = ("lambda_proxy", "lambda", "mock", "http_proxy")
METHOD_UNFINISHED = N_(
    "Created the method %(method)s, but its integration could not be set: %(reason)s Fix that "
    "and create the method again, which replaces it."
)
CORS_HEADERS = {
    "Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'",
    "Access-Control-Allow-Origin": "'*'",
}
MOCK_REQUEST_TEMPLATE = '{"statusCode": 200}'


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
        match = LAMBDA_TARGET.search(self.uri)
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


def delete_method(api_id: str, resource_id: str, http_method: str) -> None:
    """Remove a method with its integration (to delete it, or put it back with another)."""
    with aws_errors(N_("delete the method"), f"{http_method} on resource {resource_id}"):
        client("apigateway").delete_method(restApiId=api_id, resourceId=resource_id,
                                           httpMethod=http_method)


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
