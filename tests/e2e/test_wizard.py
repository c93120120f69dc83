"""A person runs the setup wizard on the sandbox: every step with its default answers, a live
check that returns the created item; and a step that fails, keeps the answers and works on retry."""
from __future__ import annotations

import json
import re

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in

STEP_BUTTON = re.compile(r"^(Run this step|Retry|Run this step again)$")


def aws(console: RunningConsole, service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=console.sandbox_url, region_name="ap-northeast-2",
                        aws_access_key_id="any", aws_secret_access_key="any")


def run_step(page: Page, title: str) -> None:
    expect(page.locator(".wizard-main h2").first).to_contain_text(title)
    page.get_by_role("button", name=STEP_BUTTON).click()
    expect(page.locator(".flash, .flashes, [role=status]").first).to_contain_text(f"Done: {title}")


def test_the_whole_wizard_with_default_answers(page: Page, console: RunningConsole) -> None:
    sign_in(page, console)
    page.locator("nav.sidenav").get_by_role("link", name=re.compile("Setup wizard")).click()
    page.get_by_role("link", name="Start the wizard").click()
    expect(page.locator(".wizard-calls")).to_contain_text("dynamodb:CreateTable")
    run_step(page, "DynamoDB table and test items")
    run_step(page, "Least-privilege policy and execution role")
    run_step(page, "Lambda function")
    run_step(page, "REST API with Lambda proxy integration")
    run_step(page, "Deployment to a stage, with logging")
    expect(page.locator(".wizard-main h2").first).to_contain_text("Live check")
    page.get_by_role("button", name="Run the live check").click()
    results = page.locator(".check-call")
    expect(results).to_have_count(3)
    expect(results.nth(0)).to_contain_text("HTTP 201")
    expect(results.nth(1)).to_contain_text("HTTP 200")
    expect(results.nth(1)).to_contain_text("Made by the setup wizard's live check")
    expect(results.nth(2)).to_contain_text("Notebook")
    expect(page.locator(".panel h2").filter(has_text="Results")).to_contain_text("working")

    # What was made is there, once.
    assert [api["name"] for api in aws(console, "apigateway").get_rest_apis()["items"]].count(
        "wizard-items-api") == 1
    environment = aws(console, "lambda").get_function_configuration(
        FunctionName="wizard-items-function")["Environment"]["Variables"]
    assert environment == {"TABLE_NAME": "wizard-items", "KEY_NAME": "id"}
    # Each call links to the function's lines of that moment.
    results.nth(0).get_by_role("link", name="The function's log lines of this call").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("/aws/lambda/wizard-items-function")
    expect(page.locator("tr.invocation-row").first).to_have_attribute("data-status", "ok")
    page.go_back()

    # The map draws what the wizard made, end to end, with nothing marked broken.
    wizard_url = page.url
    page.locator("nav.sidenav").get_by_role("link", name="Map", exact=True).click()
    page.get_by_label("Show").select_option(label="wizard-items-function")
    page.get_by_role("button", name="Filter").click()
    svg = page.locator("svg.map-svg")
    for key in ("function:wizard-items-function", "role:wizard-items-function-role",
                "table:wizard-items", "log-group:/aws/lambda/wizard-items-function"):
        expect(svg.locator(f'[data-key="{key}"]').first).to_be_visible()
    expect(svg.locator(".map-box").filter(has_text="wizard-items-api")).to_have_count(1)
    expect(svg.locator(".map-box").filter(has_text="wizard-items-table-access")).to_have_count(1)
    expect(svg.locator("path.map-line title").filter(
        has_text="POST /items → wizard-items-function: Lambda proxy integration")).to_have_count(1)
    expect(page.locator("#map-problems")).to_contain_text("Nothing on this map is marked broken.")
    page.goto(wizard_url)

    page.get_by_role("link", name="Overview, tear down and export").click()
    expect(page.locator(".wizard-overview .badge-state-active")).to_have_count(6)

    # Tear down: everything the wizard made goes, in order; a second run finds nothing.
    api_id = next(api["id"] for api in aws(console, "apigateway").get_rest_apis()["items"]
                  if api["name"] == "wizard-items-api")
    page.get_by_role("link", name="Tear down…").click()
    page.get_by_label(re.compile("to confirm")).fill("delete")
    page.get_by_role("button", name=re.compile(r"^Delete \d+ items$")).click()
    expect(page.locator("main")).to_contain_text("Tear down complete")
    assert "wizard-items" not in aws(console, "dynamodb").list_tables()["TableNames"]
    assert "wizard-items-function" not in [
        function["FunctionName"] for function in aws(console, "lambda").list_functions()["Functions"]]
    assert "wizard-items-api" not in [api["name"] for api in
                                      aws(console, "apigateway").get_rest_apis()["items"]]
    iam = aws(console, "iam")
    assert "wizard-items-function-role" not in [role["RoleName"] for role in iam.list_roles()["Roles"]]
    assert "wizard-items-table-access" not in [
        policy["PolicyName"] for policy in iam.list_policies(Scope="Local")["Policies"]]
    groups = [group["logGroupName"] for group in
              aws(console, "logs").describe_log_groups()["logGroups"]]
    assert not [group for group in groups if "wizard-items" in group or api_id in group]
    page.goto(console.base_url + "/wizard/teardown")
    expect(page.locator("main")).to_contain_text("Nothing left to delete")


def test_a_failing_step_keeps_the_answers_and_works_on_retry(page: Page,
                                                              console: RunningConsole) -> None:
    iam = aws(console, "iam")
    iam.create_role(RoleName="taken-by-ec2", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}))
    sign_in(page, console, console.base_url + "/wizard/step/table")
    page.get_by_label("Table name").fill("x")  # too short: refused before any call
    page.get_by_role("button", name=STEP_BUTTON).click()
    expect(page.locator("#table_name-error")).to_contain_text("3 to 255")
    expect(page.get_by_label("Table name")).to_have_value("x")
    page.get_by_label("Table name").fill("retry-items")
    run_step(page, "DynamoDB table and test items")

    page.get_by_label("Policy name").fill("retry-items-access")
    page.get_by_label("Execution role name").fill("taken-by-ec2")
    page.get_by_role("button", name=STEP_BUTTON).click()
    expect(page.locator("#role_name-error")).to_contain_text("Lambda may not assume it")
    expect(page.get_by_label("Execution role name")).to_have_value("taken-by-ec2")
    expect(page.get_by_label("Policy name")).to_have_value("retry-items-access")
    page.get_by_label("Execution role name").fill("retry-items-role")
    page.get_by_role("button", name="Retry").click()
    expect(page.locator(".flash, .flashes, [role=status]").first).to_contain_text("Done: Least-privilege")
    policies = [policy["PolicyName"] for policy in iam.list_policies(Scope="Local")["Policies"]]
    assert policies.count("retry-items-access") == 1  # the failed try made it, the retry reused it
    attached = iam.list_attached_role_policies(RoleName="retry-items-role")["AttachedPolicies"]
    assert {policy["PolicyName"] for policy in attached} == {"retry-items-access",
                                                            "AWSLambdaBasicExecutionRole"}
