"""A Lambda log group's invocation view: one row per RequestId with status and REPORT figures."""
from __future__ import annotations

import time

import boto3
import pytest
from flask.testing import FlaskClient

REGION = "ap-northeast-2"
GROUP = "/aws/lambda/orders"
STREAM = "2026/11/25/[$LATEST]abc"


def put_invocations() -> None:
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    lines = [
        "START RequestId: aaa-111 Version: $LATEST",
        '{"level": "INFO", "msg": "first"}',
        "END RequestId: aaa-111",
        "REPORT RequestId: aaa-111\tDuration: 12.50 ms\tBilled Duration: 13 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 64 MB\tInit Duration: 150.25 ms\t",
        "START RequestId: bbb-222 Version: $LATEST",
        "[ERROR] ValueError: bad order",
        "<img src=x onerror=alert(1)>",
        "END RequestId: bbb-222",
        "REPORT RequestId: bbb-222\tDuration: 3.00 ms\tBilled Duration: 3 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 65 MB\t",
        "START RequestId: ccc-333 Version: $LATEST",
        "all good",
        "END RequestId: ccc-333",
        "REPORT RequestId: ccc-333\tDuration: 2.00 ms\tBilled Duration: 2 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 66 MB\t",
    ]
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=[
        {"timestamp": now + index, "message": line} for index, line in enumerate(lines)])


def rows_of(page: str) -> list[str]:
    body = page.split('<tbody id="invocation-rows">')[1].split("</tbody>")[0]
    return [chunk.split("</tr>")[0] for chunk in body.split('<tr class="invocation-row')[1:]]


def test_each_invocation_is_one_row_with_its_figures(signed_in: FlaskClient) -> None:
    put_invocations()
    page = signed_in.get(f"/logs/?group={GROUP}&view=invocations&order=oldest").text
    rows = rows_of(page)
    assert len(rows) == 3
    newest = rows_of(signed_in.get(f"/logs/?group={GROUP}&view=invocations").text)
    assert newest == rows[::-1]  # newest first unless asked otherwise
    first, failing, last = rows
    assert 'data-status="ok"' in first and "12.50 ms" in first and "13 ms" in first
    assert "64 / 128 MB" in first
    assert "Cold start" in first and "150.25" in first
    assert "invocation-failed" in failing and 'data-status="error"' in failing
    assert "badge-state-failed" in failing
    assert "invocation-failed" not in last and "Cold start" not in last
    assert f"/logs/?group={GROUP}&amp;request=bbb-222" in page
    assert "Open these lines" in page


def test_log_text_in_invocations_is_escaped_and_json_is_laid_out(signed_in: FlaskClient) -> None:
    put_invocations()
    page = signed_in.get(f"/logs/?group={GROUP}&view=invocations").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert '{\n  &#34;level&#34;: &#34;INFO&#34;,\n  &#34;msg&#34;: &#34;first&#34;\n}' in page


def test_the_switch_is_offered_only_for_lambda_groups(signed_in: FlaskClient) -> None:
    put_invocations()
    events = signed_in.get(f"/logs/?group={GROUP}").text
    assert 'class="log-view-switch"' in events and 'id="event-rows"' in events
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName="/custom/app")
    other = signed_in.get("/logs/?group=/custom/app&view=invocations").text
    assert "Invocations</a>" not in other and 'id="invocation-rows"' not in other
    assert "Streams</a>" in other  # every group has streams
    assert 'id="event-rows"' in other


def walk_invocation_pages(client: FlaskClient, url: str) -> list[str]:
    import html
    import re
    rows: list[str] = []
    next_url: str | None = url
    while next_url:
        page = client.get(next_url).text
        for chunk in rows_of(page):
            status = re.search(r'data-status="(\w+)"', chunk).group(1)  # type: ignore[union-attr]
            rows.append(status)
        summaries = re.findall(r"<summary>Request ([\w-]+): (\d+) lines</summary>", page)
        rows += [f"{request_id}:{count}" for request_id, count in summaries]
        found = re.search(r'<tr class="load-more">.*?href="([^"]+)"', page, re.S)
        next_url = html.unescape(found.group(1)) if found else None
    return rows


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_a_request_cut_by_a_page_is_shown_once_and_whole(signed_in: FlaskClient,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         order: str) -> None:
    from webapp.aws.logs import newest as log_newest
    from webapp.aws.logs import log_groups as aws_logs
    monkeypatch.setattr(aws_logs, "EVENTS_PAGE_SIZE", 6)
    monkeypatch.setattr(log_newest, "EVENTS_PAGE_SIZE", 6)
    put_invocations()  # 13 lines: requests of 4, 5 and 4 lines; pages of 6 cut two of them
    seen = walk_invocation_pages(signed_in, f"/logs/?group={GROUP}&view=invocations&order={order}")
    statuses = [entry for entry in seen if ":" not in entry]
    requests = sorted(entry for entry in seen if ":" in entry)
    assert requests == ["aaa-111:4", "bbb-222:5", "ccc-333:4"]
    assert sorted(statuses) == ["error", "ok", "ok"]  # nothing "running" for a cut request


def test_a_json_line_keeps_the_text_around_it() -> None:
    from webapp.views.logs.invocation_pages import line_text
    assert line_text('INFO\t{"user": 1} saved in 12 ms\n') == 'INFO\t{\n  "user": 1\n} saved in 12 ms'
    assert line_text("no json here\n") == "no json here"
