"""The Logs area: log groups, and a group's events by request ID or filter pattern."""
from __future__ import annotations

import time
from http import HTTPStatus

import boto3
from flask.testing import FlaskClient

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


def test_a_missing_group_and_a_bad_request_id_are_explained(signed_in: FlaskClient) -> None:
    reply = signed_in.get("/logs/?group=/aws/lambda/nope")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "log group /aws/lambda/nope was not found" in reply.text
    reply = signed_in.get(f'/logs/?group={GROUP}&request=a"b')
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "A request ID has only letters, digits and hyphens." in reply.text
