"""The Functions area: list, create (template, upload, inline, new basic role), invoke panel."""
from __future__ import annotations

import dataclasses
import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from http import HTTPStatus

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from webapp import create_app
from botocore.stub import Stubber

from webapp.aws import clients
from webapp.aws.functions import lambda_functions as functions
from webapp.aws.paging import Page
from webapp.views.functions import pages as function_views

from tests.helpers import PASSWORD, csrf_token, injected, load_only_managed_policies

REGION = "ap-northeast-2"


TUTORIAL_MANAGED_POLICIES = ("AWSLambdaBasicExecutionRole", "AmazonDynamoDBFullAccess")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Like the shared app, with the AWS-managed policies the sandbox has that these tests use.

    Only those few: parsing all of moto's 1,582 costs about a second per test.
    """
    load_only_managed_policies(monkeypatch, TUTORIAL_MANAGED_POLICIES)
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD})


def form(client: FlaskClient, **fields: object) -> dict[str, object]:
    values: dict[str, object] = {
        "function_name": "hello-fn", "runtime": "python3.12",
        "handler": "lambda_function.lambda_handler", "role": "__new_basic_role__",
        "memory_mb": "256", "timeout_s": "5", "environment": "", "code_source": "template",
        "template": "hello", "csrf_token": csrf_token(client, "/functions/new"),
    }
    values.update(fields)
    return values


def field_errors(page: str) -> list[str]:
    return [html.unescape(error) for error in re.findall(r'class="field-error">([^<]*)<', page)]


def test_create_from_a_template_with_a_new_basic_role(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/functions/", data=form(signed_in, environment="TABLE_NAME=Items\nMODE=test"))
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == "/functions/hello-fn"
    config = boto3.client("lambda", region_name=REGION).get_function_configuration(FunctionName="hello-fn")
    assert (config["MemorySize"], config["Timeout"]) == (256, 5)
    assert config["Environment"]["Variables"] == {"TABLE_NAME": "Items", "MODE": "test"}
    role_name = config["Role"].rsplit("/", 1)[1]
    assert role_name.startswith("hello-fn-role-")
    iam = boto3.client("iam", region_name=REGION)
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    assert [policy["PolicyName"] for policy in attached] == ["AWSLambdaBasicExecutionRole"]
    page = signed_in.get("/functions/hello-fn").text
    assert "TABLE_NAME=Items" in page and "python3.12" in page


def test_the_list_shows_each_functions_settings(signed_in: FlaskClient) -> None:
    signed_in.post("/functions/", data=form(signed_in))
    page = signed_in.get("/functions/").text
    assert '<a href="/functions/hello-fn">hello-fn</a>' in page
    assert "<code>python3.12</code>" in page and "lambda_function.lambda_handler" in page
    assert 'badge-state-active' in page


def test_the_list_loads_more_by_token(signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # moto ignores MaxItems for ListFunctions, so the pages are served by a stand-in here and
    # the service layer's paging is checked against botocore's Stubber below.
    def summary(name: str) -> functions.FunctionSummary:
        return functions.FunctionSummary(name, f"arn:aws:lambda:{REGION}:123456789012:function:{name}",
                                         "python3.12", "a.b", "arn:role", 128, 3, "", "Active", "", "", 1)

    pages = {None: Page([summary("fn-0"), summary("fn-1")], "tok-1"), "tok-1": Page([summary("fn-2")], None)}
    monkeypatch.setattr(function_views.functions, "list_functions", lambda token=None: pages[token])
    first = signed_in.get("/functions/").text
    assert first.count('<a href="/functions/fn-') == 2
    assert 'hx-get="/functions/?next=tok-1" hx-target="closest tr"' in first
    rest = signed_in.get("/functions/?next=tok-1", headers={"HX-Request": "true"}).text
    assert rest.count('<a href="/functions/fn-') == 1 and "<!doctype" not in rest
    assert "Load more" not in rest


def test_list_functions_passes_and_returns_the_marker(app: Flask) -> None:
    with clients.using_region(REGION), Stubber(clients.client("lambda")) as stub:
        stub.add_response("list_functions", {"Functions": [], "NextMarker": "m2"},
                          {"MaxItems": functions.PAGE_SIZE, "Marker": "m1"})
        assert functions.list_functions("m1") == Page([], "m2")


def test_create_from_an_existing_role(signed_in: FlaskClient) -> None:
    signed_in.post("/functions/", data=form(signed_in, function_name="first"))
    role_arn = boto3.client("lambda", region_name=REGION).get_function(FunctionName="first")["Configuration"]["Role"]
    assert role_arn in signed_in.get("/functions/new").text
    reply = signed_in.post("/functions/", data=form(signed_in, function_name="second", role=role_arn))
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert len(boto3.client("iam").list_roles()["Roles"]) == 1
    role_name = role_arn.rsplit("/", 1)[-1]
    assert f'href="/iam/roles/{role_name}"' in signed_in.get("/functions/second").text


def test_create_from_inline_code(signed_in: FlaskClient) -> None:
    source = "def lambda_handler(event, context):\n    return {'ok': True}\n"
    signed_in.post("/functions/", data=form(signed_in, code_source="inline", inline_source=source))
    location = boto3.client("lambda", region_name=REGION).get_function(FunctionName="hello-fn")
    assert location["Configuration"]["CodeSize"] > 0


def test_create_from_an_uploaded_zip(signed_in: FlaskClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", "def lambda_handler(e, c):\n    return 1\n")
    data = form(signed_in, code_source="zip")
    data["code"] = (io.BytesIO(buffer.getvalue()), "code.zip")
    reply = signed_in.post("/functions/", data=data, content_type="multipart/form-data")
    assert reply.status_code == HTTPStatus.SEE_OTHER


def test_a_zip_slip_upload_is_refused_beside_the_field_and_creates_nothing(signed_in: FlaskClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../evil.py", "x")
    data = form(signed_in, code_source="zip", environment="KEEP=me")
    data["code"] = (io.BytesIO(buffer.getvalue()), "evil.zip")
    reply = signed_in.post("/functions/", data=data, content_type="multipart/form-data")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert any("outside the function's folder" in error for error in field_errors(reply.text))
    assert "KEEP=me" in reply.text
    assert boto3.client("lambda", region_name=REGION).list_functions()["Functions"] == []
    assert boto3.client("iam").list_roles()["Roles"] == []


def test_bad_input_is_shown_beside_each_field_and_kept(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/functions/", data=form(
        signed_in, function_name="bad name!", memory_mb="64", timeout_s="901",
        handler="nodots", environment="AWS_REGION=us-east-1"))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    errors = " ".join(field_errors(reply.text))
    assert "1 to 64 letters" in errors
    assert "Memory (MB) must be a whole number from 128 to 10240." in errors
    assert "from 1 to 900" in errors
    assert "module.function" in errors
    assert "Lambda reserves AWS_REGION" in errors
    assert 'value="bad name!"' in reply.text and "AWS_REGION=us-east-1" in reply.text
    assert boto3.client("lambda", region_name=REGION).list_functions()["Functions"] == []


@pytest.mark.parametrize("typed", ["\u00b2\u00b2\u00b2", "\u0661\u0662\u0668", "99999999999999999999"])
def test_unicode_digits_and_huge_numbers_are_field_errors_not_crashes(signed_in: FlaskClient,
                                                                      typed: str) -> None:
    reply = signed_in.post("/functions/", data=form(signed_in, memory_mb=typed, timeout_s=typed))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    errors = " ".join(field_errors(reply.text))
    assert "Memory (MB) must be a whole number from 128 to 10240." in errors
    assert "from 1 to 900" in errors
    assert boto3.client("lambda", region_name=REGION).list_functions()["Functions"] == []


def test_an_aws_error_is_shown_on_the_form(signed_in: FlaskClient) -> None:
    signed_in.post("/functions/", data=form(signed_in))
    reply = signed_in.post("/functions/", data=form(signed_in))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Could not create the function: ResourceConflictException" in reply.text
    assert "Traceback" not in reply.text


def test_htmx_create_failure_swaps_only_the_form(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/functions/", data=form(signed_in, function_name=""),
                           headers={"HX-Request": "true"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert reply.text.lstrip().startswith("<form id=\"create-function\"")


def test_unknown_function_is_a_404_page(signed_in: FlaskClient) -> None:
    reply = signed_in.get("/functions/nope")
    assert reply.status_code == HTTPStatus.NOT_FOUND
    assert "Lambda function nope was not found" in reply.text


def test_invoke_panel_keeps_invalid_json_and_says_why(signed_in: FlaskClient) -> None:
    signed_in.post("/functions/", data=form(signed_in))
    reply = signed_in.post("/functions/hello-fn/invoke",
                           data={"event": '{"name": ', "csrf_token": csrf_token(signed_in, "/")})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "The event is not valid JSON" in reply.text
    assert "{&#34;name&#34;: </textarea>" in reply.text


def test_invoke_panel_shows_status_payload_duration_and_log(signed_in: FlaskClient,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    signed_in.post("/functions/", data=form(signed_in))
    sent: list[bytes] = []

    def fake_invoke(function_name: str, payload: bytes) -> functions.Invocation:
        sent.append(payload)
        return functions.Invocation(
            status_code=200, function_error=None, payload=json.dumps({"message": "<b>hi</b>"}),
            log_tail="START RequestId: r-1 Version: $LATEST\n<img src=x onerror=alert(1)>\n",
            executed_version="$LATEST", request_id="r-1", duration_ms=12.34)

    monkeypatch.setattr(function_views.functions, "invoke", fake_invoke)
    reply = signed_in.post("/functions/hello-fn/invoke", headers={"HX-Request": "true"},
                           data={"event": '{"name": "Kim"}', "csrf_token": csrf_token(signed_in, "/")})
    assert sent == [b'{"name": "Kim"}']
    assert reply.text.lstrip().startswith('<section id="invoke-panel"')
    assert "12.34 ms" in reply.text and "Succeeded" in reply.text
    assert "HTTP response" not in reply.text  # not a proxy response
    assert "&lt;b&gt;hi&lt;/b&gt;" in reply.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in reply.text and "<img src=x" not in reply.text


@pytest.mark.parametrize(("state", "reason", "polls"), [
    ("Pending", "", True), ("Active", "", False), ("Failed", "The role cannot be assumed.", False)])
def test_the_state_badge_polls_until_the_state_settles(signed_in: FlaskClient,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       state: str, reason: str, polls: bool) -> None:
    # moto creates functions Active at once, so the other states come from a stand-in.
    signed_in.post("/functions/", data=form(signed_in))
    real = functions.get_function("hello-fn")
    monkeypatch.setattr(function_views.functions, "get_function", lambda name: dataclasses.replace(
        real, state=state, state_reason=reason))
    badge = signed_in.get("/functions/hello-fn/state", headers={"HX-Request": "true"}).text
    assert f'badge-state-{state.lower()}">{state}<' in badge
    assert ('hx-trigger="load delay:1s"' in badge) is polls
    assert (reason in badge) if reason else "state-reason" not in badge
