"""A person writes a policy with a mistake, fixes it, edits it and rolls back to the first version."""
from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in

TABLE_ARN = "arn:aws:dynamodb:ap-northeast-2:123456789012:table/Orders"


def policy_text(action: str, resource: str = TABLE_ARN) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [action], "Resource": resource}]}, indent=2)


def test_create_a_policy_after_fixing_it_then_edit_and_roll_back(page: Page,
                                                                  console: RunningConsole) -> None:
    sign_in(page, console, console.base_url + "/iam/policies")
    page.get_by_role("link", name="Create policy").click()
    page.get_by_label("Policy name").fill("orders-e2e-read")
    page.get_by_label("Policy document (JSON)").fill(policy_text("dynamodb:GetItems"))
    page.get_by_role("button", name="Create policy").click()

    finding = page.locator(".policy-finding-error").first
    expect(finding).to_contain_text("Line 7, column 9")
    expect(finding).to_contain_text("Did you mean dynamodb:GetItem?")
    expect(page.locator(".policy-findings-summary")).to_contain_text("1 error")
    expect(page.get_by_label("Policy name")).to_have_value("orders-e2e-read")

    page.get_by_label("Policy document (JSON)").fill(policy_text("dynamodb:GetItem"))
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("orders-e2e-read")
    expect(page.get_by_role("status").first).to_contain_text("Created the policy orders-e2e-read.")
    expect(page.locator("#policy-json")).to_contain_text('"dynamodb:GetItem"')

    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Policy document (JSON)")).to_have_value(re.compile('"dynamodb:GetItem"'))
    page.get_by_label("Policy document (JSON)").fill(policy_text("dynamodb:Query", TABLE_ARN + "/index/*"))
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved v2 as the default version.")
    expect(page.locator("#policy-json")).to_contain_text("dynamodb:Query")

    page.get_by_role("button", name="Make v1 the default").click()
    expect(page.get_by_role("status").first).to_contain_text("v1 is now the default version")
    expect(page.locator("#policy-json")).to_contain_text('"dynamodb:GetItem"')
    expect(page.locator("#policy-versions")).to_contain_text("v2")

    page.goto(console.base_url + "/iam/policies")
    expect(page.get_by_role("link", name="orders-e2e-read")).to_be_visible()
