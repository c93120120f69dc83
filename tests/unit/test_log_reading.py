"""Reading a group's events: newest or oldest first, time ranges, streams, and the live tail."""
from __future__ import annotations

import html
import re
import time
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from flask.testing import FlaskClient

from webapp.aws.logs import newest as log_newest, tail as log_tail
from webapp.aws.errors import ConsoleError
from webapp.aws.logs.log_groups import EventQuery

REGION = "ap-northeast-2"
GROUP = "/aws/lambda/reader"
ROW = re.compile(r'<tr class="log-event">.*?<pre class="log-line">(.*?)</pre>', re.S)


def logs_client():  # type: ignore[no-untyped-def]
    return boto3.client("logs", region_name=REGION)


def make_group(streams: dict[str, list[tuple[int, str]]], group: str = GROUP) -> None:
    client = logs_client()
    client.create_log_group(logGroupName=group)
    for stream, events in streams.items():
        client.create_log_stream(logGroupName=group, logStreamName=stream)
        for start in range(0, len(events), 500):
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
                {"timestamp": at, "message": text} for at, text in events[start:start + 500]])


def messages(page: str) -> list[str]:
    return [html.unescape(text) for text in ROW.findall(page)]


def next_url(page: str) -> str | None:
    found = re.search(r'<tr class="load-more">.*?href="([^"]+)"', page, re.S)
    return html.unescape(found.group(1)) if found else None


def test_newest_first_pages_walk_back_without_loss_or_repeats(signed_in: FlaskClient,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.aws.logs import log_groups as aws_logs
    monkeypatch.setattr(aws_logs, "EVENTS_PAGE_SIZE", 7)
    monkeypatch.setattr(log_newest, "EVENTS_PAGE_SIZE", 7)
    base = int(time.time() * 1000) - 3_600_000 * 30  # spread over hours, days ago: windows must grow
    streams: dict[str, list[tuple[int, str]]] = {"a": [], "b": [], "c": []}
    expected = []
    for index in range(40):
        at = base + (index // 3) * 600_000  # three events share each millisecond
        stream = "abc"[index % 3]
        streams[stream].append((at, f"event {index}"))
        expected.append(f"event {index}")
    make_group(streams)
    seen: list[str] = []
    url: str | None = f"/logs/?group={GROUP}"
    pages = 0
    while url:
        page = signed_in.get(url, headers={"HX-Request": "true"} if pages else {}).text
        seen += messages(page)
        url = next_url(page)
        pages += 1
        assert pages < 20
    assert len(seen) == 40 and set(seen) == set(expected)
    times = [int(text.split()[1]) // 3 for text in seen]
    assert times == sorted(times, reverse=True)
    assert pages == 6


def test_newest_first_respects_the_time_range_and_a_damaged_token_is_explained(
        signed_in: FlaskClient) -> None:
    now = int(time.time() * 1000)
    make_group({"s": [(now - 7_200_000, "two hours ago"), (now - 1_800_000, "half an hour ago"),
                      (now - 60_000, "a minute ago")]})
    page = signed_in.get(f"/logs/?group={GROUP}&range=1h").text
    assert messages(page) == ["a minute ago", "half an hour ago"]
    every = signed_in.get(f"/logs/?group={GROUP}&range=5m&order=oldest").text
    assert messages(every) == ["a minute ago"]
    damaged = signed_in.get(f"/logs/?group={GROUP}&next=n.x.0.1")
    assert damaged.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "This page link is damaged or out of date" in damaged.text


def test_a_relative_range_is_fixed_in_the_next_page_link(signed_in: FlaskClient,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.aws.logs import log_groups as aws_logs
    monkeypatch.setattr(aws_logs, "EVENTS_PAGE_SIZE", 2)
    now = int(time.time() * 1000)
    make_group({"s": [(now - 3000 + index, f"line {index}") for index in range(5)]})
    page = signed_in.get(f"/logs/?group={GROUP}&range=1h&order=oldest").text
    assert messages(page) == ["line 0", "line 1"]
    link = next_url(page)
    assert link is not None
    args = parse_qs(urlsplit(link).query)
    assert args["range"] == ["1h"] and args["order"] == ["oldest"]
    start, end = int(args["start"][0]), int(args["end"][0])
    assert end - start == 3_600_000 and now <= end <= int(time.time() * 1000)
    # Events stamped after the window was fixed stay out of its later pages.
    logs_client().put_log_events(logGroupName=GROUP, logStreamName="s", logEvents=[
        {"timestamp": end + 5, "message": "after the window"}])
    rest = []
    while link:
        later = signed_in.get(link, headers={"HX-Request": "true"}).text
        rest += messages(later)
        link = next_url(later)
    assert rest == ["line 2", "line 3", "line 4"]


def test_a_custom_range_is_read_in_the_browsers_time_zone(signed_in: FlaskClient) -> None:
    # Two days ago at 00:00 UTC is 09:00 in Seoul (CloudWatch refuses events over 14 days old).
    day = datetime.now(timezone.utc).date() - timedelta(days=2)
    utc_midnight = int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp() * 1000)
    make_group({"s": [(utc_midnight - 1000, "before"), (utc_midnight + 1000, "inside"),
                      (utc_midnight + 3_600_000 + 1000, "after")]})
    page = signed_in.get(f"/logs/?group={GROUP}&range=custom&from={day}T09:00"
                         f"&to={day}T10:00&tz=Asia/Seoul").text
    assert messages(page) == ["inside"]
    utc = signed_in.get(f"/logs/?group={GROUP}&range=custom&from={day}T00:00&to={day}T01:00").text
    assert messages(utc) == ["inside"]
    oldest = signed_in.get(f"/logs/?group={GROUP}&range=custom&from={day} 00:00&order=oldest").text
    assert messages(oldest) == ["inside", "after"]


@pytest.mark.parametrize(("query", "field", "message"), [
    ("range=custom&from=yesterday", "from", "Give a date and time like 2026-11-25 14:30."),
    ("range=custom&from=2026-01-10T10:00&to=2026-01-10T09:00", "to", "The end is before the start."),
    ("range=custom", "from", "Give a start, an end, or both."),
    ("range=fortnight", "range", "Choose one of the time ranges offered."),
    ("pattern=" + "x" * 1025, "pattern", "A filter pattern has at most 1024 characters."),
])
def test_a_bad_range_or_pattern_is_explained_beside_its_field_and_kept(
        signed_in: FlaskClient, query: str, field: str, message: str) -> None:
    make_group({"s": [(int(time.time() * 1000), "hello")]})
    reply = signed_in.get(f"/logs/?group={GROUP}&{query}")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert f'<p id="{field}-error" class="field-error">{message}</p>' in reply.text
    assert 'aria-invalid="true" aria-describedby="' + field + '-error"' in reply.text
    assert messages(reply.text) == []
    if "from=yesterday" in query:
        assert 'value="yesterday"' in reply.text


def test_streams_are_listed_newest_event_first_and_one_stream_opens_alone(
        signed_in: FlaskClient) -> None:
    now = int(time.time() * 1000)
    make_group({"2026/11/26/[$LATEST]old": [(now - 50_000, "old stream line")],
                "2026/11/26/[$LATEST]new": [(now - 1000, "new stream line")]})
    page = signed_in.get(f"/logs/?group={GROUP}&view=streams").text
    body = page.split('<tbody id="stream-rows">')[1]
    assert body.index("[$LATEST]new") < body.index("[$LATEST]old")
    link = html.unescape(re.search(r'href="([^"]*old)"', body).group(1))  # type: ignore[union-attr]
    one = signed_in.get(link).text
    assert messages(one) == ["old stream line"]
    assert "Show all streams together" in one
    both = signed_in.get(f"/logs/?group={GROUP}").text
    assert messages(both) == ["new stream line", "old stream line"]


def test_streams_of_a_missing_group_are_explained(signed_in: FlaskClient) -> None:
    reply = signed_in.get("/logs/?group=/aws/lambda/none&view=streams")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "log group /aws/lambda/none was not found" in reply.text


def poll_url(fragment: str) -> str:
    found = re.search(r'<tr class="tail-control tail-poller" id="tail-control" hx-get="([^"]+)"', fragment)
    assert found, fragment
    return html.unescape(found.group(1))


def test_the_live_tail_shows_each_new_event_once(signed_in: FlaskClient) -> None:
    now = int(time.time() * 1000)
    make_group({"s": [(now - 5000, "already there")]})
    page = signed_in.get(f"/logs/?group={GROUP}&pattern=ERROR").text
    start = re.search(r'hx-get="(/logs/tail\?[^"]+)"', page)
    assert start is not None
    first = signed_in.get(html.unescape(start.group(1))).text
    assert messages(first) == []
    time.sleep(0.01)
    logs_client().put_log_events(logGroupName=GROUP, logStreamName="s", logEvents=[
        {"timestamp": int(time.time() * 1000) - 60_000, "message": "ERROR late but new"},
        {"timestamp": int(time.time() * 1000), "message": "ERROR <img src=x onerror=alert(1)>"},
        {"timestamp": int(time.time() * 1000), "message": "fine"}])
    second = signed_in.get(poll_url(first)).text
    assert messages(second) == ["ERROR late but new", "ERROR <img src=x onerror=alert(1)>"]
    assert "<img" not in second and "&lt;img src=x onerror=alert(1)&gt;" in second
    third = signed_in.get(poll_url(second)).text
    assert messages(third) == []


def test_a_paused_tail_reads_nothing_and_offers_resume(signed_in: FlaskClient) -> None:
    make_group({"s": [(int(time.time() * 1000), "ERROR x")]})
    reply = signed_in.get(f"/logs/tail?group={GROUP}&since=1&paused=1").text
    assert "data-tail-paused" in reply and "Resume" in reply and messages(reply) == []
    damaged = signed_in.get(f"/logs/tail?group={GROUP}&since=abc").text
    assert "The live tail&#39;s position is damaged" in damaged


def test_the_tail_cursor_round_trips_and_refuses_garbage() -> None:
    cursor = log_tail.TailCursor(1_700_000_000_123, frozenset({"0123456789", "abcdefabcd"}))
    assert log_tail.parse_cursor(cursor.token()) == cursor
    for bad in ("", "x", "12.zz", "1" * 16, "12.0123"):
        with pytest.raises(ConsoleError):
            log_tail.parse_cursor(bad)


def test_a_tail_poll_reads_only_recent_events(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[EventQuery] = []

    def fake_filter(query, token=None, limit=None):  # type: ignore[no-untyped-def]
        asked.append(query)
        from webapp.aws.paging import Page
        return Page([], None)

    monkeypatch.setattr(log_tail, "filter_events", fake_filter)
    log_tail.poll(EventQuery(GROUP, "ERROR", start_ms=5, end_ms=10), log_tail.TailCursor(1_000_000),
                  now_ms=1_000_500)
    assert asked == [EventQuery(GROUP, "ERROR", 1_000_000 - log_tail.LOOKBACK_MS, None)]


@pytest.mark.parametrize(("late_ms", "max_calls"), [(500, 4), (1500, 6)])
def test_a_busy_group_keeps_the_tail_on_its_newest_lines(signed_in: FlaskClient,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          late_ms: int, max_calls: int) -> None:
    monkeypatch.setattr(log_tail, "READ_LIMIT", 50)
    monkeypatch.setattr(log_tail, "MAX_CALLS", max_calls)
    now = int(time.time() * 1000)
    cursor = log_tail.start_cursor(now)
    time.sleep(0.01)
    # 600 new lines over the last 10 s: more than a poll may read (4 x 50).
    make_group({"s": [(now - 10_000 + index * 16, f"busy {index}") for index in range(600)]})
    # However late the poll runs, it reads back from its own "now" to the newest lines.
    batch = log_tail.poll(EventQuery(GROUP), cursor, now_ms=now + late_ms)
    assert batch.cut and batch.events
    assert batch.events[-1].message == "busy 599"  # the newest line, not the oldest read
    assert batch.cursor.ingestion_ms > cursor.ingestion_ms
    logs_client().put_log_events(logGroupName=GROUP, logStreamName="s", logEvents=[
        {"timestamp": int(time.time() * 1000), "message": "one more"}])
    time.sleep(0.01)
    again = log_tail.poll(EventQuery(GROUP), batch.cursor)
    assert [event.message for event in again.events] == ["one more"]


def test_a_large_batch_moves_the_cursor_past_its_millisecond(signed_in: FlaskClient) -> None:
    now = int(time.time() * 1000)
    cursor = log_tail.start_cursor(now)
    time.sleep(0.01)
    make_group({"s": [(now, f"line {index}") for index in range(300)]})  # one ingestion ms
    batch = log_tail.poll(EventQuery(GROUP), cursor)
    assert len(batch.events) == log_tail.MAX_EVENTS and batch.skipped == 100
    assert batch.cursor.seen == frozenset() and len(batch.cursor.token()) < 20


def test_a_download_has_the_views_stream_and_time_range(signed_in: FlaskClient) -> None:
    now = int(time.time() * 1000)
    make_group({"one": [(now - 7_200_000, "one old"), (now - 1000, "one new")],
                "two": [(now - 500, "two new")]})
    reply = signed_in.get(f"/logs/download?group={GROUP}&stream=one&range=1h&format=text")
    assert reply.status_code == HTTPStatus.OK
    assert [line.split("\t")[2] for line in reply.text.splitlines()] == ["one new"]
    bad = signed_in.get(f"/logs/download?group={GROUP}&range=custom&from=soon")
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Give a date and time like 2026-11-25 14:30." in bad.text
    assert "Content-Disposition" not in bad.headers


def test_newest_first_narrows_a_window_too_full_to_read(signed_in: FlaskClient,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # FilterLogEvents pages can be small (1 MB); here 3 events a page and 12 calls a page shown.
    monkeypatch.setattr(log_newest, "READ_LIMIT", 3)
    monkeypatch.setattr(log_newest, "MAX_CALLS", 12)
    now = int(time.time() * 1000)
    make_group({"s": [(now - 20_000 + index * 100, f"event {index:03d}") for index in range(170)]})
    page = log_newest.newest_events(EventQuery(GROUP), limit=5)
    assert [event.message for event in page.items] == [f"event {index:03d}" for index in range(169, 164, -1)]
    following = log_newest.newest_events(EventQuery(GROUP), page.next_token, limit=5)
    assert [event.message for event in following.items] == [
        f"event {index:03d}" for index in range(164, 159, -1)]
    monkeypatch.setattr(log_newest, "MAX_CALLS", 2)
    reply = signed_in.get(f"/logs/?group={GROUP}")
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Narrow the time range or the filter pattern, or show oldest first." in reply.text


def test_a_requests_lines_stop_at_its_report_however_many_name_it(signed_in: FlaskClient) -> None:
    now = int(time.time() * 1000)
    lines = [(now, "START RequestId: aaa-1 Version: $LATEST")]
    lines += [(now + 1 + index, f"aaa-1\tINFO\tstep {index}") for index in range(250)]
    lines += [(now + 300, "END RequestId: aaa-1"), (now + 300, "REPORT RequestId: aaa-1\tDuration: 1 ms\t"),
              (now + 400, "START RequestId: bbb-2 Version: $LATEST"), (now + 401, "bbb-2 other request")]
    make_group({"s": lines})
    page = signed_in.get(f"/logs/?group={GROUP}&request=aaa-1&at={now}").text
    shown = messages(page)
    assert len(shown) == 253 and shown[-1].startswith("REPORT RequestId: aaa-1")
    assert not any("bbb-2" in line for line in shown)
    running = signed_in.get(f"/logs/?group={GROUP}&request=bbb-2").text
    assert messages(running) == ["START RequestId: bbb-2 Version: $LATEST", "bbb-2 other request"]
    missing = signed_in.get(f"/logs/?group={GROUP}&request=ccc-3").text
    assert "No lines of this request yet." in missing


def test_a_stream_named_with_spaces_opens(signed_in: FlaskClient) -> None:
    now = int(time.time() * 1000)
    make_group({"job 1 ": [(now, "spaced")], "job 1": [(now, "plain")]})
    page = signed_in.get(f"/logs/?group={GROUP}&stream=job+1+").text
    assert messages(page) == ["spaced"]


def test_a_custom_range_is_labelled_with_the_zone_it_is_read_in(signed_in: FlaskClient) -> None:
    make_group({"s": [(int(time.time() * 1000), "x")]})
    given = signed_in.get(f"/logs/?group={GROUP}&range=custom&from=2026-11-01T00:00&tz=Asia/Seoul").text
    assert '<span class="hint time-zone-label">(Asia/Seoul)</span>' in given
    unknown = signed_in.get(f"/logs/?group={GROUP}&range=custom&from=2026-11-01T00:00&tz=Mars/Base").text
    assert '<span class="hint time-zone-label">(UTC)</span>' in unknown
    fresh = signed_in.get(f"/logs/?group={GROUP}").text
    assert '<span class="hint time-zone-label" data-time-zone-label>(UTC)</span>' in fresh


def test_the_filter_form_swaps_the_view_without_rereading_the_groups_facts(
        signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.aws.logs import log_groups as aws_logs
    make_group({"s": [(int(time.time() * 1000), "ERROR boom"), (int(time.time() * 1000), "fine")]})
    page = signed_in.get(f"/logs/?group={GROUP}").text
    assert 'hx-target="#log-view"' in page and '<div id="log-view">' in page
    described: list[str] = []
    monkeypatch.setattr(aws_logs, "describe_log_group", lambda name: described.append(name))
    view = signed_in.get(f"/logs/?group={GROUP}&pattern=ERROR",
                         headers={"HX-Request": "true", "HX-Target": "log-view"}).text
    assert described == [] and "<!doctype" not in view.lower()
    assert messages(view) == ["ERROR boom"]
    assert 'value="ERROR"' in view and "Download as text" in view and "Live tail" in view
    assert "Stored bytes" not in view
