"""Items API: CRUD over a DynamoDB table for API Gateway's Lambda proxy integration (payload 1.0).

Routes (resource templates as API Gateway sends them):
  GET /items            list items (up to 100; ?next= continues)
  POST /items           create an item from the JSON body; `id` is made when missing
  GET /items/{id}       read one item
  PUT /items/{id}       create or replace one item
  DELETE /items/{id}    delete one item
Environment: TABLE_NAME (required), KEY_NAME (partition key attribute, default "id").
"""
from __future__ import annotations

import base64
import json
import os
import uuid
from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError

PAGE_SIZE = 100
JSON_HEADERS = {"Content-Type": "application/json"}

_table = None


def table() -> Any:
    """The DynamoDB table, made once per execution environment (warm starts reuse it)."""
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return _table


def key_name() -> str:
    return os.environ.get("KEY_NAME", "id")


class BadRequest(Exception):
    """The request cannot be served as sent."""


def _json_default(value: Any) -> Any:
    # DynamoDB numbers arrive as Decimal: keep integers integers and everything else exact.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"cannot encode {type(value).__name__}")


def respond(status: int, body: Any) -> dict[str, Any]:
    """A proxy response API Gateway accepts: body is always a string."""
    payload = "" if body is None else json.dumps(body, default=_json_default)
    return {"statusCode": status, "headers": JSON_HEADERS, "body": payload}


def parse_body(event: dict[str, Any]) -> dict[str, Any]:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode()
    try:
        item = json.loads(raw, parse_float=Decimal)
    except json.JSONDecodeError as err:
        raise BadRequest(f"body is not valid JSON: {err}") from err
    if not isinstance(item, dict):
        raise BadRequest("body must be a JSON object")
    return item


def list_items(event: dict[str, Any]) -> dict[str, Any]:
    query = event.get("queryStringParameters") or {}
    scan: dict[str, Any] = {"Limit": PAGE_SIZE}
    if query.get("next"):
        scan["ExclusiveStartKey"] = json.loads(base64.urlsafe_b64decode(query["next"]))
    page = table().scan(**scan)
    body: dict[str, Any] = {"items": page.get("Items", [])}
    if "LastEvaluatedKey" in page:
        token = json.dumps(page["LastEvaluatedKey"], default=_json_default).encode()
        body["next"] = base64.urlsafe_b64encode(token).decode()
    return respond(200, body)


def create_item(event: dict[str, Any]) -> dict[str, Any]:
    item = parse_body(event)
    item.setdefault(key_name(), str(uuid.uuid4()))
    table().put_item(Item=item)
    return respond(201, item)


def read_item(item_id: str) -> dict[str, Any]:
    found = table().get_item(Key={key_name(): item_id}).get("Item")
    if found is None:
        return respond(404, {"message": f"no item with {key_name()} {item_id}"})
    return respond(200, found)


def replace_item(event: dict[str, Any], item_id: str) -> dict[str, Any]:
    item = parse_body(event)
    item[key_name()] = item_id
    table().put_item(Item=item)
    return respond(200, item)


def delete_item(item_id: str) -> dict[str, Any]:
    table().delete_item(Key={key_name(): item_id})
    return respond(204, None)


def route(event: dict[str, Any]) -> dict[str, Any]:
    method = event.get("httpMethod", "")
    item_id = (event.get("pathParameters") or {}).get("id")
    if item_id is None:
        if method == "GET":
            return list_items(event)
        if method == "POST":
            return create_item(event)
    else:
        if method == "GET":
            return read_item(item_id)
        if method == "PUT":
            return replace_item(event, item_id)
        if method == "DELETE":
            return delete_item(item_id)
    return respond(405, {"message": f"{method} is not supported on {event.get('resource')}"})


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one API Gateway proxy request."""
    try:
        return route(event)
    except BadRequest as err:
        return respond(400, {"message": str(err)})
    except ClientError as err:
        # Logged whole: an AccessDeniedException here names the action and table the
        # execution role lacks, which is what the console (and CloudWatch) show to fix it.
        error = err.response.get("Error", {})
        print(f"[ERROR] {error.get('Code')}: {error.get('Message')}")
        return respond(500, {"message": error.get("Message"), "error": error.get("Code")})
