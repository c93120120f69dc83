"""The item editor's form: the text as typed, its format, the item as it was opened, errors."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from webapp.aws.dynamodb import item_json
from webapp.aws.dynamodb.tables import Table
from webapp.aws.errors import ConsoleError
from webapp.views.rendering import error_text

MODES = ("new", "edit")
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


def parse_editor_form(form: MultiDict[str, str], key_token: str = "") -> ItemEditorForm:
    """Read the editor form; the text is kept exactly as typed."""
    text_format = form.get("format", "plain")
    mode = form.get("mode", "new")
    return ItemEditorForm(
        mode=mode if mode in MODES else "new",
        item_text=form.get("item", ""),
        text_format=text_format if text_format in item_json.FORMATS else "plain",
        original_line=form.get("original", ""),
        current_line=form.get("current", ""),
        replaced_line=form.get("replaced", ""),
        key_token=key_token or form.get("key", ""),
    )


def new_item_text(table: Table) -> str:
    """A new item's starting text: its key attributes with empty values to fill in."""
    keys = [table.partition_key] + ([table.sort_key] if table.sort_key else [])
    return json.dumps({key.name: KEY_PLACEHOLDERS[key.type] for key in keys}, indent=2,
                      ensure_ascii=False)


def read_item(form: ItemEditorForm, table: Table) -> dict[str, Any] | None:
    """The item the text stands for with its key checked; None with errors["item"] set."""
    try:
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
