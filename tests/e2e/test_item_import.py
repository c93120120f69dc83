"""A person pastes items into a table's import form and watches the progress bar finish."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in
from .tables import make_table


def test_paste_three_items_and_see_the_import_finish(page: Page, console: RunningConsole) -> None:
    make_table(console, "import-e2e")
    sign_in(page, console, f"{console.base_url}/tables/import-e2e/import")
    page.get_by_label("Paste items").fill(
        '[{"id": "one", "n": 1},\n {"id": "two", "tags": {"$set": ["a", "b"]}},\n {"id": "three"}]')
    page.get_by_role("button", name="Import").click()
    progress = page.locator("#import-progress")
    expect(progress).to_contain_text("Import finished")
    expect(progress).to_contain_text("3 of 3 items written, 0 failed.")
    expect(progress.locator("progress")).to_have_attribute("value", "3")
    expect(progress.get_by_role("link", name="See the items")).to_be_visible()

    progress.get_by_role("link", name="Import more").click()
    page.get_by_label("Paste items").fill(
        '[\n  {"id": "four"},\n  {"name": "no key here"},\n  {"id": "five"}\n]')
    page.get_by_role("button", name="Import").click()
    expect(progress).to_contain_text("2 of 3 items written, 1 failed.")
    expect(progress.locator(".import-failures")).to_contain_text("line 3")
    expect(progress.locator(".import-failures")).to_contain_text("has no id")


def test_a_broken_array_is_refused_beside_the_box_with_the_text_kept(
        page: Page, console: RunningConsole) -> None:
    make_table(console, "import-e2e-broken")
    sign_in(page, console, f"{console.base_url}/tables/import-e2e-broken/import")
    broken = '[{"id": "six"},\n {"id": "seven"}\n {"id": "eight"}]'
    page.get_by_label("Paste items").fill(broken)
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#items-error")).to_contain_text("line 3, column 2")
    expect(page.get_by_label("Paste items")).to_have_value(broken)
