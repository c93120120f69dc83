"""A person downloads a snapshot of the sandbox, resets it, and restores the snapshot."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole, running_console

from .conftest import PASSWORD, sign_in

REGION = "ap-northeast-2"
TABLE = "snapshot-e2e"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    """A console and sandbox of this module's own: a reset here must not empty other tests'."""
    output = tmp_path_factory.mktemp("sandbox-state-console") / "console.log"
    with running_console(output, CONSOLE_PASSWORD=PASSWORD) as running:
        yield running


def dynamodb(console: RunningConsole):  # type: ignore[no-untyped-def]
    """boto3 against the console's own sandbox."""
    return boto3.client("dynamodb", endpoint_url=console.sandbox_url, region_name=REGION,
                        aws_access_key_id="e2e", aws_secret_access_key="e2e")


def test_download_reset_and_restore_the_whole_sandbox(page: Page, console: RunningConsole,
                                                      tmp_path: Path) -> None:
    tables = dynamodb(console)
    tables.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    tables.put_item(TableName=TABLE, Item={"id": {"S": "1"}, "note": {"S": "kept"}})

    sign_in(page, console)
    page.locator("nav.sidenav").get_by_role("link", name="Sandbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sandbox")
    expect(page.locator("#sandbox-state")).to_contain_text("in memory only")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download snapshot").click()
    download = download_info.value
    assert re.fullmatch(r"sandbox-state-\d{8}-\d{6}\.jsonl\.gz", download.suggested_filename)
    snapshot = tmp_path / download.suggested_filename
    download.save_as(snapshot)

    page.get_by_label("Type reset to confirm").fill("Reset")
    page.get_by_role("button", name="Reset sandbox").click()
    expect(page.locator("#confirm_name-error")).to_contain_text("Type reset exactly")
    expect(page.get_by_label("Type reset to confirm")).to_have_value("Reset")
    assert TABLE in tables.list_tables()["TableNames"]

    page.get_by_label("Type reset to confirm").fill("reset")
    page.get_by_role("button", name="Reset sandbox").click()
    expect(page.locator(".banner-info")).to_contain_text("The sandbox was reset")
    assert tables.list_tables()["TableNames"] == []
    page.locator("nav.sidenav").get_by_role("link", name=re.compile("Tables")).click()
    expect(page.locator("main")).not_to_contain_text(TABLE)

    page.locator("nav.sidenav").get_by_role("link", name="Sandbox").click()
    page.get_by_label("Snapshot file").set_input_files(snapshot)
    page.get_by_role("button", name="Restore", exact=True).click()
    expect(page.locator("#confirm_replace-error")).to_contain_text("Tick the box")
    assert tables.list_tables()["TableNames"] == []

    page.get_by_label("Snapshot file").set_input_files(snapshot)
    page.get_by_label("I understand that restoring replaces everything").check()
    page.get_by_role("button", name="Restore", exact=True).click()
    expect(page.locator(".banner-info")).to_contain_text(re.compile(r"Restored \d+ changes"))
    item = tables.get_item(TableName=TABLE, Key={"id": {"S": "1"}})["Item"]
    assert item["note"] == {"S": "kept"}

    page.locator("nav.sidenav").get_by_role("link", name=re.compile("Tables")).click()
    expect(page.get_by_role("link", name=TABLE)).to_be_visible()
