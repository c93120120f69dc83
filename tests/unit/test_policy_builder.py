"""The policy builder: pick a table, log group or function and an access level, get its policy."""
from __future__ import annotations

import html as html_text
import json
import re
from http import HTTPStatus
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError
from flask.testing import FlaskClient

from webapp.aws.iam import resources as iam_resources
from webapp.aws.errors import AccessDenied, ConsoleError, NotFound

REGION = "ap-northeast-2"
HTMX = {"HX-Request": "true"}


def make_table(table_name: str, *, index: str | None = None) -> str:
    """A table (with a global secondary index if named); its ARN."""
    attributes = [{"AttributeName": "id", "AttributeType": "S"}]
    extra: dict = {}
    if index:
        attributes.append({"AttributeName": "day", "AttributeType": "S"})
        extra["GlobalSecondaryIndexes"] = [{
            "IndexName": index, "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}]}]
    reply = boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=attributes,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], **extra)
    return reply["TableDescription"]["TableArn"]


def generated(html: str) -> dict:
    """The policy document in the returned editor field."""
    match = re.search(r'<textarea id="document"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, html
    return json.loads(html_text.unescape(match.group(1)))


def test_table_resources_are_listed_and_described_with_index_arns(app) -> None:
    orders_arn = make_table("Orders", index="ByDate")
    make_table("Stock")
    assert iam_resources.list_resource_names("table").names == ["Orders", "Stock"]
    assert iam_resources.list_resource_names("table", limit=1) == iam_resources.ResourceNames(
        ["Orders"], is_capped=True)
    picked = iam_resources.get_resource("table", "Orders")
    assert (picked.arn, picked.index_arns) == (orders_arn, (f"{orders_arn}/index/ByDate",))


def test_log_groups_and_functions_are_resources_too(app) -> None:
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName="/aws/lambda/orders")
    logs.create_log_group(logGroupName="/aws/lambda/orders-2")
    assert iam_resources.list_resource_names("log-group").names == [
        "/aws/lambda/orders", "/aws/lambda/orders-2"]
    group = iam_resources.get_resource("log-group", "/aws/lambda/orders")
    assert group.arn.endswith(":log-group:/aws/lambda/orders")
    with pytest.raises(ConsoleError) as raised:
        iam_resources.get_resource("log-group", "/aws/lambda/order")
    assert isinstance(raised.value, NotFound)
    with pytest.raises(ConsoleError):
        iam_resources.get_resource("function", "absent")
    assert iam_resources.list_resource_names("function").names == []


def test_a_failed_listing_is_a_console_error(app) -> None:
    with mock.patch("webapp.aws.iam.resources.client") as fake_client:
        fake_client.return_value.get_paginator.return_value.paginate.side_effect = ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListTables")
        with pytest.raises(ConsoleError) as raised:
            iam_resources.list_resource_names("table")
    assert isinstance(raised.value, AccessDenied)


def test_building_a_read_write_table_policy_swaps_in_the_document(signed_in: FlaskClient) -> None:
    orders_arn = make_table("Orders", index="ByDate")
    reply = signed_in.get("/iam/policies/build?kind=table&resource=Orders&access=read-write",
                          headers=HTMX)
    assert reply.status_code == HTTPStatus.OK
    assert 'id="policy-document-field"' in reply.text and "<!doctype" not in reply.text.lower()
    document = generated(reply.text)
    resources = [statement["Resource"] for statement in document["Statement"]]
    assert orders_arn in resources
    assert [orders_arn, f"{orders_arn}/index/*"] in resources
    actions = {action for statement in document["Statement"] for action in statement["Action"]}
    assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"} <= actions


def test_chosen_actions_are_the_only_ones_granted(signed_in: FlaskClient) -> None:
    make_table("Orders")
    reply = signed_in.get("/iam/policies/build?kind=table&resource=Orders&access=chosen"
                          "&actions=dynamodb:GetItem", headers=HTMX)
    assert [statement["Action"] for statement in generated(reply.text)["Statement"]] == [
        ["dynamodb:GetItem"]]


@pytest.mark.parametrize(("query", "field", "message"), [
    ("kind=table&resource=Absent&access=read", "resource", "was not found"),
    ("kind=table&resource=&access=read", "resource", "Choose a resource."),
    ("kind=table&resource=Orders&access=chosen", "actions", "Tick at least one action."),
    ("kind=table&resource=Orders&access=chosen&actions=dynamodb:DeleteTable", "actions",
     "Tick actions from this list"),
    ("kind=bucket&resource=Orders&access=read", "kind", "Choose a DynamoDB table"),
    ("kind=table&resource=Orders&access=admin", "access", "Choose read, write"),
])
def test_bad_choices_show_beside_their_builder_field(signed_in: FlaskClient, query: str,
                                                     field: str, message: str) -> None:
    make_table("Orders")
    reply = signed_in.get(f"/iam/policies/build?{query}", headers=HTMX)
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert reply.headers["HX-Retarget"] == "#policy-builder"
    assert reply.headers["HX-Reswap"] == "outerHTML"
    error = re.search(rf'<p id="builder-{field}-error" class="field-error">([^<]*)</p>', reply.text)
    assert error and message in error.group(1)
    assert 'id="policy-document-field"' not in reply.text


def test_changing_the_kind_refreshes_names_and_actions(signed_in: FlaskClient) -> None:
    make_table("Orders")
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName="/aws/lambda/orders")
    reply = signed_in.get("/iam/policies/builder?kind=log-group&resource=Orders&access=chosen",
                          headers=HTMX)
    assert reply.status_code == HTTPStatus.OK
    assert '<option value="/aws/lambda/orders">' in reply.text
    assert 'value="logs:PutLogEvents"' in reply.text and "dynamodb:" not in reply.text
    assert 'name="resource" value=""' in reply.text  # the table's name is not kept


def test_without_javascript_the_builder_reloads_the_new_policy_page(signed_in: FlaskClient) -> None:
    reply = signed_in.get("/iam/policies/build?kind=table&resource=Orders&access=read")
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == "/iam/policies/new?kind=table&resource=Orders&access=read"


def test_builder_context_preselects_a_table_and_generates_its_policy(app) -> None:
    from webapp.views.iam.policy_builder import builder_context

    orders_arn = make_table("Orders")
    with app.test_request_context():
        builder = builder_context({"table": "Orders"})
    assert (builder["kind"], builder["resource"], builder["access"]) == (
        "table", "Orders", "read-write")
    assert builder["names"] == ["Orders"] and builder["errors"] == {}
    assert orders_arn in builder["document_text"]


def test_the_new_policy_page_shows_the_builder_for_the_table(signed_in: FlaskClient) -> None:
    orders_arn = make_table("Orders")
    page = signed_in.get("/iam/policies/new?table=Orders").text
    assert [orders_arn, f"{orders_arn}/index/*"] in [
        statement["Resource"] for statement in generated(page)["Statement"]]  # works without JS
    assert 'id="policy-builder"' in page
    assert re.search(r'<select id="builder-kind" name="kind"[^>]*>\s*<option value="table" selected',
                     page)
    assert 'name="resource" value="Orders"' in page
