"""A person opens a table's items, queries one partition and pages forward and back."""
from __future__ import annotations

import re

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import settled, sign_in

REGION = "ap-northeast-2"


def make_table(console: RunningConsole, table_name: str) -> None:
    """A table keyed by user (S) and n (N): 60 items of kim's, 5 of lee's."""
    dynamodb = boto3.client("dynamodb", endpoint_url=console.sandbox_url, region_name=REGION,
                            aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    dynamodb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "user", "KeyType": "HASH"},
                                     {"AttributeName": "n", "KeyType": "RANGE"}],
                          AttributeDefinitions=[{"AttributeName": "user", "AttributeType": "S"},
                                                {"AttributeName": "n", "AttributeType": "N"}])
    dynamodb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    owners = [("kim", number) for number in range(60)] + [("lee", number) for number in range(5)]
    for start in range(0, len(owners), 25):
        dynamodb.batch_write_item(RequestItems={table_name: [
            {"PutRequest": {"Item": {"user": {"S": user}, "n": {"N": str(number)},
                                     "note": {"S": f"{user} #{number}"}}}}
            for user, number in owners[start:start + 25]]})


def test_query_a_partition_and_page_next_and_previous(page: Page, console: RunningConsole) -> None:
    make_table(console, "items-e2e")
    sign_in(page, console, f"{console.base_url}/tables/items-e2e/items")
    rows = page.locator("#item-rows tr")
    expect(rows).to_have_count(50)
    expect(page.locator(".item-counts")).to_contain_text("Count 50 / ScannedCount 50")

    page.get_by_label("Query", exact=True).check()
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#pk-error")).to_contain_text("needs the partition key value (user)")

    page.get_by_label("Partition key value").fill("kim")
    page.get_by_label("Page size").select_option("25")
    page.get_by_role("button", name="Run").click()
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("kim #0")
    expect(page).to_have_url(re.compile(r"mode=query.*pk=kim"))
    expect(page.get_by_role("link", name="Previous page")).to_have_count(0)

    settled(page).get_by_role("link", name="Next page").click()
    expect(page.locator(".item-counts")).to_contain_text("Page 2")
    expect(rows.first).to_contain_text("kim #25")
    settled(page).get_by_role("link", name="Next page").click()
    expect(page.locator(".item-counts")).to_contain_text("Page 3")
    expect(rows).to_have_count(10)
    expect(rows.last).to_contain_text("kim #59")
    expect(page.locator("#item-browser")).not_to_contain_text("lee")

    settled(page).get_by_role("link", name="Previous page").click()
    expect(page.locator(".item-counts")).to_contain_text("Page 2")
    expect(rows.first).to_contain_text("kim #25")
    settled(page).get_by_role("link", name="Previous page").click()
    expect(rows.first).to_contain_text("kim #0")
    expect(page.get_by_label("Partition key value")).to_have_value("kim")

    page.reload()  # the URL holds the whole query: reload shows the same page
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("kim #0")

    expect(page.get_by_role("link", name="First page")).to_have_count(0)
    settled(page).get_by_role("link", name="Next page").click()
    settled(page).get_by_role("link", name="Next page").click()
    expect(page.locator(".item-counts")).to_contain_text("Page 3")
    settled(page).get_by_role("link", name="First page").click()
    expect(page.locator(".item-counts")).to_contain_text("Page 1")
    expect(rows.first).to_contain_text("kim #0")
