"""API Gateway's settings and deletes, below the browser: which logging rights a role's policies
lack, which navigation link a page marks, the endpoint types' labels, "Logging saved"."""
from __future__ import annotations

import html
import json
from collections.abc import Iterator
from http import HTTPStatus

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from webapp import create_app
from webapp.aws.apigateway.cloudwatch_logging import LOGS_ROLE_ACTIONS, missing_log_actions
from webapp.views.navigation import nav_items

from tests.helpers import PASSWORD, csrf_token, injected

REGION = "ap-northeast-2"
# AmazonAPIGatewayPushToCloudWatchLogs' document, as AWS publishes it.
PUSH_TO_LOGS = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Resource": ["*"], "Action": [
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups",
        "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents",
        "logs:FilterLogEvents"]}]}


def allow(*actions: str, **extra: object) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": "*", **extra}]}


@pytest.mark.parametrize(("documents", "missing"), [
    ([("push", PUSH_TO_LOGS)], ()),
    ([("admin", allow("*"))], ()),
    ([("logs", allow("logs:*"))], ()),
    ([("some", allow("logs:Create*", "logs:Describe*"))],
     ("logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents")),
    ([], LOGS_ROLE_ACTIONS),
    ([("conditional", allow("logs:*", Condition={"Bool": {"aws:SecureTransport": "true"}}))],
     LOGS_ROLE_ACTIONS),
    ([("push", PUSH_TO_LOGS), ("deny", {"Statement": [
        {"Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}]})],
     ("logs:PutLogEvents",)),
    ([("all-but-iam", {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]})],
     ()),
    ([("all-but-logs", {"Statement": [
        {"Effect": "Allow", "NotAction": "logs:*", "Resource": "*"}]})], LOGS_ROLE_ACTIONS),
])
def test_missing_log_actions_reads_allows_denies_and_wildcards(
        documents: list[tuple[str, dict]], missing: tuple[str, ...]) -> None:
    assert missing_log_actions(documents) == missing


@pytest.mark.parametrize(("endpoint", "marked"), [
    ("apigateway.rest_apis.index", "apigateway.rest_apis.index"),
    ("apigateway.rest_apis.stage", "apigateway.rest_apis.index"),
    ("apigateway.deletes.confirm_delete_api", "apigateway.rest_apis.index"),
    ("apigateway.settings.index", "apigateway.settings.index"),
    ("iam.roles.role", "iam.start.index"),
    ("dashboard.index", "dashboard.index"),
    (None, None),
])
def test_a_page_marks_its_own_link_else_its_areas_first(endpoint: str | None,
                                                        marked: str | None) -> None:
    items = nav_items("sandbox")
    assert [item.endpoint for item in items if item.marks(endpoint, items)] == (
        [marked] if marked else [])


@pytest.fixture
def app() -> Iterator[Flask]:
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws",
                          "CONSOLE_PASSWORD": PASSWORD})


def text(reply) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(reply.get_data(as_text=True))


def test_endpoint_types_show_the_console_word_and_aws_value(signed_in: FlaskClient) -> None:
    page = text(signed_in.get("/apis/new"))
    for shown in ("Regional (REGIONAL)", "Edge-optimized (EDGE)", "Private (PRIVATE)"):
        assert shown in page
    korean = text(signed_in.get("/apis/new", headers={"Accept-Language": "ko"}))
    assert "리전 (REGIONAL)" in korean


def test_saving_stage_logging_says_so(signed_in: FlaskClient) -> None:
    gateway = boto3.client("apigateway", region_name=REGION)
    api_id = gateway.create_rest_api(name="logged")["id"]
    root = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    gateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                       authorizationType="NONE")
    gateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    gateway.create_deployment(restApiId=api_id, stageName="prod")
    role_arn = boto3.client("iam", region_name=REGION).create_role(
        RoleName="gateway-logs", AssumeRolePolicyDocument=json.dumps({"Statement": [{
            "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    gateway.update_account(patchOperations=[
        {"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}])
    reply = signed_in.post(f"/apis/{api_id}/stages/prod/logging", data={
        "level": "ERROR", "csrf_token": csrf_token(signed_in, "/apis/new")})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert "Logging saved." in text(signed_in.get(reply.headers["Location"]))


def test_the_root_resource_cannot_be_deleted(signed_in: FlaskClient) -> None:
    gateway = boto3.client("apigateway", region_name=REGION)
    api_id = gateway.create_rest_api(name="rooted")["id"]
    root = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    assert signed_in.get(f"/apis/{api_id}/resources/{root}/delete").status_code == (
        HTTPStatus.BAD_REQUEST)
    reply = signed_in.post(f"/apis/{api_id}/resources/{root}/delete", data={
        "confirm_name": "/", "csrf_token": csrf_token(signed_in, "/apis/new")})
    assert reply.status_code == HTTPStatus.BAD_REQUEST
    assert len(gateway.get_resources(restApiId=api_id)["items"]) == 1


def test_the_wizards_endpoint_types_show_the_console_word_and_aws_value(
        signed_in: FlaskClient) -> None:
    korean = text(signed_in.get("/wizard/step/api", headers={"Accept-Language": "ko"}))
    assert '<option value="REGIONAL" selected>리전 (REGIONAL)</option>' in korean
    assert '<option value="EDGE">엣지 최적화 (EDGE)</option>' in korean
