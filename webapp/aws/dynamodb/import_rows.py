"""Rows to import, read from pasted text or an uploaded file, each with its line number.

Two shapes are accepted: one JSON array of items (the first non-space character is `[`), or
JSON lines (one item per line). An array is checked whole before anything is yielded, because
after a syntax error there is no telling where the next element starts; nothing of it is
written then. JSON lines are independent: a bad line is reported and the others go on.

Every row becomes a python item with item_json.item_from_json and must carry the table's key;
a row that does not is a RowError naming its line, and the good rows still go through.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from webapp.aws.dynamodb import item_json
from webapp.aws.dynamodb.tables import KeyAttribute
from webapp.aws.errors import N_, ConsoleError, InvalidInput

FORMATS = item_json.FORMATS
# DynamoDB's S3 export writes one {"Item": {...}} object per line.
EXPORT_WRAPPER = "Item"
_SPACE = re.compile(r"[ \t\n\r]*")

NO_ROWS = N_("There are no items to import: paste a JSON array or JSON lines, or choose a file.")
ARRAY_SYNTAX = N_(
    "The JSON array is not valid at line %(line)s, column %(column)s: %(reason)s. "
    "Nothing was written; fix the text and import again.")
ARRAY_NO_COMMA = N_(
    "The JSON array is not valid at line %(line)s, column %(column)s: a comma or ] must follow "
    "an item. Nothing was written; fix the text and import again.")
ARRAY_EXTRA = N_(
    "There is more text after the JSON array, at line %(line)s, column %(column)s. Nothing was "
    "written; remove that text, or import JSON lines without the [ ].")
ARRAY_TOO_DEEP = N_(
    "The item starting at line %(line)s, column %(column)s is nested more than %(depth)s levels "
    "deep, more than DynamoDB allows. Nothing was written; fix the text and import again.")
LINE_SYNTAX = N_("Invalid JSON at column %(column)s: %(reason)s")


@dataclass(frozen=True, slots=True)
class Row:
    """One item to write, and the line its JSON starts on."""

    line: int
    item: dict


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that cannot be written, and why."""

    line: int
    error: ConsoleError


@dataclass(frozen=True, slots=True)
class RowSource:
    """The rows of one text: how many there are, and an iterator over them in order."""

    total: int
    text: str
    fmt: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    array_spans: tuple[tuple[int, int], ...] | None  # the array's elements; None: JSON lines

    def __iter__(self) -> Iterator[Row | RowError]:
        """Each row as a Row, or a RowError when it is not a valid item for the table."""
        values = (self._array_values() if self.array_spans is not None
                  else self._line_values())
        for line, value in values:
            if isinstance(value, ConsoleError):
                yield RowError(line, value)
                continue
            try:
                item = item_json.item_from_json(_unwrap(value, self.fmt), self.fmt)
                item_json.check_key(item, self.partition_key, self.sort_key)
            except ConsoleError as err:
                yield RowError(line, err)
                continue
            yield Row(line, item)

    def _array_values(self) -> Iterator[tuple[int, object]]:
        line, last = 1, 0
        for start, end in self.array_spans or ():
            line += self.text.count("\n", last, start)
            last = start
            yield line, _decoded(self.text[start:end])

    def _line_values(self) -> Iterator[tuple[int, object]]:
        for number, text in enumerate(_lines(self.text), start=1):
            if not _is_blank(text):
                yield number, _decoded(text)


def _is_blank(line: str) -> bool:
    """True for a line of JSON whitespace only, which JSON lines skip."""
    return _SPACE.fullmatch(line) is not None


def _lines(text: str) -> Iterator[str]:
    """The lines of JSON lines text, split on "\\n" only (and "\\r\\n").

    str.splitlines would also split on U+2028, U+0085, form feeds and others, which JSON
    strings may hold raw (the console's own export writes them so).
    """
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        yield text[start:end].removesuffix("\r")
        start = end + 1


def _decoded(text: str) -> object:
    """The JSON value of `text`, or the ConsoleError saying why it has none."""
    try:
        return item_json.load_json(text)
    except ConsoleError as err:
        if "column" not in err.params:
            return err
        # The line is the row's own: say only the column within it.
        return InvalidInput(LINE_SYNTAX, field="items",
                            column=err.params["column"], reason=err.params.get("detail", ""))


def read_rows(text: str, fmt: str, partition_key: KeyAttribute,
              sort_key: KeyAttribute | None) -> RowSource:
    """The rows of `text`; ConsoleError(field="items") when nothing at all can be imported."""
    text = text.removeprefix("\ufeff")
    if text.lstrip().startswith("["):
        spans = _array_spans(text)
        total = len(spans)
    else:
        spans = None
        total = sum(1 for line in _lines(text) if not _is_blank(line))
    if total == 0:
        raise InvalidInput(NO_ROWS, field="items")
    return RowSource(total, text, fmt, partition_key, sort_key, spans)


def _array_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Where each element of the array in `text` starts and ends; ConsoleError on bad syntax."""
    # Only the syntax matters here: plain floats are faster, and the values are thrown away.
    decoder = json.JSONDecoder()
    spans: list[tuple[int, int]] = []
    position = _SPACE.match(text).end() + 1  # just after "["
    position = _SPACE.match(text, position).end()
    try:
        if text.startswith("]", position):
            position += 1
        else:
            while True:
                end = _element_end(decoder, text, position)
                spans.append((position, end))
                position = _SPACE.match(text, end).end()
                if text.startswith("]", position):
                    position += 1
                    break
                if not text.startswith(",", position):
                    raise _syntax_error(text, position, ARRAY_NO_COMMA)
                position = _SPACE.match(text, position + 1).end()
    except json.JSONDecodeError as err:
        # json's own words say what is wrong; they stay a parameter.
        raise _syntax_error(text, err.pos, ARRAY_SYNTAX, reason=err.msg) from err
    end = _SPACE.match(text, position).end()
    if end != len(text):
        raise _syntax_error(text, end, ARRAY_EXTRA)
    return tuple(spans)


def _element_end(decoder: json.JSONDecoder, text: str, position: int) -> int:
    """Where the array element starting at `position` ends."""
    try:
        return decoder.raw_decode(text, position)[1]
    except RecursionError as err:
        raise _syntax_error(text, position, ARRAY_TOO_DEEP, depth=item_json.MAX_DEPTH) from err


def _syntax_error(text: str, position: int, template: str, **params: object) -> ConsoleError:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return InvalidInput(template, field="items", line=line, column=column,
                        **params)


def _unwrap(value: object, fmt: str) -> object:
    """The item inside an S3-export line {"Item": {...}}; anything else as it is."""
    if fmt != "dynamodb" or not isinstance(value, dict) or len(value) != 1:
        return value
    inner = value.get(EXPORT_WRAPPER)
    if not isinstance(inner, dict):
        return value
    # {"Item": {"S": "x"}} is an attribute called Item, not a wrapper.
    if len(inner) == 1 and next(iter(inner)) in item_json.TYPE_KEYS:
        return value
    return inner
