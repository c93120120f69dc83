"""Parsing and checking the create-table form: what the user typed in, a NewTable and errors out."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from webapp.aws.dynamodb.tables import KeyAttribute, NewIndex, NewTable
from webapp.views.confirm_forms import ConfirmNameForm, parse_confirm_name
from webapp.views.form_numbers import parse_whole_number

# Table and index names: 3 to 255 of these characters (DynamoDB's naming rules).
RESOURCE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
MAX_ATTRIBUTE_NAME = 255
KEY_TYPES = {"S": "String", "N": "Number", "B": "Binary"}
BILLING_MODES = ("PAY_PER_REQUEST", "PROVISIONED")
PROJECTIONS = ("ALL", "KEYS_ONLY")
CAPACITY_RANGE = (1, 40000)
# The create form offers this many global secondary indexes (AWS allows 20 per table).
MAX_INDEX_ROWS = 5
# One list per field of an index row, in row order: request.form.getlist(name).
INDEX_FIELDS = ("index_name", "index_pk_name", "index_pk_type", "index_sk_name", "index_sk_type",
                "index_projection", "index_read_capacity", "index_write_capacity")


@dataclass
class IndexRow:
    """One index row of the create form, as typed."""

    index_name: str = ""
    pk_name: str = ""
    pk_type: str = "S"
    sk_name: str = ""
    sk_type: str = "S"
    projection: str = "ALL"
    read_capacity: str = "1"
    write_capacity: str = "1"

    @property
    def is_blank(self) -> bool:
        """A row with no name and no keys is ignored."""
        return not (self.index_name or self.pk_name or self.sk_name)


@dataclass
class CreateTableForm:
    """The create-table form as typed, and what is wrong with it (errors keyed by field)."""

    table_name: str = ""
    pk_name: str = ""
    pk_type: str = "S"
    sk_name: str = ""
    sk_type: str = "S"
    billing_mode: str = "PAY_PER_REQUEST"
    read_capacity: str = "5"
    write_capacity: str = "5"
    indexes: list[IndexRow] = field(default_factory=lambda: [IndexRow()])
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_provisioned(self) -> bool:
        """True when the user chose provisioned capacity."""
        return self.billing_mode == "PROVISIONED"

    def spec(self) -> NewTable:
        """The table to create; call only when there are no errors."""
        provisioned = self.is_provisioned
        return NewTable(
            table_name=self.table_name,
            partition_key=KeyAttribute(self.pk_name, self.pk_type),
            sort_key=KeyAttribute(self.sk_name, self.sk_type) if self.sk_name else None,
            billing_mode=self.billing_mode,
            read_capacity=int(self.read_capacity) if provisioned else None,
            write_capacity=int(self.write_capacity) if provisioned else None,
            indexes=[NewIndex(
                index_name=row.index_name,
                partition_key=KeyAttribute(row.pk_name, row.pk_type),
                sort_key=KeyAttribute(row.sk_name, row.sk_type) if row.sk_name else None,
                projection=row.projection,
                read_capacity=int(row.read_capacity) if provisioned else None,
                write_capacity=int(row.write_capacity) if provisioned else None,
            ) for row in self.indexes if not row.is_blank],
        )


def index_rows(values: MultiDict[str, str]) -> list[IndexRow]:
    """The index rows in `values` (a form or query string), in order, blank ones included."""
    columns = [values.getlist(name) for name in INDEX_FIELDS]
    count = max((len(column) for column in columns), default=0)
    defaults = IndexRow()
    rows = []
    for position in range(count):
        cell = [column[position].strip() if position < len(column) else None for column in columns]
        rows.append(IndexRow(
            index_name=cell[0] or "", pk_name=cell[1] or "", pk_type=cell[2] or defaults.pk_type,
            sk_name=cell[3] or "", sk_type=cell[4] or defaults.sk_type,
            projection=cell[5] or defaults.projection,
            read_capacity=cell[6] if cell[6] is not None else defaults.read_capacity,
            write_capacity=cell[7] if cell[7] is not None else defaults.write_capacity))
    return rows


def parse_create_table_form(form: MultiDict[str, str]) -> CreateTableForm:
    """Read and check the create form as DynamoDB would, before anything is sent."""
    parsed = CreateTableForm(
        table_name=form.get("table_name", "").strip(),
        pk_name=form.get("pk_name", "").strip(), pk_type=form.get("pk_type", "S"),
        sk_name=form.get("sk_name", "").strip(), sk_type=form.get("sk_type", "S"),
        billing_mode=form.get("billing_mode", "PAY_PER_REQUEST"),
        read_capacity=form.get("read_capacity", "").strip(),
        write_capacity=form.get("write_capacity", "").strip(),
        indexes=index_rows(form) or [IndexRow()],
    )
    errors = parsed.errors
    if not RESOURCE_NAME.match(parsed.table_name):
        errors["table_name"] = _name_rule()
    if parsed.billing_mode not in BILLING_MODES:
        errors["billing_mode"] = gettext("Choose on-demand or provisioned capacity.")
    elif parsed.is_provisioned:
        _check_capacity(parsed.read_capacity, "read_capacity", errors)
        _check_capacity(parsed.write_capacity, "write_capacity", errors)
    types: dict[str, str] = {}
    _check_key(parsed.pk_name, parsed.pk_type, "pk_name", types, errors, required=True)
    _check_key(parsed.sk_name, parsed.sk_type, "sk_name", types, errors, required=False)
    if parsed.sk_name and parsed.sk_name == parsed.pk_name:
        errors["sk_name"] = gettext("The sort key must have another name than the partition key.")
    _check_indexes(parsed, types, errors)
    return parsed


def _name_rule() -> str:
    return gettext("Use 3 to 255 letters, digits, underscores (_), hyphens (-) or dots (.).")


def _check_capacity(raw: str, name: str, errors: dict[str, str]) -> None:
    low, high = CAPACITY_RANGE
    if parse_whole_number(raw, low, high) is None:
        errors[name] = gettext("Capacity units must be a whole number from %(low)s to %(high)s.",
                               low=low, high=high)


def _check_key(name: str, key_type: str, field_name: str, types: dict[str, str],
               errors: dict[str, str], *, required: bool) -> None:
    """Check one key attribute; `types` remembers each attribute's type across all key schemas."""
    if not name:
        if required:
            errors[field_name] = gettext("Name the partition key attribute.")
        return
    if len(name.encode()) > MAX_ATTRIBUTE_NAME:
        errors[field_name] = gettext("An attribute name may be at most 255 bytes long.")
    elif key_type not in KEY_TYPES:
        errors[field_name] = gettext("Choose String, Number or Binary.")
    elif types.setdefault(name, key_type) != key_type:
        errors[field_name] = gettext(
            "%(name)s is already a key of type %(type)s: one attribute has one type in all keys.",
            name=name, type=gettext(KEY_TYPES[types[name]]))


def _check_indexes(parsed: CreateTableForm, types: dict[str, str], errors: dict[str, str]) -> None:
    used_names: set[str] = set()
    rows = [(position, row) for position, row in enumerate(parsed.indexes) if not row.is_blank]
    if len(rows) > MAX_INDEX_ROWS:
        errors["indexes"] = gettext("Create at most %(count)s indexes here; add more later.",
                                    count=MAX_INDEX_ROWS)
    for position, row in rows:
        prefix = f"index-{position}-"
        if not RESOURCE_NAME.match(row.index_name):
            errors[prefix + "name"] = _name_rule()
        elif row.index_name in used_names:
            errors[prefix + "name"] = gettext("Another index already has this name.")
        used_names.add(row.index_name)
        _check_key(row.pk_name, row.pk_type, prefix + "pk_name", types, errors, required=True)
        _check_key(row.sk_name, row.sk_type, prefix + "sk_name", types, errors, required=False)
        if row.sk_name and row.sk_name == row.pk_name:
            errors[prefix + "sk_name"] = gettext(
                "The sort key must have another name than the partition key.")
        if row.projection not in PROJECTIONS:
            errors[prefix + "projection"] = gettext("Choose ALL or KEYS_ONLY.")
        if parsed.is_provisioned:
            _check_capacity(row.read_capacity, prefix + "read_capacity", errors)
            _check_capacity(row.write_capacity, prefix + "write_capacity", errors)


def parse_delete_form(form: MultiDict[str, str], table_name: str) -> ConfirmNameForm:
    """The typed name must be the table's own, exactly."""
    return parse_confirm_name(form, table_name, gettext(
        "Type the table's name, %(table_name)s, exactly to delete it.", table_name=table_name))
