"""The APIs area: REST APIs, resources, methods, Lambda permissions, deploys, stages, logging, tests."""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from http import HTTPStatus

import boto3
import pytest
from botocore.exceptions import ClientError
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from webapp.aws.functions import code_packages
from webapp import create_app
from webapp.aws.apigateway import calls as api_calls, cloudwatch_logging, lambda_integrations
from webapp.aws.apigateway import methods as api_methods, rest_apis, stages as api_stages
from webapp.aws.apigateway.calls import HttpResult
from webapp.aws.errors import ConsoleError
from webapp.aws.paging import Page
from webapp.iam_grammar.arns import arn_like

from tests.helpers import PASSWORD, clients_for, csrf_token, injected, load_only_managed_policies

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
MANAGED_POLICIES = ("AWSLambdaBasicExecutionRole", "AmazonAPIGatewayPushToCloudWatchLogs")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The console under moto with only the AWS-managed policies these tests attach."""
    load_only_managed_policies(monkeypatch, MANAGED_POLICIES)
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD})


def gateway():  # type: ignore[no-untyped-def]
    return boto3.client("apigateway", region_name=REGION)


def make_api(name: str = "items-api") -> tuple[str, str]:
    api = gateway().create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})
    root = gateway().get_resources(restApiId=api["id"])["items"][0]["id"]
    return api["id"], root


def make_function(function_name: str = "hello-fn") -> str:
    iam = boto3.client("iam", region_name=REGION)
    role_arn = iam.create_role(RoleName=f"{function_name}-role",
                               AssumeRolePolicyDocument=TRUST_LAMBDA)["Role"]["Arn"]
    return boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=function_name, Runtime="python3.12", Handler="lambda_function.lambda_handler",
        Role=role_arn, Code={"ZipFile": code_packages.template_zip("hello")})["FunctionArn"]


def post(client: FlaskClient, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/apis/new")})


def text(reply) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(reply.get_data(as_text=True))


def paths(api_id: str) -> dict[str, dict]:
    return {item["path"]: item for item in gateway().get_resources(restApiId=api_id)["items"]}


# 1. List and create


def test_the_list_shows_each_api_with_its_endpoint_type(signed_in: FlaskClient) -> None:
    make_api("first-api")
    reply = signed_in.get("/apis/")
    assert reply.status_code == HTTPStatus.OK
    assert "first-api" in text(reply) and "REGIONAL" in text(reply)
    assert "not built yet" not in text(reply).lower()


def test_an_empty_region_says_so(signed_in: FlaskClient) -> None:
    assert "No REST APIs in this region yet." in text(signed_in.get("/apis/"))


def test_the_list_loads_more_with_the_next_token(signed_in: FlaskClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    asked = []

    def one_page(page_token=None):  # type: ignore[no-untyped-def]
        asked.append(page_token)
        api = rest_apis.RestApi(f"id{len(asked)}", f"api-{len(asked)}", "", "EDGE", "")
        return Page([api], "token-2" if page_token is None else None)

    monkeypatch.setattr(rest_apis, "list_rest_apis", one_page)
    first = signed_in.get("/apis/").get_data(as_text=True)
    assert 'hx-get="/apis/?next=token-2"' in first and "api-1" in first
    more = signed_in.get("/apis/?next=token-2", headers={"HX-Request": "true"})
    assert asked == [None, "token-2"]
    assert "api-2" in more.get_data(as_text=True) and "<html" not in more.get_data(as_text=True)
    assert "Load more" not in more.get_data(as_text=True)


def test_the_create_form_explains_when_to_choose_each_endpoint_type(signed_in: FlaskClient) -> None:
    page = text(signed_in.get("/apis/new"))
    assert "users in Seoul only" in page
    assert "all over the world" in page
    assert "inside your network" in page


def test_creating_an_api_redirects_to_its_page(signed_in: FlaskClient) -> None:
    reply = post(signed_in, "/apis/", {"name": "shop", "description": "orders",
                                       "endpoint_type": "EDGE"})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    api = gateway().get_rest_apis()["items"][0]
    assert (api["name"], api["description"], api["endpointConfiguration"]["types"]) == (
        "shop", "orders", ["EDGE"])
    assert reply.headers["Location"] == f"/apis/{api['id']}"
    assert "shop" in text(signed_in.get(reply.headers["Location"]))


@pytest.mark.parametrize("data, field", [
    ({"name": "", "endpoint_type": "REGIONAL"}, "name"),
    ({"name": "ok", "endpoint_type": "SIDEWAYS"}, "endpoint_type"),
])
def test_bad_create_input_keeps_values_and_creates_nothing(signed_in: FlaskClient, data: dict,
                                                           field: str) -> None:
    reply = post(signed_in, "/apis/", {**data, "description": "kept text"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert f'id="{field}-error"' in reply.get_data(as_text=True)
    assert 'value="kept text"' in reply.get_data(as_text=True)
    assert gateway().get_rest_apis()["items"] == []


def test_htmx_create_gets_hx_location(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/apis/", data={"name": "x", "endpoint_type": "PRIVATE",
                                           "csrf_token": csrf_token(signed_in, "/apis/new")},
                           headers={"HX-Request": "true"})
    assert reply.status_code == HTTPStatus.NO_CONTENT
    assert reply.headers["HX-Location"].startswith("/apis/")


# 2. Resources


def test_resources_nest_like_folders(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    items = gateway().create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    gateway().create_resource(restApiId=api_id, parentId=items, pathPart="{id}")
    page = text(signed_in.get(f"/apis/{api_id}"))
    assert re.search(r'class="depth-1">\s*<a class="resource-link"[^>]*>/items<', page)
    assert re.search(r'class="depth-2">\s*<a class="resource-link"[^>]*>/\{id\}<', page)


@pytest.mark.parametrize("path_part", ["items", "{id}", "{proxy+}", "v1.2_x-y:z"])
def test_valid_path_parts_create_a_resource(signed_in: FlaskClient, path_part: str) -> None:
    api_id, root = make_api()
    reply = post(signed_in, f"/apis/{api_id}/resources", {"parent_id": root, "path_part": path_part})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert f"/{path_part}" in paths(api_id)


@pytest.mark.parametrize("path_part", ["", "a/b", "{id", "{pro+xy}", "items?", "{}"])
def test_invalid_path_parts_are_refused_with_the_value_kept(signed_in: FlaskClient,
                                                           path_part: str) -> None:
    api_id, root = make_api()
    reply = post(signed_in, f"/apis/{api_id}/resources", {"parent_id": root, "path_part": path_part})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert 'id="path_part-error"' in reply.get_data(as_text=True)
    assert f'value="{html.escape(path_part)}"' in reply.get_data(as_text=True)
    assert list(paths(api_id)) == ["/"]


def test_a_second_parameter_sibling_is_refused(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    gateway().create_resource(restApiId=api_id, parentId=root, pathPart="{id}")
    reply = post(signed_in, f"/apis/{api_id}/resources", {"parent_id": root, "path_part": "{name}"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "only one parameter resource" in text(reply)


def test_a_greedy_resource_gets_no_children(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    greedy = gateway().create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
    reply = post(signed_in, f"/apis/{api_id}/resources", {"parent_id": greedy, "path_part": "x"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert 'id="parent_id-error"' in reply.get_data(as_text=True)
    assert sorted(paths(api_id)) == ["/", "/{proxy+}"]


def test_enable_cors_adds_an_options_mock_method_with_the_headers(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    post(signed_in, f"/apis/{api_id}/resources",
         {"parent_id": root, "path_part": "items", "enable_cors": "on"})
    resource_id = paths(api_id)["/items"]["id"]
    method = gateway().get_method(restApiId=api_id, resourceId=resource_id, httpMethod="OPTIONS")
    assert method["authorizationType"] == "NONE"
    assert method["methodIntegration"]["type"] == "MOCK"
    answer = method["methodIntegration"]["integrationResponses"]["200"]["responseParameters"]
    assert answer["method.response.header.Access-Control-Allow-Origin"] == "'*'"
    assert answer["method.response.header.Access-Control-Allow-Methods"] == (
        "'DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT'")
    declared = method["methodResponses"]["200"]["responseParameters"]
    assert set(declared) == set(answer)
    assert "Content-Type" in answer["method.response.header.Access-Control-Allow-Headers"]


def test_deleting_a_resource_asks_for_its_path_and_removes_its_subtree(
        signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    items = gateway().create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    item = gateway().create_resource(restApiId=api_id, parentId=items, pathPart="{id}")["id"]
    gateway().create_resource(restApiId=api_id, parentId=item, pathPart="tags")
    gateway().create_resource(restApiId=api_id, parentId=root, pathPart="other")
    confirm = text(signed_in.get(f"/apis/{api_id}/resources/{items}/delete"))
    assert "Delete /items?" in confirm and "/items/{id}/tags" in confirm
    resource_page = text(signed_in.get(f"/apis/{api_id}/resources/{items}"))
    assert f'href="/apis/{api_id}/resources/{items}/delete"' in resource_page
    reply = post(signed_in, f"/apis/{api_id}/resources/{items}/delete", {"confirm_name": "items"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Type the resource's path, /items, exactly to delete it." in text(reply)
    assert 'value="items"' in text(reply)
    assert len(paths(api_id)) == 5
    reply = post(signed_in, f"/apis/{api_id}/resources/{items}/delete", {"confirm_name": "/items"})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == f"/apis/{api_id}"
    assert sorted(paths(api_id)) == ["/", "/other"]
    assert "Deleted the resource /items and everything under it." in text(
        signed_in.get(f"/apis/{api_id}"))


# 3. Methods


def test_lambda_proxy_method_integrates_and_grants_invoke_with_the_exact_source_arn(
        signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    items = gateway().create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    item = gateway().create_resource(restApiId=api_id, parentId=items, pathPart="{id}")["id"]
    function_arn = make_function()
    assert "hello-fn" in text(signed_in.get(f"/apis/{api_id}/resources/{item}"))
    reply = post(signed_in, f"/apis/{api_id}/resources/{item}/methods",
                 {"http_method": "GET", "authorization_type": "NONE",
                  "integration_kind": "lambda_proxy", "function_arn": function_arn})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    integration = gateway().get_integration(restApiId=api_id, resourceId=item, httpMethod="GET")
    assert integration["type"] == "AWS_PROXY"
    assert integration["httpMethod"] == "POST"
    assert integration["uri"] == (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                                  f"{function_arn}/invocations")
    policy = json.loads(boto3.client("lambda", region_name=REGION).get_policy(
        FunctionName="hello-fn")["Policy"])
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/GET/items/{{id}}")
    page = text(signed_in.get(reply.headers["Location"]))
    assert "AWS_PROXY" in page and "Allowed" in page


def test_any_method_grants_every_method_and_a_qualifier_is_kept(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    function_arn = make_function()
    lambda_client = boto3.client("lambda", region_name=REGION)
    version = lambda_client.publish_version(FunctionName="hello-fn")["Version"]
    lambda_client.create_alias(FunctionName="hello-fn", Name="live", FunctionVersion=version)
    post(signed_in, f"/apis/{api_id}/resources/{root}/methods",
         {"http_method": "ANY", "authorization_type": "NONE", "integration_kind": "lambda_proxy",
          "function_arn": function_arn, "qualifier": "live"})
    integration = gateway().get_integration(restApiId=api_id, resourceId=root, httpMethod="ANY")
    assert f"{function_arn}:live/invocations" in integration["uri"]
    policy = json.loads(lambda_client.get_policy(FunctionName="hello-fn", Qualifier="live")["Policy"])
    assert policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"] == (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/*/")


def test_a_missing_permission_is_shown_and_added_with_one_click(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    function_arn = make_function()
    gateway().put_method(restApiId=api_id, resourceId=root, httpMethod="POST",
                         authorizationType="NONE")
    gateway().put_integration(restApiId=api_id, resourceId=root, httpMethod="POST", type="AWS_PROXY",
                              integrationHttpMethod="POST",
                              uri=lambda_integrations.lambda_integration_uri(REGION, function_arn))
    page_url = f"/apis/{api_id}/resources/{root}/methods/POST"
    assert "API Gateway may not invoke this function" in text(signed_in.get(page_url))
    reply = post(signed_in, page_url + "/permission", {})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    page = text(signed_in.get(page_url))
    assert "API Gateway may not invoke this function" not in page and "Allowed" in page


def test_a_permission_for_another_method_does_not_count() -> None:
    assert arn_like("arn:aws:execute-api:r:1:abc/*/GET/items",
                    "arn:aws:execute-api:r:1:abc/*/GET/items")
    assert not arn_like("arn:aws:execute-api:r:1:abc/*/GET/items",
                        "arn:aws:execute-api:r:1:abc/*/POST/items")
    assert arn_like("arn:aws:execute-api:r:1:abc/*/*/*",
                    "arn:aws:execute-api:r:1:abc/*/POST/items/{id}")


def test_lambda_non_proxy_keeps_its_mapping_templates(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    function_arn = make_function()
    post(signed_in, f"/apis/{api_id}/resources/{root}/methods",
         {"http_method": "POST", "authorization_type": "NONE", "integration_kind": "lambda",
          "function_arn": function_arn, "request_template": '{"name": "$input.params(\'name\')"}',
          "response_template": "$input.body"})
    integration = gateway().get_integration(restApiId=api_id, resourceId=root, httpMethod="POST")
    assert integration["type"] == "AWS"
    assert integration["requestTemplates"] == {"application/json": '{"name": "$input.params(\'name\')"}'}
    assert integration["integrationResponses"]["200"]["responseTemplates"] == {
        "application/json": "$input.body"}


def test_mock_and_http_proxy_methods(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    post(signed_in, f"/apis/{api_id}/resources/{root}/methods",
         {"http_method": "GET", "authorization_type": "NONE", "integration_kind": "mock"})
    post(signed_in, f"/apis/{api_id}/resources/{root}/methods",
         {"http_method": "PUT", "authorization_type": "NONE", "integration_kind": "http_proxy",
          "http_url": "https://example.com/put"})
    mock = gateway().get_integration(restApiId=api_id, resourceId=root, httpMethod="GET")
    proxy = gateway().get_integration(restApiId=api_id, resourceId=root, httpMethod="PUT")
    assert mock["type"] == "MOCK"
    assert (proxy["type"], proxy["uri"]) == ("HTTP_PROXY", "https://example.com/put")


@pytest.mark.parametrize("data, field", [
    ({"http_method": "FETCH", "integration_kind": "mock"}, "http_method"),
    ({"http_method": "GET", "integration_kind": "lambda_proxy", "function_arn": ""}, "function_arn"),
    ({"http_method": "GET", "integration_kind": "http_proxy", "http_url": "ftp://x"}, "http_url"),
    ({"http_method": "GET", "integration_kind": "mock", "authorization_type": "AWS_IAM"},
     "authorization_type"),
])
def test_bad_method_input_is_refused_and_nothing_is_created(signed_in: FlaskClient, data: dict,
                                                            field: str) -> None:
    api_id, root = make_api()
    reply = post(signed_in, f"/apis/{api_id}/resources/{root}/methods",
                 {"authorization_type": "NONE", **data})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert f'id="{field}-error"' in reply.get_data(as_text=True)
    assert paths(api_id)["/"].get("resourceMethods") in (None, {})


def test_other_authorizers_are_said_to_be_configured_elsewhere(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    page = text(signed_in.get(f"/apis/{api_id}/resources/{root}"))
    assert "COGNITO_USER_POOLS" in page and "configured elsewhere" in page


# 4. Deploy and stages


def deploy(client: FlaskClient, api_id: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return post(client, f"/apis/{api_id}/deployments", data)


def mock_method(api_id: str, resource_id: str) -> None:
    gateway().put_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET",
                         authorizationType="NONE")
    gateway().put_integration(restApiId=api_id, resourceId=resource_id, httpMethod="GET", type="MOCK")


def test_deploying_to_a_new_stage_shows_its_invoke_url(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    mock_method(api_id, root)
    reply = deploy(signed_in, api_id, {"stage": "", "new_stage_name": "prod",
                                       "description": "first"})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == f"/apis/{api_id}/stages/prod"
    url = f"https://{api_id}.execute-api.{REGION}.amazonaws.com/prod"
    stage_page = text(signed_in.get(reply.headers["Location"]))
    assert url in stage_page and f'data-copy="{url}"' in stage_page and "first" in stage_page
    assert url in text(signed_in.get(f"/apis/{api_id}"))


def test_on_an_endpoint_the_invoke_url_is_its_restapis_form(app: Flask) -> None:
    from webapp.aws import clients
    with app.app_context():
        settings = clients.connection()
        with clients.using(clients_for(clients.Connection(
                settings.backend, settings.region, endpoint_url="http://127.0.0.1:4720"))):
            assert api_stages.invoke_url("abc123", "prod") == (
                "http://127.0.0.1:4720/restapis/abc123/prod/_user_request_")


def test_on_the_sandbox_the_invoke_url_is_the_stage_host_then_the_path(app: Flask) -> None:
    from webapp.aws import clients
    with app.app_context():
        settings = clients.connection()
        with clients.using(clients_for(clients.Connection(
                "sandbox", settings.region, endpoint_url="http://127.0.0.1:4720"))):
            assert api_stages.invoke_url("abc123", "prod") == (
                "http://abc123.execute-api.localhost:4720/prod")
            assert api_stages.path_invoke_url("abc123", "prod") == (
                "http://127.0.0.1:4720/restapis/abc123/prod/_user_request_")


def test_on_aws_there_is_no_path_invoke_url(app: Flask) -> None:
    with app.app_context():
        assert api_stages.path_invoke_url("abc123", "prod") is None


def test_a_bad_stage_name_is_refused(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    mock_method(api_id, root)
    reply = deploy(signed_in, api_id, {"stage": "", "new_stage_name": "my stage"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert 'id="new_stage_name-error"' in reply.get_data(as_text=True)
    assert 'value="my stage"' in reply.get_data(as_text=True)
    assert gateway().get_stages(restApiId=api_id)["item"] == []


def test_a_stage_behind_the_newest_deployment_is_flagged_until_redeployed(
        signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    mock_method(api_id, root)
    deploy(signed_in, api_id, {"stage": "", "new_stage_name": "prod"})
    deploy(signed_in, api_id, {"stage": "", "new_stage_name": "dev"})
    assert "Outdated" in text(signed_in.get(f"/apis/{api_id}/stages/prod"))
    assert "Outdated" not in text(signed_in.get(f"/apis/{api_id}/stages/dev"))
    reply = deploy(signed_in, api_id, {"stage": "prod", "description": "again"})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    page = text(signed_in.get(f"/apis/{api_id}/stages/prod"))
    assert "Outdated" not in page
    assert page.count("<tr class=") == 3  # three deployments in the history


def test_stage_variables_are_replaced_by_the_editor(signed_in: FlaskClient) -> None:
    api_id, root = make_api()
    mock_method(api_id, root)
    gateway().create_deployment(restApiId=api_id, stageName="prod",
                                variables={"old": "1", "keep": "2"})
    reply = post(signed_in, f"/apis/{api_id}/stages/prod/variables",
                 {"variables": "keep=2\ntableName=Items\n"})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert gateway().get_stage(restApiId=api_id, stageName="prod")["variables"] == {
        "keep": "2", "tableName": "Items"}
    bad = post(signed_in, f"/apis/{api_id}/stages/prod/variables", {"variables": "bad name=1"})
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Line 1" in text(bad) and "bad name=1" in text(bad)
    assert gateway().get_stage(restApiId=api_id, stageName="prod")["variables"] == {
        "keep": "2", "tableName": "Items"}


# 5. Logging


def prod_stage() -> str:
    api_id, root = make_api()
    mock_method(api_id, root)
    gateway().create_deployment(restApiId=api_id, stageName="prod")
    return api_id


def test_without_an_account_role_logging_is_refused_in_aws_words(signed_in: FlaskClient) -> None:
    api_id = prod_stage()
    page = text(signed_in.get(f"/apis/{api_id}/stages/prod"))
    assert "CloudWatch Logs role ARN must be set in account settings to enable logging" in page
    reply = post(signed_in, f"/apis/{api_id}/stages/prod/logging", {"level": "INFO"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert 'role="alert">CloudWatch Logs role ARN must be set' in reply.get_data(as_text=True)
    settings = gateway().get_stage(restApiId=api_id, stageName="prod").get("methodSettings") or {}
    assert "*/*" not in settings


def test_create_and_set_the_role_then_turn_logging_on(signed_in: FlaskClient) -> None:
    api_id = prod_stage()
    reply = post(signed_in, f"/apis/{api_id}/stages/prod/logging-role", {"level": "INFO"})
    assert reply.status_code == HTTPStatus.OK
    role_arn = gateway().get_account()["cloudwatchRoleArn"]
    role_name = role_arn.rsplit("/", 1)[-1]
    iam = boto3.client("iam", region_name=REGION)
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    assert [policy["PolicyName"] for policy in attached] == ["AmazonAPIGatewayPushToCloudWatchLogs"]
    assert role_arn in text(reply)

    reply = post(signed_in, f"/apis/{api_id}/stages/prod/logging",
                 {"level": "ERROR", "access_enabled": "on", "log_group": "/apigateway/items",
                  "access_format": '{"id":"$context.requestId"}'})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    stage = gateway().get_stage(restApiId=api_id, stageName="prod")
    assert stage["methodSettings"]["*/*"]["loggingLevel"] == "ERROR"
    assert stage["accessLogSettings"] == {
        "destinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/apigateway/items",
        "format": '{"id":"$context.requestId"}'}
    page = text(signed_in.get(f"/apis/{api_id}/stages/prod"))
    assert 'value="/apigateway/items"' in page

    post(signed_in, f"/apis/{api_id}/stages/prod/logging", {"level": "OFF"})
    stage = gateway().get_stage(restApiId=api_id, stageName="prod")
    assert stage["methodSettings"]["*/*"]["loggingLevel"] == "OFF"
    assert not stage.get("accessLogSettings")


def test_a_half_made_logging_role_is_reported(signed_in: FlaskClient,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    api_id = prod_stage()
    real_client = cloudwatch_logging.client

    class RefusingUpdateAccount:
        def __init__(self, real) -> None:  # type: ignore[no-untyped-def]
            self.real = real

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(self.real, name)

        def update_account(self, **_: object) -> dict:
            raise ClientError({"Error": {"Code": "AccessDeniedException",
                                         "Message": "no apigateway:PATCH"}}, "UpdateAccount")

    monkeypatch.setattr(cloudwatch_logging, "client", lambda service: RefusingUpdateAccount(
        real_client(service)) if service == "apigateway" else real_client(service))
    reply = post(signed_in, f"/apis/{api_id}/stages/prod/logging-role", {"level": "INFO"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    roles = boto3.client("iam", region_name=REGION).list_roles()["Roles"]
    made = [role["Arn"] for role in roles if role["RoleName"].startswith("apigateway-cloudwatch-logs")]
    assert len(made) == 1
    assert f"Created the role {made[0]} but could not finish setting it up" in text(reply)
    assert "cloudwatchRoleArn" not in gateway().get_account() or not gateway().get_account().get(
        "cloudwatchRoleArn")


def test_access_logging_needs_a_log_group_and_the_request_id(signed_in: FlaskClient) -> None:
    api_id = prod_stage()
    reply = post(signed_in, f"/apis/{api_id}/stages/prod/logging",
                 {"level": "OFF", "access_enabled": "on", "log_group": "",
                  "access_format": "$context.status"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = reply.get_data(as_text=True)
    assert 'id="log_group-error"' in page and 'id="access_format-error"' in page
    assert "$context.status" in page


# 6. Test-invoke and calling the stage


def method_with_param() -> tuple[str, str]:
    api_id, root = make_api()
    items = gateway().create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    item = gateway().create_resource(restApiId=api_id, parentId=items, pathPart="{id}")["id"]
    mock_method(api_id, item)
    gateway().create_deployment(restApiId=api_id, stageName="prod")
    return api_id, item


def test_test_invoke_sends_the_filled_path_and_shows_the_result(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    api_id, item = method_with_param()
    seen = []

    def stand_in(api, resource_id, request):  # type: ignore[no-untyped-def]
        seen.append(request)
        return HttpResult(200, {"Content-Type": "application/json"}, '{"id":"a b"}', 42.0,
                          "Execution log for request 1\nMethod completed with status: 200")

    monkeypatch.setattr(api_calls, "test_invoke_method", stand_in)
    page_url = f"/apis/{api_id}/resources/{item}/methods/GET"
    assert 'name="path_id"' in signed_in.get(page_url).get_data(as_text=True)
    reply = post(signed_in, page_url + "/test", {"path_id": "a b", "query": "x=1",
                                                 "headers": "X-Trace: 7", "body": '{"k": 1}'})
    assert reply.status_code == HTTPStatus.OK
    assert (seen[0].path, seen[0].query, seen[0].headers, seen[0].body) == (
        "/items/a%20b", "x=1", {"X-Trace": "7"}, '{"k": 1}')
    page = text(reply)
    assert "HTTP 200" in page and '"id": "a b"' in page and "42 ms" in page
    assert "Content-Type: application/json" in page
    assert "Method completed with status: 200" in page


class FailingTestInvoke:
    """The API Gateway client, except that TestInvokeMethod fails as moto's server answers it."""

    def __init__(self, real) -> None:  # type: ignore[no-untyped-def]
        self.real = real

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.real, name)

    def test_invoke_method(self, **_: object) -> dict:
        raise ClientError({"Error": {"Code": "InternalFailure", "Message": "not implemented"},
                           "ResponseMetadata": {"HTTPStatusCode": 500}}, "TestInvokeMethod")


def test_when_test_invoke_fails_the_error_is_shown_beside_the_button(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    api_id, item = method_with_param()
    real_client = api_calls.client
    monkeypatch.setattr(api_calls, "client", lambda service: FailingTestInvoke(real_client(service)))
    reply = post(signed_in, f"/apis/{api_id}/resources/{item}/methods/GET/test", {"path_id": "1"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert ('class="field-error" role="alert">Could not test the method: InternalFailure: '
            'not implemented') in text(reply)
    assert 'value="1"' in reply.get_data(as_text=True)


def test_test_input_is_checked_and_kept(signed_in: FlaskClient) -> None:
    api_id, item = method_with_param()
    reply = post(signed_in, f"/apis/{api_id}/resources/{item}/methods/GET/test",
                 {"path_id": "", "headers": "no colon", "body": "{bad"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = reply.get_data(as_text=True)
    for field in ("path_id", "headers", "body"):
        assert f'id="{field}-error"' in page
    assert "{bad" in page and "no colon" in page


def test_calling_the_stage_uses_its_invoke_url(signed_in: FlaskClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    api_id, item = method_with_param()
    called = []

    def stand_in(url, request):  # type: ignore[no-untyped-def]
        called.append((url, request.path))
        return HttpResult(502, {}, '{"message": "Internal server error"}', 3.0)

    monkeypatch.setattr(api_calls, "call_stage", stand_in)
    reply = post(signed_in, f"/apis/{api_id}/resources/{item}/methods/GET/call",
                 {"path_id": "7", "stage": "prod"})
    assert called == [(f"https://{api_id}.execute-api.{REGION}.amazonaws.com/prod", "/items/7")]
    assert "HTTP 502" in text(reply) and "Internal server error" in text(reply)


def test_an_unreachable_stage_is_reported() -> None:
    request = api_calls.HttpRequest("GET", "/x", "", {}, "")
    with pytest.raises(ConsoleError) as raised:
        api_calls.call_stage("http://127.0.0.1:9", request)
    assert "Could not call http://127.0.0.1:9/x" in raised.value.message


def test_the_function_logs_link_follows_a_lambda_call(signed_in: FlaskClient,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    api_id, root = make_api()
    function_arn = make_function()
    post(signed_in, f"/apis/{api_id}/resources/{root}/methods",
         {"http_method": "GET", "authorization_type": "NONE", "integration_kind": "lambda_proxy",
          "function_arn": function_arn})
    gateway().create_deployment(restApiId=api_id, stageName="prod")
    monkeypatch.setattr(api_calls, "call_stage",
                        lambda url, request: HttpResult(200, {}, "hi", 1.0))
    reply = post(signed_in, f"/apis/{api_id}/resources/{root}/methods/GET/call", {"stage": "prod"})
    assert "/logs/?group=/aws/lambda/hello-fn" in text(reply)


def test_a_method_left_without_its_integration_is_reported(signed_in: FlaskClient,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    api_id, root = make_api()
    real_client = api_methods.client

    class RefusingIntegration:
        def __init__(self, real) -> None:  # type: ignore[no-untyped-def]
            self.real = real

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(self.real, name)

        def put_integration(self, **_: object) -> dict:
            raise ClientError({"Error": {"Code": "BadRequestException",
                                         "Message": "Invalid integration URI"}}, "PutIntegration")

    monkeypatch.setattr(api_methods, "client", lambda service: RefusingIntegration(
        real_client(service)) if service == "apigateway" else real_client(service))
    reply = post(signed_in, f"/apis/{api_id}/resources/{root}/methods",
                 {"http_method": "PUT", "authorization_type": "NONE",
                  "integration_kind": "http_proxy", "http_url": "https://example.com/x"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = text(reply)
    assert "Created the method PUT, but its integration could not be set" in page
    assert "Invalid integration URI" in page and 'value="https://example.com/x"' in page


def test_the_lambda_request_of_a_test_invoke_is_read_from_its_log() -> None:
    from webapp.aws.apigateway.calls import HttpResult
    headers_log = ("Endpoint response headers: {Date=Thu, 26 Nov 2026 03:00:00 GMT, "
                   "x-amzn-RequestId=0f0e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b, Connection=keep-alive}")
    assert HttpResult(200, {}, "", 1.0, headers_log).lambda_request_id == \
        "0f0e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b"
    error_log = ("Lambda execution failed with status 200 due to customer function error: boom. "
                 "Lambda request id: 11112222-3333-4444-5555-666677778888")
    assert HttpResult(502, {}, "", 1.0, error_log).lambda_request_id == \
        "11112222-3333-4444-5555-666677778888"
    assert HttpResult(200, {}, "", 1.0, "Method completed with status: 200").lambda_request_id is None


def test_a_stage_answer_nested_too_deep_to_lay_out_is_shown_as_it_came() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    result = api_calls.HttpResult(200, {}, deep, 1.0)
    assert result.pretty_body == deep
    assert api_calls.HttpResult(200, {}, '{"a": [1]}', 1.0).pretty_body == (
        '{\n  "a": [\n    1\n  ]\n}')
