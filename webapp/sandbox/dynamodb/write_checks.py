"""DeleteItem's and BatchWriteItem's requests checked as AWS checks them, before moto runs them.

The DynamoDB API Reference and what DynamoDB answers (all ValidationException, HTTP 400):

* BatchWriteItem takes 1 to 25 requests per table (RequestItems: "Map value must satisfy
  constraint: [Member must have length less than or equal to 25, Member must have length
  greater than or equal to 1]", in the request validator's "1 validation error detected: Value
  '…' at 'requestItems' failed to satisfy constraint: …" form), and at most 25 in all ("Too many
  items requested for the BatchWriteItem call"). moto wrote any number.
* A DeleteRequest's Key, like DeleteItem's, must name exactly the key attributes, of their
  types: "The provided key element does not match the schema". moto deleted nothing and said
  nothing for a key of the wrong type, and answered "Validation Exception" for a missing one.
* "Provided list of item keys contains duplicates": two requests for the same item, a put and a
  delete alike (moto caught two puts only).

PutRequest items with a missing or mistyped key get moto's messages, which are AWS's.
"""
from werkzeug.wrappers import Request, Response

from webapp.sandbox.dispatch import AwsOperation, Dispatcher
from webapp.sandbox.dynamodb.errors import validation_error
from webapp.sandbox.dynamodb.key_schema import KEY_MISMATCH, key_matches, key_of, table_of
from webapp.sandbox.dynamodb.request_body import parameters

MAX_WRITES = 25
DUPLICATES = "Provided list of item keys contains duplicates"
TOO_MANY = "Too many items requested for the BatchWriteItem call"
# The Java type AWS's validator names when it prints a rejected request map.
WRITE_REQUEST_TYPE = "com.amazonaws.dynamodb.v20120810.WriteRequest"


def register(dispatcher: Dispatcher, account_id: str) -> None:
    """Check DeleteItem's key and BatchWriteItem's requests before moto sees them."""

    @dispatcher.register("dynamodb", "DeleteItem")
    def delete_item(request: Request, operation: AwsOperation) -> Response | None:
        asked = parameters(request)
        table = table_of(account_id, operation.region, str(asked.get("TableName", "")))
        if table is None or "Key" not in asked or key_matches(table, asked["Key"]):
            return None
        return validation_error(KEY_MISMATCH)

    @dispatcher.register("dynamodb", "BatchWriteItem")
    def batch_write_item(request: Request, operation: AwsOperation) -> Response | None:
        requests = parameters(request).get("RequestItems")
        if not isinstance(requests, dict):
            return None
        refusal = count_refusal(requests)
        if refusal is not None:
            return validation_error(refusal)
        for table_name, writes in requests.items():
            table = table_of(account_id, operation.region, table_name)
            if table is None or not isinstance(writes, list):
                return None  # moto answers ResourceNotFoundException or a malformed request
            message = writes_refusal(table, writes)
            if message is not None:
                return validation_error(message)
        return None


def count_refusal(requests: dict) -> str | None:
    """AWS's message for too many (or no) writes for a table, or in all; None if they fit."""
    for writes in requests.values():
        if isinstance(writes, list) and not 1 <= len(writes) <= MAX_WRITES:
            return ("1 validation error detected: Value '" + _java_map(requests)
                    + "' at 'requestItems' failed to satisfy constraint: Map value must satisfy "
                    "constraint: [Member must have length less than or equal to 25, Member must "
                    "have length greater than or equal to 1]")
    total = sum(len(writes) for writes in requests.values() if isinstance(writes, list))
    return TOO_MANY if total > MAX_WRITES else None


def _java_map(requests: dict) -> str:
    """The request map as AWS's validator prints it: Java's Map and List toString."""
    tables = ", ".join(
        f"{name}=[" + ", ".join(WRITE_REQUEST_TYPE for _ in writes) + "]"
        for name, writes in requests.items() if isinstance(writes, list))
    return "{" + tables + "}"


def writes_refusal(table: object, writes: list) -> str | None:
    """AWS's message for a delete key off the schema or two writes of one item, else None."""
    seen: set[tuple[str, ...]] = set()
    for write in writes:
        if not isinstance(write, dict):
            return None
        delete, put = write.get("DeleteRequest"), write.get("PutRequest")
        if isinstance(delete, dict):
            if not key_matches(table, delete.get("Key")):
                return KEY_MISMATCH
            key = key_of(table, delete["Key"])
        elif isinstance(put, dict) and isinstance(put.get("Item"), dict):
            try:
                key = key_of(table, put["Item"])
            except (KeyError, AttributeError):
                return None  # a key missing from the item: moto says so as AWS does
        else:
            return None
        if key in seen:
            return DUPLICATES
        seen.add(key)
    return None
