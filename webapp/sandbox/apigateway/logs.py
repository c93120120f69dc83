"""Stage logs as API Gateway writes them: execution logs and access logs into CloudWatch Logs.

Execution logs go to `API-Gateway-Execution-Logs_{api_id}/{stage}`, one event per line, each
prefixed with the request id in parentheses; INFO keeps every line, ERROR only the failures.
Access logs follow the stage's format, `$context.*` variables filled in, into its destination.
TestInvokeMethod's `log` prints the same lines as `EEE MMM dd HH:mm:ss UTC yyyy : text`.
"""
import re
import threading
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from moto.logs.models import logs_backends

from webapp.sandbox.apigateway.execution import ExecutionLog, GatewayResponse
from webapp.sandbox.logs import delivery

TEST_LOG_TIME = "%a %b %d %H:%M:%S UTC %Y"
MS = 1000
INFO = "INFO"
ERROR = "ERROR"
ALL_METHODS = "*/*"
CONTEXT_VARIABLE = re.compile(r"\$(?:context\.([\w.]+)|\{context\.([\w.]+)\})")
LOG_GROUP_ARN = re.compile(r"arn:aws[\w-]*:logs:(?P<region>[^:]+):(?P<account>\d+):log-group:"
                           r"(?P<group>[^:]+)(?::\*)?")
# Access log lines of a variable with no value print a dash, as on AWS.
NO_VALUE = "-"


def execution_log_group(api_id: str, stage: str) -> str:
    """The stage's execution log group."""
    return f"API-Gateway-Execution-Logs_{api_id}/{stage}"


def test_invoke_log(request_id: str, log: ExecutionLog) -> str:
    """TestInvokeMethod's `log` text."""
    lines = [f"Execution log for request {request_id}"]
    lines.extend(f"{_test_time(at)} : {text}" for at, text, _ in log.lines)
    return "\n".join(lines) + "\n"


def logging_level(method_settings: dict[str, dict[str, Any]], resource_path: str,
                  http_method: str) -> str | None:
    """The stage's loggingLevel for this method (its own setting, else `*/*`), None if off."""
    key = resource_path.replace("/", "~1") + "/" + http_method
    for settings_key in (key, ALL_METHODS):
        level = (method_settings.get(settings_key) or {}).get("loggingLevel")
        if level:
            return None if level == "OFF" else str(level)
    return None


def access_log_line(log_format: str, context: dict[str, Any]) -> str:
    """The format with each `$context.x` (or `${context.x}`) filled in."""
    def value(found: re.Match[str]) -> str:
        current: Any = context
        for part in (found[1] or found[2]).split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return NO_VALUE if current is None or current == "" else str(current)

    return CONTEXT_VARIABLE.sub(value, log_format)


class StageLogWriter:
    """Puts stage log events into moto's CloudWatch Logs, creating groups and streams."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # One stream per sandbox process, as API Gateway writes from many hosts, each its own.
        self._stream = uuid.uuid4().hex

    def execution(self, account_id: str, region: str, api_id: str, stage: str, level: str,
                  request_id: str, log: ExecutionLog) -> None:
        """Write the execution log lines `level` keeps."""
        events = [(at, f"({request_id}) {text}") for at, text, is_error in log.lines
                  if level == INFO or is_error]
        self._put(account_id, region, execution_log_group(api_id, stage), events)

    def access(self, destination_arn: str, line: str, at: float) -> None:
        """Write one access log line to the stage's destination log group."""
        match = LOG_GROUP_ARN.fullmatch(destination_arn)
        if match is None:
            return
        self._put(match["account"], match["region"], match["group"], [(at, line)])

    def _put(self, account_id: str, region: str, group: str,
             events: Sequence[tuple[float, str]]) -> None:
        if not events:
            return
        backend = logs_backends[account_id][region]
        messages = [{"timestamp": int(at * MS), "message": text} for at, text in events]
        where = {"account_id": account_id, "region": region, "group": group}
        with self._lock:  # moto's logs backend is not thread-safe
            if group not in backend.groups:
                delivery.create_group(**where)
            if self._stream not in backend.groups[group].streams:
                delivery.create_stream(**where, stream=self._stream)
            delivery.put_events(**where, stream=self._stream, events=messages)


def access_context(request_context: dict[str, Any], response: GatewayResponse,
                   response_latency_ms: int) -> dict[str, Any]:
    """$context for access logs: the request's context plus how the request ended."""
    return {**request_context,
            "status": response.status,
            "responseLength": len(response.body),
            "responseLatency": response_latency_ms,
            "integrationLatency": response.integration_latency_ms,
            "integrationStatus": response.integration_status,
            "integration": {"status": response.integration_status,
                            "latency": response.integration_latency_ms},
            "error": {"message": response.error_message}}


def _test_time(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime(TEST_LOG_TIME)
