"""A table's primary key against the keys and items a request names, with AWS's messages.

DynamoDB checks a request's keys against the table's key schema before anything is read or
written, and says what is wrong in these words (ValidationException, HTTP 400):

* a Key (GetItem, DeleteItem, a BatchWriteItem DeleteRequest) with a key attribute missing, an
  attribute that is not a key, or a key of the wrong type: "The provided key element does not
  match the schema";
* an Item (PutItem, a BatchWriteItem PutRequest, a PartiQL INSERT) without a key attribute:
  "One or more parameter values were invalid: Missing the key <name> in the item", or with one
  of the wrong type: "... Type mismatch for key <name> expected: <type> actual: <type>".
"""
from typing import Any

from moto.dynamodb.models import dynamodb_backends

KEY_MISMATCH = "The provided key element does not match the schema"
INVALID = "One or more parameter values were invalid: "


def table_of(account_id: str, region: str, table_name: str) -> Any | None:
    """moto's table of that name, or None."""
    try:
        return dynamodb_backends[account_id][region].tables.get(table_name)
    except KeyError:
        return None


def key_types(table: Any) -> dict[str, str]:
    """The table's key attributes, hash key first, with their types (S, N or B)."""
    types = {table.hash_key_attr: table.hash_key_type}
    if table.range_key_attr:
        types[table.range_key_attr] = table.range_key_type
    return types


def key_matches(table: Any, key: object) -> bool:
    """Whether `key` names exactly the table's key attributes, each of its type."""
    if not isinstance(key, dict):
        return False
    types = key_types(table)
    return set(key) == set(types) and all(
        isinstance(key[name], dict) and list(key[name]) == [kind]
        for name, kind in types.items())


def item_key_problem(table: Any, item: dict) -> str | None:
    """AWS's message for an item whose key attributes are missing or mistyped, else None."""
    for name, kind in key_types(table).items():
        value = item.get(name)
        if not isinstance(value, dict):
            return f"{INVALID}Missing the key {name} in the item"
        actual = next(iter(value), "")
        if actual != kind:
            return f"{INVALID}Type mismatch for key {name} expected: {kind} actual: {actual}"
    return None


def key_of(table: Any, item: dict) -> tuple[str, ...]:
    """The item's primary key, comparable with another's."""
    return tuple(repr(sorted(item[name].items())) for name in key_types(table))
