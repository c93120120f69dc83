"""Roles: list, create from a trust template or checked JSON, attach, inline policies, delete."""
from __future__ import annotations

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
from webapp.aws import paging
from webapp.views.iam import roles as role_views

from tests.helpers import PASSWORD, csrf_token, injected, load_only_managed_policies

REGION = "ap-northeast-2"
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
PUSH_LOGS = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
TABLE = "arn:aws:dynamodb:ap-northeast-2:123456789012:table/Notes"


def table_policy(actions: tuple[str, ...] = ("dynamodb:GetItem", "dynamodb:PutItem",
                                              "dynamodb:Query")) -> str:
    """A policy for the Notes table and its indexes, as a person would paste it."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": list(actions), "Resource": [TABLE, f"{TABLE}/index/*"]}]},
        indent=2)


TABLE_POLICY = table_policy()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The shared app, with just the two AWS-managed policies the roles pages offer first."""
    load_only_managed_policies(monkeypatch, ("AWSLambdaBasicExecutionRole",
                                             "AmazonAPIGatewayPushToCloudWatchLogs"))
    with mock_aws():
        yield create_app({**injected("aws"), "TESTING": True, "CONSOLE_BACKEND": "aws", "CONSOLE_PASSWORD": PASSWORD})


def iam():  # type: ignore[no-untyped-def]
    return boto3.client("iam", region_name=REGION)


def field_error(page: str, name: str) -> str:
    match = re.search(rf'id="{name}-error" class="field-error">([^<]*)<', page)
    return html.unescape(match.group(1)) if match else ""


def create(client: FlaskClient, **fields: str):  # type: ignore[no-untyped-def]
    values = {"role_name": "notes-fn-role", "template": "lambda", "trust_policy": "",
              "description": "", "csrf_token": csrf_token(client, "/iam/roles/create/new")}
    values.update(fields)
    return client.post("/iam/roles/create/new", data=values)


def post(client: FlaskClient, path: str, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client, "/iam/roles"), **fields})


def role_names() -> list[str]:
    return [role["RoleName"] for role in iam().list_roles()["Roles"]]


def test_the_list_is_paginated(signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    monkeypatch.setattr("webapp.aws.iam.roles.PAGE_SIZE", 2)
    for number in range(3):
        create(signed_in, role_name=f"role-{number}")
    first = signed_in.get("/iam/roles").text
    first = first[first.index('id="role-rows"'):]
    assert len(set(re.findall(r">(role-\d)</a>", first))) == 2
    assert "lambda.amazonaws.com" in first
    next_url = html.unescape(re.search(r'hx-get="(/iam/roles\?next=[^"]+)"', first).group(1))
    rest = signed_in.get(next_url, headers={"HX-Request": "true"}).text
    assert "<html" not in rest and "Load more" not in rest
    shown = re.findall(r">(role-\d)</a>", first) + re.findall(r">(role-\d)</a>", rest)
    assert sorted(shown) == ["role-0", "role-1", "role-2"]


@pytest.mark.parametrize(("template", "service"), [("lambda", "lambda.amazonaws.com"),
                                                   ("apigateway", "apigateway.amazonaws.com")])
def test_create_from_a_template(signed_in: FlaskClient, template: str, service: str) -> None:
    reply = create(signed_in, template=template, description="For notes")
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == "/iam/roles/notes-fn-role"
    role = iam().get_role(RoleName="notes-fn-role")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": service}
    assert role["Description"] == "For notes"
    page = signed_in.get("/iam/roles/notes-fn-role").text
    assert service in page and "Created the role notes-fn-role." in page


def test_create_from_custom_json(signed_in: FlaskClient) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]},
        "Action": "sts:AssumeRole"}]}
    reply = create(signed_in, template="custom", trust_policy=json.dumps(trust))
    assert reply.status_code == HTTPStatus.SEE_OTHER
    stored = iam().get_role(RoleName="notes-fn-role")["Role"]["AssumeRolePolicyDocument"]
    assert stored["Statement"][0]["Principal"]["Service"][1] == "edgelambda.amazonaws.com"


@pytest.mark.parametrize(("text", "expected"), [
    ('{"Version": "2012-10-17",\n "Statement": [', "Line 2"),
    ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}',
     "needs a Principal"),
    ('{"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Principal": '
     '{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}', "Permit"),
])
def test_a_bad_custom_trust_policy_is_shown_and_nothing_is_created(
        signed_in: FlaskClient, text: str, expected: str) -> None:
    reply = create(signed_in, template="custom", trust_policy=text)
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = html.unescape(reply.text)
    assert expected in page
    assert "the problems are listed below it" in field_error(reply.text, "trust_policy")
    assert text in page  # what was typed is kept
    assert role_names() == []


def test_bad_or_taken_names_are_refused_beside_the_name(signed_in: FlaskClient) -> None:
    reply = create(signed_in, role_name="no spaces allowed")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "1 to 64 letters" in field_error(reply.text, "role_name")
    assert role_names() == []
    create(signed_in)
    reply = create(signed_in, template="apigateway")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_error(reply.text, "role_name") == (
        "A role named notes-fn-role already exists. Choose another name.")
    trust = iam().get_role(RoleName="notes-fn-role")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"]["Service"] == "lambda.amazonaws.com"


def test_attach_and_detach_aws_and_customer_managed_policies(signed_in: FlaskClient) -> None:
    create(signed_in)
    customer_arn = iam().create_policy(PolicyName="notes-rw", PolicyDocument=TABLE_POLICY)["Policy"]["Arn"]
    page = signed_in.get("/iam/roles/notes-fn-role").text
    assert page.index("AWSLambdaBasicExecutionRole") < page.index("notes-rw")
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in page
    for arn in (BASIC, customer_arn):
        assert post(signed_in, "/iam/roles/notes-fn-role/attach", policy_arn=arn).status_code == 303
    attached = iam().list_attached_role_policies(RoleName="notes-fn-role")["AttachedPolicies"]
    assert {policy["PolicyArn"] for policy in attached} == {BASIC, customer_arn}
    page = signed_in.get("/iam/roles/notes-fn-role").text
    assert "Detach AWSLambdaBasicExecutionRole" in page and "Detach notes-rw" in page
    assert "logs:PutLogEvents" in page and "dynamodb:GetItem" in page
    reply = post(signed_in, "/iam/roles/notes-fn-role/detach", policy_arn=BASIC)
    assert reply.status_code == 303
    attached = iam().list_attached_role_policies(RoleName="notes-fn-role")["AttachedPolicies"]
    assert [policy["PolicyName"] for policy in attached] == ["notes-rw"]


def test_search_aws_managed_policies_by_name_and_attach_one(signed_in: FlaskClient) -> None:
    create(signed_in, template="apigateway")
    offered = signed_in.get("/iam/roles/notes-fn-role").text
    assert offered.index("AmazonAPIGatewayPushToCloudWatchLogs") < offered.index("AWSLambdaBasicExecutionRole")
    page = html.unescape(signed_in.get("/iam/roles/notes-fn-role?q=pushtocloud").text)
    assert "AWS-managed matching pushtocloud" in page
    assert f'<option value="{PUSH_LOGS}" selected>' in page
    assert post(signed_in, "/iam/roles/notes-fn-role/attach", policy_arn=PUSH_LOGS).status_code == 303
    attached = iam().list_attached_role_policies(RoleName="notes-fn-role")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [PUSH_LOGS]
    missing = signed_in.get("/iam/roles/notes-fn-role?q=NoSuchPolicyName").text
    assert "No AWS-managed policy name contains NoSuchPolicyName." in missing


def test_the_attach_form_offers_at_most_its_caps_in_name_order(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(role_views, "ATTACH_CUSTOMER_POLICIES", 1)
    monkeypatch.setattr(role_views, "ATTACH_SEARCH_RESULTS", 1)
    for name in ("notes-rw", "notes-ro"):
        iam().create_policy(PolicyName=name, PolicyDocument=TABLE_POLICY)
    create(signed_in)
    page = html.unescape(signed_in.get("/iam/roles/notes-fn-role?q=a").text)
    customer = re.search(r'<optgroup label="Customer-managed">(.*?)</optgroup>', page, re.S).group(1)
    assert len(re.findall(r"<option ", customer)) == 1
    found = re.search(r'<optgroup label="AWS-managed matching a">(.*?)</optgroup>', page, re.S).group(1)
    # Both names start with "a"; alphabetically AmazonAPIGateway… comes first, and only it shows.
    assert re.findall(r">(\w+)</option>", found) == ["AmazonAPIGatewayPushToCloudWatchLogs"]
    lambda_only = html.unescape(signed_in.get("/iam/roles/notes-fn-role?q=basicexec").text)
    assert f'<option value="{BASIC}" selected>' in lambda_only


def test_attaching_nothing_or_a_missing_policy_says_so(signed_in: FlaskClient) -> None:
    create(signed_in)
    reply = post(signed_in, "/iam/roles/notes-fn-role/attach", policy_arn="")
    assert reply.status_code == 422 and field_error(reply.text, "attach") == "Choose a policy to attach."
    reply = post(signed_in, "/iam/roles/notes-fn-role/attach",
                 policy_arn="arn:aws:iam::123456789012:policy/gone")
    assert reply.status_code == 422 and "gone" in field_error(reply.text, "attach")
    assert iam().list_attached_role_policies(RoleName="notes-fn-role")["AttachedPolicies"] == []


def test_inline_policies_add_edit_and_remove(signed_in: FlaskClient) -> None:
    create(signed_in)
    assert "Add inline policy" in signed_in.get("/iam/roles/notes-fn-role/inline/new").text
    reply = post(signed_in, "/iam/roles/notes-fn-role/inline/new", policy_name="notes-table",
                 document=TABLE_POLICY)
    assert reply.status_code == 303
    stored = iam().get_role_policy(RoleName="notes-fn-role", PolicyName="notes-table")["PolicyDocument"]
    assert stored["Statement"][0]["Resource"] == [TABLE, f"{TABLE}/index/*"]
    page = signed_in.get("/iam/roles/notes-fn-role").text
    assert "Amazon DynamoDB" in page and f"{TABLE}/index/*" in page

    editor = html.unescape(signed_in.get("/iam/roles/notes-fn-role/inline/notes-table").text)
    assert '"dynamodb:PutItem"' in editor
    smaller = table_policy(("dynamodb:GetItem", "dynamodb:Query"))
    reply = post(signed_in, "/iam/roles/notes-fn-role/inline/notes-table", document=smaller)
    assert reply.status_code == 303
    stored = iam().get_role_policy(RoleName="notes-fn-role", PolicyName="notes-table")["PolicyDocument"]
    assert stored["Statement"][0]["Action"] == ["dynamodb:GetItem", "dynamodb:Query"]

    reply = post(signed_in, "/iam/roles/notes-fn-role/inline/notes-table/delete")
    assert reply.status_code == 303
    assert iam().list_role_policies(RoleName="notes-fn-role")["PolicyNames"] == []


@pytest.mark.parametrize(("name", "document", "field", "expected"), [
    ("notes", TABLE_POLICY.replace("dynamodb:GetItem", "dynamodb:GetItems"), "document",
     "Did you mean dynamodb:GetItem?"),
    ("notes", TABLE_POLICY.replace(TABLE, "arn:aws:s3:::notes-bucket"), "document",
     "arn:aws:s3:::notes-bucket"),
    ("notes", '{"Version": "2012-10-17", "Statement": [}', "document", "Line 1"),
    ("bad name!", TABLE_POLICY, "policy_name", "1 to 128 letters"),
])
def test_an_invalid_inline_policy_is_shown_and_nothing_is_saved(
        signed_in: FlaskClient, name: str, document: str, field: str, expected: str) -> None:
    create(signed_in)
    reply = post(signed_in, "/iam/roles/notes-fn-role/inline/new", policy_name=name,
                 document=document)
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    page = html.unescape(reply.text)
    assert field_error(reply.text, field)
    assert expected in page
    assert iam().list_role_policies(RoleName="notes-fn-role")["PolicyNames"] == []


def test_a_second_inline_policy_of_the_same_name_is_refused(signed_in: FlaskClient) -> None:
    create(signed_in)
    post(signed_in, "/iam/roles/notes-fn-role/inline/new", policy_name="notes", document=TABLE_POLICY)
    reply = post(signed_in, "/iam/roles/notes-fn-role/inline/new", policy_name="notes",
                 document=table_policy(("dynamodb:Query",)))
    assert reply.status_code == 422
    assert "already has an inline policy named notes" in field_error(reply.text, "policy_name")
    stored = iam().get_role_policy(RoleName="notes-fn-role", PolicyName="notes")["PolicyDocument"]
    assert "dynamodb:PutItem" in stored["Statement"][0]["Action"]


def test_the_summary_lists_denies_and_counts_a_service_wildcard(signed_in: FlaskClient) -> None:
    create(signed_in)
    guard = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": TABLE},
        {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": TABLE}]})
    assert post(signed_in, "/iam/roles/notes-fn-role/inline/new", policy_name="guard",
                document=guard).status_code == 303
    page = html.unescape(signed_in.get("/iam/roles/notes-fn-role").text)
    summary = page[page.index('id="role-permissions-summary"'):page.index('id="role-attached"')]
    assert re.search(r"<code>dynamodb:\*</code> \(\d{2,} actions\)", summary)
    assert re.search(r"and \d+ more", summary)
    denied = summary[summary.index("Denied"):]
    assert "dynamodb:DeleteTable" in denied and TABLE in denied


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def test_the_page_lists_functions_using_the_role(signed_in: FlaskClient) -> None:
    create(signed_in)
    create(signed_in, role_name="other-role")
    lam = boto3.client("lambda", region_name=REGION)
    for name, role in (("notes-api", "notes-fn-role"), ("other-fn", "other-role")):
        lam.create_function(FunctionName=name, Runtime="python3.12", Handler="lambda_function.lambda_handler",
                            Role=iam().get_role(RoleName=role)["Role"]["Arn"], Code={"ZipFile": _zip()})
    page = signed_in.get("/iam/roles/notes-fn-role").text
    functions = page[page.index('id="role-functions"'):]
    assert "/functions/notes-api" in functions and "other-fn" not in functions


def test_delete_asks_for_the_name_then_detaches_everything_first(signed_in: FlaskClient) -> None:
    create(signed_in)
    post(signed_in, "/iam/roles/notes-fn-role/attach", policy_arn=BASIC)
    post(signed_in, "/iam/roles/notes-fn-role/inline/new", policy_name="notes", document=TABLE_POLICY)
    iam().create_instance_profile(InstanceProfileName="notes-profile")
    iam().add_role_to_instance_profile(InstanceProfileName="notes-profile", RoleName="notes-fn-role")
    confirm = signed_in.get("/iam/roles/notes-fn-role/delete").text
    assert "AWSLambdaBasicExecutionRole" in confirm and "notes" in confirm
    reply = post(signed_in, "/iam/roles/notes-fn-role/delete", confirm_name="notes")
    assert reply.status_code == 422
    assert "notes-fn-role, exactly" in field_error(reply.text, "confirm_name")
    assert role_names() == ["notes-fn-role"]
    reply = post(signed_in, "/iam/roles/notes-fn-role/delete", confirm_name="notes-fn-role")
    assert reply.status_code == 303 and reply.headers["Location"] == "/iam/roles"
    assert role_names() == []
    assert iam().get_instance_profile(InstanceProfileName="notes-profile")["InstanceProfile"]["Roles"] == []
    assert "Deleted the role notes-fn-role." in signed_in.get("/iam/roles").text


def test_a_missing_role_gets_a_not_found_page(signed_in: FlaskClient) -> None:
    reply = signed_in.get("/iam/roles/no-such-role")
    assert reply.status_code == 404
    assert "IAM role no-such-role was not found" in html.unescape(reply.text)
