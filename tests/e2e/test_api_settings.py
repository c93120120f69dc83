"""The tutorial's logging step, done the tutorial's way: a role made in IAM for API Gateway, its
ARN pasted into API Gateway's settings, then a stage's logging turned on."""
from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole, running_console

from .conftest import PASSWORD, sign_in

REGION = "ap-northeast-2"
PUSH_TO_LOGS = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
# What API Gateway answers when the role does not trust it (AWS's wording since 2020; the
# CDK's 2019 reports read "…does not have required permissions set to API Gateway").
UNTRUSTED_ROLE = "The role ARN does not have required permissions"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    """A console and sandbox of this module's own: the account's logging role it sets is
    region-wide, and other tests expect none."""
    output = tmp_path_factory.mktemp("api-settings-console") / "console.log"
    with running_console(output, CONSOLE_PASSWORD=PASSWORD) as running:
        yield running


def aws(console: RunningConsole, service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=console.sandbox_url, region_name=REGION,
                        aws_access_key_id="any", aws_secret_access_key="any")


def make_role(console: RunningConsole, role_name: str, service: str,
              policy_arn: str | None = None) -> str:
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    iam = aws(console, "iam")
    role_arn = iam.create_role(RoleName=role_name,
                               AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if policy_arn:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    return role_arn


def make_deployed_api(console: RunningConsole, api_name: str) -> str:
    gateway = aws(console, "apigateway")
    api_id = gateway.create_rest_api(name=api_name,
                                     endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    gateway.put_method(restApiId=api_id, resourceId=root, httpMethod="GET",
                       authorizationType="NONE")
    gateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK",
                            requestTemplates={"application/json": '{"statusCode": 200}'})
    gateway.create_deployment(restApiId=api_id, stageName="prod")
    return api_id


def test_paste_the_tutorials_role_then_turn_stage_logging_on(page: Page,
                                                             console: RunningConsole) -> None:
    lambda_role = make_role(console, "for-lambda-only", "lambda.amazonaws.com")
    make_role(console, "gateway-without-rights", "apigateway.amazonaws.com")
    logs_role = make_role(console, "gateway-logs", "apigateway.amazonaws.com", PUSH_TO_LOGS)
    api_id = make_deployed_api(console, "logged-api")
    gateway = aws(console, "apigateway")
    sign_in(page, console)

    page.goto(f"{console.base_url}/apis/{api_id}/stages/prod")
    logging_panel = page.locator("#logging-form")
    expect(logging_panel).to_contain_text("must be set in account settings")
    logging_panel.get_by_role("link", name="Paste or choose a role in API Gateway settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API Gateway settings")
    expect(page.locator(".current-role-arn")).to_have_count(0)

    choices = page.locator("#role-choices tr.role-choice")
    expect(choices).to_have_count(2)  # only the roles that trust API Gateway
    expect(page.locator("#role-choices")).not_to_contain_text("for-lambda-only")
    lacking = choices.filter(has_text="gateway-without-rights")
    expect(lacking).to_contain_text("Missing permissions")
    expect(lacking).to_contain_text("logs:PutLogEvents")
    expect(choices.filter(has_text="gateway-logs")).to_contain_text("Has them")

    page.get_by_label("CloudWatch log role ARN").fill(lambda_role)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#role_arn-error")).to_contain_text(UNTRUSTED_ROLE)
    expect(page.get_by_label("CloudWatch log role ARN")).to_have_value(lambda_role)
    assert not gateway.get_account().get("cloudwatchRoleArn")

    page.get_by_label("CloudWatch log role ARN").fill(logs_role)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("CloudWatch log role ARN saved")
    expect(page.locator(".current-role-arn code")).to_have_text(logs_role)
    expect(page.locator(".current-role-arn .copy-button")).to_have_attribute("data-copy", logs_role)
    assert gateway.get_account()["cloudwatchRoleArn"] == logs_role

    page.goto(f"{console.base_url}/apis/{api_id}/stages/prod")
    expect(logging_panel).to_contain_text(logs_role)
    page.get_by_label("Execution logging").select_option("INFO")
    page.get_by_role("button", name="Save logging").click()
    expect(page.get_by_role("status")).to_contain_text("Logging saved")
    stage = gateway.get_stage(restApiId=api_id, stageName="prod")
    assert stage["methodSettings"]["*/*"]["loggingLevel"] == "INFO"


def test_settings_sit_under_apis_in_the_navigation(page: Page, console: RunningConsole) -> None:
    sign_in(page, console)
    navigation = page.locator("nav.sidenav")
    navigation.get_by_role("link", name="API Gateway settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API Gateway settings")
    expect(navigation.locator("a[aria-current=page]")).to_have_text("API Gateway settings")
    expect(page.locator(".breadcrumbs")).to_contain_text("APIs")
    navigation.get_by_role("link", name="APIs").first.click()
    expect(navigation.locator("a[aria-current=page]")).to_contain_text("APIs")
    expect(navigation.locator("a[aria-current=page]")).to_have_count(1)
