"""The lambda_code/ templates, run as handlers under moto's in-process DynamoDB."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from webapp.config import PROJECT_ROOT

from tests.helpers import needs_node

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


# The Node.js templates run on the machine's node, their AWS SDK replaced by an in-memory
# stand-in (tests/lambda_code/fake_sdk), each test's events through one process as one warm
# execution environment would serve them.
NODE = shutil.which("node")
requires_node = needs_node()
NODE_TEMPLATES = {"hello-nodejs": "index.js", "items-nodejs": "index.mjs"}
TESTS_DIR = Path(__file__).parent


@requires_node
@pytest.mark.parametrize("name", sorted(NODE_TEMPLATES))
def test_node_templates_parse(name: str) -> None:
    entry = PROJECT_ROOT / "lambda_code" / name / NODE_TEMPLATES[name]
    checked = subprocess.run([NODE, "--check", str(entry)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def run_node(tmp_path: Path, name: str, events: list[Any],
             env: dict[str, str] | None = None) -> tuple[list[dict[str, Any]], str]:
    """The template's replies to `events`, and what it logged."""
    task = tmp_path / "task"
    shutil.copytree(PROJECT_ROOT / "lambda_code" / name, task)
    (tmp_path / "node_modules").symlink_to(TESTS_DIR / "fake_sdk", target_is_directory=True)
    events_file = tmp_path / "events.json"
    events_file.write_text(json.dumps(events))
    ran = subprocess.run(
        [NODE, str(TESTS_DIR / "run_handler.mjs"), str(task / NODE_TEMPLATES[name]), str(events_file)],
        capture_output=True, text=True, env={"PATH": os.environ["PATH"], **(env or {})})
    assert ran.returncode == 0, ran.stderr
    logged, _, replies = ran.stdout.rstrip("\n").rpartition("\n")
    return json.loads(replies), logged + ran.stderr


@requires_node
def test_the_node_handlers_are_exported_as_index_handler(tmp_path: Path) -> None:
    for name in NODE_TEMPLATES:
        replies, _ = run_node(tmp_path / name, name, [{}], {"TABLE_NAME": "Items"})
        assert replies[0]["statusCode"] in (200, 405)


@requires_node
def test_hello_nodejs_greets_by_name(tmp_path: Path) -> None:
    replies, logged = run_node(tmp_path, "hello-nodejs", [{"name": "Kim"}, {}])
    assert [json.loads(reply["body"])["message"] for reply in replies] == ["Hello, Kim!",
                                                                          "Hello, world!"]
    assert json.loads(replies[0]["body"])["requestId"] == CONTEXT.aws_request_id
    assert "hello invoked for Kim" in logged


def node_bodies(replies: list[dict[str, Any]]) -> list[tuple[int, Any]]:
    for reply in replies:
        assert isinstance(reply["body"], str) and reply["headers"] == {"Content-Type": "application/json"}
    return [(reply["statusCode"], json.loads(reply["body"]) if reply["body"] else None)
            for reply in replies]


@requires_node
def test_items_nodejs_crud(tmp_path: Path) -> None:
    events = [
        proxy_event("PUT", "/items/{id}", "i1", body={"name": "pen", "price": 1.25}),
        proxy_event("GET", "/items/{id}", "i1"),
        proxy_event("POST", "/items", body={"name": "pencil", "qty": 3}),
        proxy_event("DELETE", "/items/{id}", "i1"),
        proxy_event("GET", "/items/{id}", "i1"),
        proxy_event("GET", "/items"),
    ]
    replies, _ = run_node(tmp_path, "items-nodejs", events, {"TABLE_NAME": "Items"})
    put, read, created, deleted, gone, listing = node_bodies(replies)
    assert put == read == (200, {"id": "i1", "name": "pen", "price": 1.25})
    assert created[0] == 201 and created[1]["name"] == "pencil" and created[1]["id"]
    assert deleted == (204, None)
    assert gone == (404, {"message": "no item with id i1"})
    assert listing == (200, {"items": [created[1]]})


@requires_node
def test_items_nodejs_lists_in_pages(tmp_path: Path) -> None:
    puts = [proxy_event("PUT", "/items/{id}", f"i{number}", body={}) for number in range(5)]
    first, _ = run_node(tmp_path / "first", "items-nodejs", [*puts, proxy_event("GET", "/items")],
                        {"TABLE_NAME": "Items", "FAKE_DYNAMODB_PAGE": "2"})
    _, page = node_bodies(first)[-1]
    assert [item["id"] for item in page["items"]] == ["i0", "i1"]
    follow = [*puts, proxy_event("GET", "/items", query={"next": page["next"]})]
    second, _ = run_node(tmp_path / "second", "items-nodejs", follow,
                         {"TABLE_NAME": "Items", "FAKE_DYNAMODB_PAGE": "2"})
    assert [item["id"] for item in node_bodies(second)[-1][1]["items"]] == ["i2", "i3"]


@requires_node
def test_items_nodejs_rejects_bad_json(tmp_path: Path) -> None:
    events = [proxy_event("POST", "/items", body="{not json"), proxy_event("POST", "/items", body="[1]"),
              proxy_event("PATCH", "/items/{id}", "x")]
    bad, array, patch = node_bodies(run_node(tmp_path, "items-nodejs", events, {"TABLE_NAME": "Items"})[0])
    assert bad[0] == 400 and "not valid JSON" in bad[1]["message"]
    assert array == (400, {"message": "body must be a JSON object"})
    assert patch == (405, {"message": "PATCH is not supported on /items/{id}"})


@requires_node
def test_items_nodejs_reports_access_denied_as_500(tmp_path: Path) -> None:
    message = ("User: arn:aws:sts::123456789012:assumed-role/basic/items is not authorized to "
               "perform: dynamodb:Scan on resource: arn:aws:dynamodb:ap-northeast-2:123456789012:"
               "table/Items because no identity-based policy allows the dynamodb:Scan action")
    replies, logged = run_node(tmp_path, "items-nodejs", [proxy_event("GET", "/items")],
                               {"TABLE_NAME": "Items", "FAKE_DYNAMODB_DENY": message})
    assert node_bodies(replies) == [(500, {"message": message, "error": "AccessDeniedException"})]
    assert f"[ERROR] AccessDeniedException: {message}" in logged
