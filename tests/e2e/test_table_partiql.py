"""A person opens the PartiQL editor on a table's items page, runs statements and pages on."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in
from .tables import make_table


def test_type_a_statement_see_rows_and_page_on(page: Page, console: RunningConsole) -> None:
    make_table(console, "partiql-e2e", 60)
    sign_in(page, console, f"{console.base_url}/tables/partiql-e2e/items")
    editor = page.locator("#partiql-editor")
    editor.get_by_text("PartiQL editor").click()
    statement = editor.get_by_label("PartiQL statement")
    expect(statement).to_have_value('SELECT * FROM "partiql-e2e"')

    statement.fill("SELECT id, n FROM \"partiql-e2e\" WHERE n >= 10 AND n < 13")
    editor.get_by_role("button", name="Run").click()
    rows = page.locator("#partiql-rows tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("item-1")

    statement.fill('SELECT * FROM "partiql-e2e"')
    editor.get_by_role("button", name="Run").click()
    expect(rows).to_have_count(50)
    page.locator("#partiql-editor").get_by_role("button", name="Next page").click()
    expect(rows).to_have_count(10)
    expect(page.locator("#partiql-editor .item-counts")).to_contain_text("Page 2")


def test_a_refused_statement_is_explained_beside_the_kept_text(page: Page,
                                                              console: RunningConsole) -> None:
    make_table(console, "partiql-e2e-refused", 1)
    sign_in(page, console, f"{console.base_url}/tables/partiql-e2e-refused/items")
    editor = page.locator("#partiql-editor")
    editor.get_by_text("PartiQL editor").click()
    typed = "INSERT INTO \"partiql-e2e-refused\" VALUE {'id': 'item-00'}"
    editor.get_by_label("PartiQL statement").fill(typed)
    editor.get_by_role("button", name="Run").click()
    expect(page.locator("#partiql-error")).to_contain_text(
        "DuplicateItemException: Duplicate primary key exists in table")
    expect(page.locator("#partiql-editor").get_by_label("PartiQL statement")).to_have_value(typed)


def test_a_write_shows_in_the_item_table_below(page: Page, console: RunningConsole) -> None:
    make_table(console, "partiql-e2e-write", 2)
    sign_in(page, console, f"{console.base_url}/tables/partiql-e2e-write/items")
    browser_rows = page.locator("#item-browser tbody tr")
    expect(browser_rows).to_have_count(2)
    editor = page.locator("#partiql-editor")
    editor.get_by_text("PartiQL editor").click()
    editor.get_by_label("PartiQL statement").fill(
        "INSERT INTO \"partiql-e2e-write\" VALUE {'id': 'item-new', 'n': 7}")
    editor.get_by_role("button", name="Run").click()
    expect(editor).to_contain_text("The statement ran. The items below are read again.")
    expect(browser_rows).to_have_count(3)
    expect(page.locator("#item-browser")).to_contain_text("item-new")
    expect(editor.get_by_label("PartiQL statement")).to_have_value(
        "INSERT INTO \"partiql-e2e-write\" VALUE {'id': 'item-new', 'n': 7}")
