"""JSON nested 100,000 deep, typed into the console or returned by a function: a message, not a 500."""
from __future__ import annotations

import html
import io
import json
import re
import zipfile
from http import HTTPStatus

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from webapp import json_nesting
from webapp.aws.logs import invocations as lambda_invocations
from webapp.aws.apigateway.resources import Resource
from webapp.aws.functions.lambda_functions import Invocation
from webapp.views.apigateway.forms import parse_test_form

from tests.helpers import csrf_token

REGION = "ap-northeast-2"
FUNCTION = "deep-fn"
DEEP = "[" * 100_000 + "]" * 100_000
TOO_DEEP = "nested deeper than 100 levels"


@pytest.fixture
def function(app: Flask) -> str:
    """A function made straight in moto: the invoke panel needs one to exist."""
    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName="deep-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("lambda_function.py", "def lambda_handler(e, c):\n    return e\n")
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=FUNCTION, Runtime="python3.12", Role=role, Code={"ZipFile": code.getvalue()},
        Handler="lambda_function.lambda_handler")
    return FUNCTION


def event_error(page: str) -> str:
    match = re.search(r'<p id="event-error" class="field-error">([^<]*)<', page)
    assert match, "no error next to the event"
    return html.unescape(match.group(1))


@pytest.mark.parametrize("path", ["invoke", "events"])
def test_a_test_event_nested_100000_deep_is_a_field_error_that_keeps_the_text(
        signed_in: FlaskClient, function: str, path: str) -> None:
    reply = signed_in.post(f"/functions/{function}/{path}", data={
        "event": DEEP, "event_name": "deep", "csrf_token": csrf_token(signed_in, f"/functions/{function}")})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert TOO_DEEP in event_error(reply.text)
    assert DEEP in reply.text  # what was typed is still in the editor
    assert "deep" not in signed_in.application.extensions["test_events"].list(
        f"arn:aws:lambda:{REGION}:123456789012:function:{function}")


def test_an_event_100_deep_is_still_sent(signed_in: FlaskClient, function: str) -> None:
    event = "[" * 100 + "]" * 100
    reply = signed_in.post(f"/functions/{function}/invoke", data={
        "event": event, "csrf_token": csrf_token(signed_in, f"/functions/{function}")})
    assert reply.status_code == HTTPStatus.OK
    assert TOO_DEEP not in reply.text


def test_a_method_test_body_nested_100000_deep_is_a_field_error(app: Flask) -> None:
    root = Resource(resource_id="root", parent_id=None, path_part="", path="/", methods=("POST",))
    with app.test_request_context():
        form = parse_test_form(MultiDict({"body": DEEP}), root)
    assert TOO_DEEP in form.errors["body"]
    assert form.body == DEEP


def test_the_nesting_check_counts_brackets_outside_strings_only() -> None:
    json_nesting.check_nesting("[" * 100 + '"]]][[[{{{"' + "]" * 100)
    with pytest.raises(json.JSONDecodeError) as raised:
        json_nesting.loads('{"a": ' + "[" * 101 + "]" * 101 + "}")
    assert raised.value.msg == TOO_DEEP
    assert (raised.value.lineno, raised.value.colno) == (1, 106)


def test_a_payload_100000_deep_is_shown_as_it_came() -> None:
    invocation = Invocation(status_code=200, function_error=None, payload=DEEP, log_tail="",
                            executed_version="$LATEST", request_id="r", duration_ms=1.0)
    assert invocation.pretty_payload == DEEP
    assert invocation.proxy_status_code is None


def test_a_log_line_holding_json_100000_deep_is_left_as_text() -> None:
    line = "event: {" + '"a": {' * 100_000 + "}" * 100_001
    assert lambda_invocations.json_span(line) is None
    assert lambda_invocations.line_problem(line) is None
