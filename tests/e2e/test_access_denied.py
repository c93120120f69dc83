"""The tutorial's pitfall: a basic role cannot read the table; the console says why and fixes it."""
from __future__ import annotations

import json
import re

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import INVOKE_TIMEOUT_MS, sections_loaded, sign_in

LIST_ITEMS_EVENT = json.dumps({
    "resource": "/items", "path": "/items", "httpMethod": "GET", "headers": None,
    "queryStringParameters": None, "pathParameters": None, "body": None,
    "isBase64Encoded": False,
})


def test_items_function_is_denied_then_granted_from_the_invoke_panel(page: Page,
                                                                      console: RunningConsole) -> None:
    dynamodb = boto3.client("dynamodb", endpoint_url=console.sandbox_url, region_name="ap-northeast-2",
                            aws_access_key_id="any", aws_secret_access_key="any")
    dynamodb.create_table(TableName="TutorialItems", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    dynamodb.put_item(TableName="TutorialItems", Item={"id": {"S": "pen"}, "price": {"N": "3"}})

    sign_in(page, console, console.base_url + "/functions/new")
    page.get_by_label("Function name").fill("items-e2e")
    page.get_by_label("Environment variables").fill("TABLE_NAME=TutorialItems")
    page.get_by_label("Template", exact=True).select_option("items")
    page.get_by_role("button", name="Create function").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("items-e2e")

    page.get_by_label("Start from").select_option("template:apigateway-proxy")
    expect(page.get_by_label("Event JSON")).to_have_value(re.compile(r'"resource": "/items/\{id\}"'))
    page.get_by_label("Event JSON").fill(LIST_ITEMS_EVENT)
    page.get_by_label("Event name").fill("list-items")
    page.get_by_role("button", name="Save event").click()
    expect(page.locator("#invoke-panel .banner-info")).to_have_text("Saved the event list-items.")

    page.reload()
    page.get_by_label("Start from").select_option("saved:list-items")
    expect(page.get_by_label("Event JSON")).to_have_value(LIST_ITEMS_EVENT)
    sections_loaded(page)
    page.get_by_role("button", name="Invoke").click()
    expect(page.locator(".invocation")).to_contain_text("HTTP response 500", timeout=INVOKE_TIMEOUT_MS)
    denial = page.locator(".denial")
    expect(denial).to_contain_text("has no policy allowing dynamodb:Scan on "
                                   "arn:aws:dynamodb:ap-northeast-2:123456789012:table/TutorialItems")
    expect(denial).to_contain_text(re.compile(r"execution role items-e2e-role-"))

    page.once("dialog", lambda dialog: dialog.accept())
    denial.locator("form", has_text="reading and writing items").get_by_role(
        "button", name="Add as an inline policy").click()
    expect(page.locator("#invoke-panel .banner-info")).to_contain_text(
        "Added the inline policy console-TutorialItems-read-write")
    expect(page.get_by_label("Event JSON")).to_have_value(LIST_ITEMS_EVENT)

    sections_loaded(page)

    page.get_by_role("button", name="Invoke").click()
    result = page.locator(".invocation")
    expect(result).to_contain_text("Succeeded")
    expect(result).to_contain_text("HTTP response 200")
    expect(result.locator("pre.output").first).to_contain_text('"statusCode": 200')
    expect(result.locator("pre.output").first).to_contain_text("pen")
    expect(page.locator(".denial")).to_have_count(0)
