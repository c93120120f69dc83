"""A person invokes a function, one call failing, and reads its logs: invocations, a filter, live tail."""
from __future__ import annotations

import io
import json
import re
import time
import zipfile
from datetime import datetime, timedelta, timezone

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import INVOKE_TIMEOUT_MS, sections_loaded, settled, sign_in

TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
HANDLER = '''
def lambda_handler(event, context):
    print("<img src=x onerror=alert(1)>")
    if event.get("fail"):
        raise ValueError("order " + str(event.get("order")) + " is broken")
    print("order", event.get("order"), "ok")
    return {"ok": True}
'''


def connection(console: RunningConsole) -> dict[str, str]:
    return {"endpoint_url": console.sandbox_url, "region_name": "ap-northeast-2",
            "aws_access_key_id": "any", "aws_secret_access_key": "any"}


def make_function(console: RunningConsole, name: str) -> None:
    iam = boto3.client("iam", **connection(console))
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=TRUST_LAMBDA)["Role"]
    iam.attach_role_policy(RoleName=f"{name}-role", PolicyArn=BASIC)
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("lambda_function.py", HANDLER)
    boto3.client("lambda", **connection(console)).create_function(
        FunctionName=name, Runtime="python3.12", Role=role["Arn"],
        Handler="lambda_function.lambda_handler", Code={"ZipFile": package.getvalue()})


def invoke_from_the_page(page: Page, event: str, outcome: str) -> None:
    page.get_by_label("Event JSON").fill(event)
    sections_loaded(page)
    page.get_by_role("button", name="Invoke").click()
    expect(page.locator(".invocation")).to_contain_text(outcome, timeout=INVOKE_TIMEOUT_MS)
    expect(page.locator(".invocation")).to_contain_text(json.loads(event)["order"].__str__())


def test_invocations_errors_and_live_tail(page: Page, console: RunningConsole) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    make_function(console, "orders-logs")
    sign_in(page, console, console.base_url + "/functions/orders-logs")
    invoke_from_the_page(page, '{"order": 1}', "Succeeded")
    invoke_from_the_page(page, '{"order": 2, "fail": true}', "Function error: Unhandled")
    invoke_from_the_page(page, '{"order": 3}', "Succeeded")

    page.get_by_role("link", name="This request's logs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("/aws/lambda/orders-logs")
    page.locator(".log-view-switch").get_by_role("link", name="Invocations").click()
    rows = page.locator("tr.invocation-row")
    expect(rows).to_have_count(3)
    expect(page.locator("tr.invocation-row.invocation-failed")).to_have_count(1)
    expect(rows.nth(1)).to_have_attribute("data-status", "error")  # newest first: 3, 2, 1
    failed_lines = page.locator("tr.invocation-lines.invocation-failed")
    failed_lines.locator("summary").click()
    expect(failed_lines.locator("pre.log-line-problem").first).to_contain_text("order 2 is broken")
    # Log text is data: the handler's HTML shows as text and never runs.
    expect(failed_lines).to_contain_text("<img src=x onerror=alert(1)>")
    expect(page.locator("img")).to_have_count(0)

    page.locator(".log-view-switch").get_by_role("link", name="Events").click()
    page.get_by_label("Filter pattern").fill("ERROR")
    page.get_by_role("button", name="Show events").click()
    expect(page).to_have_url(re.compile(r"pattern=ERROR"))
    events = page.locator("#event-rows tr.log-event")
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text("[ERROR] ValueError: order 2 is broken")
    # Times are shown in the browser's zone, UTC on hover.
    expect(events.first.locator("time")).to_have_attribute("title", re.compile(r"UTC$"))

    page.get_by_role("link", name="Start live tail").click()
    expect(page.locator("#tail-control .tail-live")).to_be_visible()
    url_before = page.url
    boto3.client("lambda", **connection(console)).invoke(
        FunctionName="orders-logs", Payload=json.dumps({"order": 4, "fail": True}).encode())
    tail = page.locator("#tail-rows tr.log-event")
    expect(tail).to_have_count(1)
    expect(tail.first).to_contain_text("order 4 is broken")
    assert page.url == url_before  # no reload
    # Between two polls: Pause replaces a poll still out, which htmx reports as an error.
    settled(page).locator("#tail-control").get_by_role("link", name="Pause").click()
    expect(page.locator("#tail-control")).to_contain_text("Paused")
    page.locator("#tail-control").get_by_role("link", name="Resume").click()
    expect(page.locator("#tail-control .tail-live")).to_be_visible()
    expect(tail).to_have_count(1)
    assert dialogs == []


def put_events(console: RunningConsole, group: str, stream: str, messages: list[str],
               at_ms: int | None = None) -> None:
    logs = boto3.client("logs", **connection(console))
    try:
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    when = at_ms if at_ms is not None else int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": when, "message": message} for message in messages])


def test_times_show_in_the_browsers_zone_with_utc_on_hover(browser, console: RunningConsole) -> None:  # type: ignore[no-untyped-def]
    # 2026-11-20 15:30:00.250 UTC is 2026-11-21 00:30:00.250 in Seoul.
    moment = int(datetime(2026, 11, 20, 15, 30, 0, 250_000, tzinfo=timezone.utc).timestamp() * 1000)
    if time.time() * 1000 - moment > 13 * 86_400_000:  # CloudWatch refuses events over 14 days old
        moment = int(time.time() * 1000) // 86_400_000 * 86_400_000 - 86_400_000 + 55_800_250
    put_events(console, "/app/zones", "s", ["in Seoul's evening"], moment)
    context = browser.new_context(locale="en-US", timezone_id="Asia/Seoul")
    page = context.new_page()
    try:
        sign_in(page, console, console.base_url + "/logs/?group=/app/zones")
        shown = page.locator("#event-rows tr.log-event time")
        utc = datetime.fromtimestamp(moment / 1000, timezone.utc)
        seoul = utc + timedelta(hours=9)
        expect(shown).to_have_text(seoul.strftime("%Y-%m-%d %H:%M:%S.250"))
        expect(shown).to_have_attribute("title", utc.strftime("%Y-%m-%d %H:%M:%S.250 UTC"))
        expect(page.locator("#event-rows").locator("xpath=..").locator("th").first).to_have_text(
            re.compile(r"Time \((GMT\+9|KST|Asia/Seoul)\)"))
        # A custom range is typed in the same zone: the hour around the event finds it.
        page.get_by_label("Time range").select_option("custom")
        page.get_by_label(re.compile("^Start time")).fill(seoul.strftime("%Y-%m-%dT%H:00"))
        page.get_by_label(re.compile("^End time")).fill(seoul.strftime("%Y-%m-%dT%H:59"))
        page.get_by_role("button", name="Show events").click()
        expect(page).to_have_url(re.compile(r"tz=Asia%2FSeoul"))
        expect(page.locator("#event-rows tr.log-event")).to_have_count(1)
    finally:
        context.close()


def test_the_live_tail_keeps_a_bounded_number_of_lines(page: Page, console: RunningConsole) -> None:
    put_events(console, "/app/busy", "s", ["before the tail"])
    sign_in(page, console, console.base_url + "/logs/?group=/app/busy")
    page.get_by_role("link", name="Start live tail").click()
    expect(page.locator("#tail-control .tail-live")).to_be_visible()
    tail = page.locator("#tail-rows tr.log-event")
    for batch in range(3):
        put_events(console, "/app/busy", "s", [f"batch {batch} line {line}" for line in range(200)])
        expect(tail.last).to_contain_text(f"batch {batch} line 199")
    expect(tail).to_have_count(500)  # TAIL_MAX_ROWS: the oldest 100 were let go
    expect(tail.first).to_contain_text("batch 0 line 100")
    box = page.locator("[data-tail-box]")
    assert box.evaluate("box => box.scrollTop + box.clientHeight >= box.scrollHeight - 2")
