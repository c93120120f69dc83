"""A person creates a table with a sort key and an index, watches it turn ACTIVE, deletes it."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole, running_console

from .conftest import PASSWORD, settled, sign_in

# Long enough that the first page load surely sees CREATING, short enough to wait out.
CREATING_SECONDS = "4"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    """A console whose sandbox keeps new tables CREATING for a few seconds."""
    output = tmp_path_factory.mktemp("tables-console") / "console.log"
    with running_console(output, CONSOLE_PASSWORD=PASSWORD,
                         SANDBOX_TABLE_CREATING_SECONDS=CREATING_SECONDS) as running:
        yield running


def test_create_a_table_watch_it_become_active_and_delete_it(page: Page,
                                                             console: RunningConsole) -> None:
    sign_in(page, console)
    page.locator("nav.sidenav").get_by_role("link", name=re.compile("Tables")).click()
    page.get_by_role("link", name="Create table").click()

    page.get_by_label("Table name").fill("e2e orders")
    page.get_by_label("Partition key", exact=True).fill("customer")
    page.get_by_role("button", name="Create table").click()
    expect(page.locator("#table_name-error")).to_contain_text("3 to 255 letters")
    expect(page.get_by_label("Table name")).to_have_value("e2e orders")
    expect(page.get_by_label("Partition key", exact=True)).to_have_value("customer")

    page.get_by_label("Table name").fill("e2e-orders")
    page.get_by_label("Sort key (optional)", exact=True).fill("placed")
    page.locator("#sk_type").select_option("N")
    rows = page.locator("#index-rows .index-row")
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Add index").click()
    expect(rows).to_have_count(2)
    settled(page)  # the new row's Remove works once htmx has wired it
    rows.nth(1).get_by_role("button", name="Remove").click()
    expect(rows).to_have_count(1)
    first = rows.nth(0)
    first.get_by_label("Index name").fill("by-status")
    first.get_by_label("Index partition key").fill("status")
    first.get_by_label("Projection").select_option("KEYS_ONLY")
    page.get_by_role("button", name="Create table").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("e2e-orders")
    status = page.locator("#table-status")
    expect(status).to_contain_text("CREATING")
    page.evaluate("window.stillTheSamePage = true")
    expect(status.locator(".badge-state-active")).to_have_text("ACTIVE", timeout=20_000)
    expect(status).not_to_contain_text("CREATING")
    assert page.evaluate("window.stillTheSamePage === true"), "the page was reloaded"
    facts = page.locator(".facts")
    expect(facts).to_contain_text("arn:aws:dynamodb:")
    expect(facts).to_contain_text("table/e2e-orders")
    expect(page.locator(".index-table")).to_contain_text("by-status")
    expect(page.locator(".index-table")).to_contain_text("KEYS_ONLY")
    expect(page.locator("#index-status-0 .badge-state-active")).to_have_text("ACTIVE")

    page.locator("nav.sidenav").get_by_role("link", name=re.compile("Tables")).click()
    row = page.locator("#table-rows tr", has=page.get_by_role("link", name="e2e-orders"))
    expect(row).to_contain_text("customer")
    expect(row).to_contain_text("placed")
    expect(row).to_contain_text("On-demand")

    row.get_by_role("link", name="e2e-orders").click()
    page.get_by_role("link", name="Delete table").click()
    page.get_by_label("Type the table name to confirm").fill("e2e-order")
    page.get_by_role("button", name="Delete table").click()
    expect(page.locator("#confirm_name-error")).to_contain_text("exactly")
    page.get_by_label("Type the table name to confirm").fill("e2e-orders")
    page.get_by_role("button", name="Delete table").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("DynamoDB tables")
    expect(page.locator("main")).to_contain_text("Deleted the table e2e-orders.")
    expect(page.get_by_role("link", name="e2e-orders")).to_have_count(0)


def test_a_table_named_new_opens_and_polling_stops_when_active(page: Page,
                                                               console: RunningConsole) -> None:
    sign_in(page, console)
    page.locator("nav.sidenav").get_by_role("link", name=re.compile("Tables")).click()
    page.get_by_role("link", name="Create table").click()
    page.get_by_label("Table name").fill("new")
    page.get_by_label("Partition key", exact=True).fill("id")
    page.get_by_role("button", name="Create table").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("new")
    status = page.locator("#table-status")
    expect(status.locator(".badge-state-active")).to_have_text("ACTIVE", timeout=20_000)
    expect(status).not_to_have_attribute("hx-get", re.compile("."))

    page.locator("nav.sidenav").get_by_role("link", name=re.compile("Tables")).click()
    page.get_by_role("link", name="new", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("new")
    expect(page.locator(".facts")).to_contain_text("table/new")
