"""An invocation's log: START/END/REPORT around the handler's output, into moto's CloudWatch Logs.

Formats follow AWS (AWS_FACTS §2): `START RequestId: <id> Version: <v>`, `END RequestId: <id>`,
`REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory
Used: 40 MB\t` plus `Init Duration: 56.78 ms\t` on a cold start. Each message ends with a newline,
as Lambda's own events do (print() lines keep theirs).

Timeouts use the classic platform's form: the payload and a line after REPORT read
`<ISO time> <request id> Task timed out after 1.00 seconds`.

Lambda writes with the execution role's rights: the group is created only if the role may
logs:CreateLogGroup, the worker's stream only with logs:CreateLogStream, and events are put
only with logs:PutLogEvents; a role without them gets no logs, as on AWS.
"""
import base64
import logging
import math
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from moto.logs.models import logs_backends
from moto.utilities.utils import get_partition

from webapp.sandbox.awslambda import roles
from webapp.sandbox.awslambda.functions import FunctionVersion
from webapp.sandbox.awslambda.output import LogEvent
from webapp.sandbox.awslambda.worker import Outcome, RunResult
from webapp.sandbox.logs import delivery

logger = logging.getLogger(__name__)

TAIL_BYTES = 4096


def billed_duration(duration_ms: float) -> int:
    """Lambda bills the reported duration rounded up to the whole millisecond."""
    return math.ceil(round(duration_ms, 2))


def end_millis(result: RunResult) -> int:
    """When the invocation ended, in epoch milliseconds (END and REPORT carry this time)."""
    return result.started_at_ms + math.ceil(result.duration_ms)


def timeout_message(request_id: str, timeout: int, at_ms: int) -> str:
    """The classic platform's timeout text, also the timed-out call's errorMessage."""
    at = datetime.fromtimestamp(at_ms / 1000, UTC)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at_ms % 1000:03d}Z"
    return f"{stamp} {request_id} Task timed out after {timeout:.2f} seconds"


def exit_message(request_id: str, exit_reason: str) -> str:
    """How Lambda reports a runtime that ended mid-invocation (also its errorMessage)."""
    return f"RequestId: {request_id} Error: Runtime exited with error: {exit_reason}"


def invocation_events(function: FunctionVersion, request_id: str,
                      result: RunResult) -> list[LogEvent]:
    """Every log event of one invocation, in order: init output, START, output, END, REPORT."""
    end_ms = end_millis(result)
    events = [*result.preamble,
              LogEvent(result.started_at_ms,
                       f"START RequestId: {request_id} Version: {function.version}\n"),
              *result.output,
              LogEvent(end_ms, f"END RequestId: {request_id}\n"),
              LogEvent(end_ms, report_line(function, request_id, result))]
    if result.outcome is Outcome.TIMEOUT:
        message = timeout_message(request_id, function.timeout, end_ms)
        events.append(LogEvent(end_ms, message + "\n"))
    elif result.outcome is Outcome.EXIT and result.exit_reason:
        events.append(LogEvent(end_ms, f"{exit_message(request_id, result.exit_reason)}\n"
                                       "Runtime.ExitError\n"))
    return _in_time_order(events)


def report_line(function: FunctionVersion, request_id: str, result: RunResult) -> str:
    """The REPORT line, TAB-separated and TAB-terminated."""
    # A worker stopped for its memory used all of it, as AWS reports an OOM kill.
    used = min(result.max_memory_mb, function.memory_size)
    fields = [f"REPORT RequestId: {request_id}",
              f"Duration: {result.duration_ms:.2f} ms",
              f"Billed Duration: {billed_duration(result.duration_ms)} ms",
              f"Memory Size: {function.memory_size} MB",
              f"Max Memory Used: {used} MB"]
    if result.init_duration_ms is not None:
        fields.append(f"Init Duration: {result.init_duration_ms:.2f} ms")
    return "\t".join(fields) + "\t\n"


def tail(events: Iterable[LogEvent]) -> str:
    """X-Amz-Log-Result: base64 of the last 4 KB of the invocation's log."""
    text = "".join(event.message for event in events).encode()
    return base64.b64encode(text[-TAIL_BYTES:]).decode()


class LogWriter:
    """Puts invocation logs into moto's CloudWatch Logs, with the execution role's rights."""

    def __init__(self) -> None:
        # moto's logs backend is not thread-safe; group and stream creation must not race.
        self._lock = threading.Lock()

    def write(self, function: FunctionVersion, stream_name: str,
              events: Sequence[LogEvent]) -> bool:
        """Put `events` into the worker's stream; False when the role may not."""
        messages = [{"timestamp": event.timestamp, "message": event.message}
                    for event in events if event.message]
        if not messages:
            return True
        backend = logs_backends[function.account_id][function.region]
        group_name = function.log_group_name
        group_arn = _log_group_arn(function)
        stream_arn = f"{group_arn}:log-stream:{stream_name}"
        where = {"account_id": function.account_id, "region": function.region,
                 "group": group_name}
        with self._lock:
            if group_name not in backend.groups:
                # Checked on the group's stream wildcard, so a policy scoped to
                # "log-group:NAME:*" (as AWS's console writes them) covers it.
                if not self._may(function, "logs:CreateLogGroup", f"{group_arn}:log-stream:"):
                    return False
                delivery.create_group(**where)
            if stream_name not in backend.groups[group_name].streams:
                if not self._may(function, "logs:CreateLogStream", stream_arn):
                    return False
                delivery.create_stream(**where, stream=stream_name)
            if not self._may(function, "logs:PutLogEvents", stream_arn):
                return False
            delivery.put_events(**where, stream=stream_name, events=messages)
        return True

    @staticmethod
    def _may(function: FunctionVersion, action: str, resource: str) -> bool:
        allowed = roles.is_allowed(function.account_id, function.role_arn, action, resource)
        if not allowed:
            logger.info("role %s may not %s on %s: no logs", function.role_arn, action, resource)
        return allowed


def _log_group_arn(function: FunctionVersion) -> str:
    partition = get_partition(function.region)
    return (f"arn:{partition}:logs:{function.region}:{function.account_id}:log-group:"
            f"{function.log_group_name}")


def _in_time_order(events: list[LogEvent]) -> list[LogEvent]:
    # PutLogEvents refuses a batch that goes back in time; keep the order, clamp the clock.
    ordered: list[LogEvent] = []
    for event in events:
        if ordered and event.timestamp < ordered[-1].timestamp:
            event = LogEvent(ordered[-1].timestamp, event.message)
        ordered.append(event)
    return ordered
