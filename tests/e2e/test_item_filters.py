"""A person filters a table's items: rows appear on "Add filter", two filter together, one goes."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import settled, sign_in
from .tables import make_table

TABLE = "filters-e2e"


def test_add_two_filters_run_them_and_remove_one(page: Page, console: RunningConsole) -> None:
    make_table(console, TABLE, count=12)
    sign_in(page, console, f"{console.base_url}/tables/{TABLE}/items")
    rows = page.locator("#item-rows tr")
    expect(rows).to_have_count(12)
    filters = page.locator(".item-filter")
    expect(filters).to_have_count(0)  # no empty rows above the data

    page.get_by_role("button", name="Add filter").click()
    expect(filters).to_have_count(1)
    page.get_by_label("Filter 1: attribute name").fill("n")
    page.get_by_label("Filter 1: operator").select_option(">=")
    page.get_by_label("Filter 1: value type").select_option("N")
    page.get_by_label("Filter 1: value", exact=True).fill("5")
    settled(page).get_by_role("button", name="Add filter").click()
    expect(filters).to_have_count(2)
    page.get_by_label("Filter 2: attribute name").fill("n")
    page.get_by_label("Filter 2: operator").select_option("<")
    page.get_by_label("Filter 2: value type").select_option("N")
    page.get_by_label("Filter 2: value", exact=True).fill("8")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator(".item-counts")).to_contain_text("Count 3 / ScannedCount 12")
    expect(page.get_by_label("Filter 2: value", exact=True)).to_have_value("8")  # kept as typed

    settled(page).get_by_role("button", name="Remove filter 1").click()
    expect(filters).to_have_count(1)
    expect(page.get_by_label("Filter 2: value", exact=True)).to_have_value("8")
    page.get_by_label("Filter 2: value", exact=True).press("Enter")  # Enter runs, removes nothing
    expect(page.locator(".item-counts")).to_contain_text("Count 8 / ScannedCount 12")
    expect(filters).to_have_count(1)
    expect(page.get_by_label("Filter 1: value", exact=True)).to_have_value("8")  # renumbered


def test_filters_work_without_javascript(browser, console: RunningConsole) -> None:  # type: ignore[no-untyped-def]
    make_table(console, "filters-nojs", count=4)
    context = browser.new_context(locale="en-US", java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, console, f"{console.base_url}/tables/filters-nojs/items")
        page.get_by_role("button", name="Add filter").click()
        page.get_by_label("Filter 1: attribute name").fill("n")
        page.get_by_label("Filter 1: value type").select_option("N")
        page.get_by_label("Filter 1: value", exact=True).fill("2")
        page.get_by_role("button", name="Add filter").click()
        expect(page.locator(".item-filter")).to_have_count(2)
        expect(page.get_by_label("Filter 1: value", exact=True)).to_have_value("2")
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.locator(".item-counts")).to_contain_text("Count 1 / ScannedCount 4")
        page.get_by_role("button", name="Remove filter 1").click()
        expect(page.locator(".item-filter")).to_have_count(1)
        expect(page.locator(".item-counts")).to_contain_text("Count 4 / ScannedCount 4")
    finally:
        context.close()
