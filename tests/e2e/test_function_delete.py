"""A person deletes a function, then a version, typing "confirm" as AWS's console asks."""
from __future__ import annotations

import re

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in
from .test_function_notes import make_function


def connect(console: RunningConsole, service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=console.sandbox_url, region_name="ap-northeast-2",
                        aws_access_key_id="any", aws_secret_access_key="any")


def function_names(console: RunningConsole) -> list[str]:
    return [config["FunctionName"] for config in connect(console, "lambda").list_functions()["Functions"]]


def test_delete_a_function_after_typing_confirm(page: Page, console: RunningConsole) -> None:
    make_function(console, "delete-me", "python3.12", with_logs=True)
    connect(console, "lambda").invoke(FunctionName="delete-me", Payload=b'{"name": "Kim"}')
    sign_in(page, console, console.base_url + "/functions/delete-me")
    page.get_by_role("link", name="Delete function").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete the function delete-me?")
    expect(page.get_by_role("link", name="Open the log group")).to_have_attribute(
        "href", re.compile(r"group=(/|%2F)aws(/|%2F)lambda(/|%2F)delete-me"))

    page.get_by_label("To confirm deletion, type confirm in the field.").fill("delete-me")
    page.get_by_role("button", name="Delete function").click()
    expect(page.locator("#confirm_name-error")).to_have_text("Type confirm, exactly, to delete.")
    expect(page.get_by_label("To confirm deletion, type confirm in the field.")).to_have_value("delete-me")
    assert "delete-me" in function_names(console)

    page.get_by_label("To confirm deletion, type confirm in the field.").fill("confirm")
    page.get_by_role("button", name="Delete function").click()
    expect(page).to_have_url(console.base_url + "/functions/")
    expect(page.get_by_role("status").filter(has_text="Deleted the function delete-me.")).to_be_visible()
    expect(page.get_by_role("link", name="delete-me", exact=True)).to_have_count(0)
    assert "delete-me" not in function_names(console)
    # As on AWS, the function's log group outlives it.
    groups = connect(console, "logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/delete-me")
    assert [group["logGroupName"] for group in groups["logGroups"]] == ["/aws/lambda/delete-me"]


def test_delete_a_published_version(page: Page, console: RunningConsole) -> None:
    make_function(console, "versioned-fn", "python3.12", with_logs=False)
    lambda_client = connect(console, "lambda")
    lambda_client.get_waiter("function_active_v2").wait(FunctionName="versioned-fn")
    lambda_client.publish_version(FunctionName="versioned-fn", Description="first")
    sign_in(page, console, console.base_url + "/functions/versioned-fn")
    page.get_by_role("link", name="Delete version 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete version 1 of versioned-fn?")

    page.get_by_label("To confirm deletion, type confirm in the field.").fill("1")
    page.get_by_role("button", name="Delete version").click()
    expect(page.locator("#confirm_name-error")).to_have_text("Type confirm, exactly, to delete.")

    page.get_by_label("To confirm deletion, type confirm in the field.").fill("confirm")
    page.get_by_role("button", name="Delete version").click()
    expect(page.get_by_role("status").filter(has_text="Deleted version 1 of versioned-fn.")).to_be_visible()
    expect(page.locator("#version-rows")).to_contain_text("$LATEST")
    expect(page.get_by_role("link", name="Delete version 1")).to_have_count(0)
    listed = lambda_client.list_versions_by_function(FunctionName="versioned-fn")["Versions"]
    assert [version["Version"] for version in listed] == ["$LATEST"]
