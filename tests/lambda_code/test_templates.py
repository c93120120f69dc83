"""The lambda_code/ templates, run as handlers under moto's in-process DynamoDB."""
from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from webapp.config import PROJECT_ROOT

CONTEXT = SimpleNamespace(aws_request_id="c0ffee00-0000-4000-8000-000000000000")


def load_template(name: str) -> ModuleType:
    path = PROJECT_ROOT / "lambda_code" / name / "lambda_function.py"
    spec = importlib.util.spec_from_file_location(f"template_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def proxy_event(method: str, resource: str, item_id: str | None = None,
                body: Any = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "resource": resource, "path": resource.replace("{id}", item_id or ""),
        "httpMethod": method, "headers": None, "queryStringParameters": query,
        "pathParameters": {"id": item_id} if item_id else None,
        "body": None if body is None else (body if isinstance(body, str) else json.dumps(body)),
        "isBase64Encoded": False,
    }


def test_hello_greets_by_name() -> None:
    hello = load_template("hello")
    reply = hello.lambda_handler({"name": "Kim"}, CONTEXT)
    assert reply["statusCode"] == 200
    assert json.loads(reply["body"])["message"] == "Hello, Kim!"
    assert json.loads(hello.lambda_handler({}, CONTEXT)["body"])["message"] == "Hello, world!"


@pytest.fixture
def items(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-2")
    monkeypatch.setenv("TABLE_NAME", "Items")
    with mock_aws():
        boto3.client("dynamodb", region_name="ap-northeast-2").create_table(
            TableName="Items", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        yield load_template("items")


def call(items: ModuleType, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    reply = items.lambda_handler(proxy_event(*args, **kwargs), CONTEXT)
    assert isinstance(reply["body"], str)
    return reply["statusCode"], json.loads(reply["body"]) if reply["body"] else None


def test_items_crud(items: ModuleType) -> None:
    status, created = call(items, "POST", "/items", body={"name": "pen", "price": 1.25})
    assert status == 201 and created["price"] == 1.25
    item_id = created["id"]
    assert call(items, "GET", "/items/{id}", item_id) == (200, created)
    status, replaced = call(items, "PUT", "/items/{id}", item_id, body={"name": "pencil", "qty": 3})
    assert status == 200 and replaced == {"id": item_id, "name": "pencil", "qty": 3}
    status, listing = call(items, "GET", "/items")
    assert status == 200 and listing["items"] == [replaced]
    assert call(items, "DELETE", "/items/{id}", item_id) == (204, None)
    assert call(items, "GET", "/items/{id}", item_id)[0] == 404


def test_items_lists_in_pages(items: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(items, "PAGE_SIZE", 2)
    for number in range(5):
        call(items, "PUT", "/items/{id}", f"i{number}", body={})
    seen: list[str] = []
    query = None
    while True:
        _, page = call(items, "GET", "/items", query=query)
        seen += [item["id"] for item in page["items"]]
        if "next" not in page:
            break
        query = {"next": page["next"]}
    assert sorted(seen) == [f"i{n}" for n in range(5)]


def test_items_rejects_bad_json(items: ModuleType) -> None:
    status, body = call(items, "POST", "/items", body="{not json")
    assert status == 400 and "not valid JSON" in body["message"]
    assert call(items, "POST", "/items", body="[1]")[0] == 400
    assert call(items, "PATCH", "/items/{id}", "x")[0] == 405


def test_items_reports_access_denied_as_500(items: ModuleType, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    message = ("User: arn:aws:sts::123456789012:assumed-role/basic/items is not authorized to "
               "perform: dynamodb:Scan on resource: arn:aws:dynamodb:ap-northeast-2:123456789012:"
               "table/Items because no identity-based policy allows the dynamodb:Scan action")

    class Denied:
        def scan(self, **_: Any) -> None:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}}, "Scan")

    monkeypatch.setattr(items, "table", Denied)
    status, body = call(items, "GET", "/items")
    assert status == 500 and body == {"message": message, "error": "AccessDeniedException"}
    assert f"[ERROR] AccessDeniedException: {message}" in capsys.readouterr().out
