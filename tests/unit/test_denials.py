"""AccessDenied inside a function: found in the payload or logs, and granted as asked."""
from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from webapp.aws import clients

from tests.helpers import clients_for
from webapp.aws.iam import denials

ROLE = "arn:aws:sts::123456789012:assumed-role/items-role-1a2b/items"
TABLE = "arn:aws:dynamodb:ap-northeast-2:123456789012:table/Items"
IMPLICIT = (f"User: {ROLE} is not authorized to perform: dynamodb:Scan on resource: {TABLE} "
            "because no identity-based policy allows the dynamodb:Scan action")
EXPLICIT = (f"User: {ROLE} is not authorized to perform: dynamodb:PutItem on resource: {TABLE} "
            "with an explicit deny in an identity-based policy")


def test_a_denial_in_a_proxy_response_body_is_found() -> None:
    payload = json.dumps({"statusCode": 500, "body": json.dumps({"message": IMPLICIT})})
    denial = denials.find_denial(payload)
    assert denial == denials.Denial(ROLE, "dynamodb:Scan", TABLE, is_explicit_deny=False)
    assert denial.role_name == "items-role-1a2b"
    assert denial.table_arn == TABLE


def test_a_denial_in_the_log_is_found_and_an_explicit_deny_is_told_apart() -> None:
    log = f"START RequestId: 1 Version: $LATEST\n[ERROR] AccessDeniedException: {EXPLICIT}\nEND\n"
    denial = denials.find_denial('{"ok": true}', log)
    assert denial is not None and denial.is_explicit_deny and denial.action == "dynamodb:PutItem"


def test_no_denial() -> None:
    assert denials.find_denial('{"statusCode": 200}', "START RequestId: 1\n") is None


def test_an_index_denial_names_its_table() -> None:
    denial = denials.find_denial(IMPLICIT.replace("table/Items ", "table/Items/index/byName "))
    assert denial is not None and denial.table_arn == TABLE


def test_grant_documents_are_least_privilege() -> None:
    denial = denials.find_denial(IMPLICIT)
    assert denial is not None
    one = denials.grant_document(denial, "action")["Statement"]
    assert one == [{"Effect": "Allow", "Action": "dynamodb:Scan", "Resource": TABLE}]
    table = denials.grant_document(denial, "table-read-write")["Statement"][0]
    assert table["Resource"] == [TABLE, f"{TABLE}/index/*"]
    assert "dynamodb:PutItem" in table["Action"] and "dynamodb:DeleteTable" not in table["Action"]
    assert denials.grant_policy_name(denial, "table-read-write") == "console-Items-read-write"
    assert denials.grant_policy_name(denial, "action") == "console-dynamodb-Scan-Items"


@pytest.fixture
def iam_role() -> Iterator[str]:
    with mock_aws():
        clients.use(clients_for(clients.Connection(backend="aws", region="ap-northeast-2")))
        boto3.client("iam").create_role(RoleName="items-role-1a2b", AssumeRolePolicyDocument="{}")
        yield "items-role-1a2b"


def test_grant_adds_an_inline_policy(iam_role: str) -> None:
    denial = denials.find_denial(IMPLICIT)
    assert denial is not None
    name = denials.grant(iam_role, denial, "table-read-write")
    document = boto3.client("iam").get_role_policy(RoleName=iam_role, PolicyName=name)["PolicyDocument"]
    assert document == denials.grant_document(denial, "table-read-write")
