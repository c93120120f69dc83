"""The item editor's form view: rows of name, type and value text to an item and back."""
from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary

from webapp.aws.dynamodb import item_json
from webapp.aws.dynamodb.item_form_rows import AttributeRow, item_of, rows_of

EVERY_TYPE = {
    "id": "pen", "price": Decimal("3.50"), "raw": Binary(b"\x00\x01"), "ok": True, "gone": None,
    "parts": ["a", Decimal(1), {"deep": [True]}], "size": {"w": Decimal(2), "unit": "cm"},
    "tags": {"b", "a"}, "sizes": {Decimal(1), Decimal("2.5")}, "blobs": {Binary(b"x")},
}


def test_every_type_goes_to_rows_and_back_exactly() -> None:
    rows = rows_of(EVERY_TYPE, ["id"])
    assert rows[0] == AttributeRow("id", "S", "pen")  # the key first, the rest by name
    assert [row.name for row in rows[1:]] == sorted(set(EVERY_TYPE) - {"id"})
    by_name = {row.name: row for row in rows}
    assert by_name["price"] == AttributeRow("price", "N", "3.50")
    assert by_name["raw"] == AttributeRow("raw", "B", "AAE=")
    assert by_name["ok"] == AttributeRow("ok", "BOOL", "true")
    assert by_name["gone"] == AttributeRow("gone", "NULL", "")
    # Lists, maps and sets are DynamoDB JSON: what follows the type.
    assert by_name["parts"].value == '[{"S":"a"},{"N":"1"},{"M":{"deep":{"L":[{"BOOL":true}]}}}]'
    assert by_name["size"] == AttributeRow("size", "M", '{"unit":{"S":"cm"},"w":{"N":"2"}}')
    assert by_name["tags"] == AttributeRow("tags", "SS", '["a","b"]')
    assert by_name["sizes"] == AttributeRow("sizes", "NS", '["1","2.5"]')
    assert by_name["blobs"] == AttributeRow("blobs", "BS", '["eA=="]')
    item, errors = item_of(rows)
    assert errors == {}
    assert item == EVERY_TYPE


def test_rows_as_typed_make_the_item_the_json_view_shows() -> None:
    rows = [AttributeRow("id", "S", " pen "), AttributeRow("qty", "N", " 12345678901234567890 "),
            AttributeRow("ok", "BOOL", "False"), AttributeRow("", "S", ""),
            AttributeRow("tags", "L", '[{"S": "x"}, {"N": "2"}]'),
            AttributeRow("meta", "M", '{"by": {"S": "kim"}}'), AttributeRow("none", "NULL", "x")]
    item, errors = item_of(rows)
    assert errors == {}  # the blank row is skipped
    assert item == {"id": " pen ", "qty": Decimal("12345678901234567890"), "ok": False,
                    "tags": ["x", Decimal(2)], "meta": {"by": "kim"}, "none": None}
    assert item_json.dump_item(item, "dynamodb", ["id"]).startswith('{\n  "id": {\n    "S": " pen "')


@pytest.mark.parametrize(("row", "message"), [
    (AttributeRow("qty", "N", "ten"), "qty is not a number."),
    (AttributeRow("qty", "N", "1" * 39), "cannot be stored"),
    (AttributeRow("raw", "B", "not base64!"), "raw is not valid base64."),
    (AttributeRow("ok", "BOOL", "yes"), "ok is a Boolean: write true or false."),
    (AttributeRow("tags", "L", '["x"]'), "tags[0] is not DynamoDB JSON"),
    (AttributeRow("meta", "M", '{"a": '), "This is not valid JSON"),
    (AttributeRow("set", "SS", "[]"), "has a SS value of the wrong shape"),
    (AttributeRow("x", "DATE", "1"), "Choose one of the listed types for x."),
    (AttributeRow("", "S", "lost"), "Name this attribute"),
])
def test_a_bad_row_gets_its_own_error_and_the_others_still_read(row: AttributeRow,
                                                                   message: str) -> None:
    item, errors = item_of([AttributeRow("id", "S", "pen"), row, AttributeRow("n", "N", "1")])
    assert list(errors) == [1]
    assert message in errors[1].template % errors[1].params
    assert item == {"id": "pen", "n": Decimal(1)}


def test_a_name_twice_is_an_error_on_the_second_row() -> None:
    _, errors = item_of([AttributeRow("a", "S", "1"), AttributeRow("a", "N", "2")])
    assert list(errors) == [1]
