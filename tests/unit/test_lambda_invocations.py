"""A Lambda log group's events folded into invocations, and REPORT lines parsed."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from webapp.aws.logs.log_groups import LogEvent
from webapp.aws.logs.invocations import (
    ERROR, OK, RUNNING, TIMEOUT, group_invocations, line_problem, parse_report,
)
from webapp.sandbox.awslambda import logs as sandbox_logs
from webapp.sandbox.awslambda import output as sandbox_output
from webapp.sandbox.awslambda.worker import Outcome, RunResult

STREAM_A = "2026/11/26/[$LATEST]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
STREAM_B = "2026/11/26/[$LATEST]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
ID_1 = "6f1c2b8e-0001-4a5e-9d1e-111111111111"
ID_2 = "6f1c2b8e-0002-4a5e-9d1e-222222222222"


def report(request_id: str, init: str = "") -> str:
    """A REPORT line exactly as the sandbox and AWS write it (TAB-separated, TAB-terminated)."""
    line = (f"REPORT RequestId: {request_id}\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
            f"Memory Size: 128 MB\tMax Memory Used: 45 MB\t")
    return line + (f"Init Duration: {init} ms\t" if init else "") + "\n"


def one(request_id: str, *output: str, stream: str = STREAM_A, at: int = 1000,
        init: str = "") -> list[LogEvent]:
    """A whole invocation's events, one millisecond apart."""
    messages = [f"START RequestId: {request_id} Version: $LATEST\n", *output,
                f"END RequestId: {request_id}\n", report(request_id, init)]
    return [LogEvent(at + index, stream, message) for index, message in enumerate(messages)]


def test_a_warm_report_line_is_parsed() -> None:
    parsed = parse_report(report(ID_1))
    assert parsed is not None
    assert parsed.request_id == ID_1
    assert parsed.duration_ms == 12.34
    assert parsed.billed_duration_ms == 13
    assert parsed.memory_size_mb == 128
    assert parsed.max_memory_used_mb == 45
    assert parsed.init_duration_ms is None and not parsed.cold_start


def test_a_cold_start_report_line_carries_its_init_duration() -> None:
    parsed = parse_report(report(ID_1, init="100.50"))
    assert parsed is not None
    assert parsed.cold_start and parsed.init_duration_ms == 100.50
    assert parsed.duration_ms == 12.34  # not confused with Init or Billed Duration


@pytest.mark.parametrize("line", [
    f"REPORT RequestId: {ID_1} Duration: 12.34 ms Billed Duration: 13 ms Memory Size: 128 MB "
    "Max Memory Used: 45 MB Init Duration: 100.50 ms",
    f"REPORT RequestId:  {ID_1}\t\tDuration:12.34 ms \tBilled Duration: 13 ms \t"
    "Memory Size: 128MB\tMax Memory Used:  45 MB\tInit Duration: 100.50 ms\t\n",
    f"  REPORT RequestId: {ID_1}\tInit Duration: 100.50 ms\tMax Memory Used: 45 MB\t"
    "Memory Size: 128 MB\tBilled Duration: 13 ms\tDuration: 12.34 ms",
])
def test_report_lines_with_odd_spacing_or_order_parse_the_same(line: str) -> None:
    parsed = parse_report(line)
    assert parsed is not None
    assert (parsed.request_id, parsed.duration_ms, parsed.billed_duration_ms,
            parsed.memory_size_mb, parsed.max_memory_used_mb, parsed.init_duration_ms) == (
        ID_1, 12.34, 13, 128, 45, 100.50)


def test_lines_that_are_not_reports_are_not_parsed() -> None:
    assert parse_report(f"START RequestId: {ID_1} Version: $LATEST") is None
    assert parse_report("the REPORT RequestId: x Duration: 1 ms") is None


def test_a_newer_platforms_report_status_is_read() -> None:
    parsed = parse_report(f"REPORT RequestId: {ID_1}\tDuration: 3000.00 ms\tBilled Duration: "
                          "3000 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: timeout")
    assert parsed is not None and parsed.status == TIMEOUT


def test_an_invocation_gets_its_lines_and_figures() -> None:
    events = [LogEvent(900, STREAM_A, "INIT_START Runtime Version: python:3.12.v1\n"),
              *one(ID_1, "hello\n", init="100.50")]
    log = group_invocations(events)
    assert [event.message for event in log.outside] == [
        "INIT_START Runtime Version: python:3.12.v1\n"]
    (invocation,) = log.invocations
    assert invocation.request_id == ID_1 and invocation.version == "$LATEST"
    assert invocation.status == OK and invocation.complete
    assert invocation.start_ms == 1000 and invocation.log_stream_name == STREAM_A
    assert [line.message for line in invocation.lines][1] == "hello\n"
    assert len(invocation.lines) == 4
    assert (invocation.duration_ms, invocation.billed_duration_ms, invocation.memory_size_mb,
            invocation.max_memory_used_mb) == (12.34, 13, 128, 45)
    assert invocation.cold_start and invocation.init_duration_ms == 100.50


def test_concurrent_invocations_interleaved_across_streams_are_kept_apart() -> None:
    first = one(ID_1, "first says a\n", "first says b\n", stream=STREAM_A, at=1000)
    second = one(ID_2, "second says a\n", "second says b\n", stream=STREAM_B, at=1000)
    # FilterLogEvents returns both streams merged by time: every line alternates.
    merged = [event for pair in zip(first, second) for event in pair]
    log = group_invocations(merged)
    assert not log.outside
    by_id = {invocation.request_id: invocation for invocation in log.invocations}
    assert [line.message for line in by_id[ID_1].lines] == [line.message for line in first]
    assert [line.message for line in by_id[ID_2].lines] == [line.message for line in second]
    assert all(invocation.status == OK for invocation in log.invocations)


def test_two_open_requests_in_one_stream_take_the_lines_that_name_them() -> None:
    messages = [f"START RequestId: {ID_1} Version: $LATEST", f"START RequestId: {ID_2} Version: 3",
                f"[INFO]\t2026-11-26T00:00:01.000Z\t{ID_1}\tfor one",
                f"[INFO]\t2026-11-26T00:00:01.000Z\t{ID_2}\tfor two",
                f"END RequestId: {ID_1}", report(ID_1), f"END RequestId: {ID_2}", report(ID_2)]
    log = group_invocations([LogEvent(1000 + index, STREAM_A, message)
                             for index, message in enumerate(messages)])
    first, second = log.invocations
    assert [line.message for line in first.lines][1].endswith("for one")
    assert [line.message for line in second.lines][1].endswith("for two")
    assert second.version == "3"
    assert first.complete and second.complete


def test_an_unhandled_error_marks_the_invocation() -> None:
    failing = one(ID_1, "[ERROR] KeyError: 'action'\nTraceback (most recent call last):\n"
                        "\u00a0\u00a0File \"/var/task/app.py\", line 3, in handler\n")
    fine = one(ID_2, "all good\n", at=2000)
    log = group_invocations([*failing, *fine])
    assert [invocation.status for invocation in log.invocations] == [ERROR, OK]


@pytest.mark.parametrize("line", [
    '{"errorMessage": "boom", "errorType": "ValueError", "stackTrace": []}\n',
    '2026-11-26T00:00:01.000Z\tid\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"x"}',
    "Unable to import module 'app': No module named 'x'\nRuntime.ImportModuleError\n",
    "Unhandled Promise Rejection\n",
])
def test_error_lines_are_recognised(line: str) -> None:
    assert line_problem(line) == ERROR
    (invocation,) = group_invocations(one(ID_1, line)).invocations
    assert invocation.status == ERROR


def test_plain_lines_are_not_problems() -> None:
    assert line_problem('{"level": "info", "message": "errorType is a word here"}') is None
    assert line_problem("handled 3 items\n") is None


def test_a_timeout_after_report_belongs_to_its_request() -> None:
    events = one(ID_1, "working\n")
    events.append(LogEvent(4000, STREAM_A,
                           f"2026-11-26T00:00:04.000Z {ID_1} Task timed out after 3.00 seconds\n"))
    events.append(LogEvent(4001, STREAM_A, "INIT_START Runtime Version: python:3.12.v1\n"))
    log = group_invocations(events)
    (invocation,) = log.invocations
    assert invocation.status == TIMEOUT
    assert "Task timed out after 3.00 seconds" in invocation.lines[-1].message
    assert [event.message for event in log.outside] == [
        "INIT_START Runtime Version: python:3.12.v1\n"]


def test_an_unfinished_invocation_is_running() -> None:
    events = [*one(ID_1, at=1000), *one(ID_2, "still going\n", at=2000)[:2]]
    log = group_invocations(events)
    done, running = log.invocations
    assert done.complete and done.status == OK
    assert not running.complete and running.status == RUNNING
    assert running.duration_ms is None and not running.cold_start
    assert [line.message for line in running.lines][-1] == "still going\n"


def test_a_request_whose_start_came_before_the_events_is_kept() -> None:
    events = one(ID_1, "tail of it\n")[1:]
    (invocation,) = group_invocations(events).invocations
    assert not invocation.started and invocation.complete
    # Without its START, the unnamed line before END cannot be told from init output.
    assert [line.message for line in invocation.lines][0] == f"END RequestId: {ID_1}\n"


def test_untrusted_text_is_kept_verbatim_as_data() -> None:
    hostile = "<img src=x onerror=alert(1)>\x1b[31mred\x1b[0m & \"quotes\"\n"
    log = group_invocations([LogEvent(900, STREAM_A, hostile), *one(ID_1, hostile)])
    assert log.outside[0].message == hostile
    assert log.invocations[0].lines[1].message == hostile
    assert log.invocations[0].status == OK


def sandbox_events(request_id: str, outcome: Outcome, init_ms: float | None,
                   exit_reason: str | None = None) -> list[LogEvent]:
    """What the sandbox itself writes for one invocation, as CloudWatch returns it."""
    function = SimpleNamespace(version="$LATEST", memory_size=256, timeout=3)
    result = RunResult(outcome=outcome, payload=b"", exit_reason=exit_reason,
                       started_at_ms=5000, duration_ms=7.25, init_duration_ms=init_ms,
                       max_memory_mb=61, preamble=(),
                       output=(sandbox_output.LogEvent(5001, "working\n"),))
    return [LogEvent(event.timestamp, STREAM_A, event.message)
            for event in sandbox_logs.invocation_events(function, request_id, result)]


@pytest.mark.parametrize(("outcome", "exit_reason", "status"), [
    (Outcome.RESPONSE, None, OK),
    (Outcome.TIMEOUT, None, TIMEOUT),
    (Outcome.EXIT, "signal: killed", ERROR),
])
def test_the_sandboxes_own_lines_are_grouped_and_parsed(outcome: Outcome, exit_reason: str | None,
                                                        status: str) -> None:
    log = group_invocations(sandbox_events(ID_1, outcome, 88.5, exit_reason))
    (invocation,) = log.invocations
    assert not log.outside
    assert invocation.status == status and invocation.complete
    assert (invocation.duration_ms, invocation.billed_duration_ms, invocation.memory_size_mb,
            invocation.max_memory_used_mb, invocation.init_duration_ms) == (7.25, 8, 256, 61, 88.5)
