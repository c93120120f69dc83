"""Reading a table's items one page at a time by Scan or Query, and every page for export.

The console never reads more than the page it shows: one Scan or Query call with Limit and
ExclusiveStartKey per page, no counting and no reading ahead. User text only ever reaches
DynamoDB as ExpressionAttributeNames / ExpressionAttributeValues, never inside an expression.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from webapp.aws.dynamodb import item_json
from webapp.aws.clients import client, current_region, using_region
from webapp.aws.errors import N_, InvalidInput, aws_errors

SCAN = "scan"
QUERY = "query"
MODES = (SCAN, QUERY)
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
COMPARISONS = ("=", "<>", "<", "<=", ">", ">=")
SORT_KEY_OPERATORS = ("=", "<", "<=", ">", ">=", "begins_with", "between")
FILTER_OPERATORS = COMPARISONS + ("exists", "not_exists", "contains", "not_contains",
                                  "begins_with", "between")
VALUE_COUNTS = {"exists": 0, "not_exists": 0, "between": 2}
NOT_BOOLEAN = N_("%(name)s is a Boolean: write true or false.")
_ACTIONS = {SCAN: N_("scan the table"), QUERY: N_("query the table")}


def value_count(operator: str) -> int:
    """How many values an operator compares with: 0 (exists), 2 (between) or 1."""
    return VALUE_COUNTS.get(operator, 1)


def typed_value(raw: str, value_type: str, where: str = "") -> object:
    """The python value of text typed for a DynamoDB type; a ConsoleError when it is not one.

    "N" becomes an exact Decimal DynamoDB can store and "B" base64 text decoded, both checked by
    item_json exactly as an item's values are; "BOOL" is true or false, "NULL" ignores the text.
    `where` (the attribute's name) goes into the message; the caller chooses the field.
    """
    if value_type == "S":
        return raw
    if value_type == "N":
        return item_json.parse_number(raw.strip(), where)
    if value_type == "B":
        return item_json.parse_base64(raw.strip(), where)
    if value_type == "BOOL":
        if raw.strip().lower() not in ("true", "false"):
            raise InvalidInput(NOT_BOOLEAN, name=where)
        return raw.strip().lower() == "true"
    if value_type == "NULL":
        return None
    raise ValueError(f"unknown value type {value_type!r}")


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition on one attribute: `attribute operator values`."""

    attribute: str
    operator: str
    values: tuple[object, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemQuery:
    """What to read: a Scan or a Query of a table or one of its indexes, with filters."""

    table_name: str
    mode: str = SCAN
    index_name: str | None = None
    key_conditions: tuple[Condition, ...] = ()  # a Query's partition key "=", then its sort key
    filters: tuple[Condition, ...] = ()
    page_size: int | None = DEFAULT_PAGE_SIZE  # None: DynamoDB's own 1 MB pages


@dataclass(frozen=True, slots=True)
class ItemPage:
    """One page of items (python values), its counts and the token of the next page."""

    items: list[dict]
    next_token: str | None
    count: int
    scanned_count: int

    @property
    def has_more(self) -> bool:
        """True when DynamoDB said the Scan or Query goes on."""
        return self.next_token is not None


@dataclass(frozen=True, slots=True)
class Cell:
    """One attribute's value as a table cell: short plain-JSON text and its DynamoDB type."""

    text: str
    type_label: str


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One item as a row: its key token (for links) and one cell per column."""

    key_token: str
    cells: list[Cell | None]


def request_parameters(query: ItemQuery, start_key: dict | None = None) -> dict[str, object]:
    """Scan or Query parameters; ExpressionAttributeValues hold python values, not wire ones."""
    parameters: dict[str, object] = {"TableName": query.table_name}
    if query.index_name:
        parameters["IndexName"] = query.index_name
    if query.page_size:
        parameters["Limit"] = query.page_size
    if start_key:
        parameters["ExclusiveStartKey"] = start_key
    names: dict[str, str] = {}
    values: dict[str, object] = {}
    if query.mode == QUERY:
        parameters["KeyConditionExpression"] = _expression(query.key_conditions, "k", names, values)
    if query.filters:
        parameters["FilterExpression"] = _expression(query.filters, "f", names, values)
    if names:
        parameters["ExpressionAttributeNames"] = names
    if values:
        parameters["ExpressionAttributeValues"] = values
    return parameters


def _expression(conditions: Sequence[Condition], prefix: str, names: dict[str, str],
                values: dict[str, object]) -> str:
    clauses = []
    for number, condition in enumerate(conditions):
        name = f"#{prefix}{number}"
        names[name] = condition.attribute
        placeholders = []
        for position, value in enumerate(condition.values):
            placeholder = f":{prefix}{number}{'ab'[position]}"
            values[placeholder] = value
            placeholders.append(placeholder)
        clauses.append(_clause(condition.operator, name, placeholders))
    return " AND ".join(clauses)


def _clause(operator: str, name: str, placeholders: list[str]) -> str:
    if operator in COMPARISONS:
        return f"{name} {operator} {placeholders[0]}"
    if operator == "between":
        return f"{name} BETWEEN {placeholders[0]} AND {placeholders[1]}"
    if operator == "begins_with":
        return f"begins_with({name}, {placeholders[0]})"
    if operator == "contains":
        return f"contains({name}, {placeholders[0]})"
    if operator == "not_contains":
        return f"NOT contains({name}, {placeholders[0]})"
    if operator == "exists":
        return f"attribute_exists({name})"
    if operator == "not_exists":
        return f"attribute_not_exists({name})"
    raise ValueError(f"unknown operator {operator!r}")


def read_page(query: ItemQuery, page_token: str | None = None) -> ItemPage:
    """One page of a Scan or Query, starting after the key `page_token` stands for."""
    start_key = item_json.decode_key(page_token) if page_token else None
    page, _ = _read(query, start_key)
    return page


def _read(query: ItemQuery, start_key: dict | None) -> tuple[ItemPage, dict | None]:
    parameters = request_parameters(query, start_key)
    if "ExpressionAttributeValues" in parameters:
        parameters["ExpressionAttributeValues"] = item_json.to_wire(
            parameters["ExpressionAttributeValues"])  # type: ignore[arg-type]
    dynamodb = client("dynamodb")
    with aws_errors(_ACTIONS[query.mode], f"Table {query.table_name}"):
        reply = dynamodb.query(**parameters) if query.mode == QUERY else dynamodb.scan(**parameters)
    last_key = reply.get("LastEvaluatedKey")
    page = ItemPage(
        items=[item_json.from_wire(attributes) for attributes in reply.get("Items", [])],
        next_token=item_json.encode_key(last_key) if last_key else None,
        count=int(reply.get("Count", 0)), scanned_count=int(reply.get("ScannedCount", 0)))
    return page, last_key


def export_pages(query: ItemQuery) -> Iterator[ItemPage]:
    """Every page of the Scan or Query from its start, in DynamoDB's own 1 MB pages.

    The first page is read now, so a bad query or an AWS error raises here rather than in the
    middle of a download; the rest are read one at a time as the iterator is consumed.
    """
    whole = dataclasses.replace(query, page_size=None)
    first, last_key = _read(whole, None)
    return _following_pages(whole, first, last_key, current_region())


def _following_pages(query: ItemQuery, first: ItemPage, last_key: dict | None,
                     region: str) -> Iterator[ItemPage]:
    yield first
    while last_key:
        # A streamed response is consumed after the view returned: keep the request's region.
        with using_region(region):
            page, last_key = _read(query, last_key)
        yield page


def page_columns(items: Sequence[dict], key_names: Sequence[str]) -> list[str]:
    """The attributes on a page: key attributes first in the order given, then the rest sorted."""
    present: set[str] = set()
    for item in items:
        present.update(item)
    keys = [name for name in dict.fromkeys(key_names) if name in present]
    return keys + sorted(present.difference(keys))


def item_rows(items: Sequence[dict], columns: Sequence[str],
              key_names: Sequence[str]) -> list[ItemRow]:
    """Each item as a row of cells in `columns` order (None where it lacks the attribute)."""
    return [ItemRow(key_token=item_json.item_key_token(item, key_names),
                    cells=[Cell(item_json.cell_text(item[column]), item_json.type_label(item[column]))
                           if column in item else None for column in columns])
            for item in items]

