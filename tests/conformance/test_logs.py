"""CloudWatch Logs answers as AWS documents them: the protocol's Content-Type, and which missing
resource a ResourceNotFoundException names.

Sources: the CloudWatch Logs API Reference's sample responses (every action's "Sample Response"
starts `HTTP/1.1 200 OK`, `Content-Type: application/x-amz-json-1.1`), botocore's logs model
(protocol "json", jsonVersion "1.1": errors are JSON 1.1 documents too), and each action's Errors
section ("ResourceNotFoundException: The specified resource does not exist. HTTP Status Code:
400"), whose message AWS words by what is missing: "The specified log group does not exist." or
"The specified log stream does not exist." (as AWS's callers quote it, e.g.
prefect-archive/prefect-aws#177 for GetLogEvents on a missing stream).
"""
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.processes import ClientFactory

AWS_JSON_1_1 = "application/x-amz-json-1.1"
NO_GROUP = "The specified log group does not exist."
NO_STREAM = "The specified log stream does not exist."


@pytest.fixture
def logs(aws_client: ClientFactory) -> Any:
    return aws_client("logs")


@pytest.fixture
def group(logs: Any) -> Iterator[str]:
    name = f"/conformance/{uuid.uuid4().hex}"
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="stream")
    yield name
    logs.delete_log_group(logGroupName=name)


@contextmanager
def content_types(client: Any) -> Iterator[list[str]]:
    """Filled with the Content-Type of each answer `client` receives inside the block."""
    seen: list[str] = []

    def note(http_response: Any, **_: Any) -> None:
        seen.append(http_response.headers.get("Content-Type", ""))

    client.meta.events.register("after-call.logs", note)
    try:
        yield seen
    finally:
        client.meta.events.unregister("after-call.logs", note)


def now_ms() -> int:
    return int(time.time() * 1000)


OPERATIONS: dict[str, Callable[[Any, str], Any]] = {
    "FilterLogEvents": lambda logs, group: logs.filter_log_events(logGroupName=group),
    "GetLogEvents": lambda logs, group: logs.get_log_events(logGroupName=group,
                                                            logStreamName="stream"),
    "DescribeLogStreams": lambda logs, group: logs.describe_log_streams(logGroupName=group),
    "DescribeLogGroups": lambda logs, group: logs.describe_log_groups(logGroupNamePrefix=group),
    "PutLogEvents": lambda logs, group: logs.put_log_events(
        logGroupName=group, logStreamName="stream",
        logEvents=[{"timestamp": now_ms(), "message": "hello"}]),
    "CreateLogStream": lambda logs, group: logs.create_log_stream(logGroupName=group,
                                                                  logStreamName="another"),
    "PutRetentionPolicy": lambda logs, group: logs.put_retention_policy(logGroupName=group,
                                                                        retentionInDays=7),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_answers_are_labelled_json_1_1(logs: Any, group: str, operation: str) -> None:
    """API Reference, each action's Sample Response: `Content-Type: application/x-amz-json-1.1`."""
    with content_types(logs) as seen:
        OPERATIONS[operation](logs, group)
    assert seen == [AWS_JSON_1_1]


def test_errors_are_labelled_json_1_1(logs: Any) -> None:
    """The JSON 1.1 protocol answers errors in the same media type as results."""
    with content_types(logs) as seen, pytest.raises(ClientError):
        logs.filter_log_events(logGroupName=f"/conformance/missing-{uuid.uuid4().hex}")
    assert seen == [AWS_JSON_1_1]


MISSING_GROUP_CALLS: dict[str, Callable[[Any, str], Any]] = {
    "FilterLogEvents": lambda logs, group: logs.filter_log_events(logGroupName=group),
    "GetLogEvents": lambda logs, group: logs.get_log_events(logGroupName=group,
                                                            logStreamName="stream"),
    "DescribeLogStreams": lambda logs, group: logs.describe_log_streams(logGroupName=group),
    "PutLogEvents": lambda logs, group: logs.put_log_events(
        logGroupName=group, logStreamName="stream",
        logEvents=[{"timestamp": now_ms(), "message": "hello"}]),
}


@pytest.mark.parametrize("operation", MISSING_GROUP_CALLS)
def test_a_missing_group_is_named(logs: Any, operation: str) -> None:
    """Errors: ResourceNotFoundException, HTTP 400, "The specified log group does not exist."."""
    with pytest.raises(ClientError) as raised:
        MISSING_GROUP_CALLS[operation](logs, f"/conformance/missing-{uuid.uuid4().hex}")
    assert raised.value.response["Error"] == {"Code": "ResourceNotFoundException",
                                              "Message": NO_GROUP}
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


MISSING_STREAM_CALLS: dict[str, Callable[[Any, str], Any]] = {
    "GetLogEvents": lambda logs, group: logs.get_log_events(logGroupName=group,
                                                            logStreamName="missing"),
    "PutLogEvents": lambda logs, group: logs.put_log_events(
        logGroupName=group, logStreamName="missing",
        logEvents=[{"timestamp": now_ms(), "message": "hello"}]),
}


@pytest.mark.parametrize("operation", MISSING_STREAM_CALLS)
def test_a_missing_stream_of_an_existing_group_is_named(logs: Any, group: str,
                                                        operation: str) -> None:
    """ResourceNotFoundException, HTTP 400, "The specified log stream does not exist." when the
    group exists but the stream does not."""
    with pytest.raises(ClientError) as raised:
        MISSING_STREAM_CALLS[operation](logs, group)
    assert raised.value.response["Error"] == {"Code": "ResourceNotFoundException",
                                              "Message": NO_STREAM}
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
