"""The item editor's form view: rows post to the same save, views switch keeping the values."""
from __future__ import annotations

import html
import re
from decimal import Decimal
from http import HTTPStatus

import boto3
import pytest
from botocore.client import BaseClient
from flask.testing import FlaskClient

from webapp.aws.dynamodb import item_json

REGION = "ap-northeast-2"
TABLE = "Orders"
BASE = f"/tables/{TABLE}/items"


@pytest.fixture
def dynamodb(signed_in: FlaskClient) -> BaseClient:
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    return client


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]


def rows_posted(rows: list[tuple[str, str, str]]) -> dict[str, list[str]]:
    return {"attr_name": [row[0] for row in rows], "attr_type": [row[1] for row in rows],
            "attr_value": [row[2] for row in rows]}


def shown_rows(page: str) -> list[tuple[str, str]]:
    """(name, value) of each form row shown, as a browser reads them (HTML drops one newline
    right after <textarea>)."""
    names = re.findall(r'<input name="attr_name" value="([^"]*)"', page)
    values = re.findall(r'<textarea name="attr_value"[^>]*>\n?(.*?)</textarea>', page, re.S)
    return [(html.unescape(name), html.unescape(value)) for name, value in zip(names, values)]


ROWS = [("id", "S", "pen"), ("price", "N", "3.50"), ("ok", "BOOL", "true"),
        ("parts", "L", '[{"S": "nib"}, {"N": "2"}]'), ("size", "M", '{"w": {"N": "7"}}')]


def test_the_form_view_starts_with_the_key_fixed_and_a_blank_row(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    page = signed_in.get(f"{BASE}/new?view=form").text
    assert shown_rows(page) == [("id", ""), ("", "")]
    assert re.search(r'<input name="attr_name" value="id" readonly', page)
    assert 'aria-pressed="true">Form</button>' in page
    assert '<textarea id="item"' not in page


def test_the_form_view_creates_an_item_of_every_kind(dynamodb: BaseClient,
                                                      signed_in: FlaskClient) -> None:
    page = signed_in.get(f"{BASE}/new?view=form").text
    reply = signed_in.post(f"{BASE}/new", data={"csrf_token": csrf(page), "mode": "new",
                                               "view": "form", **rows_posted(ROWS)})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    stored = item_json.from_wire(dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "pen"}})["Item"])
    assert stored == {"id": "pen", "price": Decimal("3.50"), "ok": True,
                      "parts": ["nib", Decimal(2)], "size": {"w": Decimal(7)}}


def test_a_bad_number_errors_beside_its_row_keeps_everything_and_saves_nothing(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    page = signed_in.get(f"{BASE}/new?view=form").text
    rows = [*ROWS[:1], ("price", "N", "3,50 <b>"), *ROWS[2:]]
    reply = signed_in.post(f"{BASE}/new", data={"csrf_token": csrf(page), "mode": "new",
                                               "view": "form", **rows_posted(rows)})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert '<p id="attr-1-error" class="field-error">price is not a number.</p>' in reply.text
    assert 'aria-invalid="true" aria-describedby="attr-1-error">\n3,50 &lt;b&gt;</textarea>' in reply.text
    assert shown_rows(reply.text) == [(name, value) for name, _, value in rows]
    assert dynamodb.scan(TableName=TABLE)["Items"] == []


def test_switching_views_carries_the_values_both_ways(dynamodb: BaseClient,
                                                       signed_in: FlaskClient) -> None:
    page = signed_in.get(f"{BASE}/new?view=form").text
    to_json = signed_in.post(f"{BASE}/convert", data={
        "csrf_token": csrf(page), "mode": "new", "view": "form", "format": "dynamodb",
        "target_view": "json", **rows_posted(ROWS)})
    assert to_json.status_code == HTTPStatus.OK
    text = html.unescape(re.search(r'<textarea id="item"[^>]*>(.*?)</textarea>', to_json.text,
                                   re.S).group(1))  # type: ignore[union-attr]
    assert item_json.parse_item(text, "dynamodb")["parts"] == ["nib", Decimal(2)]
    assert 'name="view" value="json"' in to_json.text
    back = signed_in.post(f"{BASE}/convert", data={
        "csrf_token": csrf(page), "mode": "new", "view": "json", "format": "dynamodb",
        "target_view": "form", "item": text})
    assert shown_rows(back.text) == [("id", "pen"), ("ok", "true"),
                                     ("parts", '[{"S":"nib"},{"N":"2"}]'), ("price", "3.50"),
                                     ("size", '{"w":{"N":"7"}}')]
    broken = signed_in.post(f"{BASE}/convert", data={
        "csrf_token": csrf(page), "mode": "new", "view": "json", "target_view": "form",
        "item": '{"id": '})
    assert broken.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "not valid JSON" in broken.text and '{&#34;id&#34;: </textarea>' in broken.text


def test_rows_are_added_and_removed_but_the_key_stays(dynamodb: BaseClient,
                                                       signed_in: FlaskClient) -> None:
    page = signed_in.get(f"{BASE}/new?view=form").text
    fields = {"csrf_token": csrf(page), "mode": "new", "view": "form", **rows_posted(ROWS[:2])}
    added = signed_in.post(f"{BASE}/rows", data={**fields, "add_attribute": "1"})
    assert shown_rows(added.text) == [("id", "pen"), ("price", "3.50"), ("", "")]
    removed = signed_in.post(f"{BASE}/rows", data={**fields, "remove_attribute": "1"})
    assert shown_rows(removed.text) == [("id", "pen")]
    for refused in ("0", "9", "x"):  # the key, and rows that are not there: nothing changes
        kept = signed_in.post(f"{BASE}/rows", data={**fields, "remove_attribute": refused})
        assert shown_rows(kept.text) == [("id", "pen"), ("price", "3.50")], refused
    renamed = signed_in.post(f"{BASE}/rows", data={
        **fields, **rows_posted([("sneaky", "N", "1"), *ROWS[1:2]]), "add_attribute": "1"})
    assert shown_rows(renamed.text)[:2] == [("id", ""), ("sneaky", "1")]  # the key's name is fixed


def test_a_value_starting_with_a_newline_keeps_it(dynamodb: BaseClient,
                                                   signed_in: FlaskClient) -> None:
    page = signed_in.get(f"{BASE}/new?view=form").text
    fields = {"csrf_token": csrf(page), "mode": "new", "view": "form",
              **rows_posted([("id", "S", "pen"), ("note", "S", "\nsecond line")])}
    shown = signed_in.post(f"{BASE}/rows", data={**fields, "add_attribute": "1"})
    assert shown_rows(shown.text)[1] == ("note", "\nsecond line")


def test_a_table_named_items_reads_tables_items_with_the_items_tab_current(
        signed_in: FlaskClient) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="Items", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    page = signed_in.get("/tables/Items/items").text
    crumbs = re.findall(r"<li>(?:<a [^>]*>|<span [^>]*>)([^<]*)<", page.split('class="breadcrumbs"')[1]
                        .split("</nav>")[0])
    assert crumbs == ["Dashboard", "Tables", "Items"]
    assert '<a href="/tables/Items/items" aria-current="page" class="current">Items</a>' in page
