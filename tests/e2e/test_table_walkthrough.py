"""The tutorial's DynamoDB step in one go: table, items, import, delete, all by clicking."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in

TABLE = "walkthrough-items"


def test_a_table_from_creation_to_deletion(page: Page, console: RunningConsole) -> None:
    sign_in(page, console)
    page.locator("nav.sidenav").get_by_role("link", name=re.compile("Tables")).click()
    page.get_by_role("link", name="Create table").click()
    page.get_by_label("Table name").fill(TABLE)
    page.get_by_label("Partition key", exact=True).fill("id")
    page.get_by_role("button", name="Create table").click()

    # The sandbox keeps a new table CREATING for a second; the badge turns by itself.
    status = page.locator("#table-status")
    expect(status.locator(".badge-state-active")).to_have_text("ACTIVE", timeout=15_000)
    arn = page.locator(".facts")
    expect(arn).to_contain_text(f"table/{TABLE}")

    page.get_by_role("link", name="Add item").first.click()
    editor = page.get_by_label("Item", exact=True)
    editor.fill('{"id": "first", "price": 12345678901234567890.123456789012345678}')
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".banner-info")).to_contain_text("Saved.")

    editor.fill('{"id": "first", "price": 12345678901234567890.123456789012345678,'
                ' "colour": "<b>teal</b>"}')
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".banner-info")).to_contain_text("Saved.")
    expect(page.locator("#item-error")).to_have_count(0)
    expect(editor).to_have_value(re.compile(r'^\{\n  "id": "first",\n  "colour": "<b>teal</b>",'))

    page.locator(".table-tabs").get_by_role("link", name="Items").click()
    rows = page.locator("table.data-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("12345678901234567890.123456789012345678")
    expect(rows.first).to_contain_text("<b>teal</b>")  # shown as text, not markup

    page.locator(".table-tabs").get_by_role("link", name="Import").click()
    page.get_by_label("Paste items").fill(
        '[{"id": "a", "n": 1},\n {"id": "b", "n": 2},\n {"id": "c", "tags": {"$set": ["x"]}}]')
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-progress")).to_contain_text("3 of 3 items written, 0 failed.")
    page.get_by_role("link", name="See the items").click()
    expect(rows).to_have_count(4)
    for key in ("first", "a", "b", "c"):
        expect(page.locator("table.data-table tbody")).to_contain_text(key)

    page.locator(".table-tabs").get_by_role("link", name="Overview").click()
    page.get_by_role("link", name="Delete table").click()
    page.get_by_label("Type the table name to confirm").fill(TABLE)
    page.get_by_role("button", name="Delete table").click()
    expect(page.locator("main")).to_contain_text(f"Deleted the table {TABLE}.")
    expect(page.get_by_role("link", name=TABLE)).to_have_count(0)
