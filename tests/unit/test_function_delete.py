"""Deleting a function or a version: "confirm" typed as AWS's console asks, and what goes with it."""
from __future__ import annotations

import html
import io
import json
import re
import zipfile
from http import HTTPStatus

import boto3
import pytest
from botocore.exceptions import ClientError
from flask.testing import FlaskClient

from webapp.aws.apigateway import lambda_integrations
from webapp.aws.errors import from_client_error
from webapp.aws.functions import lambda_functions as functions

from tests.helpers import csrf_token

REGION = "ap-northeast-2"
FUNCTION = "doomed-fn"
TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
# AWS's answer when an alias points at the version (HTTP 409).
ALIAS_CONFLICT = "Unable to delete version because the following aliases reference it: [live]"


def lambda_client():  # type: ignore[no-untyped-def]
    return boto3.client("lambda", region_name=REGION)


def make_function() -> str:
    role_arn = boto3.client("iam", region_name=REGION).create_role(
        RoleName=f"{FUNCTION}-role", AssumeRolePolicyDocument=TRUST_LAMBDA)["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return 1\n")
    return lambda_client().create_function(
        FunctionName=FUNCTION, Runtime="python3.12", Handler="lambda_function.lambda_handler",
        Role=role_arn, Code={"ZipFile": buffer.getvalue()})["FunctionArn"]


def function_names() -> list[str]:
    return [config["FunctionName"] for config in lambda_client().list_functions()["Functions"]]


def versions() -> list[str]:
    reply = lambda_client().list_versions_by_function(FunctionName=FUNCTION)
    return [version["Version"] for version in reply["Versions"]]


def confirm(client: FlaskClient, path: str, typed: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"confirm_name": typed, "csrf_token": csrf_token(client, "/")})


def field_error(page: str) -> str:
    found = re.search(r'<p id="confirm_name-error" class="field-error">([^<]*)<', page)
    assert found, "no error beside the field"
    return html.unescape(found.group(1))


def test_the_function_page_offers_delete(signed_in: FlaskClient) -> None:
    make_function()
    page = signed_in.get(f"/functions/{FUNCTION}").text
    assert f'href="/functions/{FUNCTION}/delete"' in page


def test_the_confirmation_says_what_goes_and_that_the_log_group_stays(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    function_arn = make_function()
    asked: list[str] = []

    def scan(arn: str) -> lambda_integrations.IntegrationScan:
        asked.append(arn)
        return lambda_integrations.IntegrationScan([lambda_integrations.LambdaIntegration(
            "abc123", "items-api", "GET", "/items", "AWS_PROXY", "")], 1, is_capped=False)

    monkeypatch.setattr(lambda_integrations, "find_lambda_integrations", scan)
    page = html.unescape(signed_in.get(f"/functions/{FUNCTION}/delete").text)
    assert "all its versions and aliases, and its resource-based policy" in page
    assert f"Its log group /aws/lambda/{FUNCTION} stays, as on AWS" in page
    assert f'href="/logs/?group=/aws/lambda/{FUNCTION}"' in page.replace("%2F", "/")
    assert "once it is deleted they answer 500" in page and "<code>GET /items</code>" in page
    assert asked == [function_arn]
    assert "To confirm deletion, type confirm in the field." in page


@pytest.mark.parametrize("typed", ["", "Confirm", FUNCTION, "delete"])
def test_anything_but_confirm_is_refused_beside_the_field_and_deletes_nothing(
        signed_in: FlaskClient, typed: str) -> None:
    make_function()
    reply = confirm(signed_in, f"/functions/{FUNCTION}/delete", typed)
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_error(reply.text) == "Type confirm, exactly, to delete."
    assert f'value="{typed}"' in reply.text
    assert function_names() == [FUNCTION]


def test_confirm_deletes_the_function_and_goes_back_to_the_list(signed_in: FlaskClient) -> None:
    make_function()
    reply = confirm(signed_in, f"/functions/{FUNCTION}/delete", "confirm")
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == "/functions/"
    assert function_names() == []
    listing = signed_in.get("/functions/").text
    assert f"Deleted the function {FUNCTION}." in listing
    assert f'href="/functions/{FUNCTION}"' not in listing


def test_a_published_version_can_be_deleted_after_confirm(signed_in: FlaskClient) -> None:
    make_function()
    lambda_client().publish_version(FunctionName=FUNCTION)
    listed = signed_in.get(f"/functions/{FUNCTION}/versions", headers={"HX-Request": "true"}).text
    assert f'href="/functions/{FUNCTION}/versions/1/delete"' in listed
    assert "versions/$LATEST/delete" not in listed
    refused = confirm(signed_in, f"/functions/{FUNCTION}/versions/1/delete", "1")
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_error(refused.text) == "Type confirm, exactly, to delete."
    assert versions() == ["$LATEST", "1"]
    reply = confirm(signed_in, f"/functions/{FUNCTION}/versions/1/delete", "confirm")
    assert reply.headers["Location"] == f"/functions/{FUNCTION}#versions"
    assert versions() == ["$LATEST"]
    assert f"Deleted version 1 of {FUNCTION}." in signed_in.get(reply.headers["Location"]).text


def test_latest_is_not_a_version_to_delete(signed_in: FlaskClient) -> None:
    make_function()
    reply = signed_in.get(f"/functions/{FUNCTION}/versions/$LATEST/delete")
    assert reply.status_code == HTTPStatus.NOT_FOUND
    assert "$LATEST goes only with the function" in html.unescape(reply.text)
    posted = confirm(signed_in, f"/functions/{FUNCTION}/versions/$LATEST/delete", "confirm")
    assert posted.status_code == HTTPStatus.NOT_FOUND
    assert function_names() == [FUNCTION]


def test_aliases_pointing_at_the_version_are_named_and_lambdas_refusal_shown(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    make_function()
    lambda_client().publish_version(FunctionName=FUNCTION)
    lambda_client().create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion="1")
    lambda_client().create_alias(FunctionName=FUNCTION, Name="next", FunctionVersion="$LATEST")
    page = html.unescape(signed_in.get(f"/functions/{FUNCTION}/versions/1/delete").text)
    assert re.search(r"This alias points at version 1, so Lambda will refuse:\s*<code>live</code>", page)
    assert "<code>next</code>" not in page

    def refuse(function_name: str, version: str) -> None:
        error = ClientError({"Error": {"Code": "ResourceConflictException",
                                       "Message": ALIAS_CONFLICT}}, "DeleteFunction")
        raise from_client_error(error, "delete the version", function_name)

    monkeypatch.setattr(functions, "delete_function_version", refuse)
    reply = confirm(signed_in, f"/functions/{FUNCTION}/versions/1/delete", "confirm")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert ALIAS_CONFLICT in html.unescape(reply.text)
