"""The Logs area: log groups, and a group's events by request ID or filter pattern."""
from __future__ import annotations

import json
import time
from http import HTTPStatus

import boto3
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers import csrf_token

REGION = "ap-northeast-2"
GROUP = "/aws/lambda/items"


def put_lines(lines: list[str], stream: str = "2026/11/25/[$LATEST]abc") -> None:
    logs = boto3.client("logs", region_name=REGION)
    try:
        logs.create_log_group(logGroupName=GROUP)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=[
        {"timestamp": now + index, "message": line} for index, line in enumerate(lines)])


def test_log_groups_are_listed_and_searched_by_prefix(signed_in: FlaskClient) -> None:
    logs = boto3.client("logs", region_name=REGION)
    for name in (GROUP, "/aws/lambda/hello", "API-Gateway-Execution-Logs_abc/prod"):
        logs.create_log_group(logGroupName=name)
    page = signed_in.get("/logs/").text
    assert f'href="/logs/?group={GROUP}"' in page
    assert "API-Gateway-Execution-Logs_abc/prod" in page
    found = signed_in.get("/logs/?prefix=/aws/lambda/", headers={"HX-Request": "true"}).text
    assert "/aws/lambda/hello" in found and "API-Gateway" not in found
    assert "<!doctype" not in found


def test_a_requests_lines_are_shown_and_others_are_not(signed_in: FlaskClient) -> None:
    put_lines(["START RequestId: aaa-111 Version: $LATEST", "hello from aaa",
               "END RequestId: aaa-111", "REPORT RequestId: aaa-111\tDuration: 1.00 ms\t",
               "START RequestId: bbb-222 Version: $LATEST", "hello from bbb"])
    put_lines(["START RequestId: ccc-333 Version: $LATEST", "hello from ccc"],
              stream="2026/11/25/[$LATEST]def")
    page = signed_in.get(f"/logs/?group={GROUP}&request=aaa-111").text
    rows = page.split("<tbody")[1]
    assert "START RequestId: aaa-111" in rows and "REPORT RequestId: aaa-111" in rows
    assert "hello from aaa" in rows  # a line of the request that does not name it
    assert "bbb" not in rows and "ccc" not in rows
    every = signed_in.get(f"/logs/?group={GROUP}").text
    assert "bbb-222" in every and "hello from aaa" in every


def test_log_text_is_shown_as_text(signed_in: FlaskClient) -> None:
    put_lines(["<img src=x onerror=alert(1)>", "\x1b[31mred\x1b[0m"])
    page = signed_in.get(f"/logs/?group={GROUP}").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert "\u241b[31mred\u241b[0m" in page and "\x1b" not in page  # ESC shown as ␛
    invocations = signed_in.get(f"/logs/?group={GROUP}&view=invocations").text
    assert "\x1b" not in invocations


def test_a_missing_group_and_a_bad_request_id_are_explained(signed_in: FlaskClient) -> None:
    reply = signed_in.get("/logs/?group=/aws/lambda/nope")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "log group /aws/lambda/nope was not found" in reply.text
    reply = signed_in.get(f'/logs/?group={GROUP}&request=a"b')
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "A request ID has only letters, digits and hyphens." in reply.text


def post(client: FlaskClient, url: str, data: dict[str, str]) -> TestResponse:
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/logs/")})


def retention(name: str = GROUP) -> int | None:
    groups = boto3.client("logs", region_name=REGION).describe_log_groups(
        logGroupNamePrefix=name)["logGroups"]
    return next(group for group in groups if group["logGroupName"] == name).get("retentionInDays")


def test_retention_is_set_and_removed_from_the_groups_page(signed_in: FlaskClient) -> None:
    put_lines(["hello"])
    page = signed_in.get(f"/logs/?group={GROUP}").text
    assert 'name="retention_days"' in page and '<option value="3653">' in page
    reply = post(signed_in, f"/logs/retention?group={GROUP}", {"retention_days": "14"})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert retention() == 14
    page = signed_in.get(reply.headers["Location"]).text
    assert '<option value="14" selected>' in page
    assert signed_in.get("/logs/").text.count("14 days") == 1
    reply = post(signed_in, f"/logs/retention?group={GROUP}", {"retention_days": "never"})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert retention() is None


def test_a_retention_aws_does_not_offer_changes_nothing(signed_in: FlaskClient) -> None:
    put_lines(["hello"])
    post(signed_in, f"/logs/retention?group={GROUP}", {"retention_days": "30"})
    for bad in ("2", "", "forever", "-1"):
        reply = post(signed_in, f"/logs/retention?group={GROUP}", {"retention_days": bad})
        assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert 'id="retention_days-error"' in reply.text
        assert "Choose one of the retention periods CloudWatch Logs offers." in reply.text
        assert retention() == 30


def test_retention_of_a_missing_group_is_explained(signed_in: FlaskClient) -> None:
    reply = post(signed_in, "/logs/retention?group=/aws/lambda/nope", {"retention_days": "7"})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "log group /aws/lambda/nope was not found" in reply.text


def group_names() -> list[str]:
    groups = boto3.client("logs", region_name=REGION).describe_log_groups()["logGroups"]
    return [group["logGroupName"] for group in groups]


def test_a_group_is_deleted_after_its_name_is_typed(signed_in: FlaskClient) -> None:
    put_lines(["hello"])
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName="/aws/lambda/other")
    page = signed_in.get(f"/logs/delete?group={GROUP}").text
    assert 'name="confirm_name"' in page and 'name="csrf_token"' in page
    reply = post(signed_in, f"/logs/delete?group={GROUP}", {"confirm_name": GROUP})
    assert reply.status_code == HTTPStatus.SEE_OTHER
    assert reply.headers["Location"] == "/logs/"
    assert group_names() == ["/aws/lambda/other"]
    listing = signed_in.get("/logs/").text
    assert f"Deleted the log group {GROUP}." in listing


def test_a_wrong_typed_name_deletes_nothing(signed_in: FlaskClient) -> None:
    put_lines(["hello"])
    for typed in ("", "/aws/lambda/item", "/aws/lambda/ITEMS", "/aws/lambda/other"):
        reply = post(signed_in, f"/logs/delete?group={GROUP}", {"confirm_name": typed})
        assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert f"Type the log group&#39;s name, {GROUP}, exactly to delete it." in reply.text
        assert f'value="{typed}"' in reply.text
        assert group_names() == [GROUP]


def test_deleting_a_missing_group_is_explained(signed_in: FlaskClient) -> None:
    name = "/aws/lambda/nope"
    reply = post(signed_in, f"/logs/delete?group={name}", {"confirm_name": name})
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert f"log group {name} was not found" in reply.text


def test_download_has_every_matching_event_across_pages_and_is_streamed(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.aws.logs import log_groups as aws_logs
    monkeypatch.setattr(aws_logs, "EVENTS_PAGE_SIZE", 4)
    calls: list[str | None] = []
    original = aws_logs.filter_events

    def counted(query, page_token=None, limit=None):  # type: ignore[no-untyped-def]
        calls.append(page_token)
        return original(query, page_token, limit)

    monkeypatch.setattr(aws_logs, "filter_events", counted)
    put_lines([f"line {index} ERROR" if index % 2 else f"line {index} ok" for index in range(20)])
    reply = signed_in.get(f"/logs/download?group={GROUP}&pattern=ERROR&format=jsonl&order=oldest",
                          buffered=False)
    assert reply.status_code == HTTPStatus.OK and reply.is_streamed
    assert len(calls) == 1  # only the first page before responding; the rest as it streams
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.headers["Content-Disposition"] == 'attachment; filename="aws_lambda_items.jsonl"'
    body = reply.get_data(as_text=True)
    reply.close()
    assert len(calls) == 3
    events = [json.loads(line) for line in body.splitlines()]
    assert [event["message"] for event in events] == [f"line {index} ERROR" for index in range(1, 20, 2)]
    assert all(event["logStreamName"] == "2026/11/25/[$LATEST]abc" for event in events)


def test_download_as_text_keeps_log_text_as_is(signed_in: FlaskClient) -> None:
    put_lines(["<img src=x onerror=alert(1)>", "plain"])
    reply = signed_in.get(f"/logs/download?group={GROUP}&format=text&order=oldest")
    assert reply.status_code == HTTPStatus.OK
    assert reply.mimetype == "text/plain"
    assert reply.headers["Content-Disposition"] == 'attachment; filename="aws_lambda_items.log"'
    lines = reply.text.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("\t2026/11/25/[$LATEST]abc\t<img src=x onerror=alert(1)>")


def test_a_download_that_cannot_start_is_explained_on_a_page(signed_in: FlaskClient) -> None:
    reply = signed_in.get("/logs/download?group=/aws/lambda/nope&format=jsonl")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert reply.mimetype == "text/html"
    assert "Content-Disposition" not in reply.headers
    assert "log group /aws/lambda/nope was not found" in reply.text


def test_download_follows_the_views_order_and_request(signed_in: FlaskClient) -> None:
    put_lines(["START RequestId: aaa-111 Version: $LATEST", "first", "END RequestId: aaa-111",
               "REPORT RequestId: aaa-111\tDuration: 1.00 ms\t", "START RequestId: bbb-222 Version: $LATEST",
               "second"])
    newest = signed_in.get(f"/logs/download?group={GROUP}&format=text").text.splitlines()
    assert newest[0].endswith("\tsecond") and newest[-1].endswith("START RequestId: aaa-111 Version: $LATEST")
    oldest = signed_in.get(f"/logs/download?group={GROUP}&format=text&order=oldest").text.splitlines()
    assert oldest == newest[::-1]
    one = signed_in.get(f"/logs/download?group={GROUP}&format=text&request=aaa-111").text.splitlines()
    assert [line.split("\t")[2] for line in one] == [
        "START RequestId: aaa-111 Version: $LATEST", "first", "END RequestId: aaa-111",
        "REPORT RequestId: aaa-111"]
    page = signed_in.get(f"/logs/?group={GROUP}&request=aaa-111").text
    assert "request=aaa-111" in page.split("Download as text")[0].rsplit("href=", 1)[1]


@pytest.mark.parametrize("url", ["/logs/download", "/logs/download?group=", "/logs/tail?since=1",
                                 "/logs/?group=g&range=custom&from=1960-01-01T00:00&order=oldest",
                                 "/logs/?group=g&range=custom&from=1960-01-01T00:00"])
def test_odd_requests_are_explained_not_failed(signed_in: FlaskClient, url: str) -> None:
    reply = signed_in.get(url)
    assert reply.status_code in (HTTPStatus.OK, HTTPStatus.UNPROCESSABLE_ENTITY)
    assert "Choose a log group." in reply.text or "Give a time after 1970-01-01 00:00 UTC." in reply.text
