"""API Gateway mapping templates (VTL) on a running sandbox, as AWS and Velocity document them.

AWS: Developer Guide, "Mapping template transformations for REST APIs" (templates are Velocity,
https://velocity.apache.org/engine/devel/vtl-reference.html), "Variables for data transformations
for API Gateway" ($input, $util, $context) and "Override your API's request and response
parameters and status codes for REST APIs in API Gateway" ($context.responseOverride). Each route
is a MOCK integration deployed to a stage and called with urllib, and run by TestInvokeMethod.
"""
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest

from tests.sandbox.lambda_support import unique
from tests.sandbox.processes import ClientFactory
from tests.sandbox.test_gateway_mapping import resource
from tests.sandbox.test_gateway_stage import STAGE, stage_url

INTERNAL_ERROR = {"message": "Internal server error"}
MOCK_REQUEST = '{"statusCode": 200}'
# Velocity: #macro, a range, #break in a #foreach, a map built by #set($m.key = …) and put().
FEATURES = """#macro(item $name $value)"$name": $value#end
#set($squares = {})
#foreach($n in [1..10])
#if($n > 4)#break#end
#set($squares["n$n"] = $n * $n)
#end
#set($ignored = $squares.put("down", [3..1]))
{#item("squares" "$squares.size()"), #item("last" $squares.n4), #item("down" "$squares.down"),
 #item("shout" "\\"$input.params('word').toUpperCase().trim()\\"")}
#stop
this is never rendered"""
# AWS's example: override the status code and a header from the integration response body.
OVERRIDE = """#set($context.responseOverride.status = 418)
#set($context.responseOverride.header.X-Teapot = "short and stout")
{"brewed": false}"""
OVERRIDE_TWICE = """#set($context.responseOverride.status = 400)
#set($context.responseOverride.status = 404)
{}"""
# $util.parseJson of a parameter the request does not have, then $util's text functions.
UTIL = """#set($nothing = $util.parseJson($input.params('missing')))
{"parsed": "$!nothing", "escaped": "$util.escapeJavaScript($input.params('word'))",
 "encoded": "$util.urlEncode($input.params('word'))"}"""
ROUTES = {"/features": FEATURES, "/override": OVERRIDE, "/override-twice": OVERRIDE_TWICE,
          "/util": UTIL}
TEAPOT_LITERAL = "'tall'"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture(scope="module")
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


@pytest.fixture(scope="module")
def vtl_api(apigateway: Any) -> tuple[str, dict[str, str]]:
    """A MOCK API with one GET route per template of ROUTES, deployed to STAGE."""
    api_id = apigateway.create_rest_api(name=unique("api"))["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    routes = {}
    for path, template in ROUTES.items():
        resource_id = resource(apigateway, api_id, root, path.lstrip("/"))
        apigateway.put_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET",
                              authorizationType="NONE")
        apigateway.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod="GET",
                                   type="MOCK",
                                   requestTemplates={"application/json": MOCK_REQUEST})
        apigateway.put_method_response(
            restApiId=api_id, resourceId=resource_id, httpMethod="GET", statusCode="200",
            responseParameters={"method.response.header.X-Teapot": False})
        apigateway.put_integration_response(
            restApiId=api_id, resourceId=resource_id, httpMethod="GET", statusCode="200",
            responseTemplates={"application/json": template},
            responseParameters={"method.response.header.X-Teapot": TEAPOT_LITERAL})
        routes[path] = resource_id
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    return api_id, routes


def get(url: str) -> Answer:
    """A GET with urllib, error answers included."""
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return Answer(answer.status, dict(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as err:
        return Answer(err.code, dict(err.headers.items()), err.read())


def test_velocity_macros_ranges_break_stop_and_map_assignment(
        sandbox_url: str, vtl_api: tuple[str, dict[str, str]]) -> None:
    """Velocity's VTL Reference: `#macro(name $a $b)` defines what `#name(x y)` renders; a range
    `[1..10]` counts up and `[3..1]` down; `#break` ends the #foreach; `#set($map["key"] = v)`
    and `$map.put(k, v)` fill a map; `#stop` ends the template, what was rendered staying."""
    answer = get(stage_url(sandbox_url, vtl_api[0], "/features") + "?word=%20quiet%20")
    assert answer.status == 200, answer.body
    assert json.loads(answer.body) == {"squares": 5, "last": 16, "down": [3, 2, 1],
                                       "shout": "QUIET"}
    assert b"never rendered" not in answer.body


def test_response_override_sets_the_status_and_a_header(
        sandbox_url: str, vtl_api: tuple[str, dict[str, str]]) -> None:
    """AWS: `$context.responseOverride.status` and `$context.responseOverride.header.<name>` in
    a response template override the status code and header of the method response ("Override
    your API's request and response parameters and status codes", example 1 turns 200 into 400);
    the override comes after the standard mappings, so it replaces the literal 'tall'."""
    answer = get(stage_url(sandbox_url, vtl_api[0], "/override"))
    assert answer.status == 418
    assert answer.headers["X-Teapot"] == "short and stout"
    assert json.loads(answer.body) == {"brewed": False}


def test_overriding_a_parameter_twice_is_a_5xx(
        sandbox_url: str, vtl_api: tuple[str, dict[str, str]]) -> None:
    """AWS: "Overrides are final. An override may only be applied to each parameter once. If you
    try to override the same parameter multiple times, API Gateway returns a 5XX response." A
    template that fails is API Gateway's 500 {"message": "Internal server error"}."""
    answer = get(stage_url(sandbox_url, vtl_api[0], "/override-twice"))
    assert answer.status == 500
    assert json.loads(answer.body) == INTERNAL_ERROR


def test_util_functions_and_parsing_nothing(
        sandbox_url: str, vtl_api: tuple[str, dict[str, str]]) -> None:
    """AWS, $util: escapeJavaScript "Escapes the characters in a string using JavaScript string
    rules" and turns ' into \\'; urlEncode "Converts a string into
    application/x-www-form-urlencoded format"; parseJson "Takes 'stringified' JSON and returns
    an object representation": a missing parameter ('' from $input.params) parses to nothing,
    and the template goes on."""
    answer = get(stage_url(sandbox_url, vtl_api[0], "/util") + "?word=it%27s%20a%2Fb")
    assert answer.status == 200, answer.body
    assert answer.body.decode().replace("\n", "").replace(" ", "") == (
        '{"parsed":"","escaped":"it\\\'s' + 'a\\/b","encoded":"it%27s+a%2Fb"}')


def test_test_invoke_method_applies_the_response_override(
        apigateway: Any, vtl_api: tuple[str, dict[str, str]]) -> None:
    """TestInvokeMethod runs the method as a stage does: its status and headers are the
    overridden ones, and its log ends 'Method completed with status: 418'."""
    api_id, routes = vtl_api
    reply = apigateway.test_invoke_method(restApiId=api_id, resourceId=routes["/override"],
                                          httpMethod="GET")
    assert reply["status"] == 418
    assert reply["headers"]["X-Teapot"] == "short and stout"
    assert reply["log"].rstrip().endswith("Method completed with status: 418")


def test_test_invoke_method_logs_a_second_override(
        apigateway: Any, vtl_api: tuple[str, dict[str, str]]) -> None:
    api_id, routes = vtl_api
    reply = apigateway.test_invoke_method(restApiId=api_id, resourceId=routes["/override-twice"],
                                          httpMethod="GET")
    assert reply["status"] == 500
    assert json.loads(reply["body"]) == INTERNAL_ERROR
    assert ("Execution failed due to configuration error: Unable to transform response: "
            "status is overridden more than once") in reply["log"]
