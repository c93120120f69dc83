"""DynamoDB tables: list, create, open, delete. Items and import/export add their routes here."""
from __future__ import annotations

from datetime import datetime, timezone
from http import HTTPStatus

from flask import Blueprint, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.aws.dynamodb import tables as dynamodb
from webapp.aws.errors import ConsoleError
from webapp.views.rendering import error_text, render_view, see_other
from webapp.views.dynamodb.table_forms import (
    KEY_TYPES, MAX_INDEX_ROWS, PROJECTIONS, CreateTableForm, ConfirmNameForm, IndexRow, index_rows,
    parse_create_table_form, parse_delete_form,
)

bp = Blueprint("tables", __name__)

# A table page asks for its status again only while a change is under way: ACTIVE, ARCHIVED,
# INACCESSIBLE_ENCRYPTION_CREDENTIALS and any status unknown to us stay as they are on their own.
CHANGING_TABLE_STATUSES = frozenset({"CREATING", "UPDATING", "DELETING", "ARCHIVING"})
CHANGING_INDEX_STATUSES = frozenset({"CREATING", "UPDATING", "DELETING"})


@bp.get("/")
def index() -> ResponseReturnValue:
    """List tables, one page at a time (click-to-load with the next token)."""
    page = dynamodb.list_tables(request.args.get("next") or None)
    return render_view("tables/index.html", "tables/fragments/table_rows.html", page=page)


# The create form lives two segments deep: a one-segment path such as /tables/new would be the
# page of a table named "new", which is a valid table name.
@bp.get("/create/new")
def new() -> ResponseReturnValue:
    """The create form."""
    return _create_page(CreateTableForm())


@bp.post("/")
def create() -> ResponseReturnValue:
    """Create a table with its keys, capacity and global secondary indexes."""
    form = parse_create_table_form(request.form)
    if not form.errors:
        try:
            created = dynamodb.create_table(form.spec())
            return see_other(url_for("dynamodb.tables.detail", table_name=created.name))
        except ConsoleError as err:
            form.errors[err.field or "form"] = error_text(err)
    return _create_page(form), HTTPStatus.UNPROCESSABLE_ENTITY


def _create_page(form: CreateTableForm) -> ResponseReturnValue:
    return render_view("tables/new.html", "tables/fragments/create_form.html", form=form,
                       **_form_choices())


def _form_choices() -> dict[str, object]:
    return {"key_types": KEY_TYPES, "projections": PROJECTIONS, "max_index_rows": MAX_INDEX_ROWS}


@bp.get("/create/index-row")
def index_row() -> ResponseReturnValue:
    """A blank index row for the create form, and the "Add index" control updated out of band."""
    row_count = len(index_rows(request.args)) + 1
    return render_view("tables/new.html", "tables/fragments/index_row.html",
                       form=CreateTableForm(), row=IndexRow(), position=None,
                       row_count=row_count, **_form_choices())


@bp.get("/create/index-row/removed")
def removed_index_row() -> ResponseReturnValue:
    """Nothing in place of the removed row; the "Add index" control updated out of band."""
    row_count = max(len(index_rows(request.args)) - 1, 0)
    return render_view("tables/new.html", "tables/fragments/add_index.html", form=CreateTableForm(),
                       row_count=row_count, out_of_band=True, **_form_choices())


@bp.get("/<table_name>")
def detail(table_name: str) -> ResponseReturnValue:
    """A table's keys, indexes, ARN, size, capacity and live status."""
    return render_view("tables/detail.html", None, **_table_context(table_name))


@bp.get("/<table_name>/status")
def status(table_name: str) -> ResponseReturnValue:
    """The status badge; it asks again while the table or an index is still changing."""
    return render_view("tables/detail.html", "tables/fragments/status.html",
                       **_table_context(table_name, refresh_indexes=True))


def _table_context(table_name: str, **context: object) -> dict[str, object]:
    table = dynamodb.describe_table(table_name)
    return {"table": table, "is_settled": _is_settled(table), "utc_text": utc_text,
            "refresh_indexes": False, **context}


def _is_settled(table: dynamodb.Table) -> bool:
    return table.status not in CHANGING_TABLE_STATUSES and not any(
        index.status in CHANGING_INDEX_STATUSES for index in table.indexes)


def utc_text(moment: datetime | None) -> str:
    """A timestamp as "2026-01-31 12:00:00 UTC"."""
    if moment is None:
        return ""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@bp.get("/<table_name>/delete")
def confirm_delete(table_name: str) -> ResponseReturnValue:
    """Ask for the table's name before deleting it."""
    return render_view("tables/confirm_delete.html", None,
                       **_table_context(table_name, form=ConfirmNameForm()))


@bp.post("/<table_name>/delete")
def delete(table_name: str) -> ResponseReturnValue:
    """Delete the table once its name was typed; back to the list."""
    form = parse_delete_form(request.form, table_name)
    if not form.errors:
        try:
            dynamodb.delete_table(table_name)
        except ConsoleError as err:
            form.errors["form"] = error_text(err)
        else:
            flash(gettext("Deleted the table %(table_name)s.", table_name=table_name), "info")
            return see_other(url_for("dynamodb.tables.index"))
    return (render_view("tables/confirm_delete.html", None, **_table_context(table_name, form=form)),
            HTTPStatus.UNPROCESSABLE_ENTITY)
