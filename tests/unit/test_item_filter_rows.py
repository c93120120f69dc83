"""The items page's filter rows appear on demand: Add filter and Remove, with and without htmx."""
from __future__ import annotations

import re
from http import HTTPStatus

import boto3
from flask.testing import FlaskClient

REGION = "ap-northeast-2"
TABLE = "Orders"
ITEMS = f"/tables/{TABLE}/items"
HTMX = {"HX-Request": "true"}


def make_table() -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for number in range(3):
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": f"p{number}"},
                                                 "qty": {"N": str(number)}})


def filter_names(page: str) -> list[str]:
    """The name fields of the filter rows shown, in order."""
    return re.findall(r'<input name="(f\d+_name)"', page)


def test_the_items_page_shows_no_filter_row_until_one_is_added(signed_in: FlaskClient) -> None:
    make_table()
    page = signed_in.get(ITEMS).text
    assert filter_names(page) == []
    assert 'id="add-filter"' in page and ">Add filter</button>" in page
    # Without JavaScript, Add filter submits the GET form: the page comes back with a row more.
    added = signed_in.get(ITEMS, query_string={"add_filter": "1"}).text
    assert filter_names(added) == ["f1_name"]
    assert len(re.findall(r'<tr>', added.split('id="item-rows">')[1])) == 3  # items still read


def test_typed_rows_stay_and_remove_drops_one_renumbering_the_rest(signed_in: FlaskClient) -> None:
    make_table()
    typed = {"f1_name": "qty", "f1_op": ">", "f1_type": "N", "f1_value": "0",
             "f4_name": "note", "f4_op": "=", "f4_type": "S", "f4_value": "kept <b>"}
    page = signed_in.get(ITEMS, query_string={**typed, "add_filter": "1"}).text
    assert filter_names(page) == ["f1_name", "f2_name", "f3_name"]
    assert 'name="f2_value" value="kept &lt;b&gt;"' in page
    removed = signed_in.get(ITEMS, query_string={**typed, "remove_filter": "1"}).text
    assert filter_names(removed) == ["f1_name"]
    assert 'name="f1_name" value="note"' in removed


def test_two_filters_apply_together(signed_in: FlaskClient) -> None:
    make_table()
    page = signed_in.get(ITEMS, query_string={
        "f1_name": "qty", "f1_op": ">", "f1_type": "N", "f1_value": "0",
        "f2_name": "qty", "f2_op": "<>", "f2_type": "N", "f2_value": "1"}).text
    assert "Count 1 / ScannedCount 3" in page


def test_htmx_add_filter_answers_one_row_and_the_next_button(signed_in: FlaskClient) -> None:
    make_table()
    reply = signed_in.get(f"{ITEMS}/filters/new", query_string={"number": "3"}, headers=HTMX)
    assert reply.status_code == HTTPStatus.OK
    assert filter_names(reply.text) == ["f3_name"]
    assert "<html" not in reply.text
    assert 'hx-swap-oob="true"' in reply.text and "number=4" in reply.text
    # A plain GET of the fragment URL gets the items page with a row more.
    plain = signed_in.get(f"{ITEMS}/filters/new")
    assert plain.status_code == HTTPStatus.FOUND
    assert plain.headers["Location"] == f"{ITEMS}?add_filter=1"


def test_htmx_remove_answers_nothing_to_swap_over_the_row(signed_in: FlaskClient) -> None:
    make_table()
    reply = signed_in.get(f"{ITEMS}/filters/removed", headers=HTMX)
    assert reply.status_code == HTTPStatus.OK and reply.text == ""
