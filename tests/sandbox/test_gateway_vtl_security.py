"""Hostile mapping templates on a running sandbox: nothing of Python shows, a template that fails
or overruns its budget gets API Gateway's 500 JSON answer, and the sandbox serves the next call."""
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from .lambda_support import unique
from .processes import ClientFactory
from .test_gateway_mapping import resource, respond
from .test_gateway_stage import STAGE, stage_url

INTERNAL_ERROR = {"message": "Internal server error"}
MOCK_REQUEST = '{"statusCode": 200}'
ESCAPES = {
    "class": "$input.__class__", "reduce": "$input.__reduce__()",
    "globals": "$util.__init__.__globals__", "function": "$input.json.__func__",
    "format": "$input.body.format($input)", "builtins": "$context.get('__builtins__')",
    "index": "$context['__class__']", "method": "$input.json", "object": "$util",
}
ESCAPE_TEMPLATE = "{" + ", ".join(f'"{key}": "{value}"' for key, value in ESCAPES.items()) + "}"
TEN = "#set($l = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])"
# 10^7 iterations: far past the step budget.
LOOP_BOMB = TEN + "#foreach($a in $l)" * 7 + "x" + "#end" * 7
# 8 characters doubled 1000 times: past 10 MB after 21 doublings.
DOUBLING = (TEN + "#set($a = 'xxxxxxxx')#foreach($i in $l)#foreach($j in $l)#foreach($k in $l)"
            '#set($a = "$a$a")#end#end#end$a')
DEEP = "#if(true)" * 400 + "{}" + "#end" * 400
# Which side each route's hostile template maps, and what the log says of it.
HOSTILE = {
    "/loop-bomb": ("response", LOOP_BOMB, "the template took more than 1000000 steps"),
    "/doubling": ("request", DOUBLING, "a text of the template would exceed 10 MB"),
    "/deep": ("response", DEEP, "the template nests more than 32 deep"),
    "/unreadable": ("request", "#foreach($x in $l)", "#foreach without #end"),
}


@pytest.fixture(scope="module")
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


def mock_route(apigateway: Any, api_id: str, root: str, path: str, request_template: str,
               response_template: str) -> str:
    resource_id = resource(apigateway, api_id, root, path.lstrip("/"))
    apigateway.put_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET",
                          authorizationType="NONE")
    apigateway.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod="GET",
                               type="MOCK",
                               requestTemplates={"application/json": request_template})
    respond(apigateway, api_id, resource_id, "GET", "200", template=response_template)
    return resource_id


@pytest.fixture(scope="module")
def hostile_api(apigateway: Any) -> tuple[str, dict[str, str]]:
    """A MOCK API with one route per hostile template, one to escape, and one healthy."""
    api_id = apigateway.create_rest_api(name=unique("api"))["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    routes = {"/escape": mock_route(apigateway, api_id, root, "/escape", MOCK_REQUEST,
                                    ESCAPE_TEMPLATE),
              "/ok": mock_route(apigateway, api_id, root, "/ok", MOCK_REQUEST, '{"ok": true}')}
    for path, (side, template, _) in HOSTILE.items():
        request, response = (template, "{}") if side == "request" else (MOCK_REQUEST, template)
        routes[path] = mock_route(apigateway, api_id, root, path, request, response)
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE)
    return api_id, routes


def fetch(url: str) -> tuple[int, str, bytes]:
    """Status, Content-Type and body of a GET with urllib, error answers included."""
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


def test_python_objects_render_as_nothing_on_a_stage(sandbox_url: str,
                                                     hostile_api: tuple[str, dict[str, str]]
                                                     ) -> None:
    status, _, body = fetch(stage_url(sandbox_url, hostile_api[0], "/escape"))
    assert status == 200, body
    assert json.loads(body) == {key: "" for key in ESCAPES}


@pytest.mark.parametrize("path", HOSTILE)
def test_a_failing_template_is_internal_server_error_and_the_sandbox_lives_on(
        sandbox_url: str, hostile_api: tuple[str, dict[str, str]], path: str) -> None:
    api_id = hostile_api[0]
    status, content_type, body = fetch(stage_url(sandbox_url, api_id, path))
    assert (status, content_type) == (500, "application/json")
    assert json.loads(body) == INTERNAL_ERROR
    status, _, body = fetch(stage_url(sandbox_url, api_id, "/ok"))
    assert (status, json.loads(body)) == (200, {"ok": True})


@pytest.mark.parametrize("path", HOSTILE)
def test_test_invoke_method_logs_why_the_template_failed(
        apigateway: Any, hostile_api: tuple[str, dict[str, str]], path: str) -> None:
    api_id, routes = hostile_api
    side, _, reason = HOSTILE[path]
    reply = apigateway.test_invoke_method(restApiId=api_id, resourceId=routes[path],
                                          httpMethod="GET")
    assert reply["status"] == 500
    assert json.loads(reply["body"]) == INTERNAL_ERROR
    assert (f"Execution failed due to configuration error: Unable to transform {side}: "
            f"{reason}") in reply["log"]
    assert "Method completed with status: 500" in reply["log"]
