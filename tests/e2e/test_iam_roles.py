"""A person makes a Lambda role, gives it log and table access, reads what it may do, deletes it."""
from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in


def table_policy(account: str, action: str) -> str:
    table = f"arn:aws:dynamodb:ap-northeast-2:{account}:table/e2e-notes"
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": [action, "dynamodb:PutItem", "dynamodb:Query"],
        "Resource": [table, f"{table}/index/*"]}]}, indent=2)


def test_a_lambda_role_with_table_access_from_creation_to_deletion(page: Page,
                                                                   console: RunningConsole) -> None:
    sign_in(page, console, console.base_url + "/iam/roles")
    page.get_by_role("link", name="Create role").click()
    page.get_by_label("Role name").fill("e2e-notes-role")
    page.get_by_label("Lambda functions").check()
    page.get_by_role("button", name="Create role").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("e2e-notes-role")
    expect(page.locator(".facts")).to_contain_text("lambda.amazonaws.com")
    role_arn = page.locator(".facts code").first.inner_text()
    account = role_arn.split(":")[4]

    page.get_by_label("Policy to attach").select_option(label="AWSLambdaBasicExecutionRole")
    page.get_by_role("button", name="Attach policy").click()
    expect(page.locator("#role-attached table")).to_contain_text("AWSLambdaBasicExecutionRole")
    expect(page.locator("#role-permissions-summary")).to_contain_text("logs:PutLogEvents")

    page.get_by_role("link", name="Add inline policy").click()
    page.get_by_label("Policy name").fill("e2e-notes-table")
    page.get_by_label("Policy JSON").fill(table_policy(account, "dynamodb:GetItems"))
    page.get_by_role("button", name="Save inline policy").click()
    expect(page.locator("#document-findings")).to_contain_text("Did you mean dynamodb:GetItem?")
    expect(page.get_by_label("Policy JSON")).to_have_value(re.compile("dynamodb:GetItems"))
    page.get_by_label("Policy JSON").fill(table_policy(account, "dynamodb:GetItem"))
    page.get_by_role("button", name="Save inline policy").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("e2e-notes-role")
    summary = page.locator("#role-permissions-summary")
    expect(summary).to_contain_text("Amazon DynamoDB")
    for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"):
        expect(summary).to_contain_text(action)
    expect(summary).to_contain_text("table/e2e-notes/index/*")
    expect(summary).to_contain_text("e2e-notes-table")

    page.get_by_role("link", name="Delete role").click()
    page.get_by_label("Type the role name to confirm").fill("e2e-notes-role")
    page.get_by_role("button", name="Delete role").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("IAM roles")
    expect(page.locator(".banner-info")).to_contain_text("Deleted the role e2e-notes-role.")
    expect(page.get_by_role("link", name="e2e-notes-role")).to_have_count(0)
