"""The items service layer: Scan/Query parameters, typed values, columns, pages and export."""
from __future__ import annotations

from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.types import Binary
from flask import Flask

from webapp.aws import clients
from webapp.aws.dynamodb import item_queries
from webapp.aws.errors import ConsoleError, NotFound
from webapp.aws.dynamodb.item_queries import Condition, ItemQuery, request_parameters, typed_value

REGION = "ap-northeast-2"


def test_a_plain_scan_has_only_table_and_limit() -> None:
    assert request_parameters(ItemQuery("Orders")) == {"TableName": "Orders", "Limit": 50}


def test_a_query_uses_placeholders_for_every_name_and_value() -> None:
    query = ItemQuery("Orders", mode="query", index_name="byStatus", page_size=25,
                      key_conditions=(Condition("status", "=", ("open",)),
                                      Condition("placed", "between", ("2024", "2025"))),
                      filters=(Condition("note", "not_contains", ("x",)),
                               Condition("gone", "not_exists")))
    assert request_parameters(query, {"pk": {"S": "a"}}) == {
        "TableName": "Orders", "IndexName": "byStatus", "Limit": 25,
        "ExclusiveStartKey": {"pk": {"S": "a"}},
        "KeyConditionExpression": "#k0 = :k0a AND #k1 BETWEEN :k1a AND :k1b",
        "FilterExpression": "NOT contains(#f0, :f0a) AND attribute_not_exists(#f1)",
        "ExpressionAttributeNames": {"#k0": "status", "#k1": "placed", "#f0": "note", "#f1": "gone"},
        "ExpressionAttributeValues": {":k0a": "open", ":k1a": "2024", ":k1b": "2025",
                                      ":f0a": "x"},
    }


@pytest.mark.parametrize(("operator", "clause"), [
    ("=", "#f0 = :f0a"), ("<>", "#f0 <> :f0a"), ("<", "#f0 < :f0a"), ("<=", "#f0 <= :f0a"),
    (">", "#f0 > :f0a"), (">=", "#f0 >= :f0a"), ("exists", "attribute_exists(#f0)"),
    ("contains", "contains(#f0, :f0a)"), ("begins_with", "begins_with(#f0, :f0a)"),
])
def test_each_filter_clause(operator: str, clause: str) -> None:
    values = ("v",)[:item_queries.value_count(operator)]
    parameters = request_parameters(ItemQuery("T", filters=(Condition("a", operator, values),)))
    assert parameters["FilterExpression"] == clause


@pytest.mark.parametrize(("raw", "value_type", "expected"), [
    ("hello ", "S", "hello "),
    (" 12345678901234567890.123456789 ", "N", Decimal("12345678901234567890.123456789")),
    ("-1.5E3", "N", Decimal("-1.5E3")),
    ("aGVsbG8=", "B", Binary(b"hello")),
    ("TRUE", "BOOL", True),
    ("false", "BOOL", False),
    ("anything", "NULL", None),
])
def test_typed_values(raw: str, value_type: str, expected: object) -> None:
    assert typed_value(raw, value_type) == expected


@pytest.mark.parametrize(("raw", "value_type", "message"), [
    ("ten", "N", "qty is not a number."), ("NaN", "N", "qty is not a number."),
    ("Infinity", "N", "qty is not a number."), ("", "N", "qty is not a number."),
    ("1" * 39, "N", "cannot be stored"),  # DynamoDB keeps 38 significant digits
    ("1E-135", "N", "cannot be stored"), ("1E+126", "N", "cannot be stored"),  # and 1E-130..E+125
    ("not*base64", "B", "qty is not valid base64."), ("aGVsbG8", "B", "qty is not valid base64."),
    ("yes", "BOOL", "qty is a Boolean"),
])
def test_bad_typed_values_are_console_errors_naming_the_attribute(raw: str, value_type: str,
                                                                  message: str) -> None:
    with pytest.raises(ConsoleError) as caught:
        typed_value(raw, value_type, "qty")
    assert message in caught.value.message


def test_columns_put_keys_first_in_order_then_the_rest_sorted() -> None:
    items = [{"b": 1, "sk": 2, "pk": "x"}, {"a": 1, "gsi_pk": "s", "pk": "y", "sk": 3}]
    assert item_queries.page_columns(items, ["pk", "sk", "gsi_pk", "missing"]) == [
        "pk", "sk", "gsi_pk", "a", "b"]
    assert item_queries.page_columns([], ["pk"]) == []


@pytest.fixture
def table(app: Flask) -> str:
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    orders = dynamodb.create_table(
        TableName="Orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")
    with orders.batch_writer() as batch:
        for number in range(30):
            batch.put_item(Item={"pk": f"k{number:02d}", "n": number, "blob": b"\x00\x01"})
    return "Orders"


def test_read_page_returns_python_items_and_counts(table: str) -> None:
    with clients.using_region(REGION):
        first = item_queries.read_page(ItemQuery(table, page_size=10))
        second = item_queries.read_page(ItemQuery(table, page_size=10), first.next_token)
    assert (first.count, first.scanned_count, len(first.items)) == (10, 10, 10)
    assert isinstance(first.items[0]["n"], Decimal) and first.items[0]["blob"] == Binary(b"\x00\x01")
    assert first.has_more and second.items[0]["pk"] not in {item["pk"] for item in first.items}


def test_export_reads_the_first_page_at_once_and_the_rest_lazily(
        table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict] = []
    with clients.using_region(REGION):
        dynamodb = clients.client("dynamodb")
        real_scan = dynamodb.scan

        def small_pages(**parameters: object) -> dict:
            calls.append(parameters)
            return real_scan(**parameters, Limit=12)  # as if DynamoDB's 1 MB held 12 items

        monkeypatch.setattr(dynamodb, "scan", small_pages)
        pages = item_queries.export_pages(ItemQuery(table, page_size=5))
        assert len(calls) == 1 and "Limit" not in calls[0]
        sizes = [len(page.items) for page in pages]
    assert sizes == [12, 12, 6] and len(calls) == 3


def test_export_of_a_missing_table_fails_before_streaming(app: Flask) -> None:
    with clients.using_region(REGION), pytest.raises(ConsoleError) as caught:
        item_queries.export_pages(ItemQuery("Nope"))
    assert isinstance(caught.value, NotFound)
