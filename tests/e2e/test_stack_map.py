"""A person opens the Map of a small stack, follows a box, sees what is broken and fixes it."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator

import boto3
import pytest
from playwright.sync_api import Page, expect

from webapp.aws.functions.code_packages import template_zip

from tests.running_console import RunningConsole, running_console

from .conftest import PASSWORD, sign_in

REGION = "ap-northeast-2"
TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    """A console and sandbox of this module's own: the map draws the whole region."""
    output = tmp_path_factory.mktemp("stack-map-console") / "console.log"
    with running_console(output, CONSOLE_PASSWORD=PASSWORD) as running:
        yield running


def build_stack(console: RunningConsole) -> tuple[str, str]:
    """The tutorial's stack with one fault: GET /items calls map-fn, which never allowed it."""
    keys = {"endpoint_url": console.sandbox_url, "region_name": REGION,
            "aws_access_key_id": "any", "aws_secret_access_key": "any"}
    iam = boto3.client("iam", **keys)
    role_arn = iam.create_role(RoleName="map-role",
                               AssumeRolePolicyDocument=TRUST_LAMBDA)["Role"]["Arn"]
    iam.attach_role_policy(RoleName="map-role", PolicyArn=BASIC)
    function_arn = boto3.client("lambda", **keys).create_function(
        FunctionName="map-fn", Runtime="python3.12", Handler="lambda_function.lambda_handler",
        Role=role_arn, Code={"ZipFile": template_zip("hello")})["FunctionArn"]
    gateway = boto3.client("apigateway", **keys)
    api_id = gateway.create_rest_api(name="map-api")["id"]
    root = gateway.get_resources(restApiId=api_id)["items"][0]["id"]
    items = gateway.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    gateway.put_method(restApiId=api_id, resourceId=items, httpMethod="GET",
                       authorizationType="NONE")
    gateway.put_integration(
        restApiId=api_id, resourceId=items, httpMethod="GET", type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}"
            "/invocations")
    return api_id, items


def test_the_map_draws_the_stack_links_its_boxes_and_fixes_a_problem(
        page: Page, console: RunningConsole) -> None:
    api_id, items = build_stack(console)
    sign_in(page, console)
    mini = page.locator("#mini-map")
    # It is drawn once it comes into view: the person scrolls down to it. (Asking Playwright to
    # scroll the element itself failed when it was already in view and htmx swapped it mid-way.)
    page.mouse.wheel(0, 5000)
    expect(mini.locator("svg.map-mini")).to_be_visible()
    expect(mini).to_contain_text("1 problem")

    page.locator("nav.sidenav").get_by_role("link", name="Map", exact=True).click()
    svg = page.locator("svg.map-svg")
    for key in (f"api:{api_id}", f"method:{api_id}/{items}/GET", "function:map-fn",
                "role:map-role", f"policy:{BASIC}", "log-group:/aws/lambda/map-fn"):
        expect(svg.locator(f'[data-key="{key}"]').first).to_be_visible()
    expect(svg.locator('.map-box-missing[data-key="log-group:/aws/lambda/map-fn"]')).to_be_visible()
    expect(svg.locator("path.map-line title").filter(
        has_text="GET /items → map-fn: Lambda proxy integration")).to_have_count(1)
    expect(page.locator(".map-footer")).to_contain_text(re.compile(r"Drawn from \d+ AWS calls"))

    svg.locator('[data-key="function:map-fn"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("map-fn")
    page.go_back()

    mark = svg.locator(f'.map-mark[data-key="method:{api_id}/{items}/GET"]')
    expect(mark).to_be_visible()
    expect(mark.locator("title")).to_contain_text("does not let API Gateway invoke it")
    problems = page.locator("#map-problems")
    expect(problems.locator("li")).to_have_count(1)
    problems.get_by_role("link", name="Add the invoke permission").click()
    expect(page.locator("#lambda-permission")).to_contain_text("API Gateway may not invoke")
    page.locator("#lambda-permission").get_by_role("button", name="Add the permission").click()
    expect(page.locator("#lambda-permission")).to_contain_text("Allowed")

    page.goto(f"{console.base_url}/map/?api={api_id}")
    expect(page.locator("#map-problems")).to_contain_text("Nothing on this map is marked broken.")
    expect(page.locator("svg.map-svg .map-mark")).to_have_count(0)
    expect(page.get_by_label("Show")).to_have_value(f"api:{api_id}")
    page.get_by_label("Show").select_option("function:map-fn")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/map/\?function=map-fn$"))
    expect(page.locator('svg.map-svg [data-key="function:map-fn"]').first).to_be_visible()
