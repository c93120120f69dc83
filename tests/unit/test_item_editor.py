"""The item editor: create, edit (conditional), duplicate, delete, format switch, conflict view."""
from __future__ import annotations

import html
import json
import re
from decimal import Decimal
from http import HTTPStatus

import boto3
import pytest
from botocore.client import BaseClient
from flask.testing import FlaskClient

from webapp.aws.dynamodb import item_json, item_queries, item_writes
from webapp.views.dynamodb import item_forms

REGION = "ap-northeast-2"
TABLE = "Orders"
BASE = f"/tables/{TABLE}/items"


@pytest.fixture
def dynamodb(signed_in: FlaskClient) -> BaseClient:
    """A table keyed by id (S) and n (N), in the app's moto."""
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"},
                                   {"AttributeName": "n", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                              {"AttributeName": "n", "AttributeType": "N"}])
    return client


def put(client: BaseClient, item: dict) -> None:
    client.put_item(TableName=TABLE, Item=item_json.to_wire(item))


def table_items(client: BaseClient) -> list[dict]:
    items = [item_json.from_wire(raw) for raw in client.scan(TableName=TABLE)["Items"]]
    return sorted(items, key=lambda item: (item["id"], item["n"]))


def token(item: dict) -> str:
    return item_json.encode_key(item_json.to_wire({"id": item["id"], "n": item["n"]}))


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return html.unescape(match.group(1))


def textarea(page: str) -> str:
    match = re.search(r'<textarea id="item"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no editor"
    return html.unescape(match.group(1))


def field_error(page: str) -> str:
    match = re.search(r'class="field-error">([^<]*)<', page)
    return html.unescape(match.group(1)) if match else ""


def editor_form(page: str, **changes: str) -> dict[str, str]:
    """What the browser would post from the editor page, with `changes`."""
    fields = {name: hidden(page, name) for name in ("csrf_token", "mode", "key", "format",
                                                    "original", "current")}
    fields["item"] = textarea(page)
    fields.update(changes)
    return fields


ITEM = {"id": "pen", "n": Decimal(1), "price": Decimal("3.50"), "tags": {"blue", "cheap"}}


def test_the_new_item_editor_shows_the_keys_and_a_starting_item(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    page = signed_in.get(f"{BASE}/new").text
    assert json.loads(textarea(page)) == {"id": "", "n": 0}
    assert "Partition key" in page and "Sort key" in page
    assert "DynamoDB JSON" in page and "$binary" in page and "$set" in page
    assert f'href="{BASE}"' in page  # Cancel
    assert f'<a href="/tables/{TABLE}">{TABLE}</a>' in page  # breadcrumbs
    assert f'<a href="{BASE}" aria-current="page" class="current">Items</a>' in page  # tabs


def test_create_puts_the_item_and_opens_it(dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    page = signed_in.get(f"{BASE}/new").text
    text = '{"id": "pen", "n": 1, "big": 12345678901234567890123456789012345678, ' \
           '"s": {"$set": [1, 2]}, "b": {"$binary": "AAE="}}'
    reply = signed_in.post(f"{BASE}/new", data=editor_form(page, item=text))
    assert reply.status_code == HTTPStatus.SEE_OTHER
    # Back to the items list, the saved item highlighted and announced.
    assert reply.headers["Location"] == f"{BASE}?saved={token({'id': 'pen', 'n': 1})}"
    stored = table_items(dynamodb)
    assert stored[0]["big"] == Decimal("12345678901234567890123456789012345678")
    assert stored[0]["s"] == {Decimal(1), Decimal(2)}
    listed = signed_in.get(reply.headers["Location"]).text
    assert '<div class="banner banner-info" role="status">Item saved.</div>' in listed
    saved_row = re.search(r'<tr class="item-saved" aria-current="true">(.*?)</tr>', listed, re.S)
    assert saved_row and "12345678901234567890123456789012345678" in saved_row.group(1)


def test_save_and_continue_stays_in_the_editor(dynamodb: BaseClient,
                                               signed_in: FlaskClient) -> None:
    page = signed_in.get(f"{BASE}/new").text
    reply = signed_in.post(f"{BASE}/new", data=editor_form(page, item='{"id": "pen", "n": 1}',
                                                           choice="continue"))
    assert reply.headers["Location"] == f"{BASE}/edit?key={token({'id': 'pen', 'n': 1})}"
    opened = signed_in.get(reply.headers["Location"]).text
    assert "Saved." in opened
    assert json.loads(textarea(opened)) == {"id": "pen", "n": 1}
    edited = signed_in.post(reply.headers["Location"], data=editor_form(
        opened, item='{"id": "pen", "n": 1, "x": 2}', choice="continue"))
    assert edited.headers["Location"] == reply.headers["Location"]


def test_create_refuses_to_overwrite_and_links_the_existing_item(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    put(dynamodb, ITEM)
    page = signed_in.get(f"{BASE}/new").text
    text = '{"id": "pen", "n": 1, "price": 99}'
    reply = signed_in.post(f"{BASE}/new", data=editor_form(page, item=text))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "already exists" in field_error(reply.text)
    assert textarea(reply.text) == text
    assert f'href="{BASE}/edit?key={token(ITEM)}"' in reply.text
    assert table_items(dynamodb) == [ITEM]


BAD_INPUTS = [
    ('{"id": "pen", "n": 1,', "line 1, column"),
    ('["pen"]', "JSON object"),
    ('{"n": 1}', "has no id"),
    ('{"id": 7, "n": 1}', "must be of type S"),
    ('{"id": "pen", "n": "1"}', "must be of type N"),
    ('{"id": "pen", "n": 1, "s": {"$set": []}}', "empty"),
    ('{"id": "pen", "n": 1, "s": {"$set": ["a", 1]}}', "mixes types"),
    ('{"id": "pen", "n": 1, "b": {"$binary": "not base64!"}}', "base64"),
    ('{"id": "pen", "n": 123456789012345678901234567890123456789}', "38 significant digits"),
    ('{"id": "", "n": 1}', "cannot be empty"),
    ('{"id": "pen", "n": 1, "big": "' + "x" * 410_000 + '"}', "Could not create the item"),
]


@pytest.mark.parametrize(("text", "message"), BAD_INPUTS, ids=[m for _, m in BAD_INPUTS])
def test_bad_input_on_create_shows_and_writes_nothing(dynamodb: BaseClient, signed_in: FlaskClient,
                                                      text: str, message: str) -> None:
    put(dynamodb, ITEM)
    page = signed_in.get(f"{BASE}/new").text
    reply = signed_in.post(f"{BASE}/new", data=editor_form(page, item=text))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert message in field_error(reply.text)
    assert textarea(reply.text) == text
    assert table_items(dynamodb) == [ITEM]


@pytest.mark.parametrize(("text", "message"), BAD_INPUTS[:9], ids=[m for _, m in BAD_INPUTS[:9]])
def test_bad_input_on_save_shows_and_writes_nothing(dynamodb: BaseClient, signed_in: FlaskClient,
                                                    text: str, message: str) -> None:
    put(dynamodb, ITEM)
    page = signed_in.get(f"{BASE}/edit?key={token(ITEM)}").text
    reply = signed_in.post(f"{BASE}/edit?key={token(ITEM)}", data=editor_form(page, item=text))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert message in field_error(reply.text)
    assert textarea(reply.text) == text
    assert table_items(dynamodb) == [ITEM]


def test_the_editor_shows_plain_json_with_the_original_hidden(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    put(dynamodb, ITEM)
    page = signed_in.get(f"{BASE}/edit?key={token(ITEM)}").text
    assert textarea(page).startswith('{\n  "id": "pen",\n  "n": 1,')
    assert item_json.parse_item(hidden(page, "original"), "dynamodb") == ITEM
    assert f"{BASE}/new?copy={token(ITEM)}" in page
    assert f"{BASE}/delete?key={token(ITEM)}" in page


def test_big_numbers_sets_and_binary_survive_an_edit_round_trip(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    item = {"id": "x", "n": Decimal("0.1"),
            "big": Decimal("-9.9999999999999999999999999999999999999E+125"),
            "digits": Decimal("1234567890.1234567890123456789012345678"),
            "ns": {Decimal("1E-130"), Decimal(2)}, "bs": {b"\x00", b"\xff"},
            "bin": b"\x00\x10\x80", "nested": {"$set": ["not", "a set"], "l": [{"ss": {"a"}}]}}
    put(dynamodb, item)
    before = table_items(dynamodb)
    page = signed_in.get(f"{BASE}/edit?key={token(item)}").text
    reply = signed_in.post(f"{BASE}/edit?key={token(item)}", data=editor_form(page))
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert table_items(dynamodb) == before


def test_two_edits_from_the_same_item_the_second_gets_the_conflict_view(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    put(dynamodb, ITEM)
    url = f"{BASE}/edit?key={token(ITEM)}"
    first_page = signed_in.get(url).text
    second_page = signed_in.get(url).text
    first_text = '{"id": "pen", "n": 1, "price": 4, "note": "first"}'
    second_text = '{"id": "pen", "n": 1, "price": 5, "note": "second"}'

    first = signed_in.post(url, data=editor_form(first_page, item=first_text))
    assert first.status_code == HTTPStatus.SEE_OTHER
    second = signed_in.post(url, data=editor_form(second_page, item=second_text))

    assert second.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Someone changed this item since you opened it" in second.text
    versions = [html.unescape(text) for text in
                re.findall(r'<pre class="output"><code>(.*?)</code></pre>', second.text, re.S)]
    assert json.loads(versions[0])["note"] == "second"  # yours, as typed
    assert json.loads(versions[1])["note"] == "first"  # the table's
    assert textarea(second.text) == second_text
    assert table_items(dynamodb) == [{"id": "pen", "n": Decimal(1), "price": Decimal(4),
                                      "note": "first"}]


def test_save_mine_over_the_current_version_is_still_conditional(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    put(dynamodb, ITEM)
    url = f"{BASE}/edit?key={token(ITEM)}"
    page = signed_in.get(url).text
    put(dynamodb, {**ITEM, "price": Decimal(9)})
    mine = '{"id": "pen", "n": 1, "mine": true}'
    conflict = signed_in.post(url, data=editor_form(page, item=mine))
    assert conflict.status_code == HTTPStatus.UNPROCESSABLE_ENTITY

    # A third change after the conflict was shown: "save mine" must not overwrite it either.
    put(dynamodb, {**ITEM, "price": Decimal(10)})
    again = signed_in.post(url, data=editor_form(conflict.text, choice="overwrite"))
    assert again.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert '"price": 10' in html.unescape(again.text)
    assert table_items(dynamodb)[0]["price"] == Decimal(10)

    saved = signed_in.post(url, data=editor_form(again.text, choice="overwrite"))
    assert saved.status_code == HTTPStatus.SEE_OTHER
    assert table_items(dynamodb) == [{"id": "pen", "n": Decimal(1), "mine": True}]


def test_keep_editing_compares_against_the_current_version(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    put(dynamodb, ITEM)
    url = f"{BASE}/edit?key={token(ITEM)}"
    page = signed_in.get(url).text
    put(dynamodb, {**ITEM, "price": Decimal(9)})
    mine = '{"id": "pen", "n": 1, "mine": true}'
    conflict = signed_in.post(url, data=editor_form(page, item=mine))
    kept = signed_in.post(url, data=editor_form(conflict.text, choice="keep"))
    assert kept.status_code == HTTPStatus.OK
    assert textarea(kept.text) == mine
    assert "Someone changed" not in kept.text
    assert item_json.parse_item(hidden(kept.text, "original"), "dynamodb")["price"] == Decimal(9)
    merged = '{"id": "pen", "n": 1, "price": 9, "mine": true}'
    saved = signed_in.post(url, data=editor_form(kept.text, item=merged))
    assert saved.status_code == HTTPStatus.SEE_OTHER
    assert table_items(dynamodb)[0] == {"id": "pen", "n": Decimal(1), "price": Decimal(9),
                                        "mine": True}


def test_an_item_deleted_meanwhile_can_be_created_again(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    put(dynamodb, ITEM)
    url = f"{BASE}/edit?key={token(ITEM)}"
    page = signed_in.get(url).text
    dynamodb.delete_item(TableName=TABLE, Key=item_json.to_wire({"id": "pen", "n": Decimal(1)}))
    mine = '{"id": "pen", "n": 1, "price": 7}'
    conflict = signed_in.post(url, data=editor_form(page, item=mine))
    assert conflict.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "deleted since you opened it" in conflict.text
    assert table_items(dynamodb) == []
    assert f'formaction="{BASE}/new"' in conflict.text
    created = signed_in.post(f"{BASE}/new", data=editor_form(conflict.text, choice="create"))
    assert created.status_code == HTTPStatus.SEE_OTHER
    assert table_items(dynamodb) == [{"id": "pen", "n": Decimal(1), "price": Decimal(7)}]


def test_a_tampered_original_writes_nothing(dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    put(dynamodb, ITEM)
    url = f"{BASE}/edit?key={token(ITEM)}"
    page = signed_in.get(url).text
    for original in ("not json", '{"id": {"S": "pen"}, "n": {"N": "1"}}'):
        reply = signed_in.post(url, data=editor_form(page, original=original,
                                                     item='{"id": "pen", "n": 1}'))
        assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert table_items(dynamodb) == [ITEM]


def test_changing_the_key_moves_the_item(dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    put(dynamodb, ITEM)
    url = f"{BASE}/edit?key={token(ITEM)}"
    page = signed_in.get(url).text
    moved = textarea(page).replace('"pen"', '"pencil"')
    reply = signed_in.post(url, data=editor_form(page, item=moved))
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == f"{BASE}?saved={token({'id': 'pencil', 'n': 1})}"
    assert table_items(dynamodb) == [{**ITEM, "id": "pencil"}]


def test_changing_the_key_onto_another_item_writes_nothing(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    other = {"id": "pencil", "n": Decimal(1)}
    put(dynamodb, ITEM)
    put(dynamodb, other)
    url = f"{BASE}/edit?key={token(ITEM)}"
    page = signed_in.get(url).text
    moved = textarea(page).replace('"pen"', '"pencil"')
    reply = signed_in.post(url, data=editor_form(page, item=moved))
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "already exists" in field_error(reply.text)
    assert f'href="{BASE}/edit?key={token(other)}"' in reply.text
    assert table_items(dynamodb) == [ITEM, other]


def test_duplicate_opens_a_new_item_with_the_attributes(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    put(dynamodb, ITEM)
    page = signed_in.get(f"{BASE}/new?copy={token(ITEM)}").text
    assert item_json.parse_item(textarea(page)) == ITEM
    assert hidden(page, "mode") == "new" and hidden(page, "original") == ""
    copy = textarea(page).replace('"n": 1', '"n": 2')
    reply = signed_in.post(f"{BASE}/new", data=editor_form(page, item=copy))
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert [item["n"] for item in table_items(dynamodb)] == [Decimal(1), Decimal(2)]


def test_switching_to_dynamodb_json_and_back(dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    put(dynamodb, ITEM)
    page = signed_in.get(f"{BASE}/edit?key={token(ITEM)}").text
    reply = signed_in.post(f"{BASE}/convert",
                           data=editor_form(page, target_format="dynamodb"),
                           headers={"HX-Request": "true"})
    assert reply.status_code == HTTPStatus.OK
    assert "<html" not in reply.text
    typed = textarea(reply.text)
    assert json.loads(typed)["price"] == {"N": "3.50"}
    assert hidden(reply.text, "format") == "dynamodb"
    assert hidden(reply.text, "original") == hidden(page, "original")
    # Saving the DynamoDB JSON works as well.
    saved = signed_in.post(f"{BASE}/edit?key={token(ITEM)}",
                           data=editor_form(reply.text, item=typed.replace('"3.50"', '"4"')))
    assert saved.status_code == HTTPStatus.SEE_OTHER
    assert table_items(dynamodb)[0]["price"] == Decimal(4)
    back = signed_in.post(f"{BASE}/convert", data=editor_form(reply.text, target_format="plain"))
    assert back.status_code == HTTPStatus.OK and "<html" in back.text
    assert item_json.parse_item(textarea(back.text)) == ITEM


def test_converting_invalid_text_keeps_it_and_says_why(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    page = signed_in.get(f"{BASE}/new").text
    text = '{"id": "pen", "n": }'
    reply = signed_in.post(f"{BASE}/convert",
                           data=editor_form(page, item=text, target_format="dynamodb"),
                           headers={"HX-Request": "true"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert textarea(reply.text) == text
    assert hidden(reply.text, "format") == "plain"
    assert "line 1, column" in field_error(reply.text)


def test_markup_in_values_is_escaped(dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    item = {"id": "<script>alert(1)</script>", "n": Decimal(1),
            "x": '"><img src=x onerror=alert(1)>'}
    put(dynamodb, item)
    page = signed_in.get(f"{BASE}/edit?key={token(item)}").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert item_json.parse_item(hidden(page, "original"), "dynamodb") == item
    delete_page = signed_in.get(f"{BASE}/delete?key={token(item)}").text
    assert "<script>alert(1)" not in delete_page and "<img src=x" not in delete_page


def test_delete_confirms_then_deletes(dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    put(dynamodb, ITEM)
    url = f"{BASE}/delete?key={token(ITEM)}"
    confirm = signed_in.get(url)
    assert confirm.status_code == HTTPStatus.OK
    assert '"price": 3.50' in html.unescape(confirm.text)
    assert table_items(dynamodb) == [ITEM]
    reply = signed_in.post(url, data={"csrf_token": hidden(confirm.text, "csrf_token")})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == BASE
    assert table_items(dynamodb) == []
    assert signed_in.get(url).status_code == HTTPStatus.NOT_FOUND


def test_a_missing_item_or_a_damaged_key_is_not_found(
        dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    missing = signed_in.get(f"{BASE}/edit?key={token({'id': 'none', 'n': 1})}")
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert "There is no item with this key" in missing.text
    damaged = signed_in.get(f"{BASE}/edit?key=garbage!!")
    assert damaged.status_code == HTTPStatus.NOT_FOUND
    assert "damaged" in damaged.text


def test_a_post_without_csrf_writes_nothing(dynamodb: BaseClient, signed_in: FlaskClient) -> None:
    page = signed_in.get(f"{BASE}/new").text
    fields = editor_form(page, item='{"id": "pen", "n": 1}')
    del fields["csrf_token"]
    assert signed_in.post(f"{BASE}/new", data=fields).status_code == HTTPStatus.BAD_REQUEST
    assert table_items(dynamodb) == []


def test_item_links_use_the_one_shared_key_token() -> None:
    # One way to write an item's key into a link: item_json.item_key_token, no private copies.
    assert not hasattr(item_forms, "key_token") and not hasattr(item_queries, "key_token")



def test_a_wide_save_that_replaced_a_change_shows_it_and_can_restore_it(
        dynamodb: BaseClient, signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # 400 attributes: too many for a condition on all of them, so it leaves some out.
    wide = {"id": "pen", "n": Decimal(1), **{f"x{number}": Decimal(number) for number in range(400)}}
    put(dynamodb, wide)
    url = f"{BASE}/edit?key={token(wide)}"
    page = signed_in.get(url).text
    theirs = {**wide, "x99": Decimal(-99)}  # sorted last: outside the condition
    real_get = item_writes.get_item
    reads: list[object] = []

    def get_then_change(table_name: str, key: dict) -> dict | None:
        found = real_get(table_name, key)
        if not reads:  # someone saves between the editor's check and its write
            put(dynamodb, theirs)
        reads.append(found)
        return found

    monkeypatch.setattr(item_writes, "get_item", get_then_change)
    mine = {**wide, "x0": Decimal(-1)}
    saved = signed_in.post(url, data=editor_form(page, item=item_json.dump_item(mine)))
    assert saved.status_code == HTTPStatus.OK
    assert "Saved, but someone changed this item a moment before your save" in saved.text
    shown = html.unescape(re.findall(r'<pre class="output"><code>(.*?)</code></pre>', saved.text,
                                     re.S)[0])
    assert item_json.parse_item(shown)["x99"] == Decimal(-99)
    assert table_items(dynamodb) == [mine]
    assert item_json.parse_item(hidden(saved.text, "original"), "dynamodb") == mine

    restored = signed_in.post(url, data=editor_form(saved.text, choice="restore",
                                                    replaced=hidden(saved.text, "replaced")))
    assert restored.status_code == HTTPStatus.SEE_OTHER
    assert table_items(dynamodb) == [theirs]
