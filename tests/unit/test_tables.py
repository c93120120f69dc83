"""The Tables area: list (paged), create (keys, capacity, indexes), detail, delete."""
from __future__ import annotations

import html
import re
from dataclasses import replace
from http import HTTPStatus

import boto3
import pytest
from flask.testing import FlaskClient

from webapp.aws import clients
from webapp.aws.dynamodb import tables as dynamodb
from webapp.aws.errors import AwsFailure
from webapp.views.form_numbers import parse_whole_number

from tests.helpers import csrf_token

REGION = "ap-northeast-2"


def ddb():  # type: ignore[no-untyped-def]
    return boto3.client("dynamodb", region_name=REGION)


def make_table(table_name: str, **extra: object) -> None:
    ddb().create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                       AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                       KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], **extra)


def table_names() -> list[str]:
    return [name for page in ddb().get_paginator("list_tables").paginate()
            for name in page["TableNames"]]


def form(client: FlaskClient, **fields: object) -> dict[str, object]:
    values: dict[str, object] = {
        "table_name": "Orders", "pk_name": "customer", "pk_type": "S", "sk_name": "", "sk_type": "S",
        "billing_mode": "PAY_PER_REQUEST", "read_capacity": "5", "write_capacity": "5",
        "csrf_token": csrf_token(client, "/tables/create/new"),
    }
    values.update(fields)
    return values


def index_fields(*rows: dict[str, str]) -> dict[str, list[str]]:
    """Form lists for index rows: each row's fields, in the order the form sends them."""
    defaults = {"index_name": "", "index_pk_name": "", "index_pk_type": "S", "index_sk_name": "",
                "index_sk_type": "S", "index_projection": "ALL", "index_read_capacity": "1",
                "index_write_capacity": "1"}
    return {name: [row.get(name, default) for row in rows] for name, default in defaults.items()}


def field_errors(page: str) -> dict[str, str]:
    return {key: html.unescape(text) for key, text in
            re.findall(r'<p id="([^"]+)-error" class="field-error">([^<]*)<', page)}


# List

def test_the_list_shows_keys_billing_counts_and_links(signed_in: FlaskClient) -> None:
    ddb().create_table(
        TableName="Orders", BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
        AttributeDefinitions=[{"AttributeName": "customer", "AttributeType": "S"},
                              {"AttributeName": "placed", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"},
                   {"AttributeName": "placed", "KeyType": "RANGE"}])
    make_table("Tutorial")
    ddb().put_item(TableName="Tutorial", Item={"id": {"S": "a"}})
    page = signed_in.get("/tables/").text
    assert 'href="/tables/Orders"' in page and 'href="/tables/Tutorial"' in page
    assert "<code>customer</code>" in page and "<code>placed</code>" in page and "Number" in page
    assert "Provisioned (7 read / 3 write units)" in page
    assert "On-demand" in page
    assert "badge-state-active" in page
    assert "Load more" not in page


def test_the_list_says_when_there_are_no_tables(signed_in: FlaskClient) -> None:
    page = signed_in.get("/tables/").text
    assert "No tables in this region yet." in page
    assert 'href="/tables/create/new"' in page


def test_the_list_pages_through_more_than_fifty_tables(signed_in: FlaskClient) -> None:
    names = [f"table-{number:03}" for number in range(53)]
    for name in names:
        make_table(name)
    first = signed_in.get("/tables/").text
    shown_first = re.findall(r'href="/tables/(table-\d+)"', first)
    assert shown_first == names[:50]
    more = re.search(r'hx-get="(/tables/\?next=[^"]+)"', first)
    assert more, "no Load more row"
    second = signed_in.get(html.unescape(more.group(1)), headers={"HX-Request": "true"})
    assert "<html" not in second.text  # only the rows, for htmx to swap in
    assert re.findall(r'href="/tables/(table-\d+)"', second.text) == names[50:]
    assert "Load more" not in second.text


def test_a_table_deleted_between_list_and_describe_is_left_out(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    make_table("Stays")
    make_table("Goes")
    real_describe = dynamodb.describe_table

    def describe(table_name: str) -> dynamodb.Table:
        if table_name == "Goes":
            ddb().delete_table(TableName="Goes")
        return real_describe(table_name)

    monkeypatch.setattr(dynamodb, "describe_table", describe)
    reply = signed_in.get("/tables/")
    assert reply.status_code == HTTPStatus.OK
    assert "/tables/Stays" in reply.text and "/tables/Goes" not in reply.text


def test_the_list_describes_in_the_request_region(signed_in: FlaskClient) -> None:
    boto3.client("dynamodb", region_name="us-west-2").create_table(
        TableName="Western", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    token = csrf_token(signed_in, "/tables/")
    signed_in.post("/preferences/region", data={"region": "us-west-2", "csrf_token": token})
    page = signed_in.get("/tables/").text
    assert "/tables/Western" in page
    # The test client runs requests in this thread: the request's region ends with it.
    assert clients.current_region() == "ap-northeast-2"


# Create

def test_create_with_sort_key_and_index_then_see_the_detail(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/tables/", data={
        **form(signed_in, sk_name="placed", sk_type="N"),
        **index_fields({"index_name": "by-status", "index_pk_name": "status",
                        "index_sk_name": "placed", "index_sk_type": "N",
                        "index_projection": "KEYS_ONLY"}, {})})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == "/tables/Orders"
    table = ddb().describe_table(TableName="Orders")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "customer", "KeyType": "HASH"},
                                  {"AttributeName": "placed", "KeyType": "RANGE"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by-status"
    assert index["KeySchema"] == [{"AttributeName": "status", "KeyType": "HASH"},
                                  {"AttributeName": "placed", "KeyType": "RANGE"}]
    assert index["Projection"]["ProjectionType"] == "KEYS_ONLY"
    types = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}
    assert types == {"customer": "S", "placed": "N", "status": "S"}


def test_provisioned_capacity_arrives_for_table_and_index(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/tables/", data={
        **form(signed_in, billing_mode="PROVISIONED", read_capacity="12", write_capacity="4"),
        **index_fields({"index_name": "by-day", "index_pk_name": "day",
                        "index_read_capacity": "3", "index_write_capacity": "2"})})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    table = ddb().describe_table(TableName="Orders")["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 12
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    throughput = table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (3, 2)


def test_the_create_form_through_htmx_is_sent_on_with_hx_location(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/tables/", data=form(signed_in), headers={"HX-Request": "true"})
    assert reply.headers["HX-Location"] == "/tables/Orders"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"table_name": "ab"}, "table_name", "Use 3 to 255 letters"),
    ({"table_name": "bad name!"}, "table_name", "Use 3 to 255 letters"),
    ({"pk_name": ""}, "pk_name", "Name the partition key attribute."),
    ({"sk_name": "customer"}, "sk_name", "another name than the partition key"),
    ({"billing_mode": "PROVISIONED", "read_capacity": "0"}, "read_capacity",
     "whole number from 1 to 40000"),
    ({"billing_mode": "PROVISIONED", "write_capacity": "40001"}, "write_capacity",
     "whole number from 1 to 40000"),
    ({"billing_mode": "PROVISIONED", "read_capacity": "2.5"}, "read_capacity", "whole number"),
])
def test_bad_table_fields_are_shown_beside_them_and_nothing_is_created(
        signed_in: FlaskClient, fields: dict[str, str], field: str, message: str) -> None:
    before = table_names()
    reply = signed_in.post("/tables/", data=form(signed_in, **fields))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert message in field_errors(reply.text)[field]
    assert table_names() == before
    for value in fields.values():
        assert f'value="{value}"' in reply.text  # what the user typed is kept


@pytest.mark.parametrize(("rows", "table_fields", "field", "message"), [
    ([{"index_name": "x", "index_pk_name": "status"}], {}, "index-0-name", "Use 3 to 255"),
    ([{"index_name": "by-status"}], {}, "index-0-pk_name", "Name the partition key"),
    ([{"index_name": "by-customer", "index_pk_name": "customer", "index_pk_type": "N"}], {},
     "index-0-pk_name", "customer is already a key of type String"),
    ([{"index_name": "twice", "index_pk_name": "a"}, {"index_name": "twice", "index_pk_name": "b"}],
     {}, "index-1-name", "Another index already has this name."),
    ([{"index_name": "by-day", "index_pk_name": "day", "index_read_capacity": "x"}],
     {"billing_mode": "PROVISIONED"}, "index-0-read_capacity", "whole number"),
])
def test_bad_index_rows_are_shown_beside_their_fields_and_nothing_is_created(
        signed_in: FlaskClient, rows: list[dict[str, str]], table_fields: dict[str, str],
        field: str, message: str) -> None:
    before = table_names()
    reply = signed_in.post("/tables/", data={**form(signed_in, **table_fields),
                                             **index_fields(*rows)})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert message in field_errors(reply.text)[field]
    assert table_names() == before
    assert f'value="{rows[0]["index_name"]}"' in reply.text


@pytest.mark.parametrize("typed", ["\u00b2", "\u0661\u0662", "1" * 30, "+5", "5.0"])
def test_capacity_must_be_ascii_digits(signed_in: FlaskClient, typed: str) -> None:
    reply = signed_in.post("/tables/", data={
        **form(signed_in, billing_mode="PROVISIONED", read_capacity=typed),
        **index_fields({"index_name": "by-day", "index_pk_name": "day",
                        "index_write_capacity": typed})})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    errors = field_errors(reply.text)
    assert "whole number" in errors["read_capacity"]
    assert "whole number" in errors["index-0-write_capacity"]
    assert table_names() == []


@pytest.mark.parametrize(("raw", "expected"), [
    ("7", 7), (" 7 ", 7), ("007", 7), ("0", None), ("41", None), ("", None), (None, None),
    ("\u00b2", None), ("\u0663", None), ("-3", None), ("3.0", None), ("9" * 13, None),
])
def test_parse_whole_number_takes_ascii_digits_within_bounds(raw: str | None,
                                                            expected: int | None) -> None:
    assert parse_whole_number(raw, 1, 40) == expected


def test_an_attribute_used_with_two_types_is_refused(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/tables/", data=form(signed_in, pk_name="id", sk_name="id"))
    assert "sk_name" in field_errors(reply.text)
    reply = signed_in.post("/tables/", data={
        **form(signed_in, sk_name="placed", sk_type="N"),
        **index_fields({"index_name": "by-placed", "index_pk_name": "placed", "index_pk_type": "S"})})
    assert "placed is already a key of type Number" in field_errors(reply.text)["index-0-pk_name"]
    assert table_names() == []


def test_an_index_may_use_the_table_key(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/tables/", data={
        **form(signed_in), **index_fields({"index_name": "same-key", "index_pk_name": "customer"})})
    assert reply.status_code == HTTPStatus.SEE_OTHER


def test_blank_index_rows_are_ignored(signed_in: FlaskClient) -> None:
    reply = signed_in.post("/tables/", data={**form(signed_in), **index_fields({}, {})})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert ddb().describe_table(TableName="Orders")["Table"].get("GlobalSecondaryIndexes", []) == []


def test_more_than_five_indexes_are_refused(signed_in: FlaskClient) -> None:
    rows = [{"index_name": f"index-{n}", "index_pk_name": f"a{n}"} for n in range(6)]
    reply = signed_in.post("/tables/", data={**form(signed_in), **index_fields(*rows)})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "at most 5 indexes" in field_errors(reply.text)["indexes"]
    assert table_names() == []


def test_an_existing_name_is_an_error_beside_the_name(signed_in: FlaskClient) -> None:
    make_table("Orders")
    reply = signed_in.post("/tables/", data=form(signed_in, pk_name="other"))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "A table called Orders already exists" in field_errors(reply.text)["table_name"]
    assert 'value="other"' in reply.text
    assert ddb().describe_table(TableName="Orders")["Table"]["KeySchema"][0]["AttributeName"] == "id"


def test_other_aws_errors_show_at_the_top_of_the_form(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(spec: dynamodb.NewTable) -> dynamodb.Table:
        raise AwsFailure("Could not %(action)s: %(aws_code)s: %(aws_message)s",
                         aws_code="LimitExceededException", action="create the table",
                         aws_message="Too many tables being created")

    monkeypatch.setattr(dynamodb, "create_table", refuse)
    reply = signed_in.post("/tables/", data=form(signed_in))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert 'class="banner banner-error"' in reply.text
    assert "LimitExceededException: Too many tables being created" in reply.text
    assert 'value="Orders"' in reply.text


def test_add_index_answers_a_blank_row_and_stops_at_five(signed_in: FlaskClient) -> None:
    headers = {"HX-Request": "true"}
    reply = signed_in.get("/tables/create/index-row", query_string=index_fields({}), headers=headers)
    assert 'name="index_name" value=""' in reply.text
    assert 'id="add-index"' in reply.text and 'hx-swap-oob="true"' in reply.text
    assert "Add index" in reply.text
    four = index_fields(*([{}] * 4))
    reply = signed_in.get("/tables/create/index-row", query_string=four, headers=headers)
    assert "Add index" not in reply.text and "at most 5 indexes" in reply.text
    five = index_fields(*([{}] * 5))
    reply = signed_in.get("/tables/create/index-row/removed", query_string=five, headers=headers)
    assert "Add index" in reply.text and "index_name" not in reply.text


def test_the_create_form_works_without_javascript(signed_in: FlaskClient) -> None:
    page = signed_in.get("/tables/create/new").text
    assert 'method="post" action="/tables/"' in page
    assert page.count('name="index_name"') == 1  # one blank row, ignored when left blank
    assert 'value="PAY_PER_REQUEST" checked' in page


# Detail

@pytest.mark.parametrize("table_name", ["new", "create"])
def test_tables_named_like_the_create_form_open_with_their_items(signed_in: FlaskClient,
                                                                 table_name: str) -> None:
    make_table(table_name)
    ddb().put_item(TableName=table_name, Item={"id": {"S": "only-one"}})
    page = signed_in.get(f"/tables/{table_name}")
    assert page.status_code == HTTPStatus.OK
    assert ddb().describe_table(TableName=table_name)["Table"]["TableArn"] in page.text
    assert 'name="table_name"' not in page.text  # not the create form
    assert "only-one" in signed_in.get(f"/tables/{table_name}/items").text
    assert signed_in.get("/tables/create/new").status_code == HTTPStatus.OK


def test_the_detail_shows_arn_keys_indexes_capacity_and_tabs(signed_in: FlaskClient) -> None:
    signed_in.post("/tables/", data={
        **form(signed_in, sk_name="placed", sk_type="N", billing_mode="PROVISIONED",
               read_capacity="6", write_capacity="2"),
        **index_fields({"index_name": "by-status", "index_pk_name": "status"})})
    page = signed_in.get("/tables/Orders").text
    arn = f"arn:aws:dynamodb:{REGION}:123456789012:table/Orders"
    assert f'data-copy="{arn}"' in page
    assert f'data-copy="{arn}/index/by-status"' in page
    assert "<code>customer</code>" in page and "<code>placed</code>" in page
    assert "<code>by-status</code>" in page and "<code>status</code>" in page
    assert "Provisioned (6 read / 2 write units)" in page
    assert "about every six hours" in page
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", page)
    assert 'href="/tables/Orders/items"' in page and 'href="/tables/Orders/import"' in page
    assert 'href="/tables/Orders/items/new"' in page
    assert 'href="/tables/Orders/delete"' in page


def test_the_status_badge_polls_until_table_and_indexes_are_active(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    make_table("Orders")
    page = signed_in.get("/tables/Orders/status", headers={"HX-Request": "true"}).text
    assert "badge-state-active" in page and "hx-trigger" not in page
    real_describe = dynamodb.describe_table

    def creating(table_name: str) -> dynamodb.Table:
        return replace(real_describe(table_name), status="CREATING")

    monkeypatch.setattr(dynamodb, "describe_table", creating)
    page = signed_in.get("/tables/Orders/status", headers={"HX-Request": "true"}).text
    assert "<html" not in page
    assert "badge-state-creating" in page
    assert 'hx-get="/tables/Orders/status" hx-trigger="load delay:1s" hx-swap="outerHTML"' in page


@pytest.mark.parametrize(("table_status", "index_status", "polls"), [
    ("ARCHIVED", "ACTIVE", False),
    ("INACCESSIBLE_ENCRYPTION_CREDENTIALS", "ACTIVE", False),
    ("ACTIVE", "ACTIVE", False),
    ("UPDATING", "ACTIVE", True),
    ("DELETING", "ACTIVE", True),
    ("ACTIVE", "CREATING", True),
    ("ACTIVE", "DELETING", True),
    ("ARCHIVED", "UPDATING", True),
])
def test_the_status_polls_only_while_something_is_changing(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch, table_status: str,
        index_status: str, polls: bool) -> None:
    make_table("Orders", GlobalSecondaryIndexes=[
        {"IndexName": "by-day", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "ALL"}}])
    real_describe = dynamodb.describe_table

    def described(table_name: str) -> dynamodb.Table:
        table = real_describe(table_name)
        return replace(table, status=table_status,
                       indexes=[replace(index, status=index_status) for index in table.indexes])

    monkeypatch.setattr(dynamodb, "describe_table", described)
    for url in ("/tables/Orders", "/tables/Orders/status"):
        page = signed_in.get(url, headers={"HX-Request": "true"} if "status" in url else {}).text
        assert ('hx-get="/tables/Orders/status"' in page) is polls


def test_a_status_poll_also_refreshes_the_index_badges(signed_in: FlaskClient) -> None:
    make_table("Orders", GlobalSecondaryIndexes=[
        {"IndexName": "by-day", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "ALL"}}])
    page = signed_in.get("/tables/Orders").text
    assert page.count('id="index-status-0"') == 1 and "hx-swap-oob" not in page
    poll = signed_in.get("/tables/Orders/status", headers={"HX-Request": "true"}).text
    assert re.search(r'<span id="index-status-0" hx-swap-oob="true"><span class="badge '
                     r'badge-state-active">ACTIVE</span>', poll)


def test_a_missing_table_is_a_not_found_page(signed_in: FlaskClient) -> None:
    reply = signed_in.get("/tables/Nowhere")
    assert reply.status_code == HTTPStatus.NOT_FOUND
    assert "Table Nowhere was not found" in reply.text
    assert "Traceback" not in reply.text


# Delete

def test_a_wrong_name_deletes_nothing(signed_in: FlaskClient) -> None:
    make_table("Orders")
    token = csrf_token(signed_in, "/tables/Orders/delete")
    reply = signed_in.post("/tables/Orders/delete", data={"confirm_name": "orders",
                                                          "csrf_token": token})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Type the table's name, Orders, exactly" in field_errors(reply.text)["confirm_name"]
    assert 'value="orders"' in reply.text
    assert table_names() == ["Orders"]


def test_the_delete_page_counts_one_item_in_the_singular(signed_in: FlaskClient) -> None:
    make_table("Orders")
    ddb().put_item(TableName="Orders", Item={"id": {"S": "only"}})
    page = signed_in.get("/tables/Orders/delete").text
    assert "The table, its 1 item (as last counted)" in page


def test_the_right_name_deletes_and_returns_to_the_list(signed_in: FlaskClient) -> None:
    make_table("Orders")
    make_table("Keep")
    token = csrf_token(signed_in, "/tables/Orders/delete")
    reply = signed_in.post("/tables/Orders/delete", data={"confirm_name": "Orders",
                                                          "csrf_token": token})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == "/tables/"
    assert table_names() == ["Keep"]
    assert "Deleted the table Orders." in signed_in.get("/tables/").text


def test_delete_without_csrf_changes_nothing(signed_in: FlaskClient) -> None:
    make_table("Orders")
    reply = signed_in.post("/tables/Orders/delete", data={"confirm_name": "Orders"})
    assert reply.status_code == HTTPStatus.BAD_REQUEST
    assert table_names() == ["Orders"]
