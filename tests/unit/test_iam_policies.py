"""Policies: list, search AWS-managed ones, create after the checker passes, versions, delete."""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from urllib.parse import quote

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from webapp import create_app

from tests.helpers import PASSWORD, csrf_token, injected, load_only_managed_policies

ACCOUNT = "123456789012"
TABLE_ARN = f"arn:aws:dynamodb:ap-northeast-2:{ACCOUNT}:table/Orders"
MANAGED = ("AWSLambdaBasicExecutionRole", "AmazonDynamoDBFullAccess", "AmazonDynamoDBReadOnlyAccess")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The shared app, with a few AWS-managed policies loaded as the sandbox has them."""
    load_only_managed_policies(monkeypatch, MANAGED)
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD})


def iam():  # type: ignore[no-untyped-def]
    return boto3.client("iam", region_name="ap-northeast-2")


def document(resource: str = TABLE_ARN, action: str = "dynamodb:GetItem") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource}]}, indent=2)


def customer_policies() -> list[str]:
    return [policy["PolicyName"] for policy in iam().list_policies(Scope="Local")["Policies"]]


def findings(page: str) -> list[tuple[str, str]]:
    """(where, message) for each finding shown under the editor."""
    items = re.findall(r'class="policy-finding-where">([^<]*)</span>.*?'
                       r'class="policy-finding-message">([^<]*)</span>', page, re.S)
    return [(html.unescape(where), html.unescape(message)) for where, message in items]


def create(client: FlaskClient, name: str = "orders-read", text: str | None = None,
           **extra: str):  # type: ignore[no-untyped-def]
    data = {"policy_name": name, "description": "", "document": text or document(),
            "csrf_token": csrf_token(client, "/iam/policies/new"), **extra}
    return client.post("/iam/policies/new", data=data)


def policy_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/{name}"


def listed(page: str) -> list[str]:
    """The policy names in the list's rows."""
    return re.findall(r'<td><a href="/iam/policies/view\?arn=[^"]*">([^<]*)</a>', page)


def banners(page: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r'role="status">([^<]*)<', page)]


BAD_DOCUMENTS = [
    pytest.param('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}',
                 "Line 4", "not valid JSON", id="json-syntax"),
    pytest.param('{\n  "Version": "2012-10-17",\n  "Statement": [{\n    "Effect": "Permit",\n'
                 '    "Action": "dynamodb:GetItem",\n    "Resource": "*"\n  }]\n}',
                 "Line 4", "Permit", id="structure-effect"),
    pytest.param('{\n  "Version": "2012-10-17",\n  "Statement": [{\n    "Effect": "Allow",\n'
                 '    "Principal": {"Service": "lambda.amazonaws.com"},\n'
                 '    "Action": "dynamodb:GetItem",\n    "Resource": "*"\n  }]\n}',
                 "Line 5", "Principal", id="structure-principal"),
    pytest.param('{\n  "Version": "2012-10-17",\n  "Statement": [{\n    "Effect": "Allow",\n'
                 '    "Action": "dynamodb:GetItem",\n    "Resource": "*",\n'
                 '    "Condition": {"StringEqualz": {"aws:SourceArn": "x"}}\n  }]\n}',
                 "Line 7", "StringEqualz", id="structure-condition"),
    pytest.param('{\n  "Version": "2012-10-17",\n  "Statement": [{\n    "Effect": "Allow",\n'
                 '    "Action": "dynamodb:GetItems",\n    "Resource": "*"\n  }]\n}',
                 "Line 5", "dynamodb:GetItem?", id="unknown-action"),
    pytest.param('{\n  "Version": "2012-10-17",\n  "Statement": [{\n    "Effect": "Allow",\n'
                 '    "Action": "dynamodb:GetItem",\n    "Resource": "arn:aws:dynamodb:Orders"\n  }]\n}',
                 "Line 6", "arn:aws:dynamodb:Orders", id="malformed-arn"),
    pytest.param('{\n  "Version": "2012-10-17",\n  "Statement": [{\n    "Effect": "Allow",\n'
                 '    "Action": "dynamodb:GetItem",\n    "Resource": "arn:aws:s3:::orders-bucket"\n  }]\n}',
                 "Line 6", "does not fit dynamodb:GetItem", id="arn-wrong-resource-type"),
]


@pytest.mark.parametrize(("text", "where", "message_part"), BAD_DOCUMENTS)
def test_each_kind_of_problem_is_shown_beside_its_line_and_nothing_is_created(
        signed_in: FlaskClient, text: str, where: str, message_part: str) -> None:
    reply = create(signed_in, text=text)
    assert reply.status_code == 422
    shown = findings(reply.text)
    assert any(shown_where.startswith(where) and message_part in message
               for shown_where, message in shown), shown
    assert "nothing was sent to AWS" in reply.text
    assert re.search(r"\d+ errors?, \d+ warnings?", reply.text)
    assert html.unescape(reply.text).count(text.split("\n")[-2]) >= 1  # the text stays as typed
    assert customer_policies() == []


def test_bad_name_and_description_are_shown_beside_their_fields(signed_in: FlaskClient) -> None:
    reply = create(signed_in, name="orders read!", description="주문 읽기")
    assert reply.status_code == 422
    assert 'id="policy_name-error"' in reply.text
    assert 'id="description-error"' in reply.text
    assert 'value="orders read!"' in reply.text
    assert customer_policies() == []


def test_htmx_gets_only_the_form_back_with_the_findings(signed_in: FlaskClient) -> None:
    reply = create(signed_in, text=document(action="dynamodb:GetItems"))
    fragment = signed_in.post("/iam/policies/new", headers={"HX-Request": "true"}, data={
        "policy_name": "x", "document": document(action="dynamodb:GetItems"),
        "csrf_token": csrf_token(signed_in, "/iam/policies/new")})
    assert reply.status_code == fragment.status_code == 422
    assert fragment.text.lstrip().startswith("<form") or "<html" not in fragment.text
    assert findings(fragment.text)
    assert customer_policies() == []


def test_a_checked_policy_is_created_and_opens_with_its_document(signed_in: FlaskClient) -> None:
    reply = create(signed_in, description="Read the Orders table")
    assert reply.status_code == 303
    assert reply.headers["Location"] == "/iam/policies/view?arn=" + policy_arn("orders-read")
    page = signed_in.get(reply.headers["Location"])
    assert "Created the policy orders-read." in banners(page.text)
    assert html.unescape(page.text).count(TABLE_ARN) >= 1
    assert "Read the Orders table" in page.text
    listing = signed_in.get("/iam/policies")
    assert "orders-read" in listing.text


def test_aws_refusal_is_shown_beside_the_name(signed_in: FlaskClient) -> None:
    assert create(signed_in).status_code == 303
    reply = create(signed_in)
    assert reply.status_code == 422
    assert 'id="policy_name-error"' in reply.text
    assert "EntityAlreadyExists" in reply.text


def test_customer_policies_come_a_page_at_a_time(signed_in: FlaskClient) -> None:
    for number in range(52):
        iam().create_policy(PolicyName=f"policy-{number:02d}", PolicyDocument=document())
    first = signed_in.get("/iam/policies")
    assert first.text.count("/iam/policies/view?arn=") == 50
    more = re.search(r'href="(/iam/policies\?next=[^"]+)"', first.text)
    assert more, "no Load more link"
    second = signed_in.get(html.unescape(more.group(1)), headers={"HX-Request": "true"})
    assert second.text.count("/iam/policies/view?arn=") == 2
    assert "<html" not in second.text


def test_aws_managed_policies_are_searched_by_name(signed_in: FlaskClient) -> None:
    found = signed_in.get("/iam/policies?scope=aws&q=dynamodb")
    assert found.status_code == 200
    assert listed(found.text) == ["AmazonDynamoDBFullAccess", "AmazonDynamoDBReadOnlyAccess"]
    assert listed(signed_in.get("/iam/policies?scope=aws&q=basicexecution").text) == [
        "AWSLambdaBasicExecutionRole"]
    assert "Type part of a policy name" in signed_in.get("/iam/policies?scope=aws").text
    assert listed(signed_in.get("/iam/policies").text) == []  # the customer list: only yours

    page = signed_in.get("/iam/policies/view?arn=arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    assert page.status_code == 200
    assert "logs:CreateLogStream" in page.text
    assert "/iam/policies/edit" not in page.text and "/iam/policies/delete" not in page.text


def test_an_aws_managed_policy_cannot_be_edited(signed_in: FlaskClient) -> None:
    arn = "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"
    reply = signed_in.post("/iam/policies/edit", data={
        "arn": arn, "document": document(), "csrf_token": csrf_token(signed_in, "/iam/policies/new")})
    assert reply.status_code == 422
    assert "AWS-managed policies cannot be edited" in html.unescape(reply.text)
    assert len(iam().list_policy_versions(PolicyArn=arn)["Versions"]) == 1


def edit(client: FlaskClient, arn: str, text: str):  # type: ignore[no-untyped-def]
    return client.post("/iam/policies/edit", data={
        "arn": arn, "document": text, "csrf_token": csrf_token(client, "/iam/policies/new")})


def test_an_edit_with_a_problem_changes_nothing(signed_in: FlaskClient) -> None:
    create(signed_in)
    arn = policy_arn("orders-read")
    form = signed_in.get("/iam/policies/edit?arn=" + quote(arn))
    assert form.status_code == 200
    assert TABLE_ARN in html.unescape(form.text)
    reply = edit(signed_in, arn, document(action="dynamodb:GetItems"))
    assert reply.status_code == 422
    assert any("dynamodb:GetItem?" in message for _, message in findings(reply.text))
    assert len(iam().list_policy_versions(PolicyArn=arn)["Versions"]) == 1


def test_the_sixth_edit_keeps_five_versions_and_says_which_it_removed(signed_in: FlaskClient) -> None:
    create(signed_in)
    arn = policy_arn("orders-read")
    for number in range(1, 5):
        assert edit(signed_in, arn, document(f"{TABLE_ARN}{number}")).status_code == 303
    assert len(iam().list_policy_versions(PolicyArn=arn)["Versions"]) == 5
    warning = signed_in.get("/iam/policies/edit?arn=" + quote(arn))
    assert "saving removes v1" in warning.text

    reply = edit(signed_in, arn, document(f"{TABLE_ARN}5"))
    assert reply.status_code == 303
    page = signed_in.get(reply.headers["Location"])
    assert any("Saved v6 as the default version" in text and "v1, was removed" in text
               for text in banners(page.text)), banners(page.text)
    versions = iam().list_policy_versions(PolicyArn=arn)["Versions"]
    assert sorted(version["VersionId"] for version in versions) == ["v2", "v3", "v4", "v5", "v6"]
    assert iam().get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v6"


def test_the_oldest_removed_is_never_the_default(signed_in: FlaskClient) -> None:
    create(signed_in)
    arn = policy_arn("orders-read")
    for number in range(1, 5):
        edit(signed_in, arn, document(f"{TABLE_ARN}{number}"))
    iam().set_default_policy_version(PolicyArn=arn, VersionId="v1")
    reply = edit(signed_in, arn, document(f"{TABLE_ARN}5"))
    page = signed_in.get(reply.headers["Location"])
    assert any("v2, was removed" in text for text in banners(page.text))
    versions = {version["VersionId"] for version in iam().list_policy_versions(PolicyArn=arn)["Versions"]}
    assert versions == {"v1", "v3", "v4", "v5", "v6"}


def test_roll_back_to_an_earlier_version(signed_in: FlaskClient) -> None:
    create(signed_in)
    arn = policy_arn("orders-read")
    edit(signed_in, arn, document(f"{TABLE_ARN}-v2"))
    page = signed_in.get("/iam/policies/view?arn=" + quote(arn))
    assert f"{TABLE_ARN}-v2" in page.text
    assert 'aria-label="Make v1 the default"' in page.text

    reply = signed_in.post("/iam/policies/default", data={
        "arn": arn, "version_id": "v1", "csrf_token": csrf_token(signed_in, "/iam/policies/new")})
    assert reply.status_code == 303
    page = signed_in.get(reply.headers["Location"])
    assert "v1 is now the default version: IAM enforces it from now on." in banners(page.text)
    assert iam().get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    assert f"{TABLE_ARN}-v2" not in re.search(r'<pre[^>]*id="policy-json">(.*?)</pre>', page.text, re.S).group(1)
    older = signed_in.get("/iam/policies/view?arn=" + quote(arn) + "&version=v2")
    assert f"{TABLE_ARN}-v2" in older.text


def test_delete_detaches_from_roles_users_and_groups_after_confirmation(signed_in: FlaskClient) -> None:
    create(signed_in)
    arn = policy_arn("orders-read")
    edit(signed_in, arn, document(f"{TABLE_ARN}-v2"))
    client = iam()
    client.create_role(RoleName="orders-fn-role", AssumeRolePolicyDocument="{}")
    client.create_user(UserName="alice")
    client.create_group(GroupName="readers")
    client.attach_role_policy(RoleName="orders-fn-role", PolicyArn=arn)
    client.attach_user_policy(UserName="alice", PolicyArn=arn)
    client.attach_group_policy(GroupName="readers", PolicyArn=arn)

    policy_page = signed_in.get("/iam/policies/view?arn=" + quote(arn))
    assert "orders-fn-role" in policy_page.text and "alice" in policy_page.text and "readers" in policy_page.text
    confirm = signed_in.get("/iam/policies/delete?arn=" + quote(arn))
    assert confirm.status_code == 200
    assert "orders-fn-role" in confirm.text and "alice" in confirm.text and "readers" in confirm.text
    assert "Detach and delete" in confirm.text
    assert customer_policies() == ["orders-read"]  # asking changes nothing

    reply = signed_in.post("/iam/policies/delete", data={
        "arn": arn, "csrf_token": csrf_token(signed_in, "/iam/policies/new")})
    assert reply.status_code == 303
    assert reply.headers["Location"] == "/iam/policies"
    listing = signed_in.get("/iam/policies")
    assert "Detached the policy orders-read from 1 role, 1 user, 1 group, then deleted it." in banners(listing.text)
    assert customer_policies() == []
    assert client.list_attached_role_policies(RoleName="orders-fn-role")["AttachedPolicies"] == []
    assert client.list_attached_user_policies(UserName="alice")["AttachedPolicies"] == []
    assert client.list_attached_group_policies(GroupName="readers")["AttachedPolicies"] == []


def test_a_missing_policy_says_so(signed_in: FlaskClient) -> None:
    reply = signed_in.get("/iam/policies/view?arn=" + quote(policy_arn("gone")))
    assert reply.status_code == 404
    assert "was not found" in reply.text


def test_the_new_policy_page_builds_for_a_table_named_in_the_link(signed_in: FlaskClient) -> None:
    boto3.client("dynamodb", region_name="ap-northeast-2").create_table(
        TableName="Orders", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    page = signed_in.get("/iam/policies/new?table=Orders")
    assert page.status_code == 200
    assert 'id="policy-builder"' in page.text
    editor = re.search(r'<textarea id="document"[^>]*>(.*?)</textarea>', page.text, re.S).group(1)
    assert f"{TABLE_ARN}/index/*" in html.unescape(editor)


@pytest.mark.parametrize("query", ["", "?arn=", "?arn=arn:aws:s3:::bucket", "?arn=" + quote("<b>x</b>")])
def test_a_malformed_policy_arn_is_not_found(signed_in: FlaskClient, query: str) -> None:
    for path in ("/iam/policies/view", "/iam/policies/edit", "/iam/policies/delete"):
        reply = signed_in.get(path + query)
        assert reply.status_code == 404, path
        assert "was not found" in reply.text
        assert "<b>x</b>" not in reply.text


def test_rolling_back_to_a_version_that_does_not_exist_says_so(signed_in: FlaskClient) -> None:
    create(signed_in)
    arn = policy_arn("orders-read")
    for version_id in ("v9", "", "latest"):
        reply = signed_in.post("/iam/policies/default", data={
            "arn": arn, "version_id": version_id, "csrf_token": csrf_token(signed_in, "/iam/policies/new")})
        assert reply.status_code == 303
        page = signed_in.get(reply.headers["Location"])
        assert "was not found" in page.text
    assert iam().get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
