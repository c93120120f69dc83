"""The function page warns of what would surprise: another Python, and a role that cannot log."""
from __future__ import annotations

import json

import boto3
from playwright.sync_api import Page, expect

from webapp.aws.functions.code_packages import template_zip

from tests.running_console import RunningConsole

from .conftest import sign_in

TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def make_function(console: RunningConsole, name: str, runtime: str, with_logs: bool) -> None:
    connection = {"endpoint_url": console.sandbox_url, "region_name": "ap-northeast-2",
                  "aws_access_key_id": "any", "aws_secret_access_key": "any"}
    iam = boto3.client("iam", **connection)
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=TRUST_LAMBDA)["Role"]
    if with_logs:
        iam.attach_role_policy(RoleName=f"{name}-role", PolicyArn=BASIC)
    boto3.client("lambda", **connection).create_function(
        FunctionName=name, Runtime=runtime, Role=role["Arn"],
        Handler="lambda_function.lambda_handler", Code={"ZipFile": template_zip("hello")})


def test_a_role_without_log_rights_is_explained(page: Page, console: RunningConsole) -> None:
    make_function(console, "silent-fn", "python3.12", with_logs=False)
    make_function(console, "logging-fn", "python3.12", with_logs=True)
    sign_in(page, console, console.base_url + "/functions/silent-fn")
    expect(page.locator("#logs-note")).to_contain_text("This function leaves no logs")
    expect(page.locator("#logs-note")).to_contain_text("/aws/lambda/silent-fn")
    page.goto(console.base_url + "/functions/logging-fn")
    expect(page.get_by_role("heading", level=1)).to_have_text("logging-fn")
    expect(page.locator("#logs-note")).to_have_count(0)


def test_the_python_that_really_runs_is_named(page: Page, console: RunningConsole) -> None:
    make_function(console, "old-python-fn", "python3.9", with_logs=True)
    sign_in(page, console, console.base_url + "/functions/old-python-fn")
    expect(page.locator("#runtime-note")).to_contain_text("runs this python3.9 function on Python 3.")
