"""Deleting a method, a resource, a stage and a REST API, each after typing its name; and the
stage page's two addresses."""
from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from playwright.sync_api import Page, expect

from tests.running_console import RunningConsole, running_console

from .conftest import PASSWORD, sign_in

REGION = "ap-northeast-2"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    """A console of this module's own, so its sign-in does not count against the session's
    per-minute login limit shared by the other browser tests."""
    output = tmp_path_factory.mktemp("api-deletes-console") / "console.log"
    with running_console(output, CONSOLE_PASSWORD=PASSWORD) as running:
        yield running


def gateway(console: RunningConsole):  # type: ignore[no-untyped-def]
    return boto3.client("apigateway", endpoint_url=console.sandbox_url, region_name=REGION,
                        aws_access_key_id="any", aws_secret_access_key="any")


def make_items_api(console: RunningConsole, api_name: str) -> tuple[str, str]:
    """/items GET (mock) with /items/{id} under it, deployed to prod; the API and /items ids."""
    apigateway = gateway(console)
    api_id = apigateway.create_rest_api(name=api_name,
                                        endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    items = apigateway.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    apigateway.create_resource(restApiId=api_id, parentId=items, pathPart="{id}")
    apigateway.put_method(restApiId=api_id, resourceId=items, httpMethod="GET",
                          authorizationType="NONE")
    apigateway.put_integration(restApiId=api_id, resourceId=items, httpMethod="GET", type="MOCK",
                               requestTemplates={"application/json": '{"statusCode": 200}'})
    apigateway.create_deployment(restApiId=api_id, stageName="prod")
    return api_id, items


def confirm_with(page: Page, wrong: str, right: str, button: str, expected_error: str) -> None:
    """Type a wrong name (refused beside the field, kept), then the right one."""
    page.get_by_label("to confirm").fill(wrong)
    page.get_by_role("button", name=button).click()
    expect(page.locator("#confirm_name-error")).to_contain_text(expected_error)
    expect(page.get_by_label("to confirm")).to_have_value(wrong)
    page.get_by_label("to confirm").fill(right)
    page.get_by_role("button", name=button).click()


def test_delete_a_method_a_resource_a_stage_then_the_api(page: Page,
                                                         console: RunningConsole) -> None:
    api_id, items = make_items_api(console, "doomed-api")
    apigateway = gateway(console)
    sign_in(page, console)

    page.goto(f"{console.base_url}/apis/{api_id}/resources/{items}/methods/GET")
    page.get_by_role("link", name="Delete method").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete GET /items?")
    expect(page.locator(".doomed")).to_contain_text("keep serving their snapshot")
    page.get_by_label("to confirm").fill("POST")
    page.get_by_role("button", name="Delete method").click()
    expect(page.locator("#confirm_name-error")).to_contain_text("Type the method, GET, exactly")
    assert "GET" in apigateway.get_resource(restApiId=api_id, resourceId=items)["resourceMethods"]
    page.get_by_label("to confirm").fill("GET")
    page.get_by_role("button", name="Delete method").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("/items")
    expect(page.get_by_role("status")).to_contain_text("Deleted the method GET /items.")
    assert not apigateway.get_resource(restApiId=api_id, resourceId=items).get("resourceMethods")

    page.get_by_role("link", name="Delete resource").click()
    expect(page.locator(".doomed")).to_contain_text("/items/{id}")
    confirm_with(page, "items", "/items", "Delete resource",
                 "Type the resource's path, /items, exactly")
    expect(page.get_by_role("heading", level=1)).to_have_text("doomed-api")
    expect(page.get_by_role("status")).to_contain_text("Deleted the resource /items")
    paths = [item["path"] for item in apigateway.get_resources(restApiId=api_id)["items"]]
    assert paths == ["/"]

    page.locator("#stages").get_by_role("link", name="prod").click()
    page.get_by_role("link", name="Delete stage").click()
    expect(page.locator(".doomed")).to_contain_text("stops answering")
    expect(page.locator(".doomed")).to_contain_text("deployments stay")
    page.get_by_label("to confirm").fill("Prod")
    page.get_by_role("button", name="Delete stage").click()
    expect(page.locator("#confirm_name-error")).to_contain_text("Type the stage's name, prod")
    assert [stage["stageName"] for stage in apigateway.get_stages(restApiId=api_id)["item"]] == [
        "prod"]
    page.get_by_label("to confirm").fill("prod")
    page.get_by_role("button", name="Delete stage").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted the stage prod")
    assert apigateway.get_stages(restApiId=api_id)["item"] == []
    assert len(apigateway.get_deployments(restApiId=api_id)["items"]) == 1

    page.get_by_role("link", name="Delete API").click()
    expect(page.locator(".doomed")).to_contain_text("1 deployment")
    confirm_with(page, "doomed", "doomed-api", "Delete API",
                 "Type the API's name, doomed-api, exactly")
    expect(page.get_by_role("heading", level=1)).to_have_text("API Gateway REST APIs")
    expect(page.get_by_role("status")).to_contain_text("Deleted the API doomed-api.")
    assert api_id not in [api["id"] for api in apigateway.get_rest_apis()["items"]]


def test_the_stage_page_shows_the_local_url_and_the_aws_one_it_stands_for(
        page: Page, console: RunningConsole) -> None:
    api_id, _ = make_items_api(console, "addressed-api")
    sign_in(page, console, f"{console.base_url}/apis/{api_id}/stages/prod")
    sandbox_port = console.sandbox_url.rstrip("/").rpartition(":")[2]
    local_url = f"http://{api_id}.execute-api.localhost:{sandbox_port}/prod"
    aws_url = f"https://{api_id}.execute-api.{REGION}.amazonaws.com/prod"
    expect(page.locator(".invoke-url code")).to_have_text(local_url)
    expect(page.locator(".invoke-url .copy-button")).to_have_attribute("data-copy", local_url)
    expect(page.locator(".invoke-url .hint")).to_contain_text("local form")
    expect(page.locator(".aws-invoke-url code")).to_have_text(aws_url)
    expect(page.locator(".aws-invoke-url .copy-button")).to_have_attribute("data-copy", aws_url)
    expect(page.locator(".aws-invoke-url .hint")).to_contain_text(
        "https://{api-id}.execute-api.{region}.amazonaws.com/{stage}")
