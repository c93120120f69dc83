"""The item service layer: create without overwriting, conditional save, key moves, delete."""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.types import Binary
from botocore.client import BaseClient
from botocore.stub import Stubber
from flask import Flask

from webapp.aws import clients
from webapp.aws.dynamodb import item_json, item_writes
from webapp.aws.errors import ConsoleError, NotFound

REGION = "ap-northeast-2"
TABLE = "Orders"
KEYS = ["pk", "sk"]


@pytest.fixture
def dynamodb(app: Flask) -> Iterator[BaseClient]:
    """A table with a partition and a sort key, in the app's moto; calls go to its region.

    The region is pinned because an earlier test's request may have left another one set.
    """
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                   {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "N"}])
    with clients.using_region(REGION):
        yield client


def stored(client: BaseClient) -> list[dict]:
    """Every item in the table, as python items sorted by key."""
    items = [item_json.from_wire(raw) for raw in client.scan(TableName=TABLE)["Items"]]
    return sorted(items, key=lambda item: (item["pk"], item["sk"]))


ORIGINAL = {"pk": "a", "sk": Decimal(1), "name": "pen", "tags": {"x", "y"},
            "blob": Binary(b"\x00\x01"),
            "price": Decimal("12345678901234567890.123456789012345678"),
            "nested": {"list": [Decimal(1), "two", None, True]}}


def test_create_puts_a_new_item(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    assert stored(dynamodb) == [ORIGINAL]


def test_create_never_overwrites(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    with pytest.raises(item_writes.ItemExistsError) as raised:
        item_writes.create_item(TABLE, {"pk": "a", "sk": Decimal(1), "name": "other"}, "pk")
    assert raised.value.key["pk"] == "a"
    assert stored(dynamodb) == [ORIGINAL]


def test_get_item_reads_it_or_none(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    assert item_writes.get_item(TABLE, {"pk": "a", "sk": Decimal(1)}) == ORIGINAL
    assert item_writes.get_item(TABLE, {"pk": "a", "sk": Decimal(2)}) is None


def test_save_writes_when_unchanged(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    edited = {**ORIGINAL, "name": "pencil"}
    del edited["tags"]
    item_writes.save_item(TABLE, ORIGINAL, edited, KEYS)
    assert stored(dynamodb) == [edited]


def test_save_refuses_when_a_value_changed(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    theirs = {**ORIGINAL, "name": "theirs"}
    dynamodb.put_item(TableName=TABLE, Item=item_json.to_wire(theirs))
    with pytest.raises(item_writes.ConflictError) as raised:
        item_writes.save_item(TABLE, ORIGINAL, {**ORIGINAL, "name": "mine"}, KEYS)
    assert raised.value.current == theirs
    assert stored(dynamodb) == [theirs]


def test_save_refuses_when_an_attribute_was_added(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    theirs = {**ORIGINAL, "added": "by someone"}
    dynamodb.put_item(TableName=TABLE, Item=item_json.to_wire(theirs))
    with pytest.raises(item_writes.ConflictError):
        item_writes.save_item(TABLE, ORIGINAL, {**ORIGINAL, "name": "mine"}, KEYS)
    assert stored(dynamodb) == [theirs]


def test_save_refuses_when_the_item_was_deleted(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    dynamodb.delete_item(TableName=TABLE, Key=item_json.to_wire({"pk": "a", "sk": Decimal(1)}))
    with pytest.raises(item_writes.ConflictError) as raised:
        item_writes.save_item(TABLE, ORIGINAL, {**ORIGINAL, "name": "mine"}, KEYS)
    assert raised.value.current is None
    assert stored(dynamodb) == []


def test_the_condition_catches_a_change_after_the_read(dynamodb: BaseClient,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The item changes between the consistent read and PutItem: the condition stops the write."""
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    theirs = {**ORIGINAL, "price": Decimal("2")}
    real_get = item_writes.get_item
    reads = []

    def get_then_change(table_name: str, key: dict) -> dict | None:
        found = real_get(table_name, key)
        if not reads:
            dynamodb.put_item(TableName=TABLE, Item=item_json.to_wire(theirs))
        reads.append(found)
        return found

    monkeypatch.setattr(item_writes, "get_item", get_then_change)
    with pytest.raises(item_writes.ConflictError) as raised:
        item_writes.save_item(TABLE, ORIGINAL, {**ORIGINAL, "name": "mine"}, KEYS)
    assert raised.value.current == theirs
    assert stored(dynamodb) == [theirs]


def test_the_condition_uses_placeholders_only() -> None:
    condition = item_writes.unchanged_condition(
        {"pk": "a", "sk": Decimal(1), "a b": "x", "#weird": Decimal(2)}, KEYS)
    assert condition.expression == ("attribute_exists(#k0) AND attribute_exists(#k1) AND "
                                    "#a0 = :v0 AND #a1 = :v1")
    assert condition.names == {"#k0": "pk", "#k1": "sk", "#a0": "#weird", "#a1": "a b"}
    assert condition.values == {":v0": {"N": "2"}, ":v1": {"S": "x"}}


HUGE = {"pk": "a", "sk": Decimal(1), **{f"attribute_{n}": Decimal(n) for n in range(400)}}


def test_a_huge_item_is_conditional_on_as_many_attributes_as_fit_changed_ones_first() -> None:
    condition = item_writes.unchanged_condition(HUGE, KEYS, ["attribute_99", "attribute_98"])
    assert not condition.complete
    assert condition.expression.startswith(
        "attribute_exists(#k0) AND attribute_exists(#k1) AND #a0 = :v0 AND #a1 = :v1 AND ")
    assert condition.names["#a0"] == "attribute_99" and condition.names["#a1"] == "attribute_98"
    assert condition.values[":v0"] == {"N": "99"}
    # 2 key functions + 148 comparisons + 149 ANDs = 299 operators; a 149th would make 301.
    assert len(condition.values) == 148
    assert len(condition.expression.encode()) <= item_writes.MAX_EXPRESSION_BYTES
    assert item_writes.unchanged_condition(HUGE, KEYS).names["#a0"] == "attribute_0"
    assert item_writes.unchanged_condition(ORIGINAL, KEYS).complete


def test_a_change_the_partial_condition_cannot_see_is_returned_not_lost(
        dynamodb: BaseClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the read and the write someone changes an attribute left out of the condition."""
    item_writes.create_item(TABLE, HUGE, "pk")
    theirs = {**HUGE, "attribute_99": Decimal(-99)}  # sorted last among 400: not in the condition
    real_get = item_writes.get_item

    def get_then_change(table_name: str, key: dict) -> dict | None:
        found = real_get(table_name, key)
        dynamodb.put_item(TableName=TABLE, Item=item_json.to_wire(theirs))
        return found

    monkeypatch.setattr(item_writes, "get_item", get_then_change)
    mine = {**HUGE, "attribute_0": Decimal(-1)}
    replaced = item_writes.save_item(TABLE, HUGE, mine, KEYS)
    assert replaced == theirs
    assert stored(dynamodb) == [mine]


def test_a_wide_save_with_no_change_meanwhile_returns_nothing(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, HUGE, "pk")
    assert item_writes.save_item(TABLE, HUGE, {**HUGE, "attribute_0": Decimal(-1)}, KEYS) is None


def test_a_change_meanwhile_to_an_attribute_the_user_changed_is_a_conflict(
        dynamodb: BaseClient, monkeypatch: pytest.MonkeyPatch) -> None:
    item_writes.create_item(TABLE, HUGE, "pk")
    theirs = {**HUGE, "attribute_99": Decimal(-99)}
    real_get = item_writes.get_item

    def get_then_change(table_name: str, key: dict) -> dict | None:
        found = real_get(table_name, key)
        dynamodb.put_item(TableName=TABLE, Item=item_json.to_wire(theirs))
        return found

    monkeypatch.setattr(item_writes, "get_item", get_then_change)
    with pytest.raises(item_writes.ConflictError):
        item_writes.save_item(TABLE, HUGE, {**HUGE, "attribute_99": Decimal(1)}, KEYS)
    assert stored(dynamodb) == [theirs]


@pytest.mark.parametrize(("attributes", "is_full"), [(140, True), (160, False)])
def test_the_condition_stays_within_300_operators(attributes: int, is_full: bool) -> None:
    item = {"pk": "a", "sk": Decimal(1), **{f"x{n}": Decimal(n) for n in range(attributes)}}
    condition = item_writes.unchanged_condition(item, KEYS)
    assert len(condition.expression.encode()) < item_writes.MAX_EXPRESSION_BYTES
    assert (len(condition.values) == attributes) is is_full


def test_a_huge_item_still_saves_and_conflicts(dynamodb: BaseClient) -> None:
    huge = {"pk": "a", "sk": Decimal(1), **{f"attribute_{n}": Decimal(n) for n in range(400)}}
    item_writes.create_item(TABLE, huge, "pk")
    item_writes.save_item(TABLE, huge, {**huge, "attribute_0": Decimal(-1)}, KEYS)
    with pytest.raises(item_writes.ConflictError):
        item_writes.save_item(TABLE, huge, {**huge, "attribute_1": Decimal(-1)}, KEYS)
    assert stored(dynamodb)[0]["attribute_0"] == Decimal(-1)


def test_a_key_change_moves_the_item_in_one_transaction(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    moved = {**ORIGINAL, "pk": "b"}
    client = clients.client("dynamodb")
    calls: list[str] = []

    def note(model: object, **_: object) -> None:
        calls.append(model.name)  # type: ignore[attr-defined]

    client.meta.events.register("before-call.dynamodb", note)
    try:
        item_writes.save_item(TABLE, ORIGINAL, moved, KEYS)
    finally:
        client.meta.events.unregister("before-call.dynamodb", note)
    assert stored(dynamodb) == [moved]
    assert calls == ["GetItem", "TransactWriteItems"]


def test_a_key_change_onto_an_existing_item_writes_nothing(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    other = {"pk": "b", "sk": Decimal(1), "name": "other"}
    item_writes.create_item(TABLE, other, "pk")
    with pytest.raises(item_writes.ItemExistsError):
        item_writes.save_item(TABLE, ORIGINAL, {**ORIGINAL, "pk": "b"}, KEYS)
    assert stored(dynamodb) == [ORIGINAL, other]


def test_a_key_change_after_a_concurrent_change_is_a_conflict(
        dynamodb: BaseClient, monkeypatch: pytest.MonkeyPatch) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    theirs = {**ORIGINAL, "name": "theirs"}
    real_get = item_writes.get_item

    def get_then_change(table_name: str, key: dict) -> dict | None:
        found = real_get(table_name, key)
        dynamodb.put_item(TableName=TABLE, Item=item_json.to_wire(theirs))
        return found

    monkeypatch.setattr(item_writes, "get_item", get_then_change)
    with pytest.raises(item_writes.ConflictError):
        item_writes.save_item(TABLE, ORIGINAL, {**ORIGINAL, "pk": "b"}, KEYS)
    assert stored(dynamodb) == [theirs]


def test_delete_removes_the_item_and_says_when_it_is_gone(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    key = {"pk": "a", "sk": Decimal(1)}
    item_writes.delete_item(TABLE, key, KEYS)
    assert stored(dynamodb) == []
    with pytest.raises(ConsoleError) as raised:
        item_writes.delete_item(TABLE, key, KEYS)
    assert isinstance(raised.value, NotFound)


def test_a_validation_error_is_a_console_error(dynamodb: BaseClient) -> None:
    with pytest.raises(ConsoleError) as raised:
        item_writes.create_item(TABLE, {"pk": "", "sk": Decimal(1)}, "pk")
    assert raised.value.aws_code == "ValidationException"
    assert "Could not create the item" in raised.value.message
    assert stored(dynamodb) == []


def test_an_unexpected_transaction_failure_is_worded(dynamodb: BaseClient) -> None:
    item_writes.create_item(TABLE, ORIGINAL, "pk")
    client = clients.client("dynamodb")
    with Stubber(client) as stubber:
        stubber.add_response("get_item", {"Item": item_json.to_wire(ORIGINAL)})
        stubber.add_client_error("transact_write_items", "TransactionCanceledException",
                                 "Transaction cancelled [ThrottlingError]",
                                 response_meta={}, modeled_fields={})
        with pytest.raises(ConsoleError) as raised:
            item_writes.save_item(TABLE, ORIGINAL, {**ORIGINAL, "pk": "b"}, KEYS)
    assert not isinstance(raised.value, (item_writes.ConflictError, item_writes.ItemExistsError))
    assert "save the item under its new key" in raised.value.message
