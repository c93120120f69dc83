"""Lambda functions: list, create, configure, invoke, replace code, publish versions."""
from __future__ import annotations

import base64
import http.client
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import urlsplit

from botocore.exceptions import ClientError, WaiterError

from webapp.aws import clients
from webapp.aws.account import account_id
from webapp.aws.clients import client
from webapp.aws.errors import (
    FAILED, N_, CodeUnavailable, Conflict, ConsoleError, TooLarge, aws_errors, from_client_error,
)
from webapp.aws.paging import PAGE_SIZE, Count, Page, count_items

MEMORY_RANGE_MB = (128, 10240)
TIMEOUT_RANGE_S = (1, 900)
# A role just created is not yet assumable by Lambda for a few seconds (IAM propagation);
# AWS answers InvalidParameterValueException until it is.
ROLE_PROPAGATION_SECONDS = 15.0
ROLE_PROPAGATION_PAUSE = 1.0
_ROLE_NOT_READY = re.compile(r"role defined for the function cannot be assumed", re.I)
_REPORT_DURATION = re.compile(r"REPORT RequestId: (?P<request_id>\S+)\s+Duration: (?P<ms>[\d.]+) ms")

logger = logging.getLogger(__name__)


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


def _read_configuration(function_name: str) -> dict:
    with aws_errors(N_("read the function"), f"Lambda function {function_name}"):
        return client("lambda").get_function_configuration(FunctionName=function_name)


def get_function(function_name: str) -> FunctionSummary:
    """A function's current configuration, state included."""
    return _summary(_read_configuration(function_name))


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


def create_function(spec: NewFunction, sleep: Callable[[float], None] | None = None, *,
                    tags: Mapping[str, str] | None = None) -> FunctionSummary:
    """Create a function, waiting out IAM propagation of a role made moments ago."""
    arguments = {
        "FunctionName": spec.function_name, "Runtime": spec.runtime, "Handler": spec.handler,
        "Role": spec.role_arn, "Code": {"ZipFile": spec.zip_bytes},
        "MemorySize": spec.memory_mb, "Timeout": spec.timeout_s,
        "Description": spec.description, "Environment": {"Variables": spec.environment},
    }
    if tags:
        arguments["Tags"] = dict(tags)
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
            (sleep or clients.sleep)(ROLE_PROPAGATION_PAUSE)


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
    invoked_ms: int = 0  # when the call was made, epoch ms (the logs link searches near it)

    @property
    def proxy_status_code(self) -> int | None:
        """The statusCode of an API Gateway proxy response, when the payload is one."""
        try:
            answer = json.loads(self.payload)
        except (ValueError, RecursionError):  # a function may return JSON of any depth
            return None
        status = answer.get("statusCode") if isinstance(answer, dict) else None
        return status if isinstance(status, int) else None

    @property
    def pretty_payload(self) -> str:
        """The payload indented when it is JSON, else as it came."""
        try:
            return json.dumps(json.loads(self.payload), indent=2, ensure_ascii=False)
        except (ValueError, RecursionError):  # too deep to lay out: shown as it came
            return self.payload


def invoke(function_name: str, payload: bytes, qualifier: str | None = None) -> Invocation:
    """Invoke synchronously with the log tail, as the console's test button does."""
    extra = {"Qualifier": qualifier} if qualifier else {}
    invoked_ms = int(time.time() * 1000)
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
        invoked_ms=invoked_ms,
    )



# A function's settings: configuration, code, versions and its resource-based policy.

UPDATE_IN_PROGRESS = "InProgress"
PENDING = "Pending"
MAX_DESCRIPTION_CHARS = 256
# Lambda keeps no package bigger than its unzipped limit, so no download should be either.
MAX_CODE_DOWNLOAD_BYTES = 250 * 1024 * 1024
CODE_FETCH_TIMEOUT_S = 20.0
CODE_CHUNK_BYTES = 64 * 1024
# PublishVersion fails with ResourceConflictException while an update is in progress.
PUBLISH_WAIT = {"Delay": 1, "MaxAttempts": 30}
# A new or updated function is Pending / InProgress for a while: ask every second, up to a minute.
READY_WAIT = {"Delay": 1, "MaxAttempts": 60}

CODE_NOT_DOWNLOADABLE = N_(
    "Lambda returned no download address for this function's code; a function packaged as a "
    "container image has none."
)
CODE_FETCH_FAILED = N_(
    "Could not download the function's code from the address Lambda returned (%(reason)s). "
    "Check the network and any proxy; an endpoint other than AWS may not serve code downloads."
)
CODE_TOO_LARGE = N_("The package is larger than %(limit)s MB, more than the console downloads.")
NOT_READY_TO_PUBLISH = N_(
    "The function's last update is %(status)s, so Lambda cannot publish a version of it now. "
    "Wait until the update is Successful, then try again."
)


@dataclass(frozen=True, slots=True)
class LastUpdate:
    """How the latest configuration or code change went (LastUpdateStatus), and the code it left."""

    status: str
    reason: str
    code_sha256: str
    last_modified: str

    @property
    def is_in_progress(self) -> bool:
        """True while Lambda is still applying the change."""
        return self.status == UPDATE_IN_PROGRESS


def _last_update(config: dict) -> LastUpdate:
    return LastUpdate(
        status=config.get("LastUpdateStatus", ""),
        reason=config.get("LastUpdateStatusReason", ""),
        code_sha256=config.get("CodeSha256", ""),
        last_modified=config.get("LastModified", ""),
    )


def get_last_update(function_name: str) -> LastUpdate:
    """The function's LastUpdateStatus, CodeSha256 and LastModified."""
    return _last_update(_read_configuration(function_name))


@dataclass(frozen=True, slots=True)
class ConfigurationChange:
    """The whole of what the configuration form sets; every field is sent."""

    role_arn: str
    handler: str
    memory_mb: int
    timeout_s: int
    description: str
    environment: dict[str, str] = field(default_factory=dict)
    runtime: str | None = None  # None leaves the runtime as it is


def update_function_configuration(function_name: str, change: ConfigurationChange) -> LastUpdate:
    """Apply a configuration; Lambda goes on applying it after answering (InProgress)."""
    extra = {"Runtime": change.runtime} if change.runtime else {}
    with aws_errors(N_("update the configuration"), f"Lambda function {function_name}"):
        config = client("lambda").update_function_configuration(
            FunctionName=function_name, Role=change.role_arn, Handler=change.handler,
            MemorySize=change.memory_mb, Timeout=change.timeout_s, Description=change.description,
            Environment={"Variables": change.environment}, **extra)
    return _last_update(config)


def update_function_code(function_name: str, zip_bytes: bytes) -> LastUpdate:
    """Replace $LATEST's code with this package."""
    with aws_errors(N_("replace the code"), f"Lambda function {function_name}"):
        config = client("lambda").update_function_code(FunctionName=function_name,
                                                       ZipFile=zip_bytes)
    return _last_update(config)


@dataclass(frozen=True, slots=True)
class CodePackage:
    """A function's deployment package on its way down: its size when known, and its bytes."""

    function_name: str
    size: int | None
    chunks: Iterator[bytes]


def _http_only_opener() -> urllib.request.OpenerDirector:
    """urllib's opener without its file: and ftp: handlers; proxies from the environment apply."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(),
                    urllib.request.HTTPSHandler(), urllib.request.HTTPRedirectHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


# A Location such as file:///etc/passwd, even after a redirect, must never read this machine.
_LOCATION_OPENER = _http_only_opener()


def open_location(url: str) -> tuple[BinaryIO, int | None]:
    """Open the presigned URL of GetFunction's Code.Location: the body and its length if known."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("not an http(s) address")
    response = _LOCATION_OPENER.open(url, timeout=CODE_FETCH_TIMEOUT_S)
    length = response.headers.get("Content-Length", "")
    return response, int(length) if length.isdigit() else None


def open_code_package(function_name: str,
                      max_bytes: int = MAX_CODE_DOWNLOAD_BYTES) -> CodePackage:
    """Start downloading the function's .zip from Code.Location, refusing more than `max_bytes`."""
    with aws_errors(N_("read the function's code"), f"Lambda function {function_name}"):
        reply = client("lambda").get_function(FunctionName=function_name)
    location = reply.get("Code", {}).get("Location")
    if not location:
        raise CodeUnavailable(CODE_NOT_DOWNLOADABLE)
    try:
        body, size = open_location(location)
    except (OSError, ValueError, http.client.HTTPException) as err:
        reason = _fetch_failure(err)
        # The URL itself carries a signature, so only the reason is logged.
        logger.info("code download failed: %s: %s", function_name, reason)
        raise CodeUnavailable(CODE_FETCH_FAILED, reason=reason) from err
    if size is not None and size > max_bytes:
        body.close()
        raise TooLarge(CODE_TOO_LARGE, limit=max_bytes // 1024 // 1024)
    name = reply.get("Configuration", {}).get("FunctionName", function_name)
    return CodePackage(name, size, _chunks(body, max_bytes))


def _fetch_failure(err: Exception) -> str:
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code}"
    if isinstance(err, urllib.error.URLError):
        return str(err.reason)
    if isinstance(err, ValueError):
        return "not an http(s) address"
    return type(err).__name__


def _chunks(body: BinaryIO, max_bytes: int) -> Iterator[bytes]:
    sent = 0
    try:
        while chunk := body.read(CODE_CHUNK_BYTES):
            sent += len(chunk)
            if sent > max_bytes:
                # Past the headers already: breaking off is the only way left to refuse.
                raise TooLarge(CODE_TOO_LARGE, limit=max_bytes // 1024 // 1024)
            yield chunk
    finally:
        body.close()


def read_code_package(function_name: str, max_bytes: int) -> bytes:
    """The function's whole .zip, for a package known to be small."""
    return b"".join(open_code_package(function_name, max_bytes).chunks)


@dataclass(frozen=True, slots=True)
class FunctionVersion:
    """One published version (or $LATEST) as the versions table shows it."""

    version: str
    description: str
    code_sha256: str
    last_modified: str


def _version(config: dict) -> FunctionVersion:
    return FunctionVersion(
        version=config.get("Version", ""),
        description=config.get("Description", ""),
        code_sha256=config.get("CodeSha256", ""),
        last_modified=config.get("LastModified", ""),
    )


def list_versions(function_name: str, page_token: str | None = None) -> Page[FunctionVersion]:
    """One page of the function's versions, $LATEST first, as Lambda lists them."""
    start = {"Marker": page_token} if page_token else {}
    with aws_errors(N_("list the versions"), f"Lambda function {function_name}"):
        reply = client("lambda").list_versions_by_function(
            FunctionName=function_name, MaxItems=PAGE_SIZE, **start)
    return Page([_version(config) for config in reply.get("Versions", [])], reply.get("NextMarker"))


def publish_version(function_name: str, description: str) -> FunctionVersion:
    """Publish $LATEST as a new version, once any update in progress has finished."""
    action, resource = N_("publish a version"), f"Lambda function {function_name}"
    lambda_client = client("lambda")
    with aws_errors(action, resource):
        try:
            lambda_client.get_waiter("function_updated").wait(FunctionName=function_name,
                                                              WaiterConfig=PUBLISH_WAIT)
        except WaiterError as err:
            raise _waiter_error(err, action, resource) from err
        return _version(lambda_client.publish_version(FunctionName=function_name,
                                                      Description=description))


def wait_until_ready(function_name: str) -> None:
    """Wait until the function is Active and its last update has finished (Lambda's
    function_active_v2 and function_updated_v2 waiters)."""
    action, resource = N_("wait for the function to become active"), f"Lambda function {function_name}"
    lambda_client = client("lambda")
    with aws_errors(action, resource):
        try:
            for waiter in ("function_active_v2", "function_updated_v2"):
                lambda_client.get_waiter(waiter).wait(FunctionName=function_name,
                                                      WaiterConfig=READY_WAIT)
        except WaiterError as err:
            raise _waiter_error(err, action, resource) from err


def _waiter_error(err: WaiterError, action: str, resource: str) -> ConsoleError:
    """What a Lambda waiter that gave up met: an AWS error, else the function's state."""
    reply = err.last_response or {}
    if "Error" in reply:
        return from_client_error(ClientError(reply, "GetFunctionConfiguration"), action, resource)
    if "Configuration" in reply:  # GetFunction, which the _v2 waiters ask
        configuration = reply["Configuration"]
        active = configuration.get("State") == "Active"
        status = configuration.get("LastUpdateStatus" if active else "State") or PENDING
        reason = configuration.get("LastUpdateStatusReason" if active else "StateReason")
        return Conflict(FAILED, action=action, aws_code=status, aws_message=reason or status)
    return Conflict(NOT_READY_TO_PUBLISH,
                    status=reply.get("LastUpdateStatus") or UPDATE_IN_PROGRESS)


# Services that commonly invoke functions, as AWS names them.
SERVICE_NAMES = {
    "apigateway.amazonaws.com": "API Gateway",
    "s3.amazonaws.com": "S3",
    "events.amazonaws.com": "EventBridge",
    "sns.amazonaws.com": "SNS",
    "sqs.amazonaws.com": "SQS",
    "logs.amazonaws.com": "CloudWatch Logs",
    "elasticloadbalancing.amazonaws.com": "Elastic Load Balancing",
    "cognito-idp.amazonaws.com": "Cognito",
    "iot.amazonaws.com": "AWS IoT",
    "scheduler.amazonaws.com": "EventBridge Scheduler",
}
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ACCOUNT_ROOT = re.compile(r"^arn:aws[\w-]*:iam::(?P<account>\d{12}):root$")
_EXECUTE_API_ARN = re.compile(
    r"^arn:aws[\w-]*:execute-api:[^:]*:[^:]*:(?P<api_id>[^/]+)"
    r"(?:/(?P<stage>[^/]*)(?:/(?P<method>[^/]*)(?P<path>/.*)?)?)?$"
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a statement is about: kind is the Principal key (Service, AWS, Federated) or "*"."""

    kind: str
    value: str

    @property
    def is_anyone(self) -> bool:
        """True for "*", which is every AWS identity."""
        return self.value == "*"

    @property
    def account_id(self) -> str | None:
        """The account an AWS principal names by its ID or its root ARN, else None."""
        if self.kind != "AWS":
            return None
        root = _ACCOUNT_ROOT.match(self.value)
        if root:
            return root["account"]
        return self.value if _ACCOUNT_ID.match(self.value) else None

    @property
    def service_name(self) -> str:
        """AWS's name for a service principal, else the principal as written."""
        return SERVICE_NAMES.get(self.value, self.value)


@dataclass(frozen=True, slots=True)
class ApiSource:
    """What an execute-api source ARN allows: API, stage, method and path, "*" for any."""

    api_id: str
    stage: str
    http_method: str
    resource_path: str


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition of a statement, e.g. ArnLike AWS:SourceArn arn:aws:execute-api:…"""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PolicyStatement:
    """One statement of a function's resource-based policy."""

    sid: str
    effect: str
    principals: tuple[Principal, ...]
    actions: tuple[str, ...]
    conditions: tuple[Condition, ...]

    def condition_value(self, key: str) -> str | None:
        """The first value of a condition key (keys compare case-insensitively, as IAM's do)."""
        for condition in self.conditions:
            if condition.key.lower() == key.lower() and condition.values:
                return condition.values[0]
        return None

    @property
    def source_arn(self) -> str | None:
        """The AWS:SourceArn the statement is limited to, if any."""
        return self.condition_value("AWS:SourceArn")

    @property
    def source_account(self) -> str | None:
        """The AWS:SourceAccount the statement is limited to, if any."""
        return self.condition_value("AWS:SourceAccount")

    @property
    def api_source(self) -> ApiSource | None:
        """The API Gateway API, stage, method and path named by an execute-api source ARN."""
        match = _EXECUTE_API_ARN.match(self.source_arn or "")
        if match is None:
            return None
        return ApiSource(match["api_id"], match["stage"] or "*", match["method"] or "*",
                         match["path"] or "*")


def _as_tuple(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(str(item) for item in items if item is not None)


def _principals(principal: object) -> tuple[Principal, ...]:
    if principal == "*":
        return (Principal("*", "*"),)
    if not isinstance(principal, dict):  # a bare account ID, as AddPermission may store it
        return tuple(Principal("AWS", value) for value in _as_tuple(principal))
    return tuple(Principal(kind, value)
                 for kind, values in principal.items() for value in _as_tuple(values))


def _conditions(block: object) -> tuple[Condition, ...]:
    if not isinstance(block, dict):
        return ()
    return tuple(Condition(operator, key, _as_tuple(values))
                 for operator, entries in block.items() if isinstance(entries, dict)
                 for key, values in entries.items())


def _statement(raw: dict) -> PolicyStatement:
    return PolicyStatement(
        sid=str(raw.get("Sid", "")),
        effect=str(raw.get("Effect", "")),
        principals=_principals(raw.get("Principal", {})),
        actions=_as_tuple(raw.get("Action", [])),
        conditions=_conditions(raw.get("Condition", {})),
    )


def get_resource_policy(function_name: str, qualifier: str = "") -> list[PolicyStatement] | None:
    """The statements of the function's (or its alias's or version's) resource-based policy;
    None when it has none."""
    start = {"Qualifier": qualifier} if qualifier else {}
    try:
        with aws_errors(N_("read the resource-based policy"), f"Lambda function {function_name}"):
            reply = client("lambda").get_policy(FunctionName=function_name, **start)
    except ConsoleError as err:
        # Lambda answers a function without a policy with ResourceNotFoundException.
        if err.aws_code == "ResourceNotFoundException":
            return None
        raise
    statements = json.loads(reply["Policy"]).get("Statement", [])
    return [_statement(raw) for raw in (statements if isinstance(statements, list) else [statements])]


def delete_function(function_name: str) -> None:
    """Delete a Lambda function with all its versions, aliases and resource-based policy
    (NotFound if there is none). Its log group stays, as on AWS: delete that separately."""
    with aws_errors(N_("delete the function"), f"Lambda function {function_name}"):
        client("lambda").delete_function(FunctionName=function_name)


def remove_permission(function_name: str, statement_id: str) -> None:
    """Remove one statement (by Sid) from the function's resource-based policy.

    NotFound when the function, its policy or the statement is missing."""
    with aws_errors(N_("remove the invoke permission"),
                    f"statement {statement_id} of Lambda function {function_name}"):
        client("lambda").remove_permission(FunctionName=function_name, StatementId=statement_id)


def delete_function_version(function_name: str, version: str) -> None:
    """Delete one published version; Lambda refuses while an alias points at it."""
    with aws_errors(N_("delete the version"), f"version {version} of Lambda function {function_name}"):
        client("lambda").delete_function(FunctionName=function_name, Qualifier=version)


def function_arn(function_name: str) -> str:
    """The ARN a function of this name has in this account and region, without asking Lambda."""
    return f"arn:aws:lambda:{clients.current_region()}:{account_id()}:function:{function_name}"


def list_aliases_of_version(function_name: str, version: str) -> list[str]:
    """The names of the function's aliases that point at this version."""
    with aws_errors(N_("list the aliases"), f"Lambda function {function_name}"):
        pages = client("lambda").get_paginator("list_aliases").paginate(
            FunctionName=function_name, FunctionVersion=version)
        # moto lists every alias whatever FunctionVersion says, so the answer is filtered too.
        return [alias["Name"] for page in pages for alias in page.get("Aliases", [])
                if alias.get("FunctionVersion") == version]
