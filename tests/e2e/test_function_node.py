"""A person creates Node.js functions from the console's templates and invokes them with the Test
panel: choosing a Node.js runtime suits the form to it (handler, templates, what runs it)."""
from __future__ import annotations

import json
import re

import boto3
from playwright.sync_api import Page, expect

from tests.helpers import needs_node, needs_node_sdk
from tests.running_console import RunningConsole

from .conftest import INVOKE_TIMEOUT_MS, sections_loaded, settled, sign_in

pytestmark = [needs_node(), needs_node_sdk()]

TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
POLICIES = ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess")
RUNS_ON_NODE = re.compile(r"requested, runs on Node\.js v\d+\.\d+\.\d+")


def choose_runtime(page: Page, runtime: str) -> None:
    """Choose a runtime and wait for the form suited to it."""
    page.get_by_label("Runtime").select_option(runtime)
    expect(page.locator("#runtime-runs-on")).to_contain_text(f"{runtime} requested")


def test_create_from_hello_nodejs_and_invoke_it(page: Page, console: RunningConsole) -> None:
    sign_in(page, console, console.base_url + "/functions/new")
    page.get_by_label("Function name").fill("hello-node-e2e")
    choose_runtime(page, "nodejs20.x")
    expect(page.get_by_label("Handler")).to_have_value("index.handler")
    expect(page.get_by_label("Template", exact=True)).to_have_value("hello-nodejs")
    expect(page.get_by_label("Function name")).to_have_value("hello-node-e2e")
    expect(page.locator("#runtime-runs-on")).to_contain_text(RUNS_ON_NODE)
    page.get_by_role("button", name="Create function").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("hello-node-e2e")
    expect(page.locator("#function-state")).to_contain_text("Active")
    expect(page.locator("#runtime-note")).to_contain_text(RUNS_ON_NODE)
    expect(page.locator(".code-file-name").first).to_have_text("index.js")
    page.get_by_label("Event JSON").fill('{"name": "Kim"}')
    sections_loaded(page)
    page.get_by_role("button", name="Invoke").click()
    result = page.locator(".invocation")
    expect(result).to_contain_text("Succeeded", timeout=INVOKE_TIMEOUT_MS)
    expect(result.locator("pre.output").first).to_contain_text("Hello, Kim!")
    expect(result.locator("pre.log")).to_contain_text("hello invoked for Kim")
    expect(result.locator("pre.log")).to_contain_text("REPORT RequestId:")


def test_create_from_items_nodejs_and_invoke_it(page: Page, console: RunningConsole) -> None:
    connection = {"endpoint_url": console.sandbox_url, "region_name": "ap-northeast-2",
                  "aws_access_key_id": "any", "aws_secret_access_key": "any"}
    boto3.client("dynamodb", **connection).create_table(
        TableName="NodeItems", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    iam = boto3.client("iam", **connection)
    iam.create_role(RoleName="items-node-role", AssumeRolePolicyDocument=TRUST_LAMBDA)
    for policy_arn in POLICIES:
        iam.attach_role_policy(RoleName="items-node-role", PolicyArn=policy_arn)

    sign_in(page, console, console.base_url + "/functions/new")
    page.get_by_label("Function name").fill("items-node-e2e")
    page.get_by_label("Template", exact=True).select_option("items")
    choose_runtime(page, "nodejs22.x")
    expect(page.get_by_label("Template", exact=True)).to_have_value("items-nodejs")
    page.get_by_label("Execution role").select_option(label="items-node-role")
    page.get_by_label("Environment variables").fill("TABLE_NAME=NodeItems")
    page.get_by_role("button", name="Create function").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("items-node-e2e")
    expect(page.locator("#function-state")).to_contain_text("Active")
    expect(page.locator(".code-file-name").first).to_have_text("index.mjs")
    event = {"resource": "/items/{id}", "path": "/items/pen", "httpMethod": "PUT",
             "pathParameters": {"id": "pen"}, "body": json.dumps({"price": 2})}
    page.get_by_label("Event JSON").fill(json.dumps(event))
    sections_loaded(page)
    page.get_by_role("button", name="Invoke").click()
    result = page.locator(".invocation")
    expect(result).to_contain_text("Succeeded", timeout=INVOKE_TIMEOUT_MS)
    expect(result.locator("pre.output").first).to_contain_text('"statusCode": 200')
    item = boto3.client("dynamodb", **connection).get_item(TableName="NodeItems",
                                                          Key={"id": {"S": "pen"}})["Item"]
    assert item == {"id": {"S": "pen"}, "price": {"N": "2"}}


def test_going_back_to_python_brings_back_its_handler_and_template(page: Page, console: RunningConsole) -> None:
    sign_in(page, console, console.base_url + "/functions/new")
    page.get_by_label("Function name").fill("mixed-e2e")
    page.get_by_label("Runtime").select_option("nodejs18.x")
    expect(page.get_by_label("Template", exact=True)).to_have_value("hello-nodejs")
    page.get_by_label("Handler").fill("index.handler")
    settled(page).get_by_label("Runtime").select_option("python3.12")
    expect(page.get_by_label("Handler")).to_have_value("lambda_function.lambda_handler")
    expect(page.get_by_label("Template", exact=True)).to_have_value("hello")
    expect(page.get_by_label("Function name")).to_have_value("mixed-e2e")
