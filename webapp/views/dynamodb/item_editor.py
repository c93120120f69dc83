"""One item: create, edit, duplicate and delete it in a form or JSON editor; saving is
conditional. A save returns to the items list with the item highlighted; "Save and continue"
stays in the editor."""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Blueprint, abort, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.aws.dynamodb import tables as dynamodb, item_json, item_writes
from webapp.aws.dynamodb.item_form_rows import FORM_TYPES, AttributeRow
from webapp.aws.dynamodb.tables import Table
from webapp.aws.errors import ConsoleError
from webapp.views.dynamodb.item_forms import (
    FORM_VIEW, JSON_VIEW, VIEWS, Conflict, ItemEditorForm, form_rows, item_from_rows,
    new_item_text, parse_editor_form, read_item, read_version, with_key_rows,
)
from webapp.views.rendering import error_text, render_view, see_other

bp = Blueprint("item_editor", __name__)

EDITOR_PAGE = "tables/item_editor.html"
EDITOR_FORM = "tables/fragments/item_editor_form.html"
# The Save button that stays in the editor; plain Save returns to the items list.
SAVE_AND_CONTINUE = "continue"


@bp.get("/<table_name>/items/new")
def new_item(table_name: str) -> ResponseReturnValue:
    """The editor for a new item; ?copy=<key token> starts from a copy of that item."""
    table = dynamodb.describe_table(table_name)
    form = ItemEditorForm(mode="new", item_text=new_item_text(table), view=_asked_view(),
                          rows=[*with_key_rows([], table), AttributeRow("")])
    copy_token = request.args.get("copy")
    if copy_token:
        source = item_writes.get_item(table_name, _key_from_token(copy_token))
        if source is None:
            form.errors["item"] = gettext("The item to duplicate is no longer in the table; "
                                          "start from its key attributes instead.")
        else:
            form.item_text = item_json.dump_item(source, "plain", table.key_names)
            form.rows = form_rows(source, table)
            form.notice = gettext("A copy of the item: change its key, then save it as a new "
                                  "item.")
    return _editor(table, form, fragment=False)


@bp.post("/<table_name>/items/new")
def create_item(table_name: str) -> ResponseReturnValue:
    """Put a new item, never over an existing one."""
    table = dynamodb.describe_table(table_name)
    form = parse_editor_form(request.form, table)
    form.mode = "new"
    item = read_item(form, table)
    if item is not None:
        try:
            item_writes.create_item(table_name, item, table.partition_key.name)
            return _saved(table, form, item)
        except item_writes.ItemExistsError as err:
            form.errors["item"] = error_text(err)
            form.existing_key_token = item_json.item_key_token(err.key, table.key_names)
        except ConsoleError as err:
            form.errors["item"] = error_text(err)
    return _editor(table, form), HTTPStatus.UNPROCESSABLE_ENTITY


@bp.get("/<table_name>/items/edit")
def edit_item(table_name: str) -> ResponseReturnValue:
    """The editor for one item, remembering the item as opened for the conditional save."""
    table = dynamodb.describe_table(table_name)
    token = request.args.get("key", "")
    item = _item_or_404(table_name, token)
    form = ItemEditorForm(mode="edit", key_token=token,
                          item_text=item_json.dump_item(item, "plain", table.key_names),
                          original_line=item_json.dump_line(item, "dynamodb"),
                          view=_asked_view(), rows=form_rows(item, table))
    return _editor(table, form, fragment=False)


@bp.post("/<table_name>/items/edit")
def save_item(table_name: str) -> ResponseReturnValue:
    """Save only if the item is as it was opened; otherwise show both versions to choose."""
    table = dynamodb.describe_table(table_name)
    form = parse_editor_form(request.form, table, request.args.get("key", ""))
    form.mode = "edit"
    choice = request.form.get("choice", "save")
    if choice in ("overwrite", "keep"):
        # The user saw the current version in the conflict view: compare against it from now on.
        form.original_line, form.current_line = form.current_line, ""
    original = read_version(form.original_line, form)
    if original is None:
        return _editor(table, form), HTTPStatus.UNPROCESSABLE_ENTITY
    if choice == "keep":
        form.notice = gettext("Saving now replaces the current version, and only if nobody "
                              "changes it again meanwhile.")
        return _editor(table, form)
    if choice == "restore":
        # Save the version the last save replaced unawares, over the user's (stored now).
        restored = read_version(form.replaced_line, form)
        if restored is None:
            return _editor(table, form), HTTPStatus.UNPROCESSABLE_ENTITY
        form.item_text = item_json.dump_item(restored, form.text_format, table.key_names)
        form.rows = form_rows(restored, table)
    form.replaced_line = ""
    edited = read_item(form, table)
    if edited is None:
        return _editor(table, form), HTTPStatus.UNPROCESSABLE_ENTITY
    try:
        replaced = item_writes.save_item(table_name, original, edited, table.key_names)
    except item_writes.ConflictError as err:
        _show_conflict(form, table, err.current)
        form.errors["item"] = error_text(err)
    except item_writes.ItemExistsError as err:
        form.errors["item"] = error_text(err)
        form.existing_key_token = item_json.item_key_token(err.key, table.key_names)
    except ConsoleError as err:
        form.errors["item"] = error_text(err)
    else:
        if replaced is not None:
            _show_replaced(form, table, edited, replaced)
            return _editor(table, form)
        return _saved(table, form, edited)
    return _editor(table, form), HTTPStatus.UNPROCESSABLE_ENTITY


def _saved(table: Table, form: ItemEditorForm, item: dict[str, Any]) -> ResponseReturnValue:
    """After a save: the items list with the item highlighted, or, for "Save and continue",
    the editor again on the item as saved."""
    token = item_json.item_key_token(item, table.key_names)
    if request.form.get("choice") == SAVE_AND_CONTINUE:
        flash(gettext("Saved."), "info")
        return see_other(url_for("dynamodb.item_editor.edit_item", table_name=table.name,
                                 key=token, **_view_arg(form)))
    flash(gettext("Item saved."), "info")
    return see_other(url_for("dynamodb.table_items.items", table_name=table.name, saved=token))


def _view_arg(form: ItemEditorForm) -> dict[str, str]:
    """The URL parameter that reopens the editor in the form view (JSON needs none)."""
    return {"view": form.view} if form.view != JSON_VIEW else {}


def _asked_view() -> str:
    view = request.args.get("view", JSON_VIEW)
    return view if view in VIEWS else JSON_VIEW


def _show_replaced(form: ItemEditorForm, table: Table, saved: dict[str, Any],
                   replaced: dict[str, Any]) -> None:
    """The save went through over someone's change: show theirs, and compare against ours now."""
    form.original_line = item_json.dump_line(saved, "dynamodb")
    form.current_line = ""
    form.replaced_line = item_json.dump_line(replaced, "dynamodb")
    form.replaced_text = item_json.dump_item(replaced, form.text_format, table.key_names)


def _show_conflict(form: ItemEditorForm, table: Table, current: dict[str, Any] | None) -> None:
    text = item_json.dump_item(current, form.text_format, table.key_names) if current else ""
    form.conflict = Conflict(current=current, current_text=text)
    form.current_line = item_json.dump_line(current, "dynamodb") if current else ""


@bp.post("/<table_name>/items/convert")
def convert_item(table_name: str) -> ResponseReturnValue:
    """Rewrite the editor in the other view (form or JSON) or the text in the other format;
    what does not read stays as typed, with its error."""
    table = dynamodb.describe_table(table_name)
    form = parse_editor_form(request.form, table)
    target_view = request.form.get("target_view")
    if target_view in VIEWS:
        return _switch_view(table, form, target_view)
    if form.view == FORM_VIEW:  # the JSON format buttons are not there to press
        return _editor(table, form)
    target = request.form.get("target_format", "plain")
    if target not in item_json.FORMATS:
        target = "plain"
    try:
        item = item_json.parse_item(form.item_text, form.text_format)
    except ConsoleError as err:
        form.errors["item"] = error_text(err)
        return _editor(table, form), HTTPStatus.UNPROCESSABLE_ENTITY
    form.item_text = item_json.dump_item(item, target, table.key_names)
    form.text_format = target
    return _editor(table, form)


def _switch_view(table: Table, form: ItemEditorForm, target_view: str) -> ResponseReturnValue:
    if target_view == form.view:
        return _editor(table, form)
    if target_view == JSON_VIEW:
        item = item_from_rows(form)
        if item is None:
            return _editor(table, form), HTTPStatus.UNPROCESSABLE_ENTITY
        # A new item's empty rows are no attribute yet; the JSON view shows what the rows hold.
        form.item_text = item_json.dump_item(item, form.text_format, table.key_names)
    else:
        try:
            item = item_json.parse_item(form.item_text, form.text_format)
        except ConsoleError as err:
            form.errors["item"] = error_text(err)
            return _editor(table, form), HTTPStatus.UNPROCESSABLE_ENTITY
        form.rows = form_rows(item, table)
    form.view = target_view
    return _editor(table, form)


@bp.post("/<table_name>/items/rows")
def change_rows(table_name: str) -> ResponseReturnValue:
    """The form view with an attribute row added or one removed; nothing is saved."""
    table = dynamodb.describe_table(table_name)
    form = parse_editor_form(request.form, table)
    form.view = FORM_VIEW
    removed = request.form.get("remove_attribute")
    if removed is None:
        form.rows.append(AttributeRow(""))
    elif removed.isdigit() and len(table.key_names) <= int(removed) < len(form.rows):  # keys stay
        del form.rows[int(removed)]
    return _editor(table, form)


@bp.route("/<table_name>/items/delete", methods=["GET", "POST"])
def delete_item(table_name: str) -> ResponseReturnValue:
    """Confirm, then delete one item (only if it is still there)."""
    table = dynamodb.describe_table(table_name)
    token = request.args.get("key", "")
    item = _item_or_404(table_name, token)
    if request.method == "GET":
        return _delete_page(table, item, token)
    try:
        item_writes.delete_item(table_name, item_json.key_of(item, table.key_names),
                                table.key_names)
    except ConsoleError as err:
        return _delete_page(table, item, token, error_text(err)), HTTPStatus.UNPROCESSABLE_ENTITY
    flash(gettext("Deleted the item."), "info")
    return see_other(url_for("dynamodb.table_items.items", table_name=table_name))


def _delete_page(table: Table, item: dict[str, Any], token: str,
                 error: str = "") -> ResponseReturnValue:
    return render_view("tables/item_delete.html", table=table, table_name=table.name,
                       key_token=token, error=error,
                       item_text=item_json.dump_item(item, "plain", table.key_names))


def _key_from_token(token: str) -> dict[str, Any]:
    try:
        return item_json.from_wire(item_json.decode_key(token))
    except ConsoleError as err:
        abort(HTTPStatus.NOT_FOUND, description=error_text(err))


def _item_or_404(table_name: str, token: str) -> dict[str, Any]:
    item = item_writes.get_item(table_name, _key_from_token(token))
    if item is None:
        abort(HTTPStatus.NOT_FOUND, description=gettext(
            "There is no item with this key in the table %(table)s: it may have been deleted.",
            table=table_name))
    return item


def _editor(table: Table, form: ItemEditorForm, *, fragment: bool = True) -> ResponseReturnValue:
    # Only the editor's own posts swap the form; opening the editor (a link, or htmx following
    # HX-Location after a save) always gets the whole page.
    return render_view(EDITOR_PAGE, EDITOR_FORM if fragment else None, table=table,
                       table_name=table.name, form=form, form_types=FORM_TYPES)
