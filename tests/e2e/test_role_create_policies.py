"""A person creates a role with two managed policies ticked in the create form (AWS's "Add
permissions" step: search AWS-managed and customer-managed policies, tick several, see them in
the review), is stopped by a bad name without losing a tick, then deletes the role, told first
what will be detached and only afterwards what was."""
from __future__ import annotations

import json

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import settled, sign_in

REGION = "ap-northeast-2"
CUSTOMER_POLICY = "e2e-create-notes-read"
AWS_POLICY = "AmazonDynamoDBReadOnlyAccess"
ROLE = "e2e-two-policies"


def create_customer_policy(console: RunningConsole) -> None:
    iam = boto3.client("iam", endpoint_url=console.sandbox_url, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    iam.create_policy(PolicyName=CUSTOMER_POLICY, PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "dynamodb:GetItem",
            "Resource": "arn:aws:dynamodb:ap-northeast-2:123456789012:table/Notes"}]}))


def test_a_role_made_with_two_policies_ticked_then_deleted(page: Page,
                                                           console: RunningConsole) -> None:
    create_customer_policy(console)
    sign_in(page, console, console.base_url + "/iam/roles/create/new")
    page.get_by_label("Role name").fill("two policies!")
    page.get_by_role("checkbox", name=CUSTOMER_POLICY).check()
    page.get_by_label("Search AWS-managed policies by name").fill("DynamoDBReadOnly")
    page.get_by_role("button", name="Search").click()
    settled(page).get_by_role("checkbox", name=AWS_POLICY).check()
    review = page.locator("#role-review")
    expect(review).to_contain_text(CUSTOMER_POLICY)
    expect(review).to_contain_text(AWS_POLICY)

    page.get_by_role("button", name="Create role").click()
    expect(page.locator("#role_name-error")).to_contain_text("Use 1 to 64 letters")
    expect(page.get_by_label("Role name")).to_have_value("two policies!")
    selected = page.locator("#role-policies-selected")
    for name in (CUSTOMER_POLICY, AWS_POLICY):
        expect(selected.get_by_role("checkbox", name=name)).to_be_checked()

    page.get_by_label("Role name").fill(ROLE)
    page.get_by_role("button", name="Create role").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ROLE)
    attached = page.locator("#role-attached table")
    expect(attached).to_contain_text(CUSTOMER_POLICY)
    expect(attached).to_contain_text(AWS_POLICY)
    expect(page.locator(".banner-info")).to_contain_text(f"Created the role {ROLE} and attached 2 policies")

    page.get_by_role("link", name="Delete role").click()
    expect(page.locator("#role-delete-detaches")).to_contain_text(
        "These 2 managed policies will be detached:")
    expect(page.locator("main")).not_to_contain_text("Detached")
    page.get_by_label("Type the role name to confirm").fill(ROLE)
    page.get_by_role("button", name="Delete role").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("IAM roles")
    done = page.locator(".banner-info")
    expect(done).to_contain_text(f"Deleted the role {ROLE}. Detached 2 managed policies first:")
    for name in (CUSTOMER_POLICY, AWS_POLICY):
        expect(done).to_contain_text(name)
