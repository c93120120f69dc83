"""A person creates an item in the editor's form view, sees it in JSON, and meets a bad number."""
from __future__ import annotations

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in
from .tables import REGION, make_table


def sandbox(console: RunningConsole):  # type: ignore[no-untyped-def]
    return boto3.client("dynamodb", endpoint_url=console.sandbox_url, region_name=REGION,
                        aws_access_key_id="sandbox", aws_secret_access_key="sandbox")


def fill_row(page: Page, number: int, name: str, kind: str, value: str) -> None:
    page.get_by_label(f"Attribute {number}: name", exact=True).fill(name)
    page.get_by_label(f"Attribute {number}: type").select_option(kind)
    page.get_by_label(f"Attribute {number}: value").fill(value)


def test_form_view_creates_an_item_the_json_view_shows(page: Page, console: RunningConsole) -> None:
    make_table(console, "form-e2e")
    sign_in(page, console, f"{console.base_url}/tables/form-e2e/items/new")
    page.get_by_role("button", name="Form", exact=True).click()
    expect(page.get_by_label("Attribute 1: name (key attribute, fixed)")).to_have_value("id")
    page.get_by_label("Attribute 1: value").fill("pen")
    for number, (name, kind, value) in enumerate(
            [("price", "N", "3.5O"),  # a letter O, not a zero
             ("ok", "BOOL", "true"), ("parts", "L", '[{"S": "nib"}, {"N": "2"}]'),
             ("size", "M", '{"w": {"N": "7"}}')], start=2):
        page.get_by_role("button", name="Add attribute").click()
        fill_row(page, number, name, kind, value)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#attr-1-error")).to_have_text("price is not a number.")
    expect(page.get_by_label("Attribute 5: value")).to_have_value('{"w": {"N": "7"}}')  # kept
    assert sandbox(console).scan(TableName="form-e2e")["Items"] == []  # nothing saved

    page.get_by_label("Attribute 2: value").fill("3.50")
    page.get_by_role("button", name="JSON", exact=True).click()
    editor = page.get_by_label("Item", exact=True)
    expect(editor).to_have_value(
        '{\n  "id": "pen",\n  "ok": true,\n  "parts": [\n    "nib",\n    2\n  ],\n'
        '  "price": 3.50,\n  "size": {\n    "w": 7\n  }\n}')
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#item-rows tr.item-saved")).to_contain_text("pen")
    expect(page.get_by_role("status")).to_contain_text("Item saved.")
    stored = sandbox(console).get_item(TableName="form-e2e", Key={"id": {"S": "pen"}})["Item"]
    assert stored["parts"] == {"L": [{"S": "nib"}, {"N": "2"}]}
    assert stored["size"] == {"M": {"w": {"N": "7"}}} and stored["ok"] == {"BOOL": True}


def test_breadcrumbs_tell_a_table_named_items_from_its_items_tab(page: Page,
                                                                  console: RunningConsole) -> None:
    make_table(console, "Items")
    sign_in(page, console, f"{console.base_url}/tables/Items/items")
    expect(page.locator(".breadcrumbs li")).to_have_text(["Dashboard", "Tables", "Items"])
    expect(page.locator(".table-tabs [aria-current=page]")).to_have_text("Items")
