"""The dashboard: identity, counts per area, and a banner instead of a stack trace."""
from __future__ import annotations

import json
import re
from http import HTTPStatus

import boto3
import pytest
from botocore.stub import Stubber
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from webapp import create_app
from webapp.aws import clients

from tests.helpers import PASSWORD, csrf_token, free_port, injected

TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def tile_count(page: str, kind: str) -> str:
    match = re.search(rf'data-kind="{kind}">.*?class="tile-count">([^<]*)<', page, re.S)
    assert match, f"no tile for {kind}"
    return match.group(1)


def sign_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.post("/login", data={"secret": PASSWORD, "csrf_token": csrf_token(client)})
    return client


def test_dashboard_shows_backend_region_endpoint_and_account(signed_in: FlaskClient) -> None:
    page = signed_in.get("/").text
    assert "<code>123456789012</code>" in page
    assert "<code>ap-northeast-2</code>" in page
    assert "badge-aws" in page


def test_counts_follow_what_exists_in_the_region(signed_in: FlaskClient) -> None:
    region = "ap-northeast-2"
    boto3.client("dynamodb", region_name=region).create_table(
        TableName="Orders", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    iam = boto3.client("iam", region_name=region)
    iam.create_role(RoleName="r1", AssumeRolePolicyDocument=TRUST_LAMBDA)
    iam.create_role(RoleName="r2", AssumeRolePolicyDocument=TRUST_LAMBDA)
    iam.create_policy(PolicyName="p1", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}))
    boto3.client("apigateway", region_name=region).create_rest_api(name="items")
    logs = boto3.client("logs", region_name=region)
    for name in ("/aws/lambda/a", "/aws/lambda/b", "/aws/lambda/c"):
        logs.create_log_group(logGroupName=name)
    page = signed_in.get("/").text
    assert tile_count(page, "tables") == "1"
    assert tile_count(page, "roles") == "2"
    assert tile_count(page, "policies") == "1"
    assert tile_count(page, "apis") == "1"
    assert tile_count(page, "log_groups") == "3"
    assert tile_count(page, "functions") == "0"


def test_each_count_links_to_its_area(signed_in: FlaskClient) -> None:
    page = signed_in.get("/").text
    for kind, href in (("tables", "/tables/"), ("functions", "/functions/"), ("roles", "/iam/"),
                       ("policies", "/iam/"), ("apis", "/apis/"), ("log_groups", "/logs/")):
        assert re.search(rf'data-kind="{kind}">\s*<a href="{href}"', page), kind


def test_counts_are_per_region(signed_in: FlaskClient) -> None:
    boto3.client("logs", region_name="us-east-1").create_log_group(logGroupName="elsewhere")
    assert tile_count(signed_in.get("/").text, "log_groups") == "0"
    signed_in.post("/preferences/region", data={"region": "us-east-1",
                                                "csrf_token": csrf_token(signed_in, "/")})
    assert tile_count(signed_in.get("/").text, "log_groups") == "1"


def test_htmx_refresh_gets_only_the_overview(signed_in: FlaskClient) -> None:
    reply = signed_in.get("/", headers={"HX-Request": "true"})
    assert reply.text.lstrip().startswith('<div id="overview">')
    assert "HX-Request" in reply.headers["Vary"]
    restore = signed_in.get("/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<!doctype html>" in restore.text


def test_unreachable_endpoint_shows_a_banner_not_a_trace() -> None:
    app = create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD,
                      "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
                      "connect_timeout": 0.5, "max_attempts": 1})
    reply = sign_in(app).get("/")
    assert reply.status_code == HTTPStatus.OK
    assert 'class="banner banner-error"' in reply.text
    assert "Cannot reach the AWS endpoint http://127.0.0.1:" in reply.text
    assert "Traceback" not in reply.text
    assert 'hx-get="/reachable" hx-trigger="every 3s"' in reply.text  # reloads when back


def test_a_page_that_cannot_reach_aws_reloads_itself_once_it_answers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    app = create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD,
                      "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
                      "connect_timeout": 0.5, "max_attempts": 1})
    client = sign_in(app)
    page = client.get("/tables/")
    assert page.status_code == HTTPStatus.BAD_GATEWAY
    assert 'hx-get="/reachable"' in page.text and "reloads by itself" in page.text
    away = client.get("/reachable")
    assert away.status_code == HTTPStatus.NO_CONTENT and "HX-Refresh" not in away.headers
    from webapp.aws.account import Identity
    from webapp.views import dashboard
    monkeypatch.setattr(dashboard, "get_caller_identity",
                        lambda: Identity("123456789012", "arn:aws:iam::123456789012:user/back"))
    back = client.get("/reachable")
    assert back.status_code == HTTPStatus.NO_CONTENT and back.headers["HX-Refresh"] == "true"


def test_a_form_sent_while_the_endpoint_is_away_keeps_what_was_typed() -> None:
    app = create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD,
                      "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
                      "connect_timeout": 0.5, "max_attempts": 1})
    client = sign_in(app)
    reply = client.post("/tables/", data={
        "csrf_token": csrf_token(client, "/tables/new"), "table_name": "Orders.2026",
        "pk_name": "orderId", "pk_type": "S", "sk_name": "placedAt", "sk_type": "N",
        "billing_mode": "PAY_PER_REQUEST"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Cannot reach the AWS endpoint http://127.0.0.1:" in reply.text
    for typed in ('value="Orders.2026"', 'value="orderId"', 'value="placedAt"'):
        assert typed in reply.text
    assert "Traceback" not in reply.text


def test_missing_credentials_show_a_banner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    # Nor may boto3 find an instance role: point the metadata service nowhere, quickly.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Its own session: the shared one has found the test keys already.
    app = create_app({"TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD})
    reply = sign_in(app).get("/")
    assert reply.status_code == HTTPStatus.OK
    assert "No AWS credentials were found" in reply.text
    assert "AWS_PROFILE" in reply.text


def test_expired_credentials_show_a_banner(app: Flask) -> None:
    client = sign_in(app)
    with clients.using_region("ap-northeast-2"), Stubber(clients.client("sts")) as stub:
        stub.add_client_error("get_caller_identity", service_error_code="ExpiredToken",
                              service_message="The security token included in the request is expired")
        reply = client.get("/")
    assert reply.status_code == HTTPStatus.OK
    assert "AWS rejected the credentials (ExpiredToken)" in reply.text
    assert "tile-count" not in reply.text


def test_the_sandbox_backend_never_sends_real_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    with mock_aws():
        create_app({**injected("sandbox"), "TESTING": True, "CONSOLE_BACKEND": "sandbox", "CONSOLE_START_SANDBOX": "0",
                    "CONSOLE_PASSWORD": PASSWORD})
        with clients.using_region("ap-northeast-2"):
            credentials = clients.client("sts")._request_signer._credentials
    assert credentials.access_key == clients.SANDBOX_ACCESS_KEY
