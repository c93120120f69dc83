"""Items of a table: browse by Scan or Query a page at a time, export as JSON lines, and run
PartiQL statements in the editor panel (partiql_editor.py)."""
from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus

from flask import Blueprint, Response, redirect, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue

from webapp.aws.dynamodb import tables as dynamodb, item_json, item_queries
from webapp.aws.dynamodb.tables import Table
from webapp.aws.errors import ConsoleError
from webapp.aws.dynamodb.item_queries import (
    FILTER_OPERATORS, PAGE_SIZES, SORT_KEY_OPERATORS, ItemPage, ItemQuery,
)
from webapp.views.dynamodb.item_query_form import (
    ADD_FILTER, MAX_FILTERS, FilterRow, ItemQueryForm, parse_item_query_form,
)
from webapp.views.form_numbers import parse_whole_number
from webapp.views.dynamodb.partiql_editor import PartiqlEditor, fresh_editor, run_editor
from webapp.views.rendering import error_text, render_view, wants_fragment

bp = Blueprint("table_items", __name__)

NDJSON = "application/x-ndjson"
# The element the items form and the pager swap (templates/tables/items.html).
BROWSER_ID = "item-browser"
# Filter row numbers htmx may ask for: the page renumbers its rows 1, 2, 3 … on every load.
MAX_FILTER_NUMBER = 999


@bp.get("/<table_name>/items")
def items(table_name: str) -> ResponseReturnValue:
    """One page of the table's items by Scan or Query, as the GET form asks."""
    table = dynamodb.describe_table(table_name)
    if request.headers.get("HX-Target") != BROWSER_ID:
        # htmx following a save's HX-Location swaps the whole body: it needs the whole page.
        return _items_page(table, fresh_editor(table), None)
    return _items_page(table, fresh_editor(table))


@bp.get("/<table_name>/items/filters/new")
def new_filter_row(table_name: str) -> ResponseReturnValue:
    """htmx's "Add filter": one empty row, and the button again asking for the next number."""
    if not wants_fragment():  # a plain GET: the items page with a row more, as without htmx
        return redirect(url_for("dynamodb.table_items.items", table_name=table_name,
                                **{ADD_FILTER: 1}))
    number = parse_whole_number(request.args.get("number"), 1, MAX_FILTER_NUMBER) or 1
    return render_view("tables/items.html", "tables/fragments/item_filter_added.html",
                       row=FilterRow(number), errors={}, filter_operators=FILTER_OPERATORS,
                       table_name=table_name, next_filter=number + 1,
                       max_filters=MAX_FILTERS)


@bp.get("/<table_name>/items/filters/removed")
def removed_filter_row(table_name: str) -> ResponseReturnValue:
    """htmx's "Remove" on a filter row: nothing, swapped over the row."""
    if not wants_fragment():
        return redirect(url_for("dynamodb.table_items.items", table_name=table_name))
    return ""


@bp.post("/<table_name>/partiql")
def run_partiql(table_name: str) -> ResponseReturnValue:
    """Run the PartiQL editor's statement: its results, or AWS's refusal, in the editor panel
    (the whole items page without htmx)."""
    table = dynamodb.describe_table(table_name)
    editor = run_editor(table, request.form)
    status = HTTPStatus.UNPROCESSABLE_ENTITY if editor.error else HTTPStatus.OK
    if wants_fragment() and not editor.wrote:  # the panel alone: the browser beside it stays
        return render_view("tables/items.html", "tables/fragments/partiql_editor.html",
                           table=table, editor=editor), status
    if wants_fragment():  # a write: the panel, and the item browser read again (out of band)
        return _items_page(table, editor, "tables/fragments/partiql_after_write.html")
    response, _ = _items_page(table, editor)
    return response, status


def _items_page(table: Table, editor: PartiqlEditor,
                fragment: str | None = "tables/fragments/item_browser.html",
                ) -> tuple[Response, HTTPStatus]:
    form = parse_item_query_form(request.args, table)
    page = None
    if form.query is not None:
        try:
            page = item_queries.read_page(form.query, form.start or None)
        except ConsoleError as err:
            # An AWS refusal of the whole request (a filter on a key attribute, a stale page
            # token) belongs beside the Run button, not beside one field.
            form.errors["form"] = error_text(err)
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else HTTPStatus.OK
    response = render_view("tables/items.html", fragment, editor=editor,
                           **_browse_context(table, form, page))
    response.vary.add("HX-Target")
    return response, status


@bp.get("/<table_name>/items/export")
def export_items(table_name: str) -> ResponseReturnValue:
    """The whole Scan or Query the form describes, from its start, streamed as JSON lines."""
    table = dynamodb.describe_table(table_name)
    form = parse_item_query_form(request.args, table)
    if form.query is None:
        return _refused(table, form)
    try:
        pages = item_queries.export_pages(form.query)
    except ConsoleError as err:
        form.errors["form"] = error_text(err)
        return _refused(table, form)
    response = Response(stream_with_context(_json_lines(pages)), mimetype=NDJSON)
    response.headers["Content-Disposition"] = f'attachment; filename="{table.name}.jsonl"'
    # Item data must not stay in a browser's or proxy's cache (pages get this for text/html).
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_lines(pages: Iterator[ItemPage]) -> Iterator[str]:
    for page in pages:
        yield "".join(item_json.dump_line(item) + "\n" for item in page.items)


def _refused(table: Table, form: ItemQueryForm) -> ResponseReturnValue:
    return render_view("tables/items.html", "tables/fragments/item_browser.html",
                       editor=fresh_editor(table), **_browse_context(table, form, None)), \
        HTTPStatus.UNPROCESSABLE_ENTITY


def _key_names(table: Table, query: ItemQuery | None) -> list[str]:
    names = list(table.key_names)
    index = next((index for index in table.indexes
                  if query is not None and index.name == query.index_name), None)
    if index is not None:
        names += [index.partition_key.name] + ([index.sort_key.name] if index.sort_key else [])
    return names


def _browse_context(table: Table, form: ItemQueryForm, page: ItemPage | None) -> dict[str, object]:
    columns = item_queries.page_columns(page.items, _key_names(table, form.query)) if page else []
    rows = item_queries.item_rows(page.items, columns, table.key_names) if page else []
    links: dict[str, str] = {
        "export": url_for("dynamodb.table_items.export_items", table_name=table.name, **form.query_args())}
    if page is not None and page.next_token:
        links["next"] = url_for("dynamodb.table_items.items", table_name=table.name,
                                **form.next_page_args(page.next_token))
    if form.start:
        links["first"] = url_for("dynamodb.table_items.items", table_name=table.name, **form.first_page_args())
        previous = form.previous_page_args()
        if previous is not None:
            links["previous"] = url_for("dynamodb.table_items.items", table_name=table.name, **previous)
    return {"table": table, "form": form, "page": page, "columns": columns, "rows": rows,
            "links": links, "page_sizes": PAGE_SIZES, "sort_operators": SORT_KEY_OPERATORS,
            "filter_operators": FILTER_OPERATORS,
            "max_filters": MAX_FILTERS, "saved_token": request.args.get("saved", "")}
