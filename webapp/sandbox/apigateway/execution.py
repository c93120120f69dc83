"""One request through a REST API, as both a stage and TestInvokeMethod run it.

Match the method, run its integration, and keep the execution log in AWS's wording (AWS_FACTS
§6) for TestInvokeMethod's `log` and the stage's CloudWatch execution logs.
"""
import json
import time
from dataclasses import dataclass, field

from webapp.sandbox.apigateway.events import GatewayRequest, StageContext
from webapp.sandbox.apigateway.matching import Match
from webapp.sandbox.apigateway.snapshots import ApiSnapshot
from webapp.sandbox.aws_errors import rest_json_error
from webapp.sandbox.dispatch import MISSING_TOKEN

MS = 1000
INTERNAL_ERROR = {"message": "Internal server error"}


@dataclass(slots=True)
class ExecutionLog:
    """Execution log lines with their times; `error` marks what ERROR-level logging keeps."""

    lines: list[tuple[float, str, bool]] = field(default_factory=list)

    def info(self, text: str) -> None:
        """A line logged at INFO."""
        self.lines.append((time.time(), text, False))

    def error(self, text: str) -> None:
        """A line logged at ERROR (and INFO)."""
        self.lines.append((time.time(), text, True))


@dataclass(frozen=True, slots=True)
class GatewayResponse:
    """What the caller gets, and what happened on the way."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    integration_latency_ms: int | None = None
    integration_status: int | None = None
    error_message: str | None = None

    def header_values(self) -> dict[str, list[str]]:
        """Every header's values, in order."""
        values: dict[str, list[str]] = {}
        for name, value in self.headers:
            values.setdefault(name, []).append(value)
        return values


def json_response(status: int, body: object, error_message: str | None = None,
                  headers: tuple[tuple[str, str], ...] = (),
                  **facts: int | None) -> GatewayResponse:
    """A gateway-made JSON answer such as 502 Internal server error."""
    return GatewayResponse(status, (("Content-Type", "application/json"), *headers),
                           json.dumps(body).encode(), error_message=error_message, **facts)


def missing_token() -> GatewayResponse:
    """403 for a path or verb the API does not have."""
    wire = rest_json_error(MISSING_TOKEN)
    return GatewayResponse(wire.status, wire.headers, wire.body,
                           error_message=MISSING_TOKEN.message)


def format_map(mapping: dict[str, object] | None) -> str:
    """A map as API Gateway's logs print it: {k=v, k2=v2}."""
    if not mapping:
        return "{}"
    return "{" + ", ".join(f"{key}={value}" for key, value in mapping.items()) + "}"


def log_method_request(log: ExecutionLog, request: GatewayRequest, match: Match,
                       query: dict[str, str] | None, headers: dict[str, str] | None) -> None:
    """The first lines of every execution log, up to the method request body."""
    log.info(f"Starting execution for request: {request.request_id}")
    log.info(f"HTTP Method: {request.http_method}, Resource Path: {request.path}")
    log.info(f"Method request path: {format_map(match.path_parameters)}")
    log.info(f"Method request query string: {format_map(query)}")
    log.info(f"Method request headers: {format_map(headers)}")
    log.info("Method request body before transformations: "
             + request.body.decode(errors="replace"))


def log_method_response(log: ExecutionLog, response: GatewayResponse) -> None:
    """The last lines of a successful execution."""
    log.info("Method response body after transformations: "
             + response.body.decode(errors="replace"))
    log.info(f"Method response headers: {format_map(dict(response.headers))}")
    log.info("Successfully completed execution")
    log.info(f"Method completed with status: {response.status}")


@dataclass(frozen=True, slots=True)
class Call:
    """Everything an integration needs for one request."""

    request: GatewayRequest
    match: Match
    stage: StageContext
    api: ApiSnapshot
    endpoint_url: str
    log: ExecutionLog
