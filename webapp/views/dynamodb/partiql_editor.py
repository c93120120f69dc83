"""The items page's PartiQL editor: the statement typed, what running it answered, and paging.

The editor keeps what the person typed whatever happens: a refused statement comes back in the
textarea with AWS's words beside it. A SELECT's further pages are asked for with the statement
and the NextToken DynamoDB gave, one page at a time, as the item browser pages a Scan.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from webapp.aws.dynamodb import item_json, item_queries, partiql
from webapp.aws.dynamodb.tables import Table
from webapp.aws.errors import ConsoleError
from webapp.aws.dynamodb.item_queries import Cell
from webapp.aws.dynamodb.partiql import MAX_STATEMENT_LENGTH, StatementPage
from webapp.views.rendering import error_text


@dataclass
class PartiqlEditor:
    """The editor panel: its statement, and once run, its results or the error."""

    statement: str
    opened: bool = False
    page: StatementPage | None = None
    page_number: int = 1
    error: str | None = None
    wrote: bool = False  # a write ran: the item browser beside the editor is read again
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell | None]] = field(default_factory=list)
    page_size: int = partiql.PAGE_SIZE


def fresh_editor(table: Table) -> PartiqlEditor:
    """The editor before anything is run: every item of the table, closed."""
    return PartiqlEditor(statement=partiql.first_statement(table.name))


def run_editor(table: Table, form: MultiDict[str, str]) -> PartiqlEditor:
    """Run the statement the form holds (from its `next` token, if any)."""
    statement = form.get("statement", "")
    editor = PartiqlEditor(statement=statement, opened=True,
                           page_number=_page_number(form.get("page")))
    if not statement.strip():
        editor.error = gettext("Write a statement to run.")
    elif len(statement) > MAX_STATEMENT_LENGTH:
        editor.error = gettext("A statement is at most %(limit)s characters long.",
                               limit=f"{MAX_STATEMENT_LENGTH:,}")
    if editor.error:
        return editor
    next_token = form.get("next") or None
    if next_token is None:
        editor.page_number = 1
    try:
        editor.page = partiql.run_statement(statement, next_token)
    except ConsoleError as err:
        editor.error = error_text(err)
        return editor
    editor.wrote = not partiql.is_select(statement)
    editor.columns = item_queries.page_columns(editor.page.items, table.key_names)
    editor.rows = [[Cell(item_json.cell_text(item[column]), item_json.type_label(item[column]))
                    if column in item else None for column in editor.columns]
                   for item in editor.page.items]
    return editor


def _page_number(raw: str | None) -> int:
    """The page the person asks for (the one after the page they saw), 1 if unreadable."""
    if raw and raw.isascii() and raw.isdigit():
        return max(1, min(int(raw), 1_000_000))
    return 1
