"""A person creates a function from a template with a new basic role and invokes it."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import INVOKE_TIMEOUT_MS, sections_loaded, sign_in


def test_create_a_function_from_the_hello_template_and_invoke_it(page: Page,
                                                                   console: RunningConsole) -> None:
    sign_in(page, console)
    page.locator("nav.sidenav").get_by_role("link", name=re.compile("Functions")).click()
    page.get_by_role("link", name="Create function").click()
    page.get_by_label("Function name").fill("bad name")
    page.get_by_role("button", name="Create function").click()
    expect(page.locator("#function_name-error")).to_contain_text("1 to 64 letters")
    expect(page.get_by_label("Function name")).to_have_value("bad name")

    page.get_by_label("Function name").fill("hello-e2e")
    page.get_by_label("Environment variables").fill("GREETING=hi")
    page.get_by_label("Template", exact=True).select_option("hello")
    page.get_by_role("button", name="Create function").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("hello-e2e")
    expect(page.locator("#function-state")).to_contain_text("Active")
    expect(page.locator(".facts")).to_contain_text("GREETING=hi")
    expect(page.locator(".facts")).to_contain_text(re.compile(r"role/service-role/hello-e2e-role-"))

    page.get_by_label("Event JSON").fill('{"name": "Kim"}')
    sections_loaded(page)
    page.get_by_role("button", name="Invoke").click()
    result = page.locator(".invocation")
    expect(result).to_contain_text("Succeeded", timeout=INVOKE_TIMEOUT_MS)
    expect(result.locator("pre.output").first).to_contain_text("Hello, Kim!")
    expect(result.locator("pre.log")).to_contain_text("hello invoked for Kim")
    expect(result.locator("pre.log")).to_contain_text("REPORT RequestId:")
    expect(result).to_contain_text(re.compile(r"\d+\.\d\d ms"))

    request_id = result.locator("dd code").nth(0).inner_text()
    page.get_by_role("link", name="This request's logs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("/aws/lambda/hello-e2e")
    expect(page.locator("#event-rows")).to_contain_text(f"START RequestId: {request_id}")
    expect(page.locator("#event-rows")).to_contain_text("hello invoked for Kim")
    page.go_back()

    page.get_by_label("Event JSON").fill('{"name": ')
    sections_loaded(page)
    page.get_by_role("button", name="Invoke").click()
    expect(page.locator("#event-error")).to_contain_text("not valid JSON")
    expect(page.get_by_label("Event JSON")).to_have_value('{"name": ')

    page.locator("nav.sidenav").get_by_role("link", name=re.compile("Functions")).click()
    expect(page.get_by_role("link", name="hello-e2e")).to_be_visible()
