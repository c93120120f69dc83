"""The item editor's form: the text or the form rows as typed, the item as it was opened, errors.

The editor has two views of one item, as the DynamoDB console has: a form of attribute rows
(name, type, value) and the JSON text. Both post to the same save; switching view posts too, and
the server rewrites the current values into the other view (item_form_rows), so nothing typed is
lost and both views read values with the same rules (item_json).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from webapp.aws.dynamodb import item_json
from webapp.aws.dynamodb.item_form_rows import AttributeRow, item_of, rows_of
from webapp.aws.dynamodb.tables import Table
from webapp.aws.errors import ConsoleError
from webapp.views.rendering import error_text

MODES = ("new", "edit")
FORM_VIEW, JSON_VIEW = "form", "json"
VIEWS = (FORM_VIEW, JSON_VIEW)
# The form view's rows, one value per row in each list, in order.
ROW_FIELDS = ("attr_name", "attr_type", "attr_value")
# What a new item's text starts with for each key type: the user fills in the value.
KEY_PLACEHOLDERS: dict[str, object] = {"S": "", "N": 0, "B": {item_json.BINARY: ""}}


@dataclass
class Conflict:
    """What the table holds now, when a save found the item changed (None: deleted)."""

    current: dict[str, Any] | None
    current_text: str = ""


@dataclass
class ItemEditorForm:
    """The editor as the user left it, and what is wrong with it.

    `original_line` is the item as it was opened (DynamoDB JSON, one line), `current_line`
    the version a conflict showed and `replaced_line` the version a save replaced unawares
    (see item_writes.save_item); all come back from the browser, so all are untrusted.
    """

    mode: str = "new"
    item_text: str = ""
    text_format: str = "plain"
    original_line: str = ""
    current_line: str = ""
    key_token: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    conflict: Conflict | None = None
    existing_key_token: str = ""
    notice: str = ""
    replaced_line: str = ""
    replaced_text: str = ""
    view: str = JSON_VIEW
    rows: list[AttributeRow] = field(default_factory=list)

    @staticmethod
    def row_field(index: int) -> str:
        """The errors key (and element id stem) of one form row."""
        return f"attr-{index}"


def parse_editor_form(form: MultiDict[str, str], table: Table,
                      key_token: str = "") -> ItemEditorForm:
    """Read the editor form; the text and the rows are kept exactly as typed."""
    text_format = form.get("format", "plain")
    mode = form.get("mode", "new")
    view = form.get("view", JSON_VIEW)
    parsed = ItemEditorForm(
        mode=mode if mode in MODES else "new",
        item_text=form.get("item", ""),
        text_format=text_format if text_format in item_json.FORMATS else "plain",
        original_line=form.get("original", ""),
        current_line=form.get("current", ""),
        replaced_line=form.get("replaced", ""),
        key_token=key_token or form.get("key", ""),
        view=view if view in VIEWS else JSON_VIEW,
    )
    if parsed.view == FORM_VIEW:
        names, types, values = (form.getlist(name) for name in ROW_FIELDS)
        rows = [AttributeRow(name.strip(), kind, value)
                for name, kind, value in zip(names, types, values)]
        parsed.rows = with_key_rows(rows, table)
    return parsed


def with_key_rows(rows: list[AttributeRow], table: Table) -> list[AttributeRow]:
    """The rows with the table's key attributes first, their names and types fixed."""
    keys = [table.partition_key] + ([table.sort_key] if table.sort_key else [])
    values: dict[str, str] = {}
    others: list[AttributeRow] = []
    for row in rows:
        # The first row of a key's name is the key's (posted forms put them first); a later
        # one stays, so the item reads it as a name given twice.
        if row.name in table.key_names and row.name not in values:
            values[row.name] = row.value
        else:
            others.append(row)
    return [AttributeRow(key.name, key.type, values.get(key.name, "")) for key in keys] + others


def form_rows(item: dict[str, Any], table: Table) -> list[AttributeRow]:
    """The form view's rows for an item: key attributes first."""
    return with_key_rows(rows_of(item, table.key_names), table)


def item_from_rows(form: ItemEditorForm) -> dict[str, Any] | None:
    """The item the form rows stand for; None with an error beside each bad row."""
    item, errors = item_of(form.rows)
    for index, err in errors.items():
        form.errors[form.row_field(index)] = error_text(err)
    return None if errors else item


def new_item_text(table: Table) -> str:
    """A new item's starting text: its key attributes with empty values to fill in."""
    keys = [table.partition_key] + ([table.sort_key] if table.sort_key else [])
    return json.dumps({key.name: KEY_PLACEHOLDERS[key.type] for key in keys}, indent=2,
                      ensure_ascii=False)


def read_item(form: ItemEditorForm, table: Table) -> dict[str, Any] | None:
    """The item the text or the rows stand for with its key checked; None with errors set."""
    try:
        if form.view == FORM_VIEW:
            item = item_from_rows(form)
            if item is None:
                return None
        else:
            item = item_json.parse_item(form.item_text, form.text_format)
        item_json.check_key(item, table.partition_key, table.sort_key)
    except ConsoleError as err:
        form.errors["item"] = error_text(err)
        return None
    return item


def read_version(line: str, form: ItemEditorForm) -> dict[str, Any] | None:
    """A version the form carried back (DynamoDB JSON); None with errors["form"] set."""
    try:
        return item_json.parse_item(line, "dynamodb")
    except ConsoleError:
        form.errors["form"] = gettext(
            "The editor lost track of the item as you opened it, so it cannot tell whether "
            "someone changed it meanwhile. Open the item again; copy your text first.")
        return None
