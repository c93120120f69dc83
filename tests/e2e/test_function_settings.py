"""A person edits a function's memory and environment on its page and publishes a version."""
from __future__ import annotations

import io
import json
import re
import zipfile

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in

FUNCTION = "settings-e2e"
REGION = "ap-northeast-2"
TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def sandbox(console: RunningConsole, service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=console.sandbox_url, region_name=REGION,
                        aws_access_key_id="e2e", aws_secret_access_key="e2e")


def create_function(console: RunningConsole) -> None:
    role_arn = sandbox(console, "iam").create_role(
        RoleName=f"{FUNCTION}-role", AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return 1\n")
    lambda_client = sandbox(console, "lambda")
    lambda_client.create_function(
        FunctionName=FUNCTION, Runtime="python3.12", Handler="lambda_function.lambda_handler",
        Role=role_arn, Code={"ZipFile": package.getvalue()}, Environment={"Variables": {"GREETING": "hi"}})
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=FUNCTION)


def test_edit_memory_and_environment_then_publish_a_version(page: Page,
                                                            console: RunningConsole) -> None:
    create_function(console)
    sign_in(page, console, f"{console.base_url}/functions/{FUNCTION}")
    expect(page.locator("#last-update")).to_contain_text("Successful")

    page.locator("#configuration-edit").get_by_role("link", name="Edit configuration").click()
    page.get_by_label("Memory (MB)").fill("64")
    page.get_by_role("button", name="Save configuration").click()
    expect(page.locator("#memory_mb-error")).to_contain_text("from 128 to 10240")
    expect(page.get_by_label("Memory (MB)")).to_have_value("64")

    page.get_by_label("Memory (MB)").fill("256")
    page.get_by_label("Environment variables").fill("GREETING=hello\nMODE=e2e")
    page.get_by_role("button", name="Save configuration").click()
    expect(page.get_by_role("status").filter(has_text="Saved the configuration.")).to_be_visible()
    configuration = page.locator("section.panel").filter(
        has=page.get_by_role("heading", name="Configuration", exact=True))
    expect(configuration).to_contain_text("GREETING=hello")
    expect(configuration).to_contain_text("MODE=e2e")
    expect(configuration.locator("dt:text-is('Memory (MB)') + dd")).to_have_text("256")
    expect(page.locator("#last-update")).to_contain_text("Successful")
    applied = sandbox(console, "lambda").get_function_configuration(FunctionName=FUNCTION)
    assert applied["MemorySize"] == 256
    assert applied["Environment"]["Variables"] == {"GREETING": "hello", "MODE": "e2e"}

    page.get_by_label("Description of the new version").fill("first release")
    page.get_by_role("button", name="Publish version").click()
    expect(page.get_by_role("status").filter(has_text="Published version 1.")).to_be_visible()
    rows = page.locator("#version-rows tr")
    expect(rows.filter(has_text="first release")).to_contain_text(re.compile(r"^\s*1\s"))
