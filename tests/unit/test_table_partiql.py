"""The items page's PartiQL editor: prefilled, run by htmx, rows shown, errors beside the text
(which is kept), paging by NextToken, CSRF as every form."""
from __future__ import annotations

import html
import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from flask.testing import FlaskClient

from tests.helpers import csrf_token
from webapp.aws.dynamodb import partiql

REGION = "ap-northeast-2"
HTMX = {"HX-Request": "true"}
CELL = re.compile(r'<td (?:title="[^"]*" )?class="item-cell[^"]*">([^<]*)</td>')


@pytest.fixture
def orders(signed_in: FlaskClient) -> FlaskClient:
    """Table Orders (pk S) holding a, b and c."""
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(TableName="Orders", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for key, total in (("a", 1), ("b", 2), ("c", 3)):
        client.put_item(TableName="Orders", Item={"pk": {"S": key}, "total": {"N": str(total)}})
    return signed_in


def run(client: FlaskClient, statement: str, **fields: str) -> Any:
    token = csrf_token(client, "/tables/Orders/items")
    return client.post("/tables/Orders/partiql", headers=HTMX,
                       data={"statement": statement, "csrf_token": token, **fields})


def rows_of(page: str) -> list[list[str]]:
    body = page.split('id="partiql-rows">', 1)[1].split("</tbody>", 1)[0]
    return [[html.unescape(cell) for cell in CELL.findall(row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def textarea_of(page: str) -> str:
    match = re.search(r'<textarea id="partiql-statement"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no statement box"
    return html.unescape(match.group(1))


def error_of(page: str) -> str:
    match = re.search(r'<p class="field-error" id="partiql-error" role="alert">([^<]*)<', page)
    assert match, "no error beside the statement"
    return html.unescape(match.group(1))


class StubDynamoDB:
    """Answers ExecuteStatement with the replies given, in order, and keeps the requests."""

    def __init__(self, *replies: dict[str, Any] | Exception) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []

    def execute_statement(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def stub(monkeypatch: pytest.MonkeyPatch, *replies: dict[str, Any] | Exception) -> StubDynamoDB:
    dynamodb = StubDynamoDB(*replies)
    monkeypatch.setattr(partiql, "client", lambda service: dynamodb)
    return dynamodb


def test_the_items_page_offers_the_editor_closed_with_a_select_of_the_table(
        orders: FlaskClient) -> None:
    page = orders.get("/tables/Orders/items").text
    panel = page.split('id="partiql-editor"', 1)[1].split("</details>", 1)[0]
    assert "PartiQL editor" in panel
    assert not panel.lstrip().startswith("open")
    assert textarea_of(page) == 'SELECT * FROM "Orders"'
    assert 'name="csrf_token"' in panel


def test_a_select_shows_its_items_as_rows(orders: FlaskClient) -> None:
    reply = run(orders, 'SELECT * FROM "Orders"')
    assert reply.status_code == 200
    assert reply.text.startswith('\n<details class="panel partiql-editor" id="partiql-editor" open')
    assert sorted(rows_of(reply.text)) == [["a", "1"], ["b", "2"], ["c", "3"]]
    assert textarea_of(reply.text) == 'SELECT * FROM "Orders"'
    assert 'id="item-rows"' not in reply.text  # the fragment is the panel alone


def test_a_select_leaves_the_item_browser_as_it_is(orders: FlaskClient) -> None:
    reply = run(orders, 'SELECT * FROM "Orders"')
    assert 'id="item-browser"' not in reply.text
    assert "The items below are read again." not in reply.text


def test_a_select_with_a_where_clause(orders: FlaskClient) -> None:
    reply = run(orders, "SELECT * FROM \"Orders\" WHERE pk = 'b'")
    assert rows_of(reply.text) == [["b", "2"]]


def test_an_insert_writes_and_the_item_browser_is_read_again(orders: FlaskClient) -> None:
    reply = run(orders, "INSERT INTO \"Orders\" VALUE {'pk': 'd', 'total': 4}")
    assert reply.status_code == 200
    assert "The statement ran. The items below are read again." in reply.text
    editor, browser = reply.text.split('<div id="item-browser" hx-swap-oob="true">', 1)
    assert 'id="partiql-editor"' in editor
    assert {"a", "b", "c", "d", "4"} <= set(CELL.findall(browser))
    stored = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName="Orders", Key={"pk": {"S": "d"}})
    assert stored["Item"]["total"] == {"N": "4"}


def test_an_unknown_table_is_said_beside_the_statement_which_is_kept(orders: FlaskClient) -> None:
    reply = run(orders, 'SELECT * FROM "Nowhere"')
    assert reply.status_code == 422
    assert "names a table or index that is not in this region" in error_of(reply.text)
    assert textarea_of(reply.text) == 'SELECT * FROM "Nowhere"'


def test_aws_s_validation_message_is_shown_and_the_text_kept(
        orders: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    message = "Statement wasn't well formed, can't be processed: unexpected token 'SELEC'"
    stub(monkeypatch, ClientError({"Error": {"Code": "ValidationException", "Message": message}},
                                  "ExecuteStatement"))
    typed = 'SELEC * FROM "Orders" </textarea><script>alert(1)</script>'
    reply = run(orders, typed)
    assert reply.status_code == 422
    assert error_of(reply.text) == f"Could not run the PartiQL statement: {message}"
    assert textarea_of(reply.text) == typed
    assert "<script>alert(1)" not in reply.text


def test_a_select_pages_by_next_token(orders: FlaskClient,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb = stub(monkeypatch,
                    {"Items": [{"pk": {"S": "a"}}], "NextToken": "token-1"},
                    {"Items": [{"pk": {"S": "b"}}]})
    first = run(orders, 'SELECT * FROM "Orders"')
    button = re.search(r'<button type="submit" class="button button-small" name="next" '
                       r'value="([^"]+)">Next page</button>', first.text)
    assert button and button.group(1) == "token-1"
    second = run(orders, 'SELECT * FROM "Orders"', next=button.group(1), page="2")
    assert rows_of(second.text) == [["b"]]
    assert "Page 2" in second.text
    assert "Next page" not in second.text
    assert dynamodb.requests == [
        {"Statement": 'SELECT * FROM "Orders"', "Limit": partiql.PAGE_SIZE},
        {"Statement": 'SELECT * FROM "Orders"', "Limit": partiql.PAGE_SIZE,
         "NextToken": "token-1"}]


def test_a_write_is_sent_without_a_limit(orders: FlaskClient,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb = stub(monkeypatch, {"Items": []})
    run(orders, "DELETE FROM \"Orders\" WHERE pk = 'a'")
    assert dynamodb.requests == [{"Statement": "DELETE FROM \"Orders\" WHERE pk = 'a'"}]


@pytest.mark.parametrize(("statement", "message"), [
    ("   ", "Write a statement to run."),
    ("S" * 8193, "A statement is at most 8,192 characters long."),
])
def test_a_blank_or_overlong_statement_is_refused_before_aws(
        orders: FlaskClient, monkeypatch: pytest.MonkeyPatch, statement: str,
        message: str) -> None:
    dynamodb = stub(monkeypatch)
    reply = run(orders, statement)
    assert reply.status_code == 422
    assert error_of(reply.text) == message
    assert dynamodb.requests == []


def test_without_htmx_the_whole_items_page_comes_back_with_the_editor_open(
        orders: FlaskClient) -> None:
    token = csrf_token(orders, "/tables/Orders/items")
    reply = orders.post("/tables/Orders/partiql",
                        data={"statement": 'SELECT * FROM "Orders"', "csrf_token": token})
    assert reply.status_code == 200
    assert 'id="item-rows"' in reply.text
    assert '<details class="panel partiql-editor" id="partiql-editor" open' in reply.text
    assert len(rows_of(reply.text)) == 3


def test_a_post_without_the_csrf_token_is_refused(orders: FlaskClient) -> None:
    reply = orders.post("/tables/Orders/partiql", headers=HTMX,
                        data={"statement": "DELETE FROM \"Orders\" WHERE pk = 'a'"})
    assert reply.status_code == 400
    stored = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName="Orders", Key={"pk": {"S": "a"}})
    assert "Item" in stored
