"""Reading rows to import: arrays with line numbers, JSON lines, DynamoDB JSON, export lines."""
from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary

from webapp.aws.dynamodb import import_rows
from webapp.aws.dynamodb import item_json
from webapp.aws.dynamodb.tables import KeyAttribute
from webapp.aws.errors import ConsoleError
from webapp.aws.dynamodb.import_rows import Row, RowError, read_rows

PK = KeyAttribute("id", "S")
SK = KeyAttribute("version", "N")


def rows_of(text: str, fmt: str = "plain", sort_key: KeyAttribute | None = None) -> list:
    return list(read_rows(text, fmt, PK, sort_key))


def test_an_array_element_reports_the_line_it_starts_on() -> None:
    text = ('[\n'
            '  {"id": "a",\n'
            '   "price": 1.50,\n'
            '   "tags": {"$set": ["x", "y"]}},\n'
            '\n'
            '  {"id": "b", "blob": {"$binary": "AAE="}},\n'
            '  {"id": "c",\n'
            '   "n": 12345678901234567890123456789012345678}\n'
            ']\n')
    source = read_rows(text, "plain", PK, None)
    assert source.total == 3
    assert list(source) == [
        Row(2, {"id": "a", "price": Decimal("1.50"), "tags": {"x", "y"}}),
        Row(6, {"id": "b", "blob": Binary(b"\x00\x01")}),
        Row(7, {"id": "c", "n": Decimal("12345678901234567890123456789012345678")}),
    ]


def test_a_bad_array_row_is_reported_by_line_and_the_others_go_on() -> None:
    text = '[{"id": "a"},\n {"name": "no key"},\n {"id": 7},\n {"id": "d"}]'
    rows = rows_of(text)
    assert [row.line for row in rows if isinstance(row, Row)] == [1, 4]
    errors = [row for row in rows if isinstance(row, RowError)]
    assert [error.line for error in errors] == [2, 3]
    assert "has no id" in errors[0].error.message
    assert "must be of type S" in errors[1].error.message


@pytest.mark.parametrize(("text", "line", "column"), [
    ('[{"id": "a"},\n {"id": }]', 2, 9),
    ('[{"id": "a"}\n {"id": "b"}]', 2, 2),
    ('[{"id": "a"},]', 1, 14),
    ('[{"id": "a"}', 1, 13),
    ('[{"id": "a"}] {"id": "b"}', 1, 15),
])
def test_an_array_syntax_error_stops_everything_with_line_and_column(
        text: str, line: int, column: int) -> None:
    with pytest.raises(ConsoleError) as caught:
        read_rows(text, "plain", PK, None)
    assert caught.value.field == "items"
    assert (caught.value.params["line"], caught.value.params["column"]) == (line, column)
    assert "Nothing was written" in caught.value.message


def test_json_lines_are_independent_and_a_bad_line_is_reported_by_number() -> None:
    text = '{"id": "a"}\n\n{"id": "b", oops}\n{"id": "c", "version": 2}\r\n   \n{"id": "e"}'
    source = read_rows(text, "plain", PK, SK)
    assert source.total == 4
    rows = list(source)
    assert isinstance(rows[0], RowError) and rows[0].line == 1  # no sort key
    assert isinstance(rows[1], RowError) and rows[1].line == 3
    assert "column 13" in rows[1].error.message
    assert rows[2] == Row(4, {"id": "c", "version": Decimal(2)})
    assert isinstance(rows[3], RowError) and rows[3].line == 6


def test_dynamodb_json_lines_and_export_lines() -> None:
    text = ('{"id": {"S": "a"}, "n": {"N": "1.0"}}\n'
            '{"Item": {"id": {"S": "b"}, "tags": {"SS": ["x"]}}}\n'
            '{"Item": {"S": "not a wrapper"}}\n')
    rows = rows_of(text, "dynamodb")
    assert rows[0] == Row(1, {"id": "a", "n": Decimal("1.0")})
    assert rows[1] == Row(2, {"id": "b", "tags": {"x"}})
    # A lone attribute named Item stays an attribute: here the key is missing.
    assert isinstance(rows[2], RowError) and rows[2].line == 3


def test_plain_json_does_not_unwrap_export_lines() -> None:
    rows = rows_of('{"Item": {"id": "a"}}\n')
    assert isinstance(rows[0], RowError)


@pytest.mark.parametrize("text", ["", "   \n\n", "[]", " [ ] \n"])
def test_no_rows_is_an_error_before_anything_is_written(text: str) -> None:
    with pytest.raises(ConsoleError) as caught:
        read_rows(text, "plain", PK, None)
    assert "no items" in caught.value.message


def test_a_byte_order_mark_is_ignored() -> None:
    assert rows_of('\ufeff[{"id": "a"}]') == [Row(1, {"id": "a"})]


def test_json_lines_split_only_on_newlines_not_on_other_line_breaks() -> None:
    # U+2028, U+2029 and U+0085 may stand raw inside JSON strings; str.splitlines breaks on them.
    text = '{"id": "a\u2028b"}\n{"id": "c\u2029d", "e": "f\x85g"}\r\n{"id": "h"}\n'
    source = read_rows(text, "plain", PK, None)
    assert source.total == 3
    assert list(source) == [Row(1, {"id": "a\u2028b"}), Row(2, {"id": "c\u2029d", "e": "f\x85g"}),
                            Row(3, {"id": "h"})]


def test_a_line_of_other_whitespace_is_a_bad_row_not_a_blank_one() -> None:
    rows = rows_of('{"id": "a"}\n\x0c\n{"id": "b"}')
    assert [row.line for row in rows] == [1, 2, 3]
    assert isinstance(rows[1], RowError)


def test_an_array_nested_past_the_parsers_limit_is_refused_with_its_line() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ConsoleError) as caught:
        read_rows(f'[{{"id": "a"}},\n  {deep}]', "plain", PK, None)
    assert caught.value.field == "items"
    assert caught.value.template == import_rows.ARRAY_TOO_DEEP
    assert (caught.value.params["line"], caught.value.params["column"]) == (2, 3)
    assert "nested more than 32 levels" in caught.value.message


@pytest.mark.parametrize(("text", "template"), [
    ('[{"id": "a"}] {"id": "b"}', import_rows.ARRAY_EXTRA),
    ('[{"id": "a"}\n {"id": "b"}]', import_rows.ARRAY_NO_COMMA),
])
def test_the_consoles_own_array_errors_are_whole_messages_without_english_params(
        text: str, template: str) -> None:
    with pytest.raises(ConsoleError) as caught:
        read_rows(text, "plain", PK, None)
    assert caught.value.template == template
    assert set(caught.value.params) == {"line", "column"}


def test_formats_and_type_names_come_from_item_json() -> None:
    assert import_rows.FORMATS is item_json.FORMATS
    assert not hasattr(import_rows, "ATTRIBUTE_TYPES")
