"""A person invokes a function three times, one failing, and reads its metrics charts."""
from __future__ import annotations

import io
import json
import zipfile

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import INVOKE_TIMEOUT_MS, sections_loaded, settled, sign_in

FUNCTION = "metrics-e2e"
REGION = "ap-northeast-2"
TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
HANDLER = """
def lambda_handler(event, context):
    if event.get("fail"):
        raise ValueError("boom")
    return "ok"
"""


def sandbox(console: RunningConsole, service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=console.sandbox_url, region_name=REGION,
                        aws_access_key_id="e2e", aws_secret_access_key="e2e")


def create_function(console: RunningConsole) -> None:
    role_arn = sandbox(console, "iam").create_role(
        RoleName=f"{FUNCTION}-role", AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("lambda_function.py", HANDLER)
    lambda_client = sandbox(console, "lambda")
    lambda_client.create_function(
        FunctionName=FUNCTION, Runtime="python3.12", Handler="lambda_function.lambda_handler",
        Role=role_arn, Code={"ZipFile": package.getvalue()})
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=FUNCTION)


def invoke_on_the_page(page: Page, event: str, outcome: str) -> None:
    page.get_by_label("Event JSON").fill(event)
    sections_loaded(page)
    page.get_by_role("button", name="Invoke").click()
    expect(page.locator(".invocation")).to_contain_text(outcome, timeout=INVOKE_TIMEOUT_MS)


def test_invocations_show_in_the_charts_and_the_range_switches(page: Page,
                                                                console: RunningConsole) -> None:
    create_function(console)
    sign_in(page, console, f"{console.base_url}/functions/{FUNCTION}")
    panel = page.locator("#function-metrics")
    expect(panel.get_by_role("status")).to_contain_text("No invocations in the last hour.")
    expect(panel.locator("svg")).to_have_count(0)

    invoke_on_the_page(page, '{"n": 1}', "Succeeded")
    invoke_on_the_page(page, '{"fail": true}', "Unhandled")
    invoke_on_the_page(page, '{"n": 3}', "Succeeded")
    function_url = page.url
    # Each invocation reloads the panel by itself (the invoke answer triggers it).
    expect(panel.locator("[data-total=invocations]")).to_have_text("3")

    panel.get_by_role("link", name="Refresh").click()
    expect(panel.locator("[data-total=invocations]")).to_have_text("3")
    expect(panel.locator("[data-total=errors]")).to_have_text("1, success rate 66.7%")
    expect(panel.get_by_role("img", name="Invocations (Last hour)")).to_be_visible()
    expect(panel.locator("#metric-invocations rect").first).to_be_visible()
    expect(panel.locator("#metric-errors rect").first).to_be_visible()
    expect(panel.locator("#metric-duration circle").first).to_be_visible()
    expect(panel.locator("#metric-throttles")).to_contain_text("No throttles")

    # Every reload asked for so far (each invocation's, Refresh) must have landed first: one
    # answering late would swap the last hour back in over the day. (Not "networkidle": a page
    # reaches it once, and it stays reached whatever is asked for afterwards.)
    settled(page)
    panel.get_by_role("link", name="Last day").click()
    expect(panel.get_by_role("link", name="Last day")).to_have_attribute("aria-current", "true")
    expect(panel).to_contain_text("One value per 15 minutes")
    expect(panel.locator("[data-total=invocations]")).to_have_text("3")
    expect(panel.get_by_role("img", name="Invocations (Last day)")).to_be_visible()
    panel.locator("#metric-invocations summary").click()
    expect(panel.locator("#metric-invocations table")).to_contain_text("3")

    panel.get_by_role("link", name="Last hour").click()
    expect(panel).to_contain_text("One value per minute")
    assert page.url == function_url  # swapped in place, no page load
