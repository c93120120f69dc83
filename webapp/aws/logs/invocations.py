"""A Lambda log group's events folded into invocations: START to END and REPORT, per RequestId.

Pure text work, no Flask and no AWS calls: give it events (anything with `timestamp_ms`,
`log_stream_name` and `message`, such as webapp.aws.logs.log_groups.LogEvent) oldest first, get back
invocations and the lines that belong to none (INIT_START, init output, a page's cut-off head).

How lines are assigned (AWS_FACTS §2): an execution environment writes to its own stream, so a
line between a request's START and REPORT in the same stream is that request's whether or not it
names it; invocations running at the same time in other streams never mix. Should a stream hold
two open requests at once, a line naming one goes to it, any other line to the latest started.
After REPORT, a line in the same stream that names the request (the classic platform's
"<time> <id> Task timed out after 3.00 seconds", "RequestId: <id> Error: Runtime exited ...",
"RequestId: <id> Process exited before completing request") is still that request's.

Messages are kept verbatim: they are untrusted text, to be shown escaped, never as markup.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from webapp import json_nesting

OK = "ok"
ERROR = "error"
TIMEOUT = "timeout"
RUNNING = "running"


class Event(Protocol):
    """What a log event must offer (webapp.aws.logs.log_groups.LogEvent does)."""

    timestamp_ms: int
    log_stream_name: str
    message: str


@dataclass(frozen=True, slots=True)
class Report:
    """The figures of one REPORT line; durations in ms, memory in MB."""

    request_id: str
    duration_ms: float | None
    billed_duration_ms: float | None
    memory_size_mb: int | None
    max_memory_used_mb: int | None
    init_duration_ms: float | None = None
    status: str | None = None  # newer platforms add "Status: timeout" / "Status: error"

    @property
    def cold_start(self) -> bool:
        """True when the environment was started for this request (Init Duration present)."""
        return self.init_duration_ms is not None


@dataclass(frozen=True, slots=True)
class Invocation:
    """One request's lines and figures; `complete` once its REPORT line was seen."""

    request_id: str
    log_stream_name: str
    start_ms: int
    end_ms: int
    status: str
    lines: tuple[Event, ...]
    report: Report | None
    version: str | None = None
    started: bool = True  # False when the events began after this request's START

    @property
    def complete(self) -> bool:
        """Whether the REPORT line is in (an invocation without one is still running)."""
        return self.report is not None

    @property
    def duration_ms(self) -> float | None:
        """Duration as REPORT states it, or None before REPORT."""
        return self.report.duration_ms if self.report else None

    @property
    def billed_duration_ms(self) -> float | None:
        """Billed duration from REPORT, or None."""
        return self.report.billed_duration_ms if self.report else None

    @property
    def memory_size_mb(self) -> int | None:
        """Configured memory from REPORT, or None."""
        return self.report.memory_size_mb if self.report else None

    @property
    def max_memory_used_mb(self) -> int | None:
        """Peak memory used from REPORT, or None."""
        return self.report.max_memory_used_mb if self.report else None

    @property
    def cold_start(self) -> bool:
        """True when REPORT carries an Init Duration."""
        return self.report is not None and self.report.cold_start

    @property
    def init_duration_ms(self) -> float | None:
        """Init Duration of a cold start, else None."""
        return self.report.init_duration_ms if self.report else None


@dataclass(frozen=True, slots=True)
class InvocationLog:
    """Invocations in order of their first line, plus the lines outside every request."""

    invocations: tuple[Invocation, ...]
    outside: tuple[Event, ...]


_START = re.compile(r"^START\s+RequestId:\s*(?P<id>[^\s]+)(?:\s+Version:\s*(?P<version>\S+))?")
_END = re.compile(r"^END\s+RequestId:\s*(?P<id>[^\s]+)")
_REPORT = re.compile(r"^REPORT\s+RequestId:\s*(?P<id>[^\s]+)")
_REPORT_FIELD = re.compile(
    r"(?<![A-Za-z])(?P<name>Billed Duration|Init Duration|Restore Duration|Max Memory Used|"
    r"Memory Size|Duration)\s*:\s*(?P<value>\d+(?:\.\d+)?)\s*(?:ms|MB)\b")
_REPORT_STATUS = re.compile(r"(?<![A-Za-z])Status:\s*(?P<status>[A-Za-z]+)")
_TIMEOUT = re.compile(r"Task timed out after|Sandbox\.Timedout")
_ERROR = re.compile(r"\[ERROR\]|\bUnhandled\b|\bRuntime\.[A-Z]\w*|Process exited before completing|Runtime exited")


def parse_report(message: str) -> Report | None:
    """The figures of a REPORT line, or None when `message` is not one.

    Fields are TAB-separated on AWS and in the sandbox, but copies with spaces parse the same;
    a field that is missing is None.
    """
    head = _REPORT.match(message.lstrip())
    if head is None:
        return None
    values: dict[str, str] = {}
    for found in _REPORT_FIELD.finditer(message, head.end()):
        values.setdefault(found["name"], found["value"])
    status = _REPORT_STATUS.search(message, head.end())

    def number(name: str) -> float | None:
        return float(values[name]) if name in values else None

    def whole(name: str) -> int | None:
        return int(float(values[name])) if name in values else None

    return Report(request_id=head["id"], duration_ms=number("Duration"),
                  billed_duration_ms=number("Billed Duration"),
                  memory_size_mb=whole("Memory Size"),
                  max_memory_used_mb=whole("Max Memory Used"),
                  init_duration_ms=number("Init Duration"),
                  status=status["status"].lower() if status else None)


def json_payload(message: str) -> object | None:
    """The JSON object a line holds (alone or after a prefix such as Node's), else None."""
    found = json_span(message)
    return found[2] if found else None


# C0 control characters other than TAB and LF, and DEL, as their Unicode "control pictures"
# (ESC shows as ␛): a terminal colour code in a log line is seen for what it is, never acted on.
_CONTROL_PICTURES = {code: 0x2400 + code for code in range(0x20) if code not in (0x09, 0x0A)}
_CONTROL_PICTURES[0x7F] = 0x2421
# Most lines have none of them, and finding one costs a tenth of translating the line.
_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def visible(message: str) -> str:
    """The line with control characters shown as visible symbols (␛[31m for an ANSI colour)."""
    if _CONTROL_CHARACTER.search(message) is None:
        return message
    return message.translate(_CONTROL_PICTURES)


def json_span(message: str) -> tuple[int, int, dict] | None:
    """Where the line's first JSON object starts and ends, and the object; None without one."""
    start = message.find("{")
    if start < 0:
        return None
    try:
        json_nesting.check_nesting(message, start)  # a function may log JSON of any depth
        value, end = json.JSONDecoder().raw_decode(message, start)
    except ValueError:
        return None
    return (start, end, value) if isinstance(value, dict) else None


def line_problem(message: str) -> str | None:
    """TIMEOUT or ERROR when a line reports one (so a page can make it stand out), else None."""
    if _TIMEOUT.search(message):
        return TIMEOUT
    if _ERROR.search(message):
        return ERROR
    if '"errorType"' in message:
        payload = json_payload(message)
        if payload is not None and "errorType" in payload:
            return ERROR
    return None


@dataclass(slots=True)
class _Open:
    request_id: str
    stream: str
    version: str | None
    started: bool
    lines: list[Event] = field(default_factory=list)
    report: Report | None = None

    def finish(self) -> Invocation:
        problems = {line_problem(line.message) for line in self.lines}
        report_status = self.report.status if self.report else None
        if TIMEOUT in problems or report_status == TIMEOUT:
            status = TIMEOUT
        elif ERROR in problems or report_status == ERROR:
            status = ERROR
        elif self.report is None:
            status = RUNNING
        else:
            status = OK
        return Invocation(request_id=self.request_id, log_stream_name=self.stream,
                          start_ms=self.lines[0].timestamp_ms,
                          end_ms=self.lines[-1].timestamp_ms, status=status,
                          lines=tuple(self.lines), report=self.report, version=self.version,
                          started=self.started)


@dataclass(slots=True)
class _Stream:
    open: dict[str, _Open] = field(default_factory=dict)  # in START order
    last_closed: _Open | None = None

    def owner(self, message: str) -> _Open | None:
        for request in self.open.values():
            if request.request_id in message:
                return request
        if self.open:
            return next(reversed(self.open.values()))
        if self.last_closed is not None and self.last_closed.request_id in message:
            return self.last_closed
        return None


def group_invocations(events: Iterable[Event]) -> InvocationLog:
    """Fold a Lambda log group's events (oldest first) into invocations.

    Same-millisecond events keep the order given, so pass them as CloudWatch returns them.
    """
    streams: dict[str, _Stream] = {}
    requests: list[_Open] = []
    outside: list[Event] = []
    for event in events:
        message = event.message
        stream = streams.setdefault(event.log_stream_name, _Stream())
        text = message.lstrip()
        if (start := _START.match(text)) is not None:
            request = _Open(start["id"], event.log_stream_name, start["version"], True)
            stream.open[request.request_id] = request
            requests.append(request)
            request.lines.append(event)
            continue
        boundary = _END.match(text) or _REPORT.match(text)
        if boundary is not None:
            request = stream.open.get(boundary["id"])
            if request is None and stream.last_closed is not None \
                    and stream.last_closed.request_id == boundary["id"]:
                request = stream.last_closed
            if request is None:
                # The events began after this request's START: keep what is here.
                request = _Open(boundary["id"], event.log_stream_name, None, False)
                stream.open[request.request_id] = request
                requests.append(request)
            request.lines.append(event)
            if text.startswith("REPORT"):
                request.report = parse_report(text)
                stream.open.pop(request.request_id, None)
                stream.last_closed = request
            continue
        request = stream.owner(message)
        if request is None:
            outside.append(event)
        else:
            request.lines.append(event)
    return InvocationLog(tuple(request.finish() for request in requests), tuple(outside))
