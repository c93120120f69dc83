"""Helpers for the Lambda runtime tests: deployment packages, roles, functions, logs, waiting."""
import base64
import io
import json
import textwrap
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from .processes import REGION

TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})
BASIC_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
POLL_SECONDS = 0.05
WAIT_SECONDS = 10.0
# No retries: a throttle or an error must reach the test as the sandbox answered it.
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=30,
                    max_pool_connections=20)


def package(files: dict[str, str]) -> bytes:
    """A zip deployment package of `files` (path → source, dedented)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, source in files.items():
            archive.writestr(path, textwrap.dedent(source))
    return buffer.getvalue()


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def lambda_client(sandbox_url: str) -> Any:
    """A Lambda client that does not retry and allows parallel calls."""
    return boto3.client("lambda", endpoint_url=sandbox_url, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=NO_RETRIES)


def create_role(iam: Any, may_log: bool = True) -> str:
    """A Lambda execution role (with AWSLambdaBasicExecutionRole unless `may_log` is False)."""
    name = unique("role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
    if may_log:
        iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION_POLICY)
    return arn


@dataclass(frozen=True, slots=True)
class Deployed:
    """A function created for a test."""

    name: str
    arn: str


def deploy(client: Any, role_arn: str, source: str, handler: str = "app.handler",
           runtime: str = "python3.12", **settings: Any) -> Deployed:
    """Create a function whose app.py is `source`; `settings` go to create_function."""
    name = unique("fn")
    reply = client.create_function(FunctionName=name, Runtime=runtime, Role=role_arn,
                                   Handler=handler, Code={"ZipFile": package({"app.py": source})},
                                   **settings)
    return Deployed(name, reply["FunctionArn"])


@dataclass(frozen=True, slots=True)
class Invoked:
    """An Invoke answer, read."""

    status: int
    payload: Any
    function_error: str | None
    request_id: str
    headers: dict[str, str]
    log: str  # the decoded X-Amz-Log-Result, "" without one


def invoke(client: Any, name: str, event: Any = None, **options: Any) -> Invoked:
    """Invoke and read the answer; the payload is parsed JSON (None if empty)."""
    if event is not None:
        options["Payload"] = json.dumps(event).encode()
    reply = client.invoke(FunctionName=name, **options)
    body = reply["Payload"].read()
    log = reply.get("LogResult")
    return Invoked(status=reply["StatusCode"], payload=json.loads(body) if body else None,
                   function_error=reply.get("FunctionError"),
                   request_id=reply["ResponseMetadata"]["RequestId"],
                   headers=reply["ResponseMetadata"]["HTTPHeaders"],
                   log=base64.b64decode(log).decode() if log else "")


def log_events(logs: Any, function_name: str) -> list[dict[str, Any]]:
    """Every event of the function's log group, oldest first ([] if there is no group)."""
    group = f"/aws/lambda/{function_name}"
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group)
        return [event for page in pages for event in page["events"]]
    except logs.exceptions.ResourceNotFoundException:
        return []


def messages_of(logs: Any, function_name: str, request_id: str) -> list[str]:
    """The messages from the START to the REPORT line of one invocation."""
    messages = [event["message"] for event in log_events(logs, function_name)]
    start = messages.index(f"START RequestId: {request_id} Version: $LATEST\n")
    end = next(index for index, message in enumerate(messages)
               if message.startswith(f"REPORT RequestId: {request_id}\t"))
    return messages[start:end + 1]


def wait_for(condition: Callable[[], Any], seconds: float = WAIT_SECONDS) -> Any:
    """Poll until `condition()` is truthy and return it; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"not true after {seconds} s: {condition}")


def function_status(sandbox_url: str, name: str) -> dict[str, Any]:
    """The sandbox's GET /_sandbox/lambda/functions/<name> answer."""
    with urllib.request.urlopen(f"{sandbox_url}/_sandbox/lambda/functions/{name}",
                                timeout=5) as reply:
        return json.load(reply)
