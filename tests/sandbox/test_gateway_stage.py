"""A deployed stage answers HTTP: matching, proxy event 1.0, proxy responses, errors, snapshots."""
import base64
import http.client
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from .lambda_support import create_role, deploy, lambda_client, unique
from .processes import ACCOUNT_ID, REGION, ClientFactory

ECHO = """
    import base64
    import json

    def handler(event, context):
        mode = (event.get("queryStringParameters") or {}).get("mode")
        if mode == "malformed":
            return {"statusCode": 200, "body": {"not": "a string"}}
        if mode == "unknown-key":
            return {"statusCode": 200, "body": "x", "cookies": ["a=b"]}
        if mode == "fail":
            raise ValueError("boom")
        if mode == "binary":
            return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                    "body": base64.b64encode(bytes([137, 80, 0, 255])).decode(),
                    "isBase64Encoded": True}
        return {"statusCode": 201,
                "headers": {"X-Single": "one", "X-Both": "single"},
                "multiValueHeaders": {"X-Multi": ["a", "b"], "X-Both": ["multi"]},
                "body": json.dumps(event)}
"""
STAGE = "prod"
REQUEST_TIME = re.compile(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000")
IDENTITY_NULLS = ("accessKey", "accountId", "caller", "user", "userArn", "cognitoIdentityId",
                  "cognitoIdentityPoolId", "cognitoAuthenticationType",
                  "cognitoAuthenticationProvider", "principalOrgId")


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer from a stage."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


@dataclass(frozen=True, slots=True)
class Api:
    """A REST API made for a test: its id and its resources' ids by path."""

    api_id: str
    resources: dict[str, str]


def integration_uri(function_arn: str) -> str:
    return (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}"
            "/invocations")


def make_api(apigateway: Any, function_arn: str, routes: list[tuple[str, str]]) -> Api:
    """An API whose `routes` (path, verb) all proxy to the function."""
    api_id = apigateway.create_rest_api(name=unique("api"))["id"]
    resources = {"/": next(item["id"] for item in apigateway.get_resources(restApiId=api_id)
                           ["items"] if item["path"] == "/")}
    for path, verb in routes:
        resource_id = ensure_resource(apigateway, api_id, resources, path)
        add_method(apigateway, api_id, resource_id, verb, function_arn)
    return Api(api_id, resources)


def ensure_resource(apigateway: Any, api_id: str, resources: dict[str, str], path: str) -> str:
    """The id of `path`, creating it and its parents as needed."""
    if path in resources:
        return resources[path]
    parent, _, part = path.rpartition("/")
    parent_id = ensure_resource(apigateway, api_id, resources, parent or "/")
    resources[path] = apigateway.create_resource(restApiId=api_id, parentId=parent_id,
                                                 pathPart=part)["id"]
    return resources[path]


def add_method(apigateway: Any, api_id: str, resource_id: str, verb: str,
               function_arn: str) -> None:
    apigateway.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=verb,
                          authorizationType="NONE")
    apigateway.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod=verb,
                               type="AWS_PROXY", integrationHttpMethod="POST",
                               uri=integration_uri(function_arn))


def allow_gateway(lambda_api: Any, function_name: str, source_arn: str) -> None:
    lambda_api.add_permission(FunctionName=function_name, StatementId=unique("apigw"),
                              Action="lambda:InvokeFunction",
                              Principal="apigateway.amazonaws.com", SourceArn=source_arn)


def execute_arn(api_id: str, rest: str = "*/*/*") -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/{rest}"


def stage_url(sandbox_url: str, api_id: str, path: str, stage: str = STAGE) -> str:
    return f"{sandbox_url}/restapis/{api_id}/{stage}/_user_request_{path}"


def call(url: str, method: str = "GET", body: bytes | None = None,
         headers: list[tuple[str, str]] | None = None) -> Reply:
    """One request with http.client, so a header may be sent more than once."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.putrequest(method, target)
        for name, value in headers or []:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        answer = connection.getresponse()
        return Reply(answer.status, answer.getheaders(), answer.read())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def apigateway(aws_client: ClientFactory) -> Any:
    return aws_client("apigateway")


@pytest.fixture(scope="module")
def lambda_api(sandbox_url: str) -> Any:
    return lambda_client(sandbox_url)


@pytest.fixture(scope="module")
def echo(lambda_api: Any, aws_client: ClientFactory) -> Any:
    return deploy(lambda_api, create_role(aws_client("iam")), ECHO)


@pytest.fixture(scope="module")
def api(apigateway: Any, lambda_api: Any, echo: Any) -> Api:
    made = make_api(apigateway, echo.arn, [
        ("/items", "GET"), ("/items/{id}", "GET"), ("/items/special", "GET"),
        ("/files/{proxy+}", "ANY"), ("/upload", "POST"), ("/", "GET")])
    allow_gateway(lambda_api, echo.name, execute_arn(made.api_id))
    apigateway.create_deployment(restApiId=made.api_id, stageName=STAGE)
    return made


def test_literal_path_gets_the_whole_proxy_event(sandbox_url: str, api: Api) -> None:
    reply = call(stage_url(sandbox_url, api.api_id, "/items"),
                 headers=[("User-Agent", "gateway-test/1")])
    assert reply.status == 201
    event = reply.json()
    assert event["resource"] == "/items"
    assert event["path"] == "/items"
    assert event["httpMethod"] == "GET"
    for absent in ("queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
                   "stageVariables", "body"):
        assert event[absent] is None, absent
    assert event["isBase64Encoded"] is False
    assert event["headers"]["User-Agent"] == "gateway-test/1"
    assert event["multiValueHeaders"]["User-Agent"] == ["gateway-test/1"]
    context = event["requestContext"]
    assert context["accountId"] == ACCOUNT_ID
    assert context["apiId"] == api.api_id
    assert context["resourceId"] == api.resources["/items"]
    assert context["resourcePath"] == "/items"
    assert context["httpMethod"] == "GET"
    assert context["path"] == "/prod/items"
    assert context["stage"] == STAGE
    assert context["protocol"] == "HTTP/1.1"
    assert context["domainName"] == f"{api.api_id}.execute-api.{REGION}.amazonaws.com"
    assert context["domainPrefix"] == api.api_id
    assert REQUEST_TIME.fullmatch(context["requestTime"])
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["requestId"] == reply.header("x-amzn-RequestId")[0]
    assert context["extendedRequestId"]
    identity = context["identity"]
    assert identity["sourceIp"] == "127.0.0.1"
    assert identity["userAgent"] == "gateway-test/1"
    assert all(identity[name] is None for name in IDENTITY_NULLS)


def test_response_headers_merge_with_multi_value_winning(sandbox_url: str, api: Api) -> None:
    reply = call(stage_url(sandbox_url, api.api_id, "/items"))
    assert reply.header("X-Single") == ["one"]
    assert reply.header("X-Multi") == ["a", "b"]
    assert reply.header("X-Both") == ["multi"]
    assert reply.header("Content-Type") == ["application/json"]


def test_path_parameter_and_literal_precedence(sandbox_url: str, api: Api) -> None:
    by_id = call(stage_url(sandbox_url, api.api_id, "/items/42")).json()
    assert by_id["resource"] == "/items/{id}"
    assert by_id["pathParameters"] == {"id": "42"}
    special = call(stage_url(sandbox_url, api.api_id, "/items/special")).json()
    assert special["resource"] == "/items/special"
    assert special["pathParameters"] is None


def test_greedy_proxy_takes_the_rest_of_the_path_for_any_verb(sandbox_url: str,
                                                              api: Api) -> None:
    event = call(stage_url(sandbox_url, api.api_id, "/files/a/b/c.txt"), method="DELETE").json()
    assert event["resource"] == "/files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert event["httpMethod"] == "DELETE"


def test_root_resource(sandbox_url: str, api: Api) -> None:
    event = call(stage_url(sandbox_url, api.api_id, "/")).json()
    assert event["resource"] == "/"
    assert event["requestContext"]["path"] == "/prod/"


def test_repeated_query_keys_and_headers(sandbox_url: str, api: Api) -> None:
    reply = call(stage_url(sandbox_url, api.api_id, "/items?a=1&a=2&b=x%20y"),
                 headers=[("X-Repeat", "first"), ("X-Repeat", "second"),
                          ("Accept", "text/plain, application/json")])
    event = reply.json()
    assert event["queryStringParameters"] == {"a": "2", "b": "x y"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x y"]}
    assert event["headers"]["X-Repeat"] == "second"
    assert event["multiValueHeaders"]["X-Repeat"] == ["first", "second"]
    assert event["multiValueHeaders"]["Accept"] == ["text/plain, application/json"]


def test_binary_body_travels_base64_both_ways(sandbox_url: str, api: Api) -> None:
    payload = bytes([0, 255, 16, 128, 7])
    event = call(stage_url(sandbox_url, api.api_id, "/upload"), method="POST", body=payload,
                 headers=[("Content-Type", "application/octet-stream")]).json()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload
    text = call(stage_url(sandbox_url, api.api_id, "/upload"), method="POST",
                body=b'{"name": "kim"}').json()
    assert text["isBase64Encoded"] is False
    assert text["body"] == '{"name": "kim"}'
    # The API has no binaryMediaTypes: the base64 answer goes out as its text, as on AWS
    # (tests/conformance/test_apigateway_binary.py has the rule).
    image = call(stage_url(sandbox_url, api.api_id, "/items?mode=binary"))
    assert image.status == 200
    assert image.body == base64.b64encode(bytes([137, 80, 0, 255]))
    assert image.header("Content-Type") == ["image/png"]


@pytest.mark.parametrize("mode", ["malformed", "unknown-key", "fail"])
def test_bad_function_answers_are_502(sandbox_url: str, api: Api, mode: str) -> None:
    reply = call(stage_url(sandbox_url, api.api_id, f"/items?mode={mode}"))
    assert reply.status == 502
    assert reply.json() == {"message": "Internal server error"}


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/nowhere"), ("POST", "/items"), ("GET", "/items/1/more"), ("GET", "/files")])
def test_unknown_path_or_verb_is_missing_authentication_token(sandbox_url: str, api: Api,
                                                              method: str, path: str) -> None:
    reply = call(stage_url(sandbox_url, api.api_id, path), method=method)
    assert reply.status == 403
    assert reply.json() == {"message": "Missing Authentication Token"}
    assert reply.header("x-amzn-ErrorType") == ["MissingAuthenticationTokenException"]


def test_unknown_stage_is_missing_authentication_token(sandbox_url: str, api: Api) -> None:
    assert call(stage_url(sandbox_url, api.api_id, "/items", stage="nostage")).status == 403


def test_without_permission_the_gateway_answers_500(sandbox_url: str, apigateway: Any,
                                                    lambda_api: Any,
                                                    aws_client: ClientFactory) -> None:
    function = deploy(lambda_api, create_role(aws_client("iam")), ECHO)
    made = make_api(apigateway, function.arn, [("/open", "GET"), ("/closed", "GET")])
    allow_gateway(lambda_api, function.name, execute_arn(made.api_id, "*/GET/open"))
    apigateway.create_deployment(restApiId=made.api_id, stageName=STAGE)
    assert call(stage_url(sandbox_url, made.api_id, "/open")).status == 201
    closed = call(stage_url(sandbox_url, made.api_id, "/closed"))
    assert closed.status == 500
    assert closed.json() == {"message": "Internal server error"}


def test_stage_serves_its_deployment_until_redeployed(sandbox_url: str, apigateway: Any,
                                                      lambda_api: Any, echo: Any) -> None:
    made = make_api(apigateway, echo.arn, [("/v1", "GET")])
    allow_gateway(lambda_api, echo.name, execute_arn(made.api_id))
    first = apigateway.create_deployment(restApiId=made.api_id, stageName=STAGE)["id"]
    resource_id = ensure_resource(apigateway, made.api_id, made.resources, "/v2")
    add_method(apigateway, made.api_id, resource_id, "GET", echo.arn)
    apigateway.delete_method(restApiId=made.api_id, resourceId=made.resources["/v1"],
                             httpMethod="GET")
    assert call(stage_url(sandbox_url, made.api_id, "/v1")).status == 201
    assert call(stage_url(sandbox_url, made.api_id, "/v2")).status == 403
    apigateway.create_deployment(restApiId=made.api_id, stageName=STAGE)
    assert call(stage_url(sandbox_url, made.api_id, "/v1")).status == 403
    assert call(stage_url(sandbox_url, made.api_id, "/v2")).status == 201
    apigateway.update_stage(restApiId=made.api_id, stageName=STAGE, patchOperations=[
        {"op": "replace", "path": "/deploymentId", "value": first}])
    assert call(stage_url(sandbox_url, made.api_id, "/v1")).status == 201
    assert call(stage_url(sandbox_url, made.api_id, "/v2")).status == 403


def test_stage_variables_pick_the_function(sandbox_url: str, apigateway: Any, lambda_api: Any,
                                           echo: Any) -> None:
    api_id = apigateway.create_rest_api(name=unique("api"))["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    apigateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                          authorizationType="NONE")
    uri = integration_uri(f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:${{stageVariables.fn}}")
    apigateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET",
                               type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    allow_gateway(lambda_api, echo.name, execute_arn(api_id))
    apigateway.create_deployment(restApiId=api_id, stageName=STAGE,
                                 variables={"fn": echo.name})
    reply = call(stage_url(sandbox_url, api_id, "/"))
    assert reply.status == 201
    assert reply.json()["stageVariables"] == {"fn": echo.name}


def test_urllib_client_reaches_the_stage(sandbox_url: str, api: Api) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(stage_url(sandbox_url, api.api_id, "/nowhere"), timeout=10)
    assert refused.value.code == 403
    with urllib.request.urlopen(stage_url(sandbox_url, api.api_id, "/items/7"),
                                timeout=10) as reply:
        assert json.load(reply)["pathParameters"] == {"id": "7"}


def test_qualified_function_uri_calls_the_alias(sandbox_url: str, apigateway: Any,
                                                lambda_api: Any, echo: Any) -> None:
    version = lambda_api.publish_version(FunctionName=echo.name)["Version"]
    alias = unique("live")
    lambda_api.create_alias(FunctionName=echo.name, Name=alias, FunctionVersion=version)
    made = make_api(apigateway, f"{echo.arn}:{alias}", [("/aliased", "GET")])
    lambda_api.add_permission(FunctionName=echo.name, Qualifier=alias,
                              StatementId=unique("apigw"), Action="lambda:InvokeFunction",
                              Principal="apigateway.amazonaws.com",
                              SourceArn=execute_arn(made.api_id))
    apigateway.create_deployment(restApiId=made.api_id, stageName=STAGE)
    reply = call(stage_url(sandbox_url, made.api_id, "/aliased"))
    assert reply.status == 201, reply.body
    assert reply.json()["resource"] == "/aliased"
