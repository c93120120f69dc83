"""Items in plain JSON and DynamoDB JSON: exact numbers, sets, binary, and clear errors."""
from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import Binary
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from webapp.aws.dynamodb import item_json
from webapp.aws.dynamodb.tables import KeyAttribute
from webapp.aws.errors import ConsoleError

BIG = "12345678901234567890.123456789012345678"  # 38 significant digits


def test_plain_numbers_keep_every_digit() -> None:
    item = item_json.parse_item(f'{{"id": "a", "price": {BIG}, "tiny": 1E-130}}')
    assert item["price"] == Decimal(BIG)
    assert isinstance(item["price"], Decimal)
    assert f'"price": {BIG}' in item_json.dump_item(item)
    assert item_json.to_wire(item)["price"] == {"N": BIG}


def test_sets_binary_and_marked_maps_in_plain_json() -> None:
    text = ('{"id": "a", "tags": {"$set": ["b", "a"]}, "scores": {"$set": [2, 1.5]},'
            ' "blobs": {"$set": [{"$binary": "AAE="}]}, "raw": {"$binary": "aGk="},'
            ' "odd": {"$map": {"$set": "not a set"}}}')
    item = item_json.parse_item(text)
    assert item["tags"] == {"a", "b"}
    assert item["scores"] == {Decimal("2"), Decimal("1.5")}
    assert item["blobs"] == {Binary(b"\x00\x01")}
    assert item["raw"] == Binary(b"hi")
    assert item["odd"] == {"$set": "not a set"}
    wire = item_json.to_wire(item)
    assert set(wire["tags"]["SS"]) == {"a", "b"}
    assert set(wire["scores"]["NS"]) == {"2", "1.5"}
    assert wire["raw"] == {"B": b"hi"}
    assert item_json.parse_item(item_json.dump_item(item)) == item


def test_dump_puts_keys_first_then_names_in_order() -> None:
    item = {"b": "x", "sk": Decimal(2), "a": True, "pk": "p"}
    text = item_json.dump_item(item, key_names=["pk", "sk"])
    assert [line.split(":")[0].strip() for line in text.splitlines()[1:-1]] == [
        '"pk"', '"sk"', '"a"', '"b"']
    assert item_json.dump_line(item, key_names=["pk"]) == '{"pk":"p","a":true,"b":"x","sk":2}'


def test_dynamodb_json_both_ways() -> None:
    text = ('{"id": {"S": "a"}, "n": {"N": "' + BIG + '"}, "ok": {"BOOL": false},'
            ' "none": {"NULL": true}, "l": {"L": [{"S": "x"}, {"N": "1"}]},'
            ' "m": {"M": {"k": {"SS": ["q"]}}}, "b": {"B": "aGk="}, "bs": {"BS": ["aGk="]},'
            ' "ns": {"NS": ["1", "2"]}}')
    item = item_json.parse_item(text, "dynamodb")
    assert item == {"id": "a", "n": Decimal(BIG), "ok": False, "none": None,
                    "l": ["x", Decimal(1)], "m": {"k": {"q"}}, "b": Binary(b"hi"),
                    "bs": {Binary(b"hi")}, "ns": {Decimal(1), Decimal(2)}}
    assert item_json.parse_item(item_json.dump_item(item, "dynamodb"), "dynamodb") == item


@pytest.mark.parametrize(("text", "fmt", "expected"), [
    ('{"id": "a",\n  "x": tru}', "plain", "line 2, column 8"),
    ("[1, 2]", "plain", "JSON object"),
    ("   ", "plain", "empty"),
    ("{}", "plain", "no attributes"),
    ('{"a": 1, "a": 2}', "plain", "appears twice"),
    ('{"a": {"$set": []}}', "plain", "no empty sets"),
    ('{"a": {"$set": ["x", 1]}}', "plain", "mixes types"),
    ('{"a": {"$set": ["x", "x"]}}', "plain", "same value twice"),
    ('{"a": {"$binary": "not base64!"}}', "plain", "not valid base64"),
    ('{"a": 1.00000000000000000000000000000000000001}', "plain", "38 significant digits"),
    ('{"a": 1E+126}', "plain", "38 significant digits"),
    ('{"a": NaN}', "plain", "finite number"),
    ('{"a": "plain"}', "dynamodb", "not DynamoDB JSON"),
    ('{"a": {"N": "twelve"}}', "dynamodb", "not a number"),
    ('{"a": {"SS": []}}', "dynamodb", "wrong shape"),
])
def test_bad_items_are_refused_with_a_reason(text: str, fmt: str, expected: str) -> None:
    with pytest.raises(ConsoleError) as caught:
        item_json.parse_item(text, fmt)
    assert caught.value.field == "item"
    assert expected in caught.value.message


def test_check_key_names_the_missing_wrong_or_empty_key() -> None:
    pk, sk = KeyAttribute("id", "S"), KeyAttribute("at", "N")
    item_json.check_key({"id": "a", "at": Decimal(1)}, pk, sk)
    for item, expected in [({"at": Decimal(1)}, "has no id"),
                           ({"id": "a", "at": "1"}, "must be of type N"),
                           ({"id": "", "at": Decimal(1)}, "cannot be empty")]:
        with pytest.raises(ConsoleError, match=expected):
            item_json.check_key(item, pk, sk)


def test_key_tokens_round_trip_and_refuse_garbage() -> None:
    key = {"pk": {"S": "a/b?c"}, "sk": {"N": "-1.5"}, "bin": {"B": b"\xff"}}
    token = item_json.encode_key(key)
    assert all(char.isalnum() or char in "-_" for char in token)
    assert item_json.decode_key(token) == key
    for garbage in ["", "!!!", base64.urlsafe_b64encode(b'{"pk": {"L": []}}').decode(),
                    "A" * (item_json.MAX_KEY_TOKEN + 1)]:
        with pytest.raises(ConsoleError) as caught:
            item_json.decode_key(garbage)
        assert caught.value.field == "key"


def test_cell_text_is_short_and_plain() -> None:
    assert item_json.cell_text("<b>x</b>") == "<b>x</b>"
    assert item_json.cell_text({"a": {Decimal(1)}}) == '{"a":{"$set":[1]}}'
    assert item_json.cell_text("x" * 100, limit=10) == "x" * 9 + "…"
    assert [item_json.type_label(value) for value in
            ("s", Decimal(1), Binary(b""), True, None, [], {}, {"a"}, {Decimal(1)},
             {Binary(b"a")})] == ["S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"]


# --- the round trip, for arbitrary items --------------------------------------------------

def _numbers() -> st.SearchStrategy[Decimal]:
    digits = st.integers(min_value=-(10 ** 38) + 1, max_value=10 ** 38 - 1)
    return st.builds(lambda coefficient, exponent: Decimal(f"{coefficient}E{exponent}"),
                     digits, st.integers(min_value=-90, max_value=88)).filter(
        lambda number: number == 0 or -130 <= number.adjusted() <= 125)


TEXT = st.text(max_size=12)
NAMES = st.text(min_size=1, max_size=8)
BINARY = st.binary(max_size=12).map(Binary)
SCALARS = st.one_of(st.none(), st.booleans(), TEXT, _numbers(), BINARY)
SETS = st.one_of(st.sets(st.text(max_size=6), min_size=1, max_size=4),
                 st.sets(_numbers(), min_size=1, max_size=4),
                 st.sets(st.binary(max_size=6).map(Binary), min_size=1, max_size=4))
VALUES = st.recursive(st.one_of(SCALARS, SETS),
                      lambda children: st.one_of(
                          st.lists(children, max_size=4),
                          st.dictionaries(st.one_of(NAMES, st.sampled_from(["$set", "$binary", "$map"])),
                                          children, max_size=4)),
                      max_leaves=12)
ITEMS = st.builds(lambda rest, key: {**rest, "id": key},
                  st.dictionaries(NAMES, VALUES, max_size=6), st.text(min_size=1, max_size=10))


@settings(max_examples=300, deadline=None)
@given(ITEMS)
def test_plain_and_dynamodb_json_round_trip_any_item(item: dict[str, Any]) -> None:
    for fmt in item_json.FORMATS:
        assert item_json.parse_item(item_json.dump_item(item, fmt, ["id"]), fmt) == item
        assert item_json.parse_item(item_json.dump_line(item, fmt), fmt) == item
    assert item_json.from_wire(item_json.to_wire(item)) == item


@pytest.fixture(scope="module")
def moto_table() -> Any:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="ap-northeast-2")
        dynamodb.create_table(TableName="roundtrip", BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        yield dynamodb


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ITEMS)
def test_plain_json_through_dynamodb_and_back(moto_table: Any, item: dict[str, Any]) -> None:
    text = item_json.dump_item(item, key_names=["id"])
    moto_table.put_item(TableName="roundtrip", Item=item_json.to_wire(item_json.parse_item(text)))
    stored = moto_table.get_item(TableName="roundtrip", Key={"id": {"S": item["id"]}},
                                 ConsistentRead=True)["Item"]
    assert item_json.parse_item(item_json.dump_item(item_json.from_wire(stored))) == item


def test_nesting_is_limited_to_dynamodb_s_32_levels_without_crashing() -> None:
    allowed = "[" * 31 + "1" + "]" * 31
    assert item_json.parse_item(f'{{"id": "a", "x": {allowed}}}')["x"] is not None
    for depth in (33, 5000):
        text = f'{{"id": "a", "x": {"[" * depth}1{"]" * depth}}}'
        with pytest.raises(ConsoleError, match="nested more than 32 levels"):
            item_json.parse_item(text)
    typed = '{"id": {"S": "a"}, "x": ' + '{"L": [' * 40 + '{"N": "1"}' + ']}' * 40 + '}'
    with pytest.raises(ConsoleError, match="nested more than 32 levels"):
        item_json.parse_item(typed, "dynamodb")


def test_typed_number_and_base64_follow_the_item_rules() -> None:
    assert item_json.parse_number(" 1.50 ", "size") == Decimal("1.50")
    assert item_json.parse_base64("aGk=", "blob") == Binary(b"hi")
    for bad in ("1E-135", "twelve", "NaN", "1" * 39):
        with pytest.raises(ConsoleError):
            item_json.parse_number(bad, "size")
    with pytest.raises(ConsoleError):
        item_json.parse_base64("a", "blob")


def test_an_item_key_token_names_only_its_key() -> None:
    token = item_json.item_key_token({"pk": "a", "sk": Decimal(2), "other": "x"}, ["pk", "sk"])
    assert item_json.decode_key(token) == {"pk": {"S": "a"}, "sk": {"N": "2"}}
