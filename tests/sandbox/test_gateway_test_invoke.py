"""TestInvokeMethod runs the API as it is now (undeployed), with AWS's answer fields and log."""
import json
import re
from typing import Any

import pytest

from .lambda_support import create_role, deploy, lambda_client
from .processes import ClientFactory
from .test_gateway_stage import ECHO, allow_gateway, execute_arn, make_api

LOG_LINE = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d UTC \d{4} : (?P<text>.*)")
SUCCESS_TEXTS = [
    "Starting execution for request: ",
    "HTTP Method: GET, Resource Path: /items/42",
    "Method request path: {id=42}",
    "Method request query string: {a=2}",
    "Method request headers: {X-Test=yes}",
    "Method request body before transformations: ",
    "Endpoint request URI: https://lambda.",
    "Endpoint request headers: {",
    "Endpoint request body after transformations: {",
    "Sending request to https://lambda.",
    "Received response. Status: 200, Integration latency: ",
    "Endpoint response body before transformations: {",
    "Endpoint response headers: {",
    "Method response body after transformations: {",
    "Method response headers: {",
    "Successfully completed execution",
    "Method completed with status: 201",
]


@pytest.fixture(scope="module")
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


@pytest.fixture(scope="module")
def lambda_api(sandbox_url: str) -> Any:
    return lambda_client(sandbox_url)


@pytest.fixture(scope="module")
def echo(lambda_api: Any, aws_client: ClientFactory) -> Any:
    return deploy(lambda_api, create_role(aws_client("iam")), ECHO)


def log_texts(log: str) -> tuple[str, list[str]]:
    """The first line and the text of every later line."""
    first, *rest = log.rstrip("\n").split("\n")
    texts = []
    for line in rest:
        match = LOG_LINE.fullmatch(line)
        assert match, line
        texts.append(match["text"])
    return first, texts


def test_answers_status_body_headers_log_and_latency(apigateway: Any, lambda_api: Any,
                                                     echo: Any) -> None:
    made = make_api(apigateway, echo.arn, [("/items/{id}", "GET")])
    allow_gateway(lambda_api, echo.name, execute_arn(made.api_id))
    reply = apigateway.test_invoke_method(
        restApiId=made.api_id, resourceId=made.resources["/items/{id}"], httpMethod="GET",
        pathWithQueryString="/items/42?a=1&a=2", headers={"X-Test": "yes"})
    assert reply["status"] == 201
    assert reply["headers"]["X-Multi"] == "b"
    assert reply["multiValueHeaders"]["X-Multi"] == ["a", "b"]
    assert isinstance(reply["latency"], int)
    event = json.loads(reply["body"])
    assert event["pathParameters"] == {"id": "42"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    context = event["requestContext"]
    assert context["stage"] == "test-invoke-stage"
    assert context["domainName"] == "testPrefix.testDomainName"
    assert context["identity"]["sourceIp"] == "test-invoke-source-ip"
    first, texts = log_texts(reply["log"])
    request_id = context["requestId"]
    assert first == f"Execution log for request {request_id}"
    assert texts[0] == f"Starting execution for request: {request_id}"
    assert len(texts) == len(SUCCESS_TEXTS)
    for text, expected in zip(texts, SUCCESS_TEXTS):
        assert text.startswith(expected), (text, expected)


def test_runs_the_current_api_not_the_deployed_one(apigateway: Any, lambda_api: Any,
                                                   echo: Any) -> None:
    made = make_api(apigateway, echo.arn, [("/later", "GET")])
    allow_gateway(lambda_api, echo.name, execute_arn(made.api_id))
    reply = apigateway.test_invoke_method(restApiId=made.api_id,
                                          resourceId=made.resources["/later"], httpMethod="GET")
    assert reply["status"] == 201
    assert json.loads(reply["body"])["path"] == "/later"


def test_permission_for_one_stage_only_fails_with_the_log_line(apigateway: Any,
                                                               lambda_api: Any,
                                                               echo: Any) -> None:
    made = make_api(apigateway, echo.arn, [("/only-prod", "GET")])
    allow_gateway(lambda_api, echo.name, execute_arn(made.api_id, "prod/GET/only-prod"))
    reply = apigateway.test_invoke_method(restApiId=made.api_id,
                                          resourceId=made.resources["/only-prod"],
                                          httpMethod="GET")
    assert reply["status"] == 500
    assert json.loads(reply["body"]) == {"message": "Internal server error"}
    _, texts = log_texts(reply["log"])
    assert texts[-2:] == [
        "Execution failed due to configuration error: Invalid permissions on Lambda function",
        "Method completed with status: 500"]


def test_malformed_response_log(apigateway: Any, lambda_api: Any, echo: Any) -> None:
    made = make_api(apigateway, echo.arn, [("/bad", "GET")])
    allow_gateway(lambda_api, echo.name, execute_arn(made.api_id))
    reply = apigateway.test_invoke_method(restApiId=made.api_id,
                                          resourceId=made.resources["/bad"], httpMethod="GET",
                                          pathWithQueryString="/bad?mode=malformed")
    assert reply["status"] == 502
    _, texts = log_texts(reply["log"])
    assert texts[-2:] == [
        "Execution failed due to configuration error: Malformed Lambda proxy response",
        "Method completed with status: 502"]


def test_unknown_method_is_not_found(apigateway: Any, lambda_api: Any, echo: Any) -> None:
    made = make_api(apigateway, echo.arn, [("/x", "GET")])
    with pytest.raises(apigateway.exceptions.NotFoundException):
        apigateway.test_invoke_method(restApiId=made.api_id, resourceId=made.resources["/x"],
                                      httpMethod="POST")
