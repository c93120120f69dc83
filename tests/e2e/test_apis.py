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

from .conftest import PASSWORD, sign_in

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
