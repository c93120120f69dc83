"""An item as the editor's form view shows it: one row of name, type and value text per attribute.

Scalars are written as people type them: S as it is, N as a number, B as base64, BOOL as true
or false, NULL with no value. Lists, maps and sets hold the DynamoDB JSON of their value (what
follows the type: ``[{"S": "a"}]`` for an L), as the DynamoDB console's form view edits nested
values, so item_json reads every row and the JSON view and the form view agree exactly.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from webapp.aws.dynamodb import item_json
from webapp.aws.errors import N_, ConsoleError, InvalidInput

# The types the form offers, in the order of the DynamoDB console's type menu.
FORM_TYPES = ("S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS")
# Types whose value is written as DynamoDB JSON in its row.
JSON_TYPES = frozenset({"L", "M", "SS", "NS", "BS"})
BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True, slots=True)
class AttributeRow:
    """One attribute as the form shows it; the value is text as typed."""

    name: str
    type: str = "S"
    value: str = ""


def rows_of(item: dict[str, Any], key_names: Sequence[str]) -> list[AttributeRow]:
    """The item's rows: key attributes first, then the rest by name."""
    first = [name for name in key_names if name in item]
    names = first + sorted(name for name in item if name not in first)
    return [AttributeRow(name, item_json.type_label(item[name]), value_text(item[name]))
            for name in names]


def value_text(value: Any) -> str:
    """A value as its row's text (see the module docstring)."""
    kind = item_json.type_label(value)
    if kind == "S":
        return str(value)
    if kind == "NULL":
        return ""
    if kind == "BOOL":
        return "true" if value else "false"
    if kind == "B":
        return item_json.base64_text(value)
    if kind == "N":
        return item_json.dump_value(value)
    return item_json.dump_typed_content(value)


def item_of(rows: Sequence[AttributeRow]) -> tuple[dict[str, Any], dict[int, ConsoleError]]:
    """The item the rows stand for, and what is wrong with each row by its index.

    A row with neither name nor value is a blank one the user added and left: it is skipped.
    """
    item: dict[str, Any] = {}
    errors: dict[int, ConsoleError] = {}
    for index, row in enumerate(rows):
        if not row.name:
            if row.value.strip():
                errors[index] = InvalidInput(N_("Name this attribute, or clear its value."),
                                             field="item")
            continue
        if row.name in item:
            errors[index] = InvalidInput(N_("The name %(name)s appears twice; keep one."),
                                         field="item", name=row.name)
            continue
        try:
            item[row.name] = row_value(row)
        except ConsoleError as err:
            errors[index] = err
    return item, errors


def row_value(row: AttributeRow) -> Any:
    """The python value one row's text stands for, or a ConsoleError naming the attribute."""
    if row.type == "S":
        return row.value
    if row.type == "N":
        return item_json.parse_number(row.value, row.name)
    if row.type == "B":
        return item_json.parse_base64(row.value.strip(), row.name)
    if row.type == "BOOL":
        if row.value.strip().lower() not in BOOLEANS:
            raise InvalidInput(N_("%(name)s is a Boolean: write true or false."), field="item",
                               name=row.name)
        return BOOLEANS[row.value.strip().lower()]
    if row.type == "NULL":
        return None
    if row.type in JSON_TYPES:
        content = item_json.load_json(row.value)
        return item_json.item_from_json({row.name: {row.type: content}}, "dynamodb")[row.name]
    raise InvalidInput(N_("Choose one of the listed types for %(name)s."), field="item",
                       name=row.name)
