"""The in-process API the Lambda runtime uses, and the dispatcher's guard hook."""
import dataclasses
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from webapp.sandbox.authz import (RoleCredentials, RoleNotFoundError, is_allowed,
                                  mint_role_credentials)
from webapp.sandbox.authz.guard import AuthorizationGuard, signing_key_id
from webapp.sandbox.authz.sessions import SessionRegistry
from webapp.sandbox.dispatch import Dispatcher

from .processes import ACCOUNT_ID, REGION

BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
LAMBDA_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})
LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/lambda/hello"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/Orders"


@pytest.fixture(scope="module")
def iam() -> Iterator[Any]:
    """An IAM client on moto in this process, AWS-managed policies loaded (once: ~1 s)."""
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        yield boto3.client("iam", region_name=REGION)


@pytest.fixture
def role_name(iam: Any) -> str:
    """A new role under a path, with AWSLambdaBasicExecutionRole attached."""
    name = f"hello-role-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=name, Path="/service-role/", AssumeRolePolicyDocument=LAMBDA_TRUST)
    iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
    return name


@pytest.fixture
def role_arn(role_name: str) -> str:
    """The ARN of that role."""
    return f"arn:aws:iam::{ACCOUNT_ID}:role/service-role/{role_name}"


def test_minted_credentials_are_sts_shaped(role_arn: str) -> None:
    before = datetime.now(timezone.utc)
    credentials = mint_role_credentials(ACCOUNT_ID, role_arn, "hello")
    after = datetime.now(timezone.utc)
    assert credentials.access_key_id.startswith("ASIA")
    assert credentials.secret_access_key and credentials.session_token
    assert before + timedelta(hours=12) <= credentials.expiration <= after + timedelta(hours=12)
    assert credentials.secret_access_key not in repr(credentials)
    assert credentials.session_token not in repr(credentials)
    with pytest.raises(dataclasses.FrozenInstanceError):
        credentials.access_key_id = "other"  # type: ignore[misc]


def test_each_mint_gives_new_keys(role_arn: str) -> None:
    first = mint_role_credentials(ACCOUNT_ID, role_arn, "hello")
    second = mint_role_credentials(ACCOUNT_ID, role_arn, "hello")
    assert first.access_key_id != second.access_key_id


def test_caller_identity_of_minted_keys(role_arn: str, role_name: str) -> None:
    credentials = mint_role_credentials(ACCOUNT_ID, role_arn, "hello")
    sts = boto3.client("sts", region_name=REGION, aws_access_key_id=credentials.access_key_id,
                       aws_secret_access_key=credentials.secret_access_key,
                       aws_session_token=credentials.session_token)
    # The role's path is not part of the assumed-role ARN.
    assert sts.get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/hello")


def test_minting_for_a_missing_role_fails(iam: Any) -> None:
    with pytest.raises(RoleNotFoundError, match="absent"):
        mint_role_credentials(ACCOUNT_ID, f"arn:aws:iam::{ACCOUNT_ID}:role/absent", "hello")


@pytest.mark.parametrize(("action", "resource", "allowed"), [
    ("logs:CreateLogGroup", f"{LOG_GROUP}:log-stream:", True),
    ("logs:CreateLogStream", f"{LOG_GROUP}:log-stream:2024/01/01/[$LATEST]abc", True),
    ("logs:PutLogEvents", f"{LOG_GROUP}:log-stream:2024/01/01/[$LATEST]abc", True),
    ("logs:DeleteLogGroup", f"{LOG_GROUP}:log-stream:", False),
    ("dynamodb:PutItem", TABLE, False),
])
def test_is_allowed_with_the_basic_execution_role(role_arn: str, action: str, resource: str,
                                                  allowed: bool) -> None:
    assert is_allowed(ACCOUNT_ID, role_arn, action, resource) is allowed


def test_is_allowed_reads_policies_live(iam: Any, role_name: str, role_arn: str) -> None:
    assert not is_allowed(ACCOUNT_ID, role_arn, "dynamodb:PutItem", TABLE)
    iam.put_role_policy(RoleName=role_name, PolicyName="orders", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE}]}))
    assert is_allowed(ACCOUNT_ID, role_arn, "dynamodb:PutItem", TABLE)
    iam.detach_role_policy(RoleName=role_name, PolicyArn=BASIC_EXECUTION)
    assert not is_allowed(ACCOUNT_ID, role_arn, "logs:PutLogEvents", f"{LOG_GROUP}:log-stream:s")


def test_is_allowed_without_a_role(iam: Any) -> None:
    assert not is_allowed(ACCOUNT_ID, f"arn:aws:iam::{ACCOUNT_ID}:role/absent",
                          "logs:PutLogEvents", f"{LOG_GROUP}:log-stream:s")


def test_guard_runs_before_routes_and_can_answer() -> None:
    dispatcher = Dispatcher(DomainDispatcherApplication(create_backend_app))
    seen: list[str] = []

    @dispatcher.route("/_test/route")
    def route(_request: Request) -> Response:
        seen.append("route")
        return Response("route")

    @dispatcher.guard
    def refuse_marked(request: Request) -> Response | None:
        seen.append("guard")
        if request.headers.get("X-Refuse"):
            return Response("refused", status=HTTPStatus.FORBIDDEN)
        return None

    client = Client(dispatcher)
    assert client.get("/_test/route").get_data() == b"route"
    refused = client.get("/_test/route", headers={"X-Refuse": "1"})
    assert (refused.status_code, refused.get_data()) == (HTTPStatus.FORBIDDEN, b"refused")
    assert seen == ["guard", "route", "guard"]


def test_guard_ignores_keys_it_did_not_mint() -> None:
    registry = SessionRegistry()
    guard = AuthorizationGuard(registry)
    request = Request.from_values(path="/", method="POST", headers={
        "Authorization": f"AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20240101/{REGION}/dynamodb/"
                         "aws4_request, SignedHeaders=host, Signature=0",
        "X-Amz-Target": "DynamoDB_20120810.DeleteTable"})
    assert guard(request) is None
    assert not registry


@pytest.mark.parametrize(("headers", "query", "key_id"), [
    ({"Authorization": "AWS4-HMAC-SHA256 Credential=ASIAONE/20240101/r/s/aws4_request, "
                       "SignedHeaders=host, Signature=0"}, {}, "ASIAONE"),
    ({}, {"X-Amz-Credential": "ASIATWO/20240101/r/s/aws4_request", "X-Amz-Signature": "0"},
     "ASIATWO"),
    ({"Authorization": "Bearer token"}, {}, None),
    ({}, {"Action": "ListRoles"}, None),
])
def test_signing_key_id_reads_header_and_presigned_urls(headers: dict[str, str],
                                                        query: dict[str, str],
                                                        key_id: str | None) -> None:
    request = Request.from_values(path="/", headers=headers, query_string=query)
    assert signing_key_id(request) == key_id


def test_role_credentials_is_the_public_dataclass() -> None:
    fields = [field.name for field in dataclasses.fields(RoleCredentials)]
    assert fields == ["access_key_id", "secret_access_key", "session_token", "expiration"]
