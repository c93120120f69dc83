"""Lambda functions: list, create, configure, invoke."""
from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from .clients import client
from .errors import N_, ConsoleError, aws_errors
from .paging import PAGE_SIZE, Count, Page, count_items

# Runtimes the console offers; AWS's own identifiers.
PYTHON_RUNTIMES = ("python3.13", "python3.12", "python3.11", "python3.10", "python3.9")
DEFAULT_RUNTIME = "python3.12"
DEFAULT_HANDLER = "lambda_function.lambda_handler"
MEMORY_RANGE_MB = (128, 10240)
TIMEOUT_RANGE_S = (1, 900)
# A role just created is not yet assumable by Lambda for a few seconds (IAM propagation);
# AWS answers InvalidParameterValueException until it is.
ROLE_PROPAGATION_SECONDS = 15.0
ROLE_PROPAGATION_PAUSE = 1.0
_ROLE_NOT_READY = re.compile(r"role defined for the function cannot be assumed", re.I)
_REPORT_DURATION = re.compile(r"REPORT RequestId: (?P<request_id>\S+)\s+Duration: (?P<ms>[\d.]+) ms")


def count_functions() -> Count:
    """How many Lambda functions the region has (capped)."""
    with aws_errors(N_("count Lambda functions")):
        pages = client("lambda").get_paginator("list_functions").paginate()
        return count_items(pages, "Functions")


@dataclass(frozen=True, slots=True)
class FunctionSummary:
    """A function as the list and its page show it."""

    function_name: str
    function_arn: str
    runtime: str
    handler: str
    role_arn: str
    memory_mb: int
    timeout_s: int
    last_modified: str
    state: str
    state_reason: str
    description: str
    code_size: int
    environment: dict[str, str] = field(default_factory=dict)


def _summary(config: dict) -> FunctionSummary:
    return FunctionSummary(
        function_name=config["FunctionName"],
        function_arn=config["FunctionArn"],
        runtime=config.get("Runtime", ""),
        handler=config.get("Handler", ""),
        role_arn=config.get("Role", ""),
        memory_mb=int(config.get("MemorySize", 128)),
        timeout_s=int(config.get("Timeout", 3)),
        last_modified=config.get("LastModified", ""),
        state=config.get("State", ""),
        state_reason=config.get("StateReason", ""),
        description=config.get("Description", ""),
        code_size=int(config.get("CodeSize", 0)),
        environment=dict(config.get("Environment", {}).get("Variables", {})),
    )


def list_functions(page_token: str | None = None) -> Page[FunctionSummary]:
    """One page of the region's functions."""
    start = {"Marker": page_token} if page_token else {}
    with aws_errors(N_("list Lambda functions")):
        reply = client("lambda").list_functions(MaxItems=PAGE_SIZE, **start)
    return Page([_summary(config) for config in reply.get("Functions", [])], reply.get("NextMarker"))


def get_function(function_name: str) -> FunctionSummary:
    """A function's current configuration, state included."""
    with aws_errors(N_("read the function"), f"Lambda function {function_name}"):
        config = client("lambda").get_function_configuration(FunctionName=function_name)
    return _summary(config)


@dataclass(frozen=True, slots=True)
class NewFunction:
    """What the create form asks for."""

    function_name: str
    runtime: str
    handler: str
    role_arn: str
    zip_bytes: bytes
    memory_mb: int = 128
    timeout_s: int = 3
    environment: dict[str, str] = field(default_factory=dict)
    description: str = ""


def create_function(spec: NewFunction,
                    sleep: Callable[[float], None] = time.sleep) -> FunctionSummary:
    """Create a function, waiting out IAM propagation of a role made moments ago."""
    arguments = {
        "FunctionName": spec.function_name, "Runtime": spec.runtime, "Handler": spec.handler,
        "Role": spec.role_arn, "Code": {"ZipFile": spec.zip_bytes},
        "MemorySize": spec.memory_mb, "Timeout": spec.timeout_s,
        "Description": spec.description, "Environment": {"Variables": spec.environment},
    }
    deadline = time.monotonic() + ROLE_PROPAGATION_SECONDS
    while True:
        try:
            with aws_errors(N_("create the function"), f"Lambda function {spec.function_name}"):
                return _summary(client("lambda").create_function(**arguments))
        except ConsoleError as err:
            cause = err.__cause__
            still_propagating = (isinstance(cause, ClientError)
                                 and _ROLE_NOT_READY.search(str(cause)) is not None)
            if not still_propagating or time.monotonic() > deadline:
                raise
            sleep(ROLE_PROPAGATION_PAUSE)


@dataclass(frozen=True, slots=True)
class Invocation:
    """What one synchronous invoke returned."""

    status_code: int
    function_error: str | None
    payload: str
    log_tail: str
    executed_version: str
    request_id: str
    duration_ms: float | None

    @property
    def pretty_payload(self) -> str:
        """The payload indented when it is JSON, else as it came."""
        try:
            return json.dumps(json.loads(self.payload), indent=2, ensure_ascii=False)
        except ValueError:
            return self.payload


def invoke(function_name: str, payload: bytes, qualifier: str | None = None) -> Invocation:
    """Invoke synchronously with the log tail, as the console's test button does."""
    extra = {"Qualifier": qualifier} if qualifier else {}
    with aws_errors(N_("invoke the function"), f"Lambda function {function_name}"):
        reply = client("lambda").invoke(FunctionName=function_name, Payload=payload,
                                        LogType="Tail", InvocationType="RequestResponse", **extra)
        body = reply["Payload"].read().decode("utf-8", errors="replace")
    log_tail = base64.b64decode(reply.get("LogResult", "") or "").decode("utf-8", errors="replace")
    report = _REPORT_DURATION.search(log_tail)
    headers = reply.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return Invocation(
        status_code=int(reply.get("StatusCode", 0)),
        function_error=reply.get("FunctionError"),
        payload=body,
        log_tail=log_tail,
        executed_version=reply.get("ExecutedVersion", ""),
        request_id=report["request_id"] if report else headers.get("x-amzn-requestid", ""),
        duration_ms=float(report["ms"]) if report else None,
    )

