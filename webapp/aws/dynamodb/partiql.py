"""Running one PartiQL statement for the console's PartiQL editor, a page of results at a time.

ExecuteStatement reads (SELECT) and writes (INSERT, UPDATE, DELETE) with the statement the
person typed, sent as it is: it is their query, run with their rights, as in AWS's own editor.
A SELECT is read PAGE_SIZE items at a time ("Limit: the maximum number of items to evaluate"),
and goes on with the NextToken DynamoDB answered; nothing is read ahead.
"""
from __future__ import annotations

from dataclasses import dataclass

from webapp.aws.dynamodb import item_json
from webapp.aws.clients import client
from webapp.aws.errors import N_, NotFound, aws_errors

PAGE_SIZE = 50
# ExecuteStatement's Statement: "Length Constraints: Minimum length of 1. Maximum length of 8192."
MAX_STATEMENT_LENGTH = 8192
_ACTION = N_("run the PartiQL statement")
NO_SUCH_TABLE = N_("The statement names a table or index that is not in this region "
                   "(%(aws_code)s).")


@dataclass(frozen=True, slots=True)
class StatementPage:
    """The items a statement answered (python values) and the token of the next page."""

    items: list[dict]
    next_token: str | None


def first_statement(table_name: str) -> str:
    """The statement the editor starts with: every item of the table."""
    quoted = table_name.replace('"', '""')
    return f'SELECT * FROM "{quoted}"'


def is_select(statement: str) -> bool:
    """True for a read, which is paged; writes take no Limit."""
    return statement.lstrip().upper().startswith("SELECT")


def run_statement(statement: str, next_token: str | None = None) -> StatementPage:
    """Run `statement` (from `next_token` for the next page of a SELECT); ConsoleError if AWS
    refuses it, with AWS's message."""
    parameters: dict[str, object] = {"Statement": statement}
    if is_select(statement):
        parameters["Limit"] = PAGE_SIZE
    if next_token:
        parameters["NextToken"] = next_token
    try:
        with aws_errors(_ACTION):
            reply = client("dynamodb").execute_statement(**parameters)
    except NotFound as err:
        raise NotFound(NO_SUCH_TABLE, aws_code=err.aws_code) from err
    return StatementPage(items=[item_json.from_wire(item) for item in reply.get("Items", [])],
                         next_token=reply.get("NextToken") or None)
