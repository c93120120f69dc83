"""CloudWatch Logs reads in the sandbox behave like AWS: filter patterns, time windows, order
across streams, pages by nextToken, and events put out of time order."""
import json
import time
import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .lambda_support import create_role, deploy, invoke, lambda_client, wait_for
from .processes import REGION, ClientFactory

LINES = [
    "START RequestId: 1 Version: $LATEST",
    "[ERROR] ValueError: boom",
    "[INFO] all good",
    "ERROR DEBUG noisy",
    "2024-01-01T00:00:00.000Z 1 Task timed out after 3.00 seconds",
    "INTERNAL SERVER ERROR happened",
    "user email: someone@example.com",
    '{"level": "ERROR", "latency": 750, "user": {"id": 7}, "tags": ["a", "b"], "ok": false}',
    '{"level": "INFO", "latency": 20, "user": {"id": null}, "tags": ["b"], "ok": true}',
    '{"level": "WARN", "latency": 300}',
    '127.0.0.1 frank [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.0" 404 1534',
    '10.0.0.2 alice [10/Oct/2000:13:56:01 -0700] "GET /about.html HTTP/1.0" 200 2326',
    '10.0.0.3 bob [10/Oct/2000:13:57:12 -0700] "POST /api HTTP/1.0" 500 120',
]
PATTERNS = {
    "": set(range(len(LINES))),
    " ": set(range(len(LINES))),
    '" "': set(range(len(LINES))),
    "ERROR": {1, 3, 5, 7},
    "ERROR -DEBUG": {1, 5, 7},
    "-ERROR -INFO": {0, 4, 6, 9, 10, 11, 12},
    "?ValueError ?Task": {1, 4},
    '?"Task timed out" ?"SERVER ERROR"': {4, 5},
    '"[ERROR]"': {1},
    '"INTERNAL SERVER ERROR"': {5},
    '-"[INFO]" INFO': {8},
    "error": set(),
    '"someone@example.com"': {6},
    "%ERR[O]R +[a-zA-Z]%": {3, 5},
    "%^\\[[A-Z]+\\]%": {1, 2},
    '{ $.level = "ERROR" }': {7},
    '{ $.level != "ERROR" }': {8, 9},
    '{ $.level = "*R*" }': {7, 9},
    "{ $.level = %^W% }": {9},
    "{ $.latency > 100 }": {7, 9},
    "{ $.latency <= 300 && $.level = INFO }": {8},
    '{ ($.latency >= 700) || ($.level = "WARN") }': {7, 9},
    "{ $.user.id = 7 }": {7},
    "{ $.user.id IS NULL }": {8},
    "{ $.user NOT EXISTS }": {9},
    '{ $.tags[1] = "b" }': {7},
    "{ $.ok IS TRUE }": {8},
    "{ $.ok IS FALSE }": {7},
    "[ip, user, timestamp, request, status, bytes]": {10, 11, 12},
    "[ip, user, ..., status = 4* || status = 5*, bytes]": {10, 12},
    "[ip, user, timestamp, request = *html*, status != 404, bytes > 1000]": {11},
    "[..., status, bytes < 1000]": {12},
    "[first, second = ValueError:, third]": {1},
    "[ip = %^10\\.%, ...]": {11, 12},
}
REFUSED = {
    "someone@example.com": "Invalid character(s) in term 'someone@example.com'",
    "!(": "Invalid character(s) in term '!('",
    '"unclosed': "Unbalanced quotes",
    '""': "Invalid character(s) in term '\"\"'",
    '{ $.level = "ERROR"': "Unbalanced braces",
    "{ ($.level = 1 }": "Unbalanced parentheses",
    '{ $.latency > "x" }': "needs a number",
    "{ level = 1 }": "selector",
    "[a, b": "Unbalanced brackets",
    "[a, a]": "Duplicate field name 'a'",
    "%a(b)%": "Invalid character(s) in regex",
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def now_ms() -> int:
    return int(time.time() * 1000)


def make_group(logs: Any, streams: dict[str, list[tuple[int, str]]]) -> str:
    """A new group with `streams`, each put in one batch of (timestamp, message)."""
    group = unique("/sandbox/filter")
    logs.create_log_group(logGroupName=group)
    for stream, events in streams.items():
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        if events:
            put(logs, group, stream, events)
    return group


def put(logs: Any, group: str, stream: str, events: list[tuple[int, str]]) -> None:
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": at, "message": text} for at, text in events])


def filter_all(logs: Any, group: str, **options: Any) -> list[dict[str, Any]]:
    """Every event FilterLogEvents gives, page after page by nextToken."""
    events: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    for _page in range(1000):
        reply = logs.filter_log_events(logGroupName=group, **options, **token)
        events += reply["events"]
        if "nextToken" not in reply:
            return events
        token = {"nextToken": reply["nextToken"]}
    raise AssertionError("more than 1000 pages")


@pytest.fixture(scope="module")
def logs(aws_client: ClientFactory) -> Any:
    return aws_client("logs")


@pytest.fixture(scope="module")
def lines_group(logs: Any) -> str:
    base = now_ms() - 60_000
    return make_group(logs, {"lines": [(base + index, line) for index, line in enumerate(LINES)]})


@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_filter_pattern_matches_what_aws_matches(logs: Any, lines_group: str,
                                                 pattern: str) -> None:
    events = filter_all(logs, lines_group, filterPattern=pattern)
    assert {LINES.index(event["message"]) for event in events} == PATTERNS[pattern]


@pytest.mark.parametrize("pattern", list(REFUSED))
def test_malformed_pattern_is_refused_naming_the_problem(logs: Any, lines_group: str,
                                                         pattern: str) -> None:
    with pytest.raises(ClientError) as raised:
        logs.filter_log_events(logGroupName=lines_group, filterPattern=pattern)
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidParameterException"
    assert REFUSED[pattern] in error["Message"]


def test_events_carry_id_ingestion_time_and_stream(logs: Any) -> None:
    at = now_ms() - 5_000
    group = make_group(logs, {"one": [(at, "hello")]})
    [event] = logs.filter_log_events(logGroupName=group)["events"]
    assert event["logStreamName"] == "one"
    assert event["timestamp"] == at and event["message"] == "hello"
    assert event["eventId"] and event["ingestionTime"] >= at


def test_streams_interleave_in_time_order_within_a_time_window(logs: Any) -> None:
    base = now_ms() - 100_000
    streams = {f"s{number}": [(base + 3 * step + number, f"s{number} e{step}")
                              for step in range(20)] for number in range(3)}
    group = make_group(logs, streams)
    events = filter_all(logs, group)
    assert [event["timestamp"] for event in events] == sorted(
        at for stream in streams.values() for at, _ in stream)
    assert [event["logStreamName"] for event in events[:6]] == ["s0", "s1", "s2"] * 2

    # startTime and endTime are both inclusive.
    window = filter_all(logs, group, startTime=base + 10, endTime=base + 20)
    assert [event["timestamp"] for event in window] == list(range(base + 10, base + 21))
    assert [event["message"] for event in window[:2]] == ["s1 e3", "s2 e3"]


def test_pages_by_next_token_lose_and_repeat_nothing(logs: Any) -> None:
    base = now_ms() - 200_000
    streams = {f"stream-{number}": [(base + step * 10 + number,
                                     f"{'ERROR' if step % 3 == 0 else 'INFO'} {number}/{step}")
                                    for step in range(40)] for number in range(4)}
    group = make_group(logs, streams)
    pages = []
    token: dict[str, str] = {}
    while True:
        reply = logs.filter_log_events(logGroupName=group, filterPattern="ERROR", limit=7, **token)
        pages.append(reply["events"])
        if "nextToken" not in reply:
            break
        token = {"nextToken": reply["nextToken"]}
    expected = sorted((at, text) for events in streams.values() for at, text in events
                      if text.startswith("ERROR"))
    assert len(pages) >= 3
    assert all(len(page) == 7 for page in pages[:-1]) and 0 < len(pages[-1]) <= 7
    got = [(event["timestamp"], event["message"]) for page in pages for event in page]
    assert got == expected
    ids = [event["eventId"] for page in pages for event in page]
    assert len(set(ids)) == len(ids)


def test_an_exact_last_page_has_no_token(logs: Any) -> None:
    base = now_ms() - 10_000
    group = make_group(logs, {"a": [(base + step, f"line {step}") for step in range(6)]})
    first = logs.filter_log_events(logGroupName=group, limit=3)
    second = logs.filter_log_events(logGroupName=group, limit=3, nextToken=first["nextToken"])
    assert [event["message"] for event in second["events"]] == ["line 3", "line 4", "line 5"]
    assert "nextToken" not in second


def test_events_put_out_of_time_order_come_back_in_order(logs: Any) -> None:
    base = now_ms() - 300_000
    group = make_group(logs, {"late": [(base + 100, "b1"), (base + 200, "b2")]})
    put(logs, group, "late", [(base + 50, "a1"), (base + 150, "a2"), (base + 250, "a3")])
    put(logs, group, "late", [(base + 10, "z0")])
    expected = ["z0", "a1", "b1", "a2", "b2", "a3"]
    assert [event["message"] for event in filter_all(logs, group)] == expected
    assert [event["message"] for event in filter_all(logs, group, limit=2)] == expected

    pages: list[str] = []
    token: dict[str, str] = {}
    for _ in range(10):
        reply = logs.get_log_events(logGroupName=group, logStreamName="late", startFromHead=True,
                                    limit=4, **token)
        pages += [event["message"] for event in reply["events"]]
        if reply["nextForwardToken"] == token.get("nextToken"):
            break
        token = {"nextToken": reply["nextForwardToken"]}
    assert pages == expected

    [stream] = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert (stream["firstEventTimestamp"], stream["lastEventTimestamp"]) == (base + 10, base + 250)


def test_get_log_events_window_ends_before_end_time_and_newest_come_first(logs: Any) -> None:
    base = now_ms() - 20_000
    group = make_group(logs, {"w": [(base + step, f"m{step}") for step in range(10)]})
    reply = logs.get_log_events(logGroupName=group, logStreamName="w", startTime=base + 2,
                                endTime=base + 5, startFromHead=True)
    assert [event["message"] for event in reply["events"]] == ["m2", "m3", "m4"]
    newest = logs.get_log_events(logGroupName=group, logStreamName="w", limit=3)
    assert [event["message"] for event in newest["events"]] == ["m7", "m8", "m9"]
    older = logs.get_log_events(logGroupName=group, logStreamName="w", limit=3,
                                nextToken=newest["nextBackwardToken"])
    assert [event["message"] for event in older["events"]] == ["m4", "m5", "m6"]
    at_end = logs.get_log_events(logGroupName=group, logStreamName="w",
                                 nextToken=newest["nextForwardToken"])
    assert at_end["events"] == [] and at_end["nextForwardToken"] == newest["nextForwardToken"]
    put(logs, group, "w", [(base + 50, "later")])
    after = logs.get_log_events(logGroupName=group, logStreamName="w",
                                nextToken=newest["nextForwardToken"])
    assert [event["message"] for event in after["events"]] == ["later"]


def test_limit_stream_names_and_prefix_choose_what_is_read(logs: Any) -> None:
    base = now_ms() - 30_000
    group = make_group(logs, {name: [(base + offset, f"{name} ERROR"), (base + offset + 10, f"{name} ok")]
                              for offset, name in enumerate(["app-1", "app-2", "web-1"])})
    limited = logs.filter_log_events(logGroupName=group, limit=2)
    assert [event["message"] for event in limited["events"]] == ["app-1 ERROR", "app-2 ERROR"]
    assert "nextToken" in limited
    named = filter_all(logs, group, logStreamNames=["app-2", "web-1"], filterPattern="ERROR")
    assert [event["message"] for event in named] == ["app-2 ERROR", "web-1 ERROR"]
    prefixed = filter_all(logs, group, logStreamNamePrefix="app-")
    assert {event["logStreamName"] for event in prefixed} == {"app-1", "app-2"}
    assert len(prefixed) == 4
    with pytest.raises(ClientError) as raised:
        logs.filter_log_events(logGroupName=group, logStreamNames=["app-1"],
                               logStreamNamePrefix="app")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"
    arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["logGroupArn"]
    by_arn = logs.filter_log_events(logGroupIdentifier=arn)["events"]
    assert len(by_arn) == 6


def test_deleted_streams_and_groups_leave_nothing_behind(logs: Any) -> None:
    base = now_ms() - 40_000
    group = make_group(logs, {"keep": [(base, "keep me")], "drop": [(base + 1, "drop me")]})
    logs.delete_log_stream(logGroupName=group, logStreamName="drop")
    assert [event["message"] for event in filter_all(logs, group)] == ["keep me"]
    logs.create_log_stream(logGroupName=group, logStreamName="drop")
    assert [event["message"] for event in filter_all(logs, group)] == ["keep me"]
    logs.delete_log_group(logGroupName=group)
    logs.create_log_group(logGroupName=group)
    assert filter_all(logs, group) == []


def test_recent_window_reads_only_recent_events(logs: Any) -> None:
    now = now_ms()
    old = [(now - 3_600_000 + step, f"old {step}") for step in range(500)]
    group = make_group(logs, {"busy": old})
    put(logs, group, "busy", [(now - 1_000, "fresh ERROR"), (now - 500, "fresh INFO")])
    recent = logs.filter_log_events(logGroupName=group, startTime=now - 10_000)
    assert [event["message"] for event in recent["events"]] == ["fresh ERROR", "fresh INFO"]
    assert "nextToken" not in recent


JSON_LOGGER = """
    import json

    def handler(event, context):
        print(json.dumps({"level": "ERROR", "message": "payment failed", "amount": 12}))
        print(json.dumps({"level": "INFO", "message": "fine"}))
        if event.get("fail"):
            raise ValueError("boom")
        if event.get("slow"):
            import time
            time.sleep(5)
        return "ok"
"""


def test_patterns_find_the_lambda_log_lines_the_sandbox_writes(aws_client: ClientFactory,
                                                                sandbox_url: str) -> None:
    client = lambda_client(sandbox_url)
    function = deploy(client, create_role(aws_client("iam")), JSON_LOGGER, Timeout=1)
    failed = invoke(client, function.name, {"fail": True})
    timed_out = invoke(client, function.name, {"slow": True})
    assert failed.function_error and timed_out.function_error
    logs = aws_client("logs")
    group = f"/aws/lambda/{function.name}"

    def messages(pattern: str) -> list[str]:
        return [event["message"] for event in filter_all(logs, group, filterPattern=pattern)]

    errors = wait_for(lambda: messages('"[ERROR]"'))
    assert len(errors) == 1 and errors[0].startswith("[ERROR] ValueError: boom")
    either = wait_for(lambda: (found := messages("?ERROR ?Task")) and len(found) >= 4 and found)
    assert any("Task timed out after 1.00 seconds" in line for line in either)
    assert any(line.startswith("[ERROR] ValueError") for line in either)
    structured = messages('{ $.level = "ERROR" }')
    assert [json.loads(line)["message"] for line in structured] == ["payment failed"] * 2
    assert messages("{ $.amount > 10 && $.level = ERROR }") == structured
    assert messages('{ $.level = "ERROR" } ') == structured
    reports = messages("[kind = REPORT, ...]")
    assert len(reports) == 2 and all(line.startswith("REPORT RequestId:") for line in reports)


def test_live_tail_and_subscriptions_use_the_same_patterns(logs: Any, sandbox_url: str) -> None:
    at = now_ms() - 5_000
    lines = ["ERROR a", "INFO b", '{"level": "ERROR"}']
    group = make_group(logs, {"s": [(at + offset, line) for offset, line in enumerate(lines)]})
    arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["logGroupArn"]
    # StartLiveTail's endpoint has a "stream-" host prefix that a loopback address cannot take.
    tail_client = boto3.client("logs", endpoint_url=sandbox_url, region_name=REGION,
                               aws_access_key_id="testing", aws_secret_access_key="testing",
                               config=Config(inject_host_prefix=False))

    def tailed(pattern: str) -> list[str]:
        reply = tail_client.start_live_tail(logGroupIdentifiers=[arn],
                                            logEventFilterPattern=pattern)
        return [result["message"] for event in reply["responseStream"]
                if "sessionUpdate" in event for result in event["sessionUpdate"]["sessionResults"]]

    assert tailed("ERROR") == ["ERROR a", '{"level": "ERROR"}']
    assert tailed('{ $.level = "ERROR" }') == ['{"level": "ERROR"}']
    assert tailed("-ERROR") == ["INFO b"]
    with pytest.raises(ClientError) as raised:
        tailed("a@b")
    assert "Invalid character(s) in term 'a@b'" in raised.value.response["Error"]["Message"]

    # A subscription delivers only what its pattern matches (here into another log group).
    target = make_group(logs, {"s": []})
    target_arn = logs.describe_log_groups(logGroupNamePrefix=target)["logGroups"][0]["logGroupArn"]
    with pytest.raises(ClientError) as refused:
        logs.put_subscription_filter(logGroupName=group, filterName="errors",
                                     filterPattern='"unclosed', destinationArn=target_arn)
    assert "Unbalanced quotes" in refused.value.response["Error"]["Message"]
    logs.put_subscription_filter(logGroupName=group, filterName="errors",
                                 filterPattern="?ERROR ?WARN", destinationArn=target_arn)
    put(logs, group, "s", [(at + 10, "WARN c"), (at + 11, "INFO d"), (at + 12, "ERROR e")])
    put(logs, group, "s", [(at + 20, "INFO only")])
    assert [event["message"] for event in filter_all(logs, target)] == ["WARN c", "ERROR e"]
