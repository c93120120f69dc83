"""htmx swaps write no inline style, so a strict CSP (style-src 'self') reports nothing.

htmx 2 "settles" the attributes named in `attributesToSettle` (default class, style, width,
height): an element in the new content with the id of one on the page first gets the old
element's values, then its own, through setAttribute. A `style` attribute the browser wrote (a
textarea the person resized by its grip; any CSSOM write) is copied that way, and Chromium
refuses and reports it as an inline style under our CSP. base.html's htmx-config leaves `style`
out of the settled attributes.
"""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in
from .tables import make_table

# Runs before the page's own scripts (through the DevTools protocol, so the CSP does not apply)
# and keeps every report the page's document receives.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
# What Chromium does when a person drags a textarea's resize grip: the new size goes into the
# element's style attribute (a CSSOM write, which the CSP allows).
RESIZE_EDITOR = "() => { document.getElementById('document').style.height = '420px'; }"


def csp_reports(page: Page, console_errors: list[str]) -> list[str]:
    """The violations the page saw, from its own reports and from the console."""
    reported: list[str] = page.evaluate("() => window.__cspViolations")
    return reported + [text for text in console_errors if "Content Security Policy" in text]


def test_swapping_a_resized_policy_editor_reports_no_csp_violation(page: Page,
                                                                   console: RunningConsole) -> None:
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text)
            if message.type == "error" else None)
    make_table(console, "CspSwapOrders")
    page.add_init_script(COLLECT_VIOLATIONS)
    sign_in(page, console, console.base_url + "/iam/policies/new")

    # A refused form (422) swaps the whole form, the resized editor included.
    page.evaluate(RESIZE_EDITOR)
    page.get_by_label("Policy name").fill("not a name!")
    page.get_by_role("button", name="Create policy").click()
    expect(page.locator("#policy_name-error")).to_be_visible()
    expect(page.get_by_label("Policy name")).to_have_value("not a name!")

    # The builder swaps the document field, again over a resized editor.
    page.evaluate(RESIZE_EDITOR)
    page.get_by_label("Resource", exact=True).fill("CspSwapOrders")
    page.get_by_role("button", name="Generate the policy").click()
    expect(page.get_by_label("Policy document (JSON)")).to_have_value(re.compile("table/CspSwapOrders"))

    assert csp_reports(page, console_errors) == []
