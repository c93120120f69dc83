"""A person signs in, watches the dashboard follow the sandbox, and walks every area."""
from __future__ import annotations

import re

import boto3
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole

from .conftest import sign_in

AREAS = [("Tables", "DynamoDB tables"), ("IAM", "IAM policies and roles"),
         ("Functions", "Lambda functions"), ("APIs", "API Gateway REST APIs"),
         ("Logs", "CloudWatch Logs"), ("Setup wizard", "Setup wizard")]
BUILT_AREAS = {"Tables": "Create table", "IAM": "Least privilege in two steps",
               "Functions": "Create function", "APIs": "Create API", "Logs": "Log group",
               "Setup wizard": "Start the wizard"}


def tile(page: Page, kind: str):  # type: ignore[no-untyped-def]
    return page.locator(f'li.tile[data-kind="{kind}"] .tile-count')


def test_unauthenticated_visitor_lands_on_the_login_page(page: Page,
                                                         console: RunningConsole) -> None:
    page.goto(console.base_url + "/functions/")
    expect(page).to_have_url(re.compile(r"/login\?next=/functions/"))
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".field-error")).to_have_text("Wrong password.")


def test_dashboard_counts_follow_the_sandbox_and_every_area_opens(page: Page,
                                                                  console: RunningConsole) -> None:
    sign_in(page, console)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("123456789012")
    before = int(tile(page, "tables").inner_text())

    dynamodb = boto3.client("dynamodb", endpoint_url=console.sandbox_url,
                            region_name="ap-northeast-2", aws_access_key_id="any",
                            aws_secret_access_key="any")
    dynamodb.create_table(TableName=f"e2e-{before}", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    page.get_by_role("link", name="Refresh").click()  # htmx swaps the overview in place
    expect(tile(page, "tables")).to_have_text(str(before + 1))

    for nav_label, heading in AREAS:
        page.locator("nav.sidenav").get_by_role("link", name=re.compile(nav_label)).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.locator("nav.sidenav a.current")).to_contain_text(nav_label)
        expect(page.locator("main")).to_contain_text(BUILT_AREAS[nav_label])
    page.locator("nav.sidenav").get_by_role("link", name="Dashboard").click()
    expect(tile(page, "tables")).to_have_text(str(before + 1))


def test_region_and_language_switches_are_kept(page: Page, console: RunningConsole) -> None:
    # A switch submits its form from console.js, which runs once the page has loaded (as a person
    # meets it); each switch then waits for the page it comes back to, or the next click may leave
    # before the choice is saved.
    sign_in(page, console)
    with page.expect_navigation():
        page.get_by_label("Language").select_option("ko")
    expect(page.get_by_role("heading", level=1)).to_have_text("대시보드")
    page.locator("nav.sidenav").get_by_role("link", name=re.compile("테이블")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("DynamoDB 테이블")
    expect(page.locator("html")).to_have_attribute("lang", "ko")

    page.wait_for_load_state()
    with page.expect_navigation():
        page.get_by_label("리전").select_option("us-east-1")
    expect(page.get_by_label("리전")).to_have_value("us-east-1")
    page.locator("nav.sidenav").get_by_role("link", name=re.compile("대시보드")).click()
    expect(page.locator(".facts")).to_contain_text("us-east-1")
    expect(page.get_by_role("heading", name="us-east-1 리전의 리소스")).to_be_visible()

    page.wait_for_load_state()
    with page.expect_navigation():
        page.get_by_label("언어").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def test_sign_out(page: Page, console: RunningConsole) -> None:
    sign_in(page, console)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator(".banner")).to_have_text("You are signed out.")
    page.goto(console.base_url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
