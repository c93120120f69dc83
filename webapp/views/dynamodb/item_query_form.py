"""The items page's GET form: what the user typed in, an ItemQuery and errors out."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from webapp.aws.dynamodb.tables import KeyAttribute, Table
from webapp.aws.errors import ConsoleError
from webapp.aws.dynamodb.item_queries import (
    DEFAULT_PAGE_SIZE, FILTER_OPERATORS, PAGE_SIZES, QUERY, SCAN, SORT_KEY_OPERATORS, Condition,
    ItemQuery, typed_value, value_count,
)
from webapp.views.form_numbers import MAX_DIGITS, parse_whole_number
from webapp.views.rendering import error_text

# Filter rows appear on demand ("Add filter"), as in the DynamoDB console, up to this many.
MAX_FILTERS = 20
# A filter row's fields are f<number>_name, f<number>_op …; a row is there when its name is.
FILTER_NAME_FIELD = re.compile(r"f([0-9]{1,3})_name")
# The no-JavaScript buttons: the form comes back with one row more, or without one row.
ADD_FILTER, REMOVE_FILTER = "add_filter", "remove_filter"
# The "Previous page" stack keeps the start tokens of this many pages back; each is a URL
# parameter of up to MAX_KEY_TOKEN characters, so an uncapped stack outgrows any URL limit.
MAX_BACK_PAGES = 20
FILTER_TYPES = ("S", "N", "BOOL", "NULL")
# Booleans and nulls have no order and no substrings.
UNORDERED_OPERATORS = ("=", "<>", "exists", "not_exists")


@dataclass
class FilterRow:
    """One filter row as typed: attribute name, operator, value type and up to two values."""

    number: int
    name: str = ""
    operator: str = "="
    value_type: str = "S"
    value: str = ""
    value2: str = ""

    def field(self, part: str) -> str:
        """The form field name of one part of this row, e.g. f1_value."""
        return f"f{self.number}_{part}"


@dataclass
class ItemQueryForm:
    """The browse form as typed, where the pages are, and what is wrong with it."""

    mode: str = SCAN
    index: str = ""
    partition_value: str = ""
    sort_operator: str = ""
    sort_value: str = ""
    sort_value2: str = ""
    filters: list[FilterRow] = field(default_factory=list)
    page_size: int = DEFAULT_PAGE_SIZE
    start: str = ""
    back: list[str] = field(default_factory=list)
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)
    query: ItemQuery | None = None

    def query_args(self) -> dict[str, object]:
        """The form's fields as URL parameters (empty ones left out), without the page."""
        args: dict[str, object] = {"mode": self.mode, "size": self.page_size}
        if self.index:
            args["index"] = self.index
        if self.mode == QUERY:
            args.update({"pk": self.partition_value, "sk_op": self.sort_operator or None,
                         "sk": self.sort_value or None, "sk2": self.sort_value2 or None})
        for row in self.filters:
            if row.name:
                args.update({row.field("name"): row.name, row.field("op"): row.operator,
                             row.field("type"): row.value_type, row.field("value"): row.value,
                             row.field("value2"): row.value2 or None})
        return {name: value for name, value in args.items() if value is not None}

    @property
    def page_number(self) -> int:
        """1 for the first page, 2 for the next, and so on."""
        if not self.start:
            return 1
        return max(self.page, len(self.back) + 2)

    def first_page_args(self) -> dict[str, object]:
        """URL parameters of the first page."""
        return self.query_args()

    def next_page_args(self, next_token: str) -> dict[str, object]:
        """URL parameters of the following page: this page's start joins the (capped) stack."""
        back = [*self.back, self.start] if self.start else self.back
        return {**self.query_args(), "start": next_token, "back": back[-MAX_BACK_PAGES:],
                "page": self.page_number + 1}

    def previous_page_args(self) -> dict[str, object] | None:
        """URL parameters of the page before this one; None when the stack no longer holds it."""
        if not self.start:
            return None
        if self.back:
            return {**self.query_args(), "start": self.back[-1], "back": self.back[:-1],
                    "page": self.page_number - 1}
        # An empty stack means page 2 (the previous is the first), unless it was cut off.
        return self.first_page_args() if self.page_number == 2 else None


def parse_page_size(raw: str | None) -> int:
    """The page size asked for, clamped to the sizes offered; 50 when it is not a number."""
    number = parse_whole_number(raw, 0, 10 ** MAX_DIGITS)
    if number is None:
        return DEFAULT_PAGE_SIZE
    return min(max(number, PAGE_SIZES[0]), PAGE_SIZES[-1])


def parse_item_query_form(args: MultiDict[str, str], table: Table) -> ItemQueryForm:
    """Read the form for `table`; `form.query` is set when nothing is wrong."""
    form = ItemQueryForm(
        mode=args.get("mode", SCAN), index=args.get("index", ""),
        partition_value=args.get("pk", ""), sort_operator=args.get("sk_op", ""),
        sort_value=args.get("sk", ""), sort_value2=args.get("sk2", ""),
        filters=_filter_rows(args),
        page_size=parse_page_size(args.get("size")), start=args.get("start", ""),
        back=[token for token in args.getlist("back") if token][-MAX_BACK_PAGES:],
        page=parse_whole_number(args.get("page"), 1, 10 ** MAX_DIGITS) or 1)
    if form.mode not in (SCAN, QUERY):
        form.errors["mode"] = gettext("Choose Scan or Query.")
    keys = _index_keys(table, form.index)
    if keys is None:
        form.errors["index"] = gettext("The table has no index %(index)s.", index=form.index)
    key_conditions = _key_conditions(form, keys) if form.mode == QUERY and keys else ()
    filters = tuple(condition for row in form.filters
                    if (condition := _filter_condition(row, form.errors)) is not None)
    if not form.errors:
        form.query = ItemQuery(table_name=table.name, mode=form.mode, index_name=form.index or None,
                               key_conditions=key_conditions, filters=filters,
                               page_size=form.page_size)
    return form


def _filter_rows(args: MultiDict[str, str]) -> list[FilterRow]:
    """The rows the form held, less one Remove asked for, plus one Add asked for, numbered
    1, 2, 3 … again so the numbers never outgrow the rows (htmx adds and removes leave gaps)."""
    removed = args.get(REMOVE_FILTER, "")
    numbers = sorted({int(match.group(1)) for name in args
                      if (match := FILTER_NAME_FIELD.fullmatch(name)) and match.group(1) != removed})
    rows = [_filter_row(args, number) for number in numbers][:MAX_FILTERS]
    if ADD_FILTER in args and len(rows) < MAX_FILTERS:
        rows.append(FilterRow(0))
    for position, row in enumerate(rows, start=1):
        row.number = position
    return rows


def _filter_row(args: MultiDict[str, str], number: int) -> FilterRow:
    row = FilterRow(number)
    row.name = args.get(row.field("name"), "").strip()
    row.operator = args.get(row.field("op"), "=")
    row.value_type = args.get(row.field("type"), "S")
    row.value = args.get(row.field("value"), "")
    row.value2 = args.get(row.field("value2"), "")
    return row


def _index_keys(table: Table,
                index_name: str) -> tuple[KeyAttribute, KeyAttribute | None] | None:
    if not index_name:
        return table.partition_key, table.sort_key
    index = next((index for index in table.indexes if index.name == index_name), None)
    return (index.partition_key, index.sort_key) if index else None


def _key_conditions(form: ItemQueryForm,
                    keys: tuple[KeyAttribute, KeyAttribute | None]) -> tuple[Condition, ...]:
    partition_key, sort_key = keys
    errors = form.errors
    if form.partition_value == "":
        errors["pk"] = gettext("A Query needs the partition key value (%(name)s).",
                               name=partition_key.name)
        return ()
    partition_value = _key_value(form.partition_value, partition_key, "pk", errors)
    conditions = [Condition(partition_key.name, "=", (partition_value,))]
    if not form.sort_operator or (form.sort_value == "" and form.sort_value2 == ""):
        return tuple(conditions)
    if sort_key is None:
        errors["sk"] = gettext("This table or index has no sort key: leave the condition empty.")
        return ()
    if form.sort_operator not in SORT_KEY_OPERATORS:
        errors["sk"] = gettext("Choose one of the listed sort key conditions.")
        return ()
    if form.sort_operator == "begins_with" and sort_key.type == "N":
        errors["sk"] = gettext("begins_with works on string and binary sort keys only.")
        return ()
    values = [_key_value(form.sort_value, sort_key, "sk", errors)]
    if form.sort_operator == "between":
        if form.sort_value2 == "":
            errors["sk2"] = gettext("between needs a second value: the upper end of the range.")
            return ()
        values.append(_key_value(form.sort_value2, sort_key, "sk2", errors))
    conditions.append(Condition(sort_key.name, form.sort_operator, tuple(values)))
    return tuple(conditions)


def _key_value(raw: str, key: KeyAttribute, name: str, errors: dict[str, str]) -> object:
    try:
        return typed_value(raw, key.type, key.name)
    except ConsoleError as err:
        errors[name] = error_text(err)
        return None


def _filter_condition(row: FilterRow, errors: dict[str, str]) -> Condition | None:
    if not row.name:
        if row.value or row.value2:
            errors[row.field("name")] = gettext("Name the attribute this filter applies to.")
        return None
    if row.operator not in FILTER_OPERATORS:
        errors[row.field("op")] = gettext("Choose one of the listed operators.")
        return None
    if row.value_type not in FILTER_TYPES:
        errors[row.field("type")] = gettext("Choose one of the listed value types.")
        return None
    if row.value_type in ("BOOL", "NULL") and row.operator not in UNORDERED_OPERATORS:
        errors[row.field("op")] = gettext(
            "A Boolean or Null value can only be compared with = or <>.")
        return None
    values = []
    for part, raw in (("value", row.value), ("value2", row.value2))[:value_count(row.operator)]:
        if part == "value2" and raw == "":
            errors[row.field(part)] = gettext(
                "between needs a second value: the upper end of the range.")
            continue
        try:
            values.append(typed_value(raw, row.value_type, row.name))
        except ConsoleError as err:
            errors[row.field(part)] = error_text(err)
    if any(row.field(part) in errors for part in ("value", "value2")):
        return None
    return Condition(row.name, row.operator, tuple(values))

