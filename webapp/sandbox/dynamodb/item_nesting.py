"""DynamoDB's 32 levels of nesting, refused as AWS refuses them, before moto parses the body.

DynamoDB stores maps and lists nested at most 32 levels deep (the top-level attribute is level 1,
so 31 containers around a scalar), and refuses a deeper item with HTTP 400 ValidationException
"Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond
supported limit". moto stored such items, and a body nested some thousands of levels deep made
its JSON parser raise RecursionError: a 500.

Two checks, both before any other guard (authorization reads the body too):
* any DynamoDB request whose JSON nests deeper than MAX_BODY_NESTING, more than the deepest
  valid request needs (32 levels are 64 brackets plus the operation's envelope), is refused
  with that ValidationException without being parsed at all;
* the items PutItem, BatchWriteItem and TransactWriteItems would store are measured, and one
  deeper than MAX_ITEM_NESTING is refused the same way. Keys and expression values are checked
  by the first rule only (AWS checks them in some regions and not others).
"""
import json
import re
from collections.abc import Iterator

from werkzeug.wrappers import Request, Response

from webapp.sandbox.aws_errors import json_content_type
from webapp.sandbox.dispatch import Dispatcher
from webapp.sandbox.dynamodb import errors

TARGET_PREFIX = "DynamoDB_20120810."
MAX_ITEM_NESTING = 32
MAX_BODY_NESTING = 100
NESTING_MESSAGE = ("Nesting Levels have exceeded supported limits: Attributes in the item have "
                   "nested levels beyond supported limit")
CONTAINER_TYPES = ("M", "L")
# A JSON string (escapes skipped, maybe unterminated) or one bracket: strings are matched whole
# so their brackets are not counted.
_TOKEN = re.compile(rb'"(?:[^"\\]+|\\.)*"?|[\[\]{}]', re.DOTALL)
_OPENING = frozenset((b"[", b"{"))
_CLOSING = frozenset((b"]", b"}"))


def register(dispatcher: Dispatcher) -> None:
    """Refuse DynamoDB requests nested deeper than DynamoDB takes."""
    dispatcher.guard(refuse_deep_nesting)


def refuse_deep_nesting(request: Request) -> Response | None:
    """ValidationException for a DynamoDB request nested too deep; None for any other."""
    target = request.headers.get("X-Amz-Target", "")
    if not target.startswith(TARGET_PREFIX):
        return None
    body = request.get_data()
    if body_nesting(body) > MAX_BODY_NESTING:
        return validation_error(request)
    try:
        parameters = json.loads(body)
    except ValueError:
        return None  # moto answers malformed JSON as DynamoDB does
    items = stored_items(target.removeprefix(TARGET_PREFIX), parameters)
    if any(item_nesting(item) > MAX_ITEM_NESTING for item in items):
        return validation_error(request)
    return None


def body_nesting(body: bytes) -> int:
    """How deep the body's brackets nest, counted without parsing it (so at any depth)."""
    depth = deepest = 0
    for token in _TOKEN.finditer(body):
        mark = token.group()
        if mark in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
        elif mark in _CLOSING:
            depth -= 1
    return deepest


def stored_items(operation: str, parameters: object) -> Iterator[object]:
    """The items an operation would store, as sent (DynamoDB JSON)."""
    if not isinstance(parameters, dict):
        return
    if operation == "PutItem":
        yield parameters.get("Item")
    elif operation == "BatchWriteItem":
        for requests in _values(parameters.get("RequestItems")):
            for request in requests if isinstance(requests, list) else ():
                put = request.get("PutRequest") if isinstance(request, dict) else None
                yield put.get("Item") if isinstance(put, dict) else None
    elif operation == "TransactWriteItems":
        for entry in parameters.get("TransactItems") or ():
            put = entry.get("Put") if isinstance(entry, dict) else None
            yield put.get("Item") if isinstance(put, dict) else None


def item_nesting(item: object) -> int:
    """The nesting level of an item's deepest attribute: a scalar at the top level is 1."""
    return max((_value_nesting(value) for value in _values(item)), default=0)


def _value_nesting(value: object) -> int:
    if not isinstance(value, dict):
        return 1
    for kind in CONTAINER_TYPES:
        if kind in value:
            return 1 + max((_value_nesting(inner) for inner in _values(value[kind])), default=0)
    return 1


def _values(container: object) -> list[object]:
    if isinstance(container, dict):
        return list(container.values())
    return container if isinstance(container, list) else []


def validation_error(request: Request) -> Response:
    """DynamoDB's answer to an item nested too deep."""
    return errors.validation_error(NESTING_MESSAGE, json_content_type(request))
