"""Non-proxy integrations: MOCK and AWS Lambda with mapping templates and selectionPattern."""
import json
from typing import Any

import pytest

from .lambda_support import create_role, deploy, lambda_client, unique
from .processes import ClientFactory
from .test_gateway_stage import (STAGE, allow_gateway, call, execute_arn, integration_uri,
                                 stage_url)

GREETER = """
    def handler(event, context):
        if event.get("id") == "missing":
            raise LookupError("item not found: missing")
        return {"message": "hello " + event["name"], "id": event["id"], "seen": event}
"""
REQUEST_TEMPLATE = """#set($body = $input.path('$'))
{
  "id": "$input.params('id')",
  "name": "$util.escapeJavaScript($body.name)",
  "tags": $input.json('$.tags'),
  "stage": "$context.stage",
  "env": "$stageVariables.env",
  "first": "#foreach($tag in $body.tags)$tag#if($foreach.hasNext),#end#end"
}"""
RESPONSE_TEMPLATE = """#set($answer = $input.path('$'))
{"greeting": "$util.escapeJavaScript($answer.message)", "id": "$answer.id",
 "request": "$context.requestId"}"""
MOCK_RESPONSE = """{"mocked": true, "q": "$input.params('q')", "method": "$context.httpMethod"}"""


@pytest.fixture(scope="module")
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


def resource(apigateway: Any, api_id: str, parent_id: str, part: str) -> str:
    return apigateway.create_resource(restApiId=api_id, parentId=parent_id, pathPart=part)["id"]


def respond(apigateway: Any, api_id: str, resource_id: str, verb: str, status: str,
            pattern: str | None = None, template: str | None = None,
            parameters: dict[str, str] | None = None) -> None:
    apigateway.put_method_response(
        restApiId=api_id, resourceId=resource_id, httpMethod=verb, statusCode=status,
        responseParameters={name: False for name in parameters or {}})
    options: dict[str, Any] = {"responseTemplates": {"application/json": template or ""}}
    if pattern:
        options["selectionPattern"] = pattern
    if parameters:
        options["responseParameters"] = parameters
    apigateway.put_integration_response(restApiId=api_id, resourceId=resource_id,
                                        httpMethod=verb, statusCode=status, **options)


@pytest.fixture(scope="module")
def mapped_api(sandbox_url: str, apigateway: Any, aws_client: ClientFactory) -> str:
    lambda_api = lambda_client(sandbox_url)
    function = deploy(lambda_api, create_role(aws_client("iam")), GREETER)
    api_id = apigateway.create_rest_api(name=unique("api"))["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    greet = resource(apigateway, api_id, resource(apigateway, api_id, root, "greet"), "{id}")
    apigateway.put_method(restApiId=api_id, resourceId=greet, httpMethod="POST",
                          authorizationType="NONE")
    apigateway.put_integration(
        restApiId=api_id, resourceId=greet, httpMethod="POST", type="AWS",
        integrationHttpMethod="POST", uri=integration_uri(function.arn),
        requestTemplates={"application/json": REQUEST_TEMPLATE}, passthroughBehavior="NEVER")
    respond(apigateway, api_id, greet, "POST", "200", template=RESPONSE_TEMPLATE,
            parameters={"method.response.header.X-Mapped": "'yes'"})
    respond(apigateway, api_id, greet, "POST", "404", pattern=".*not found.*",
            template='{"error": "$input.path(\'$.errorMessage\')"}')
    mock = resource(apigateway, api_id, root, "mock")
    apigateway.put_method(restApiId=api_id, resourceId=mock, httpMethod="GET",
                          authorizationType="NONE")
    apigateway.put_integration(restApiId=api_id, resourceId=mock, httpMethod="GET", type="MOCK",
                               requestTemplates={"application/json": '{"statusCode": 200}'})
    respond(apigateway, api_id, mock, "GET", "200", template=MOCK_RESPONSE)
    allow_gateway(lambda_api, function.name, execute_arn(api_id))
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE, variables={"env": "dev"})
    return api_id


def test_request_and_response_templates_around_lambda(sandbox_url: str,
                                                      mapped_api: str) -> None:
    reply = call(stage_url(sandbox_url, mapped_api, "/greet/7"), method="POST",
                 body=json.dumps({"name": 'Kim "K"', "tags": ["a", "b"]}).encode(),
                 headers=[("Content-Type", "application/json")])
    assert reply.status == 200, reply.body
    answer = json.loads(reply.body)
    assert answer["greeting"] == 'hello Kim "K"'
    assert answer["id"] == "7"
    assert answer["request"] == reply.header("x-amzn-RequestId")[0]
    assert reply.header("X-Mapped") == ["yes"]


def test_request_template_sees_context_stage_variables_and_foreach(apigateway: Any,
                                                                   mapped_api: str) -> None:
    resources = apigateway.get_resources(restApiId=mapped_api)["items"]
    greet = next(item["id"] for item in resources if item["path"] == "/greet/{id}")
    reply = apigateway.test_invoke_method(
        restApiId=mapped_api, resourceId=greet, httpMethod="POST",
        pathWithQueryString="/greet/9", body=json.dumps({"name": "Lee", "tags": ["x", "y"]}),
        stageVariables={"env": "qa"})
    assert reply["status"] == 200
    backend = reply["log"].split("Endpoint response body before transformations: ", 1)[1]
    seen = json.loads(backend.split("\n", 1)[0])["seen"]
    assert seen == {"id": "9", "name": "Lee", "tags": ["x", "y"], "stage": "test-invoke-stage",
                    "env": "qa", "first": "x,y"}


def test_selection_pattern_maps_a_function_error(sandbox_url: str, mapped_api: str) -> None:
    reply = call(stage_url(sandbox_url, mapped_api, "/greet/missing"), method="POST",
                 body=b'{"name": "x", "tags": []}', headers=[("Content-Type", "application/json")])
    assert reply.status == 404
    assert json.loads(reply.body) == {"error": "item not found: missing"}


def test_unmapped_content_type_is_415_when_passthrough_is_never(sandbox_url: str,
                                                                mapped_api: str) -> None:
    reply = call(stage_url(sandbox_url, mapped_api, "/greet/1"), method="POST", body=b"a=b",
                 headers=[("Content-Type", "application/x-www-form-urlencoded")])
    assert reply.status == 415
    assert json.loads(reply.body) == {"message": "Unsupported Media Type"}


def test_mock_integration_renders_its_response(sandbox_url: str, mapped_api: str) -> None:
    reply = call(stage_url(sandbox_url, mapped_api, "/mock?q=search"))
    assert reply.status == 200
    assert json.loads(reply.body) == {"mocked": True, "q": "search", "method": "GET"}
