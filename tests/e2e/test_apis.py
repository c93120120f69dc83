"""A person builds the tutorial's API: /items GET through Lambda proxy, deployed to prod."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

from collections.abc import Iterator

import boto3
import pytest
from playwright.sync_api import Page, expect

from webapp.aws.functions.code_packages import template_zip

from tests.running_console import RunningConsole, running_console

from .conftest import PASSWORD, settled, sign_in

REGION = "ap-northeast-2"
TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    """A console of this module's own, so its sign-in does not count against the session's
    per-minute login limit shared by the other browser tests."""
    output = tmp_path_factory.mktemp("apis-console") / "console.log"
    with running_console(output, CONSOLE_PASSWORD=PASSWORD) as running:
        yield running


def make_hello_function(console: RunningConsole, function_name: str) -> None:
    keys = {"endpoint_url": console.sandbox_url, "region_name": REGION,
            "aws_access_key_id": "any", "aws_secret_access_key": "any"}
    iam = boto3.client("iam", **keys)
    role_arn = iam.create_role(RoleName=f"{function_name}-role",
                               AssumeRolePolicyDocument=TRUST_LAMBDA)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=f"{function_name}-role", PolicyArn=(
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"))
    boto3.client("lambda", **keys).create_function(
        FunctionName=function_name, Runtime="python3.12", Handler="lambda_function.lambda_handler",
        Role=role_arn, Code={"ZipFile": template_zip("hello")})


def stage_answers(url: str) -> bool:
    """True once the sandbox serves deployed stages (another part of the project)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_build_an_items_api_with_lambda_proxy_and_deploy_it(page: Page,
                                                              console: RunningConsole) -> None:
    make_hello_function(console, "hello-api-e2e")
    sign_in(page, console)
    page.locator("nav.sidenav").get_by_role("link", name=re.compile("APIs")).click()
    page.get_by_role("link", name="Create API").click()
    expect(page.get_by_text("users in Seoul only")).to_be_visible()
    page.get_by_role("button", name="Create API").click()
    expect(page.get_by_label("API name")).to_have_attribute("required", "")
    page.get_by_label("API name").fill("items-e2e")
    page.get_by_label("Description").fill("tutorial API")
    page.get_by_label("Regional").check()
    page.get_by_role("button", name="Create API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("items-e2e")
    api_id = page.url.rstrip("/").rsplit("/", 1)[-1]

    page.get_by_label("Resource path part").fill("{bad")
    page.get_by_role("button", name="Create resource").click()
    expect(page.locator("#path_part-error")).to_contain_text("{name+}")
    expect(page.get_by_label("Resource path part")).to_have_value("{bad")
    page.get_by_label("Resource path part").fill("items")
    page.get_by_role("button", name="Create resource").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("/items")

    page.get_by_label("HTTP method").select_option("GET")
    page.get_by_label("Lambda function").select_option(label="hello-api-e2e")
    page.get_by_role("button", name="Create method").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("GET")
    expect(page.locator("#integration")).to_contain_text("AWS_PROXY")
    expect(page.locator("#lambda-permission")).to_contain_text("Allowed")
    expect(page.locator("#lambda-permission")).to_contain_text(f"{api_id}/*/GET/items")

    page.locator(".breadcrumbs").get_by_role("link", name="items-e2e").click()
    expect(page.locator(".resource-tree")).to_contain_text("/items")
    page.get_by_label("New stage name").fill("prod")
    page.get_by_label("Deployment description").fill("first")
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stage prod")
    sandbox_port = console.sandbox_url.rstrip("/").rpartition(":")[2]
    invoke_url = f"http://{api_id}.execute-api.localhost:{sandbox_port}/prod"
    path_url = f"{console.sandbox_url.rstrip('/')}/restapis/{api_id}/prod/_user_request_"
    expect(page.locator(".invoke-url code")).to_have_text(invoke_url)
    expect(page.locator(".path-invoke-url code")).to_have_text(path_url)
    expect(page.locator("#deployment-history")).to_contain_text("first")

    assert stage_answers(path_url + "/items"), "the sandbox must serve the deployed stage"
    stage_page = page.context.new_page()  # the stage on its own origin, as a browser opens it
    reply = stage_page.goto(invoke_url + "/items")
    assert reply is not None and reply.status == 200
    assert "Hello, world!" in stage_page.content()
    stage_page.close()
    page.locator(".breadcrumbs").get_by_role("link", name="items-e2e").click()
    page.locator(".resource-tree").get_by_role("link", name="GET").click()
    page.get_by_role("button", name="Call the stage").click()
    result = page.locator(".invocation")
    expect(result).to_contain_text("HTTP 200")
    expect(result.locator("pre.output").first).to_contain_text("Hello, world!")
    expect(result.get_by_role("link", name="/aws/lambda/hello-api-e2e")).to_be_visible()
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator(".invocation")).to_contain_text("HTTP 200")
    expect(page.locator(".invocation pre.log")).to_contain_text("Method completed with status: 200")
    log_text = page.locator(".invocation pre.log").inner_text()
    request_id = re.search(r"x-amzn-RequestId=([0-9a-f-]+)", log_text).group(1)  # type: ignore[union-attr]
    page.locator(".invocation").get_by_role("link", name="This request's logs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("/aws/lambda/hello-api-e2e")
    expect(page.locator("#event-rows tr.log-event").first).to_contain_text(f"START RequestId: {request_id}")
    expect(page.locator("#event-rows tr.log-event").last).to_contain_text(f"REPORT RequestId: {request_id}")
    own_lines = page.locator("#event-rows tr.log-event").count()
    assert page.locator("#event-rows").inner_text().count("START RequestId:") == 1  # only its own
    page.get_by_role("link", name="Show every line").click()
    expect(page.locator("#event-rows")).to_contain_text(f"START RequestId: {request_id}")
    assert page.locator("#event-rows").inner_text().count("START RequestId:") > 1
    assert page.locator("#event-rows tr.log-event").count() > own_lines

    turn_on_logging_the_tutorials_way(page, console, api_id)
    delete_what_was_built_by_hand(page, console, api_id)


def sandbox(console: RunningConsole, service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=console.sandbox_url, region_name=REGION,
                        aws_access_key_id="any", aws_secret_access_key="any")


def turn_on_logging_the_tutorials_way(page: Page, console: RunningConsole, api_id: str) -> None:
    """The tutorial's step: a role for API Gateway made in IAM, its ARN pasted in API Gateway's
    settings, then the stage's execution logging turned on and seen in CloudWatch Logs."""
    page.goto(f"{console.base_url}/iam/roles")
    page.get_by_role("link", name="Create role").click()
    page.get_by_label("Role name").fill("apigateway-logs-e2e")
    page.get_by_label("API Gateway").check()
    page.get_by_label("Search AWS-managed policies by name").fill("PushToCloudWatch")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("AWS-managed matching PushToCloudWatch")).to_be_visible()
    # Suggested for API Gateway roles and found by the search: either box ticks it.
    settled(page).get_by_role("checkbox", name="AmazonAPIGatewayPushToCloudWatchLogs").last.check()
    expect(page.locator("#role-review")).to_contain_text("AmazonAPIGatewayPushToCloudWatchLogs")
    page.get_by_role("button", name="Create role").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("apigateway-logs-e2e")
    role_arn = page.locator(".facts code").first.inner_text()
    assert role_arn.endswith(":role/apigateway-logs-e2e")

    page.locator("nav.sidenav").get_by_role("link", name="API Gateway settings").click()
    page.get_by_label("CloudWatch log role ARN").fill(role_arn)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("CloudWatch log role ARN saved")
    assert sandbox(console, "apigateway").get_account()["cloudwatchRoleArn"] == role_arn

    page.goto(f"{console.base_url}/apis/{api_id}/stages/prod")
    page.get_by_label("Execution logging").select_option("INFO")
    page.get_by_role("button", name="Save logging").click()
    expect(page.get_by_role("status")).to_contain_text("Logging saved")
    assert stage_answers(
        f"{console.sandbox_url.rstrip('/')}/restapis/{api_id}/prod/_user_request_/items")
    execution_logs = f"API-Gateway-Execution-Logs_{api_id}/prod"
    groups = sandbox(console, "logs").describe_log_groups(logGroupNamePrefix=execution_logs)
    assert [group["logGroupName"] for group in groups["logGroups"]] == [execution_logs]


def delete_what_was_built_by_hand(page: Page, console: RunningConsole, api_id: str) -> None:
    """Method, resource, stage, API, function and role, each after typing what AWS asks for."""
    page.goto(f"{console.base_url}/apis/{api_id}")
    page.locator(".resource-tree").get_by_role("link", name="GET").click()
    page.get_by_role("link", name="Delete method").click()
    page.get_by_label("to confirm").fill("GET")
    page.get_by_role("button", name="Delete method").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted the method GET /items.")
    page.get_by_role("link", name="Delete resource").click()
    page.get_by_label("to confirm").fill("/items")
    page.get_by_role("button", name="Delete resource").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted the resource /items")
    page.locator("#stages").get_by_role("link", name="prod").click()
    page.get_by_role("link", name="Delete stage").click()
    page.get_by_label("to confirm").fill("prod")
    page.get_by_role("button", name="Delete stage").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted the stage prod")
    page.get_by_role("link", name="Delete API").click()
    page.get_by_label("to confirm").fill("items-e2e")
    page.get_by_role("button", name="Delete API").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted the API items-e2e.")
    assert sandbox(console, "apigateway").get_rest_apis()["items"] == []

    page.goto(f"{console.base_url}/functions/hello-api-e2e")
    page.get_by_role("link", name="Delete function").click()
    page.get_by_label("To confirm deletion, type confirm in the field.").fill("confirm")
    page.get_by_role("button", name="Delete function").click()
    expect(page.get_by_role("status").filter(
        has_text="Deleted the function hello-api-e2e.")).to_be_visible()
    assert sandbox(console, "lambda").list_functions()["Functions"] == []
    kept = sandbox(console, "logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/hello-api-e2e")
    assert kept["logGroups"], "the function's log group stays, as on AWS"

    page.goto(f"{console.base_url}/iam/roles/apigateway-logs-e2e")
    page.get_by_role("link", name="Delete role").click()
    page.get_by_label("Type the role name to confirm").fill("apigateway-logs-e2e")
    page.get_by_role("button", name="Delete role").click()
    expect(page.locator(".banner-info")).to_contain_text("Deleted the role apigateway-logs-e2e.")
