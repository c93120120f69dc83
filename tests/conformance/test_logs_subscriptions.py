"""CloudWatch Logs subscription filters with a Lambda destination, as AWS documents them.

Sources: the CloudWatch Logs User Guide, "Using CloudWatch Logs subscription filters" and its
"Example 2: Subscription filters with AWS Lambda"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html): the function
must first let CloudWatch Logs invoke it (`aws lambda add-permission --principal
"logs.amazonaws.com" --action "lambda:InvokeFunction" --source-arn
"arn:aws:logs:region:123456789123:log-group:TestLambda:*"`), and it then receives
`{"awslogs": {"data": "<base64 of gzip of JSON>"}}`, the JSON being
`{"messageType": "DATA_MESSAGE", "owner": "<account>", "logGroup": …, "logStream": …,
"subscriptionFilters": ["<filter name>"], "logEvents": [{"id": …, "timestamp": …, "message": …}]}`
("When log events are sent to the receiving service, they are Base64 encoded and compressed with
the GZIP format", PutSubscriptionFilter in the CloudWatch Logs API Reference). Without that
permission PutSubscriptionFilter fails with InvalidParameterException (HTTP 400) "Could not
execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your
function."
"""
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.lambda_support import (create_role, deploy, lambda_client, log_events,
                                          wait_for)
from tests.sandbox.processes import ACCOUNT_ID, REGION, ClientFactory
from tests.sandbox.test_persistence import running_sandbox

NO_PERMISSION = ("Could not execute the lambda function. Make sure you have given CloudWatch "
                 "Logs permission to execute your function.")
MARKER = "DECODED "
# Prints what CloudWatch Logs sent, decoded as AWS's example function decodes it.
DECODER = f"""
import base64, gzip, json

def handler(event, context):
    data = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    print({MARKER!r} + json.dumps(data))
"""
# Delivery is asynchronous and starts a worker: generous, as the other Lambda tests wait.
DELIVERY_SECONDS = 30.0


@pytest.fixture
def logs(aws_client: ClientFactory) -> Any:
    return aws_client("logs")


@pytest.fixture
def functions(sandbox_url: str) -> Any:
    return lambda_client(sandbox_url)


@pytest.fixture
def group(logs: Any) -> Iterator[str]:
    name = f"/conformance/subscribed/{uuid.uuid4().hex}"
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="app")
    yield name
    logs.delete_log_group(logGroupName=name)


@pytest.fixture
def decoder(aws_client: ClientFactory, functions: Any) -> Any:
    return deploy(functions, create_role(aws_client("iam")), DECODER)


def group_arn(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}:*"


def test_a_lambda_destination_needs_the_functions_permission(logs: Any, functions: Any,
                                                             group: str, decoder: Any) -> None:
    """InvalidParameterException (400) "Could not execute the lambda function. Make sure you
    have given CloudWatch Logs permission to execute your function." (moto accepted any
    existing function); a permission for another service, or another log group, does not do."""
    others = [{"Principal": "apigateway.amazonaws.com"},
              {"Principal": "logs.amazonaws.com", "SourceArn": group_arn("/another/group")}]
    for index, other in enumerate([None, *others]):
        if other is not None:
            functions.add_permission(FunctionName=decoder.name, StatementId=f"other-{index}",
                                     Action="lambda:InvokeFunction", **other)
        with pytest.raises(ClientError) as caught:
            logs.put_subscription_filter(logGroupName=group, filterName="to-lambda",
                                         filterPattern="", destinationArn=decoder.arn)
        error = caught.value.response
        assert error["Error"]["Code"] == "InvalidParameterException"
        assert error["Error"]["Message"] == NO_PERMISSION
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"] == []


def test_matching_events_reach_the_function_as_awslogs_data(logs: Any, functions: Any,
                                                           group: str, decoder: Any) -> None:
    """The function runs (asynchronously) with {"awslogs": {"data": base64(gzip(JSON))}}, the
    JSON a DATA_MESSAGE naming owner, group, stream and filter, with only the matching events
    as {id, timestamp, message}."""
    functions.add_permission(FunctionName=decoder.name, StatementId="logs",
                             Action="lambda:InvokeFunction", Principal="logs.amazonaws.com",
                             SourceArn=group_arn(group))
    logs.put_subscription_filter(logGroupName=group, filterName="errors", filterPattern="ERROR",
                                 destinationArn=decoder.arn)
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now, "message": "INFO all is well"},
        {"timestamp": now + 1, "message": "ERROR disk full"}])

    def decoded() -> list[dict[str, Any]]:
        return [json.loads(event["message"].split(MARKER, 1)[1])
                for event in log_events(logs, decoder.name) if MARKER in event["message"]]

    [message] = wait_for(decoded, DELIVERY_SECONDS)
    stored = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]
    assert message == {
        "messageType": "DATA_MESSAGE", "owner": ACCOUNT_ID, "logGroup": group,
        "logStream": "app", "subscriptionFilters": ["errors"],
        "logEvents": [{"id": stored[0]["eventId"], "timestamp": now + 1,
                       "message": "ERROR disk full"}]}


def test_a_restart_does_not_deliver_again(tmp_path: Path) -> None:
    """Each batch reaches the function once: replaying the journal's PutLogEvents after a
    restart brings the events back without invoking the function for them a second time."""
    with running_sandbox(tmp_path) as box:
        logs, functions = box.client("logs"), box.client("lambda")
        decoder = deploy(functions, create_role(box.client("iam")), DECODER)
        group = "/conformance/restarted"
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="app")
        functions.add_permission(FunctionName=decoder.name, StatementId="logs",
                                 Action="lambda:InvokeFunction", Principal="logs.amazonaws.com")
        logs.put_subscription_filter(logGroupName=group, filterName="all", filterPattern="",
                                     destinationArn=decoder.arn)
        now = int(time.time() * 1000)
        logs.put_log_events(logGroupName=group, logStreamName="app",
                            logEvents=[{"timestamp": now, "message": "before"}])
        wait_for(lambda: delivered(logs, decoder.name), DELIVERY_SECONDS)
        box.stop()
        box.start()
        logs = box.client("logs")
        logs.put_log_events(logGroupName=group, logStreamName="app",
                            logEvents=[{"timestamp": now + 1, "message": "after"}])
        messages = wait_for(lambda: "after" in delivered(logs, decoder.name) and delivered(
            logs, decoder.name), DELIVERY_SECONDS)
    assert sorted(messages) == ["after", "before"]


def delivered(logs: Any, function_name: str) -> list[str]:
    """The messages the function has been sent, one per delivered event, as its log shows."""
    return [event["message"]
            for line in log_events(logs, function_name) if MARKER in line["message"]
            for event in json.loads(line["message"].split(MARKER, 1)[1])["logEvents"]]
