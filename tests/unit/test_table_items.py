"""The items page: Scan and Query a page at a time, filters, paging, bad input, export."""
from __future__ import annotations

import html
import json
import re
from decimal import Decimal
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from flask.testing import FlaskClient

from webapp.aws.dynamodb import item_json

REGION = "ap-northeast-2"


def make_table(name: str = "Orders", sort_type: str | None = "N", indexes: bool = False) -> object:
    """A table with partition key pk (S), optionally sort key sk, and a GSI byStatus."""
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    if sort_type:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "sk", "AttributeType": sort_type})
    extra: dict[str, object] = {}
    if indexes:
        definitions += [{"AttributeName": "status", "AttributeType": "S"},
                        {"AttributeName": "placed", "AttributeType": "S"}]
        extra["GlobalSecondaryIndexes"] = [{
            "IndexName": "byStatus",
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                          {"AttributeName": "placed", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}]
    return dynamodb.create_table(TableName=name, KeySchema=schema, AttributeDefinitions=definitions,
                                 BillingMode="PAY_PER_REQUEST", **extra)


def fill(table: object, items: list[dict]) -> None:
    with table.batch_writer() as batch:  # type: ignore[attr-defined]
        for item in items:
            batch.put_item(Item=item)


CELL = re.compile(r'<td (?:title="[^"]*" )?class="item-cell[^"]*">([^<]*)</td>')


def rows_of(page: str) -> list[list[str]]:
    """Each item row's cell texts, unescaped ("" where the item lacks the attribute)."""
    body = page.split('id="item-rows">', 1)[1].split("</tbody>", 1)[0]
    return [[html.unescape(cell) for cell in CELL.findall(row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def first_cells(page: str) -> list[str]:
    return [row[0] for row in rows_of(page)]


def columns_of(page: str) -> list[str]:
    head = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    return [html.unescape(name) for name in re.findall(r"<th scope=\"col\"><code>([^<]*)</code>", head)]


def link(page: str, rel: str) -> str | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


def field_errors(page: str) -> dict[str, str]:
    return {name: html.unescape(text) for name, text in
            re.findall(r'<p id="([^"]+)-error" class="field-error">([^<]*)<', page)}


@pytest.fixture
def hundred_twenty(signed_in: FlaskClient) -> list[str]:
    """Table Orders with 120 items in one partition, sk 0..119; their sk as text, page order."""
    table = make_table()
    fill(table, [{"pk": "p", "sk": number, "note": f"n{number}"} for number in range(120)])
    return [str(number) for number in range(120)]


def test_scan_pages_next_and_previous_return_exactly_the_same_items(
        signed_in: FlaskClient, hundred_twenty: list[str]) -> None:
    first = signed_in.get("/tables/Orders/items?size=50")
    assert first.status_code == HTTPStatus.OK
    first_keys = [row[1] for row in rows_of(first.text)]
    assert len(first_keys) == 50 and "Count 50 / ScannedCount 50" in first.text
    assert link(first.text, "prev") is None
    second = signed_in.get(link(first.text, "next"))
    second_keys = [row[1] for row in rows_of(second.text)]
    third = signed_in.get(link(second.text, "next"))
    third_keys = [row[1] for row in rows_of(third.text)]
    assert len(second_keys) == 50 and len(third_keys) == 20
    assert sorted(first_keys + second_keys + third_keys, key=int) == hundred_twenty
    assert link(third.text, "next") is None and "Page 3" in third.text
    back_to_second = signed_in.get(link(third.text, "prev"))
    assert [row[1] for row in rows_of(back_to_second.text)] == second_keys
    back_to_first = signed_in.get(link(back_to_second.text, "prev"))
    assert [row[1] for row in rows_of(back_to_first.text)] == first_keys
    assert link(back_to_first.text, "prev") is None


def test_the_previous_page_stack_is_capped_and_the_first_page_always_offered(
        signed_in: FlaskClient, hundred_twenty: list[str]) -> None:
    second = signed_in.get(link(signed_in.get("/tables/Orders/items?size=25").text, "next"))
    assert link(second.text, "first") == "/tables/Orders/items?mode=scan&size=25"
    start = parse_qs(urlsplit(link(second.text, "next")).query)["start"][0]
    # Deep in a long scan: 25 earlier start tokens came back in the URL, but only 20 are kept.
    deep = signed_in.get("/tables/Orders/items", query_string={
        "size": "25", "start": start, "back": [f"t{number}" for number in range(25)],
        "page": "40"})
    assert deep.status_code == HTTPStatus.OK and "Page 40" in deep.text
    following = parse_qs(urlsplit(link(deep.text, "next")).query)
    assert following["back"] == [f"t{number}" for number in range(6, 25)] + [start]
    assert following["page"] == ["41"]
    previous = parse_qs(urlsplit(link(deep.text, "prev")).query)
    assert previous["start"] == ["t24"] and previous["page"] == ["39"]
    assert len(previous["back"]) == 19
    assert link(deep.text, "first") == "/tables/Orders/items?mode=scan&size=25"
    # With the stack used up, there is no previous page to offer, but the first page still is.
    cut_off = signed_in.get("/tables/Orders/items", query_string={
        "size": "25", "start": start, "page": "21"})
    assert link(cut_off.text, "prev") is None
    assert link(cut_off.text, "first") == "/tables/Orders/items?mode=scan&size=25"
    assert link(signed_in.get("/tables/Orders/items").text, "first") is None


def test_the_first_page_reads_one_scan_page_only(signed_in: FlaskClient,
                                                 hundred_twenty: list[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.aws import clients
    calls: list[dict] = []
    dynamodb = clients.client("dynamodb")
    real_scan = dynamodb.scan
    monkeypatch.setattr(dynamodb, "scan", lambda **kw: calls.append(kw) or real_scan(**kw))
    signed_in.get("/tables/Orders/items?size=25")
    assert len(calls) == 1 and calls[0]["Limit"] == 25


@pytest.mark.parametrize(("operator", "value", "value2", "expected"), [
    ("=", "7", "", ["7"]),
    ("<", "3", "", ["0", "1", "2"]),
    ("<=", "2", "", ["0", "1", "2"]),
    (">", "117", "", ["118", "119"]),
    (">=", "118", "", ["118", "119"]),
    ("between", "10", "12", ["10", "11", "12"]),
])
def test_query_with_each_sort_key_operator(signed_in: FlaskClient, hundred_twenty: list[str],
                                           operator: str, value: str, value2: str,
                                           expected: list[str]) -> None:
    reply = signed_in.get("/tables/Orders/items", query_string={
        "mode": "query", "pk": "p", "sk_op": operator, "sk": value, "sk2": value2})
    assert reply.status_code == HTTPStatus.OK, field_errors(reply.text)
    assert [row[1] for row in rows_of(reply.text)] == expected


def test_query_begins_with_on_a_string_sort_key(signed_in: FlaskClient) -> None:
    table = make_table("Events", sort_type="S")
    fill(table, [{"pk": "u1", "sk": sort} for sort in ("2024-01-05", "2024-02-01", "2025-01-01")]
         + [{"pk": "u2", "sk": "2024-01-09"}])
    reply = signed_in.get("/tables/Events/items", query_string={
        "mode": "query", "pk": "u1", "sk_op": "begins_with", "sk": "2024-"})
    assert [row[1] for row in rows_of(reply.text)] == ["2024-01-05", "2024-02-01"]


def test_query_on_a_global_secondary_index(signed_in: FlaskClient) -> None:
    table = make_table("Shop", indexes=True)
    fill(table, [{"pk": f"o{n}", "sk": n, "status": "open" if n % 2 else "shipped",
                  "placed": f"2024-0{n}"} for n in range(1, 7)])
    reply = signed_in.get("/tables/Shop/items", query_string={
        "mode": "query", "index": "byStatus", "pk": "open", "sk_op": ">=", "sk": "2024-03"})
    assert reply.status_code == HTTPStatus.OK
    assert columns_of(reply.text) == ["pk", "sk", "status", "placed"]
    assert [row[0] for row in rows_of(reply.text)] == ["o3", "o5"]


@pytest.mark.parametrize(("name", "operator", "value_type", "value", "value2", "expected"), [
    ("qty", "=", "N", "3", "", ["a"]),
    ("qty", "<>", "N", "3", "", ["b", "c", "d"]),
    ("qty", "<", "N", "5", "", ["a"]),
    ("qty", "<=", "N", "5", "", ["a", "b"]),
    ("qty", ">", "N", "5", "", ["c"]),
    ("qty", ">=", "N", "5", "", ["b", "c"]),
    ("note", "exists", "S", "", "", ["a", "b"]),
    ("note", "not_exists", "S", "", "", ["c", "d"]),
    ("note", "contains", "S", "red", "", ["a"]),
    ("note", "not_contains", "S", "red", "", ["b", "c", "d"]),
    ("note", "begins_with", "S", "blu", "", ["b"]),
    ("qty", "between", "N", "4", "9", ["b", "c"]),
    ("gift", "=", "BOOL", "true", "", ["c"]),
    ("gone", "=", "NULL", "", "", ["d"]),
])
def test_each_filter_operator(signed_in: FlaskClient, name: str, operator: str, value_type: str,
                              value: str, value2: str, expected: list[str]) -> None:
    table = make_table("Things", sort_type=None)
    # Every item has "gone": moto (unlike DynamoDB) lets "= NULL" match a missing attribute.
    fill(table, [{"pk": "a", "qty": 3, "note": "red shoe", "gone": "no"},
                 {"pk": "b", "qty": 5, "note": "blue hat", "gone": 0},
                 {"pk": "c", "qty": 9, "gift": True, "gone": False},
                 {"pk": "d", "gone": None, "gift": False}])
    reply = signed_in.get("/tables/Things/items", query_string={
        "f1_name": name, "f1_op": operator, "f1_type": value_type, "f1_value": value,
        "f1_value2": value2})
    assert reply.status_code == HTTPStatus.OK, field_errors(reply.text)
    assert sorted(first_cells(reply.text)) == expected


def test_user_text_never_enters_an_expression(signed_in: FlaskClient,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.aws import clients
    fill(make_table("Things", sort_type=None), [{"pk": "a", "odd name) OR (x": "y"}])
    calls: list[dict] = []
    dynamodb = clients.client("dynamodb")
    real_scan = dynamodb.scan
    monkeypatch.setattr(dynamodb, "scan", lambda **kw: calls.append(kw) or real_scan(**kw))
    reply = signed_in.get("/tables/Things/items", query_string={
        "f1_name": "odd name) OR (x", "f1_op": "=", "f1_value": "y"})
    assert first_cells(reply.text) == ["a"]
    assert calls[0]["FilterExpression"] == "#f0 = :f0a"
    assert calls[0]["ExpressionAttributeNames"] == {"#f0": "odd name) OR (x"}


@pytest.mark.parametrize(("args", "field", "message"), [
    ({"mode": "query", "pk": ""}, "pk", "A Query needs the partition key value (pk)."),
    ({"mode": "query", "pk": "p", "sk_op": "=", "sk": "ten"}, "sk", "sk is not a number."),
    ({"mode": "query", "pk": "p", "sk_op": "=", "sk": "1E-135"}, "sk", "The number 1E-135 in sk"),
    ({"mode": "query", "pk": "p", "sk_op": "between", "sk": "1"}, "sk2", "between needs a second"),
    ({"mode": "query", "pk": "p", "sk_op": "begins_with", "sk": "1"}, "sk", "begins_with works"),
    ({"index": "nope"}, "index", "The table has no index nope."),
    ({"f1_name": "qty", "f1_op": "between", "f1_type": "N", "f1_value": "1"}, "f1_value2",
     "between needs a second"),
    ({"f1_name": "qty", "f1_op": ">", "f1_type": "N", "f1_value": "x1"}, "f1_value", "qty is not a number."),
    ({"f1_name": "qty", "f1_op": "between", "f1_type": "N", "f1_value": "1",
      "f1_value2": "1" * 39}, "f1_value2", "The number 111"),
    ({"f1_name": "ok", "f1_op": "=", "f1_type": "BOOL", "f1_value": "yes"}, "f1_value",
     "ok is a Boolean: write true or false."),
    ({"f1_name": "", "f1_value": "lost"}, "f1_name", "Name the attribute"),
    ({"f1_name": "ok", "f1_op": "<", "f1_type": "BOOL", "f1_value": "true"}, "f1_op", "A Boolean or Null"),
])
def test_bad_input_shows_its_error_and_keeps_the_values(signed_in: FlaskClient,
                                                       hundred_twenty: list[str], args: dict,
                                                       field: str, message: str) -> None:
    reply = signed_in.get("/tables/Orders/items", query_string=args)
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_errors(reply.text)[field].startswith(message)
    for name, value in args.items():
        if value and name != "mode":
            assert f'value="{html.escape(value)}"' in reply.text
    assert 'id="item-rows"' not in reply.text


def test_a_binary_key_must_be_base64(signed_in: FlaskClient) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="Blobs", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "B"}],
        BillingMode="PAY_PER_REQUEST")
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName="Blobs", Item={"id": {"B": b"hello"}, "v": {"S": "found"}})
    bad = signed_in.get("/tables/Blobs/items?mode=query&pk=not*base64")
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert field_errors(bad.text)["pk"] == "id is not valid base64."
    assert 'value="not*base64"' in bad.text
    good = signed_in.get("/tables/Blobs/items?mode=query&pk=aGVsbG8=")
    assert rows_of(good.text)[0][1] == "found"


def test_a_damaged_page_token_is_reported_beside_the_form(signed_in: FlaskClient,
                                                         hundred_twenty: list[str]) -> None:
    reply = signed_in.get("/tables/Orders/items?start=garbage!!")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "damaged" in reply.text


def test_a_missing_table_is_a_not_found_page(signed_in: FlaskClient) -> None:
    assert signed_in.get("/tables/Nope/items").status_code == HTTPStatus.NOT_FOUND


def test_columns_are_keys_first_then_the_rest_sorted(signed_in: FlaskClient) -> None:
    fill(make_table("Mixed"), [{"pk": "a", "sk": 1, "zeta": 1, "alpha": "x"},
                               {"pk": "b", "sk": 2, "beta": [1, 2], "Alpha": {"m": True}}])
    reply = signed_in.get("/tables/Mixed/items")
    assert columns_of(reply.text) == ["pk", "sk", "Alpha", "alpha", "beta", "zeta"]
    assert 'title="L"' in reply.text and 'title="M"' in reply.text


def test_rows_link_to_the_editor_and_to_duplicate(signed_in: FlaskClient) -> None:
    fill(make_table("Orders"), [{"pk": "a/b c", "sk": 5}])
    reply = signed_in.get("/tables/Orders/items")
    token = item_json.encode_key({"pk": {"S": "a/b c"}, "sk": {"N": "5"}})
    assert f'href="/tables/Orders/items/edit?key={token}"' in reply.text
    assert f'href="/tables/Orders/items/new?copy={token}"' in reply.text
    assert 'href="/tables/Orders/items/new">Add item' in reply.text


def test_a_filtered_scan_page_with_no_match_still_offers_next(signed_in: FlaskClient,
                                                             hundred_twenty: list[str]) -> None:
    reply = signed_in.get("/tables/Orders/items", query_string={
        "size": "25", "f1_name": "note", "f1_op": "=", "f1_value": "n119"})
    assert "Count 0 / ScannedCount 25" in reply.text
    assert "No items on this page matched" in reply.text
    assert link(reply.text, "next") is not None


def test_page_size_is_clamped(signed_in: FlaskClient, hundred_twenty: list[str]) -> None:
    assert len(rows_of(signed_in.get("/tables/Orders/items?size=5000").text)) == 120
    assert len(rows_of(signed_in.get("/tables/Orders/items?size=1").text)) == 25
    assert len(rows_of(signed_in.get("/tables/Orders/items?size=lots").text)) == 50


@pytest.mark.parametrize("size", ["%C2%B2", "%D9%A3", "9" * 40])
def test_a_page_size_of_unicode_digits_is_the_default(signed_in: FlaskClient,
                                                      hundred_twenty: list[str], size: str) -> None:
    reply = signed_in.get(f"/tables/Orders/items?size={size}")
    assert reply.status_code == HTTPStatus.OK
    assert len(rows_of(reply.text)) == 50


def test_item_text_is_escaped(signed_in: FlaskClient) -> None:
    fill(make_table("Orders"), [{"pk": "<script>alert(1)</script>", "sk": 1}])
    reply = signed_in.get("/tables/Orders/items")
    assert "<script>alert(1)</script>" not in reply.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply.text


def test_htmx_gets_the_browser_fragment(signed_in: FlaskClient, hundred_twenty: list[str]) -> None:
    reply = signed_in.get("/tables/Orders/items", headers={"HX-Request": "true",
                                                          "HX-Target": "item-browser"})
    assert "<html" not in reply.text and 'id="item-rows"' in reply.text
    assert "HX-Request" in reply.headers["Vary"] and "HX-Target" in reply.headers["Vary"]
    # htmx following a save's HX-Location swaps the whole body: it gets the whole page.
    followed = signed_in.get("/tables/Orders/items", headers={"HX-Request": "true"})
    assert "<html" in followed.text and 'id="item-rows"' in followed.text


def test_export_streams_every_item_as_json_lines(signed_in: FlaskClient,
                                                 hundred_twenty: list[str]) -> None:
    boto3.resource("dynamodb", region_name=REGION).Table("Orders").put_item(
        Item={"pk": "q", "sk": Decimal("12345678901234567890.123456789"), "tags": {"a", "b"}})
    reply = signed_in.get("/tables/Orders/items/export?size=25")
    assert reply.status_code == HTTPStatus.OK and reply.is_streamed
    assert reply.headers["Content-Type"] == "application/x-ndjson"
    assert reply.headers["Content-Disposition"] == 'attachment; filename="Orders.jsonl"'
    assert reply.headers["Cache-Control"] == "no-store"
    lines = reply.get_data(as_text=True).splitlines()
    assert len(lines) == 121
    exact = [line for line in lines if '"q"' in line]
    assert exact and "12345678901234567890.123456789" in exact[0]
    assert {json.loads(line)["sk"] for line in lines if '"p"' in line} == set(range(120))


def test_export_of_a_query_exports_only_its_items(signed_in: FlaskClient,
                                                  hundred_twenty: list[str]) -> None:
    reply = signed_in.get("/tables/Orders/items/export?mode=query&pk=p&sk_op=<&sk=3")
    assert [json.loads(line)["sk"] for line in reply.get_data(as_text=True).splitlines()] == [0, 1, 2]


def test_a_bad_export_is_an_error_page_not_a_file(signed_in: FlaskClient,
                                                  hundred_twenty: list[str]) -> None:
    reply = signed_in.get("/tables/Orders/items/export?mode=query&pk=")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Content-Disposition" not in reply.headers
    assert "A Query needs the partition key value" in reply.text


def test_the_items_page_links_its_export(signed_in: FlaskClient, hundred_twenty: list[str]) -> None:
    reply = signed_in.get("/tables/Orders/items?mode=query&pk=p")
    export = re.search(r'href="([^"]+)" download>Export these results', reply.text)
    assert export
    assert parse_qs(urlsplit(html.unescape(export.group(1))).query)["pk"] == ["p"]


def test_every_bad_field_of_a_filter_row_gets_its_own_error(signed_in: FlaskClient,
                                                           hundred_twenty: list[str]) -> None:
    reply = signed_in.get("/tables/Orders/items", query_string={
        "f1_name": "n", "f1_op": "between", "f1_type": "N", "f1_value": "x"})
    errors = field_errors(reply.text)
    assert errors["f1_value"] == "n is not a number."
    assert errors["f1_value2"].startswith("between needs a second")


def test_the_page_shows_the_table_tabs_with_items_current(signed_in: FlaskClient,
                                                          hundred_twenty: list[str]) -> None:
    page = signed_in.get("/tables/Orders/items").text
    assert re.search(r'<a href="/tables/Orders/items" aria-current="page" class="current">Items</a>',
                     page)
    # The tabs are not a level of the breadcrumbs (as in the AWS console): the table is the page.
    assert '<span aria-current="page">Orders</span>' in page
    assert re.search(r'<a href="/tables/Orders" *>Overview</a>', page)
