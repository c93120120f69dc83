"""A function subscribed to a log group it writes to stops after 16 invocations, as on AWS.

Lambda developer guide, "Use Lambda recursive loop detection to prevent infinite loops": Lambda
tracks "the number of times that the event has invoked the function" in the trace header's
Lineage, which AWS SDKs pass on, and "if your function is invoked more than 16 times in the same
chain of requests, Lambda automatically stops the next function invocation in that request
chain", counting it in the RecursiveInvocationsDropped metric. Before this, a function
subscribed to its own log group invoked itself for as long as the sandbox ran.
"""
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.sandbox.lambda_support import (create_role, deploy, lambda_client, log_events,
                                          unique, wait_for)
from tests.sandbox.processes import ClientFactory

MAX_CHAIN = 16
# Sixteen asynchronous invocations on one warm worker, each writing its log: generous.
CHAIN_SECONDS = 90.0
ECHO = """
def handler(event, context):
    print("logged again")
"""
# Puts a log event into the group in LOG_GROUP with the SDK Lambda hands it.
WRITER = """
import os, time
import boto3

def handler(event, context):
    boto3.client("logs").put_log_events(
        logGroupName=os.environ["LOG_GROUP"], logStreamName="app",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "written again"}])
"""


@pytest.fixture
def logs(aws_client: ClientFactory) -> Any:
    return aws_client("logs")


@pytest.fixture
def functions(sandbox_url: str) -> Any:
    return lambda_client(sandbox_url)


def subscribe(logs: Any, functions: Any, group: str, function: Any) -> None:
    """Subscribe the function to every event of `group`, with Logs' permission to invoke it."""
    functions.add_permission(FunctionName=function.name, StatementId="logs",
                             Action="lambda:InvokeFunction", Principal="logs.amazonaws.com")
    logs.put_subscription_filter(logGroupName=group, filterName="all", filterPattern="",
                                 destinationArn=function.arn)


def metric_sum(cloudwatch: Any, function_name: str, metric: str) -> float:
    now = datetime.now(UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric,
        Dimensions=[{"Name": "FunctionName", "Value": function_name}],
        StartTime=now - timedelta(hours=1), EndTime=now + timedelta(hours=1), Period=7200,
        Statistics=["Sum"])["Datapoints"]
    return sum(point["Sum"] for point in points)


def starts(logs: Any, function_name: str) -> int:
    return sum(event["message"].startswith("START RequestId:")
               for event in log_events(logs, function_name))


def test_a_function_subscribed_to_its_own_log_group_stops_after_16(
        aws_client: ClientFactory, logs: Any, functions: Any) -> None:
    """The call from outside, then 16 invocations by its own log lines; the 17th is dropped
    and counted."""
    cloudwatch = aws_client("cloudwatch")
    function = deploy(functions, create_role(aws_client("iam")), ECHO)
    group = f"/aws/lambda/{function.name}"
    logs.create_log_group(logGroupName=group)
    subscribe(logs, functions, group, function)
    functions.invoke(FunctionName=function.name, Payload=b"{}")
    wait_for(lambda: metric_sum(cloudwatch, function.name, "RecursiveInvocationsDropped"),
             CHAIN_SECONDS)
    assert starts(logs, function.name) == 1 + MAX_CHAIN
    assert metric_sum(cloudwatch, function.name, "Invocations") == 1 + MAX_CHAIN


def test_a_function_putting_events_into_its_subscribed_group_stops_after_16(
        aws_client: ClientFactory, logs: Any, functions: Any) -> None:
    """The chain goes on through the handler's SDK call (its X-Amzn-Trace-Id Lineage): one
    event from outside, then 16 invocations, each putting one more event."""
    cloudwatch = aws_client("cloudwatch")
    group = unique("/hostile/loop")
    function = deploy(functions, create_role(aws_client("iam")), WRITER,
                      Environment={"Variables": {"LOG_GROUP": group}})
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="app")
    subscribe(logs, functions, group, function)
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": int(datetime.now(UTC).timestamp() * 1000), "message": "from outside"}])
    wait_for(lambda: metric_sum(cloudwatch, function.name, "RecursiveInvocationsDropped"),
             CHAIN_SECONDS)
    written = logs.filter_log_events(logGroupName=group)["events"]
    assert [event["message"] for event in written].count("written again") == MAX_CHAIN
    assert metric_sum(cloudwatch, function.name, "Invocations") == MAX_CHAIN
