"""Browser tests: Debian's chromium driven by Playwright against a real console process."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.running_console import RunningConsole, running_console

CHROMIUM = Path("/usr/bin/chromium")
# Flags for a closed network and a root user; never `playwright install`. Headless chromium
# opens a real browser window per context, whose address bar loads two WebUI pages
# (chrome://omnibox-popup.top-chrome) into a renderer of their own: switching that popup back
# to the native one took a third of chromium's CPU off the browser tests (bench/README.md).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup"]
PASSWORD = "browser-test-password"
# How long an expectation waits for the page: Playwright's default 5 s is passed now and then on
# a loaded machine (three test workers, their consoles, sandboxes and chromium on two cores),
# though a page that is right gets there in well under a second; a wrong one fails all the same.
EXPECT_TIMEOUT_MS = 10_000
# A function's first call starts its worker, which takes longer still.
INVOKE_TIMEOUT_MS = 15_000


def pytest_configure(config: pytest.Config) -> None:
    """Every expectation in the browser tests waits EXPECT_TIMEOUT_MS unless it says otherwise."""
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test here as a browser test."""
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """One headless chromium for the session; skipped, or failed under REQUIRE_BROWSER=1."""
    if not CHROMIUM.exists():
        reason = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    """One console with its own in-memory sandbox for the session's browser tests."""
    output = tmp_path_factory.mktemp("console") / "console.log"
    with running_console(output, CONSOLE_PASSWORD=PASSWORD) as running:
        yield running


@pytest.fixture
def page(browser, console: RunningConsole):  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies) in English, failing on any CSP violation."""
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    # Script errors and CSP violations; an HTTP error status the test provoked is not one.
    opened.on("console", lambda message: problems.append(message.text)
              if message.type == "error" and "Failed to load resource" not in message.text
              else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()
    assert problems == [], f"browser errors: {problems}"


# Sections a page fills in after it loads (htmx hx-trigger="load"); each is swapped for its content.
LAZY_SECTIONS = '[hx-trigger="load"]'


def sections_loaded(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until every section the page loads after itself has come in.

    They arrive above a function's Test panel and push it down: a click made as one lands can
    hit what slid under the pointer instead of the button (seen once: Invoke sent nothing).
    """
    from playwright.sync_api import expect

    expect(page.locator(LAZY_SECTIONS)).to_have_count(0)


# What htmx marks while it works: a request out, old content going, new content not yet settled.
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def settled(page):  # type: ignore[no-untyped-def]
    """The page once htmx has finished its last request and swap, so an action reaches the new
    content: htmx wires what it swapped in only when it settles (about 20 ms later), and a
    control used before that does nothing, or falls back to a plain page load."""
    page.wait_for_function(f"() => !document.querySelector({HTMX_BUSY!r})")
    return page


# The session cookie of each console's first sign-in through the form (per test process).
_SIGNED_IN: dict[str, list[Any]] = {}


def sign_in(page, console: RunningConsole,  # type: ignore[no-untyped-def]
            url: str | None = None) -> None:
    """Sign in and land on `url` (the dashboard unless given), as a person opening that page.

    The first time for a console, through the login form as a person would (the console sends
    them back to the page they asked for); then its session cookie is kept, and later tests
    start their fresh context with it (a person coming back), which spares each about 0.4 s.
    Should the console no longer accept it, the form again. A test that works on another page
    opens it straight away: landing on the dashboard first drew the whole region's mini map
    (some 0.5 s of console and sandbox CPU once the session's sandbox holds a few dozen
    resources) for a page nobody looked at.
    """
    home = console.base_url + "/"
    login = console.base_url + "/login"
    kept = _SIGNED_IN.get(console.base_url)
    if kept is not None:
        page.context.add_cookies(kept)
    page.goto(url or home)
    if not page.url.startswith(login):
        return
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda address: not address.startswith(login))
    _SIGNED_IN[console.base_url] = page.context.cookies(home)
