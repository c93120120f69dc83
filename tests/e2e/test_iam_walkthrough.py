"""The tutorial's IAM step by clicking: a table's policy from the builder, a Lambda role with it."""
from __future__ import annotations

import re

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in

TABLE = "walkthrough-notes"


def make_table(console: RunningConsole) -> None:
    dynamodb = boto3.client("dynamodb", endpoint_url=console.sandbox_url,
                            region_name="ap-northeast-2", aws_access_key_id="sandbox",
                            aws_secret_access_key="sandbox")
    dynamodb.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                              {"AttributeName": "owner", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-owner", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}]}])
    dynamodb.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


def test_build_a_table_policy_and_give_it_to_a_new_lambda_role(page: Page,
                                                              console: RunningConsole) -> None:
    make_table(console)
    sign_in(page, console, f"{console.base_url}/tables/{TABLE}")
    page.get_by_role("link", name="Allow a role to use this table").click()

    # The builder opens with the table chosen and read-write generated, ready to edit.
    document = page.get_by_label("Policy document (JSON)")
    expect(document).to_have_value(re.compile(f"table/{TABLE}/index/\\*"))
    page.get_by_role("radio", name="Read", exact=True).check()
    page.get_by_role("button", name="Generate the policy").click()
    expect(document).not_to_have_value(re.compile("dynamodb:PutItem"))
    page.get_by_role("radio", name="Read and write").check()
    page.get_by_role("button", name="Generate the policy").click()
    expect(document).to_have_value(re.compile("dynamodb:PutItem"))
    page.get_by_label("Policy name").fill("walkthrough-notes-rw")
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("walkthrough-notes-rw")

    page.locator("nav.sidenav").get_by_role("link", name=re.compile("IAM")).click()
    page.locator(".table-tabs").get_by_role("link", name="Roles").click()
    page.get_by_role("link", name="Create role").click()
    page.get_by_label("Role name").fill("walkthrough-notes-role")
    page.get_by_label("Lambda functions").check()
    page.get_by_role("button", name="Create role").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("walkthrough-notes-role")

    page.get_by_label("Policy to attach").select_option(label="walkthrough-notes-rw")
    page.get_by_role("button", name="Attach policy").click()
    expect(page.locator("#role-attached table")).to_contain_text("walkthrough-notes-rw")
    summary = page.locator("#role-permissions-summary")
    expect(summary).to_contain_text("Amazon DynamoDB")
    for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan"):
        expect(summary).to_contain_text(action)
    expect(summary).to_contain_text(f"table/{TABLE}")
    expect(summary).to_contain_text(f"table/{TABLE}/index/*")
    expect(summary).not_to_contain_text("dynamodb:DeleteTable")
