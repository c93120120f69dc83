"""A person creates, edits and deletes an item, switches its format and meets a conflict."""
from __future__ import annotations

import json
import re

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import settled, sign_in

TABLE = "EditorItems"


def sandbox_dynamodb(console: RunningConsole):  # type: ignore[no-untyped-def]
    """boto3 against the console's own sandbox, to change items behind the editor's back."""
    return boto3.client("dynamodb", endpoint_url=console.sandbox_url, region_name="ap-northeast-2",
                        aws_access_key_id="any", aws_secret_access_key="any")


def test_create_edit_switch_format_conflict_and_delete_an_item(page: Page,
                                                               console: RunningConsole) -> None:
    dynamodb = sandbox_dynamodb(console)
    dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    dynamodb.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    sign_in(page, console)
    editor = page.get_by_label("Item", exact=True)

    page.goto(f"{console.base_url}/tables/{TABLE}/items/new")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Create item")
    editor.fill('{"id": "pen", "price": 3.50,')
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#item-error")).to_contain_text("not valid JSON")
    expect(editor).to_have_value('{"id": "pen", "price": 3.50,')

    editor.fill('{"id": "pen", "price": 3.50, "tags": {"$set": ["blue"]}}')
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit item")
    expect(page.locator(".banner-info")).to_contain_text("Saved.")
    expect(editor).to_have_value(re.compile(r'"price": 3\.50'))

    editor.fill('{"id": "pen", "price": 4, "tags": {"$set": ["blue", "red"]}}')
    page.get_by_role("button", name="Save and continue").click()
    # The editor reopens the saved item, written out again one attribute a line.
    expect(editor).to_have_value(re.compile(r'^\{\n  "id": "pen",\n  "price": 4,'))
    expect(page.locator(".banner-info")).to_contain_text("Saved.")
    stored = dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "pen"}})["Item"]
    assert stored["price"] == {"N": "4"} and sorted(stored["tags"]["SS"]) == ["blue", "red"]

    settled(page).get_by_label("DynamoDB JSON").check()
    expect(editor).to_have_value(re.compile(r'"price": \{\s*"N": "4"'))
    settled(page).get_by_label("Plain JSON").check()
    expect(editor).to_have_value(re.compile(r'"price": 4,'))

    theirs = {**stored, "price": {"N": "5"}, "note": {"S": "theirs"}}
    dynamodb.put_item(TableName=TABLE, Item=theirs)
    editor.fill('{"id": "pen", "price": 6}')
    page.get_by_role("button", name="Save", exact=True).click()
    conflict = page.locator(".item-conflict")
    expect(conflict).to_contain_text("Someone changed this item since you opened it")
    expect(conflict.locator("pre").nth(0)).to_contain_text('"price": 6')
    expect(conflict.locator("pre").nth(1)).to_contain_text('"note": "theirs"')
    assert dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "pen"}})["Item"] == theirs

    conflict.get_by_role("button", name="Save mine over the current version").click()
    # Saved: back to the items list, the item highlighted and announced.
    saved_row = page.locator("#item-rows tr.item-saved")
    expect(saved_row).to_contain_text("6")
    expect(page.get_by_role("status")).to_contain_text("Item saved.")
    assert dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "pen"}})["Item"] == {
        "id": {"S": "pen"}, "price": {"N": "6"}}

    saved_row.get_by_role("link", name="Edit").click()
    expect(editor).to_have_value('{\n  "id": "pen",\n  "price": 6\n}')
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Delete item")
    expect(page.locator("pre")).to_contain_text(json.dumps("pen"))
    page.get_by_role("button", name="Delete item").click()
    page.wait_for_url(f"{console.base_url}/tables/{TABLE}/items")
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "pen"}})
