"""Writing one item: read it, create it without overwriting, save it only if unchanged, delete it.

Items are python items (item_json's plain values: Decimal numbers, sets, Binary) and become
AttributeValue maps with item_json.to_wire only here, at the boto3 boundary.

How a save stays safe: the editor keeps the item as it was opened (the "original"). Saving first
reads the item again with a consistent read and compares it with the original in python, which
also catches attributes someone ADDED meanwhile (a condition cannot name attributes it does not
know). Then PutItem carries a condition that every attribute of the original still has its
original value, so a change between that read and the write fails the write instead of being
overwritten. The only window left is an attribute added to the item after the read and before
the write: the condition cannot see it.

When the full condition would exceed DynamoDB's expression limits (4 KB of text, 300 operators:
items with very many attributes), it compares as many attributes as fit, those the user changed
first, and the PutItem asks for the item it replaced (ReturnValues ALL_OLD). If that is not the
original, someone changed an attribute the condition could not cover in the milliseconds between
the read and the write: the save returns the version it replaced so the editor can show it and
offer to restore it, instead of losing it silently. (A key change is a transaction, which cannot
return what it deleted; there the partial condition is the whole check.)
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from botocore.exceptions import ClientError

from webapp.aws.dynamodb import item_json
from webapp.aws.clients import client
from webapp.aws.errors import N_, AlreadyExists, Conflict, ConsoleError, NotFound, aws_errors

MAX_EXPRESSION_BYTES = 4096
MAX_EXPRESSION_OPERATORS = 300

ITEM_EXISTS = N_("An item with this key already exists in the table %(table)s; nothing was "
                 "written.")
ITEM_CHANGED = N_("The item changed since you opened it; nothing was written.")
ITEM_GONE = N_("The item was deleted since you opened it; nothing was written.")
NOTHING_TO_DELETE = N_("The item is no longer in the table %(table)s: someone deleted it "
                       "already.")


class ItemExistsError(AlreadyExists):
    """Creating (or moving to a new key) found an item with that key: nothing was written."""

    def __init__(self, table_name: str, key: dict) -> None:
        super().__init__(ITEM_EXISTS, field="item", table=table_name)
        self.key = key


class ConflictError(Conflict):
    """Saving found the item changed since it was opened; `current` is it now (None: deleted)."""

    def __init__(self, current: dict | None) -> None:
        super().__init__(ITEM_CHANGED if current is not None else ITEM_GONE, field="item")
        self.current = current


@dataclass(frozen=True, slots=True)
class Condition:
    """A ConditionExpression with its placeholders, ready to pass to boto3.

    `complete` is False when an unchanged-condition had to leave attributes out to fit.
    """

    expression: str
    names: dict[str, str]
    values: dict[str, dict]
    complete: bool = True

    def parameters(self) -> dict[str, object]:
        """The keyword arguments for PutItem, DeleteItem or a transaction part."""
        parameters: dict[str, object] = {"ConditionExpression": self.expression,
                                         "ExpressionAttributeNames": self.names}
        if self.values:
            parameters["ExpressionAttributeValues"] = self.values
        return parameters


def not_exists_condition(partition_key: str) -> Condition:
    """True only when no item has this key: attribute_not_exists on the partition key."""
    return Condition("attribute_not_exists(#pk)", {"#pk": partition_key}, {})


def exists_condition(key_names: Sequence[str]) -> Condition:
    """True only when the item exists: attribute_exists on each key attribute."""
    return Condition(
        " AND ".join(f"attribute_exists(#k{position})" for position in range(len(key_names))),
        {f"#k{position}": name for position, name in enumerate(key_names)}, {})


def unchanged_condition(original: Mapping[str, object], key_names: Sequence[str],
                        first: Sequence[str] = ()) -> Condition:
    """True only while every attribute of `original` still has its value and the item exists.

    Names and values always go through placeholders. When comparing every attribute would exceed
    DynamoDB's expression limits, compares as many as fit, the names in `first` (the attributes
    the user changed) before the rest, and says so with complete=False.
    """
    key_only = exists_condition(key_names)
    names = dict(key_only.names)
    values: dict[str, dict] = {}
    parts = [key_only.expression]
    size = len(key_only.expression.encode())
    others = [name for name in original if name not in key_names]
    wanted = [name for name in dict.fromkeys(first) if name in others]
    ordered = wanted + sorted(name for name in others if name not in wanted)
    for position, attribute in enumerate(ordered):
        part = f"#a{position} = :v{position}"
        # One function per key attribute, one comparison per other attribute, the ANDs between.
        operators = 2 * (len(key_names) + position + 1) - 1
        size += len(" AND ".encode()) + len(part.encode())
        if size > MAX_EXPRESSION_BYTES or operators > MAX_EXPRESSION_OPERATORS:
            break
        names[f"#a{position}"] = attribute
        values[f":v{position}"] = item_json.to_wire({attribute: original[attribute]})[attribute]
        parts.append(part)
    return Condition(" AND ".join(parts), names, values, complete=len(parts) == len(ordered) + 1)


def changed_attributes(original: Mapping[str, object], edited: Mapping[str, object]) -> list[str]:
    """The attributes of `original` that `edited` changes or removes, sorted."""
    return sorted(name for name in original
                  if name not in edited or edited[name] != original[name])


def _wire_key(item: Mapping[str, object], key_names: Sequence[str]) -> dict:
    return item_json.to_wire(item_json.key_of(dict(item), key_names))


def get_item(table_name: str, key: Mapping[str, object]) -> dict | None:
    """The item with this key (python values) read consistently, or None when there is none."""
    with aws_errors(N_("read the item"), f"Table {table_name}"):
        reply = client("dynamodb").get_item(TableName=table_name, Key=item_json.to_wire(dict(key)),
                                            ConsistentRead=True)
    attributes = reply.get("Item")
    return item_json.from_wire(attributes) if attributes else None


def create_item(table_name: str, item: Mapping[str, object], partition_key: str) -> None:
    """Put a new item; ItemExistsError when an item with its key exists (never overwrites)."""
    condition = not_exists_condition(partition_key)
    try:
        with aws_errors(N_("create the item"), f"Table {table_name}"):
            client("dynamodb").put_item(TableName=table_name, Item=item_json.to_wire(dict(item)),
                                        **condition.parameters())
    except ConsoleError as err:
        if err.aws_code == "ConditionalCheckFailedException":
            raise ItemExistsError(table_name, dict(item)) from err
        raise


def save_item(table_name: str, original: Mapping[str, object], edited: Mapping[str, object],
              key_names: Sequence[str]) -> dict | None:
    """Replace `original` by `edited` only if the item is still as it was opened.

    ConflictError (carrying the current item, or None when it was deleted) when it is not.
    When the key changed, the new item is put and the old one deleted in one transaction;
    ItemExistsError when an item already has the new key.

    Returns None, or, for an item too wide for a full condition, the version this save replaced
    when that was not the original after all (someone's change landed just before the write).
    """
    old_key = item_json.key_of(dict(original), key_names)
    current = get_item(table_name, old_key)
    if current != dict(original):
        raise ConflictError(current)
    if item_json.key_of(dict(edited), key_names) == old_key:
        return _put_unchanged(table_name, original, edited, key_names)
    _move_item(table_name, original, edited, key_names)
    return None


def _put_unchanged(table_name: str, original: Mapping[str, object],
                   edited: Mapping[str, object], key_names: Sequence[str]) -> dict | None:
    condition = unchanged_condition(original, key_names, changed_attributes(original, edited))
    parameters = condition.parameters()
    if not condition.complete:
        parameters["ReturnValues"] = "ALL_OLD"
    try:
        with aws_errors(N_("save the item"), f"Table {table_name}"):
            reply = client("dynamodb").put_item(TableName=table_name,
                                                Item=item_json.to_wire(dict(edited)), **parameters)
    except ConsoleError as err:
        if err.aws_code == "ConditionalCheckFailedException":
            raise ConflictError(get_item(table_name, item_json.key_of(dict(original), key_names))
                                ) from err
        raise
    if condition.complete:
        return None
    replaced = item_json.from_wire(reply.get("Attributes") or {})
    return None if replaced == dict(original) else replaced


def _move_item(table_name: str, original: Mapping[str, object], edited: Mapping[str, object],
               key_names: Sequence[str]) -> None:
    put_condition = not_exists_condition(key_names[0])
    delete_condition = unchanged_condition(original, key_names)
    parts = [
        {"Put": {"TableName": table_name, "Item": item_json.to_wire(dict(edited)),
                 **put_condition.parameters()}},
        {"Delete": {"TableName": table_name, "Key": _wire_key(original, key_names),
                    **delete_condition.parameters()}},
    ]
    try:
        with aws_errors(N_("save the item under its new key"), f"Table {table_name}"):
            client("dynamodb").transact_write_items(TransactItems=parts)
    except ConsoleError as err:
        failed = _failed_parts(err)
        if len(failed) == 2 and failed[0]:
            raise ItemExistsError(table_name, dict(edited)) from err
        if len(failed) == 2 and failed[1]:
            raise ConflictError(get_item(table_name, item_json.key_of(dict(original), key_names))
                                ) from err
        raise


def _failed_parts(err: ConsoleError) -> list[bool]:
    """Which parts of a cancelled transaction failed their condition (CancellationReasons)."""
    cause = err.__cause__
    if err.aws_code != "TransactionCanceledException" or not isinstance(cause, ClientError):
        return []
    return [reason.get("Code") == "ConditionalCheckFailed"
            for reason in cause.response.get("CancellationReasons", [])]


def delete_item(table_name: str, key: Mapping[str, object], key_names: Sequence[str]) -> None:
    """Delete the item with this key; a ConsoleError when it is not there (anymore)."""
    condition = exists_condition(key_names)
    try:
        with aws_errors(N_("delete the item"), f"Table {table_name}"):
            client("dynamodb").delete_item(TableName=table_name, Key=item_json.to_wire(dict(key)),
                                           **condition.parameters())
    except ConsoleError as err:
        if err.aws_code == "ConditionalCheckFailedException":
            raise NotFound(NOTHING_TO_DELETE, field="item", table=table_name) from err
        raise
