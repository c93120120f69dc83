"""What CloudWatch sees of invocations: AWS's log lines in /aws/lambda/<name>, and metrics."""
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .lambda_support import (create_role, deploy, invoke, lambda_client, log_events,
                             messages_of)
from .processes import ClientFactory

CHATTY = """
    import logging

    print("init line")
    logger = logging.getLogger()

    def handler(event, context):
        print("hello", event["n"])
        logger.warning("careful %s", event["n"])
        if event.get("fail"):
            raise ValueError("boom")
        return event["n"]
"""
REQUEST_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DURATION = r"\d+\.\d\d"


def report_pattern(request_id: str, cold: bool) -> re.Pattern[str]:
    """AWS's REPORT line: TAB-separated, TAB-terminated, Init Duration only on a cold start."""
    init = rf"Init Duration: {DURATION} ms\t" if cold else ""
    return re.compile(
        rf"REPORT RequestId: {request_id}\tDuration: (?P<duration>{DURATION}) ms\t"
        r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: 128 MB\t"
        rf"Max Memory Used: (?P<used>\d+) MB\t{init}\n")


@pytest.fixture(scope="module")
def client(sandbox_url: str) -> Any:
    return lambda_client(sandbox_url)


@pytest.fixture(scope="module")
def role_arn(aws_client: ClientFactory) -> str:
    return create_role(aws_client("iam"))


def test_log_lines_match_awss_format_with_init_duration_only_when_cold(
        client: Any, role_arn: str, aws_client: ClientFactory) -> None:
    function = deploy(client, role_arn, CHATTY)
    cold = invoke(client, function.name, {"n": 1})
    warm = invoke(client, function.name, {"n": 2})
    logs = aws_client("logs")

    first = messages_of(logs, function.name, cold.request_id)
    assert first[0] == f"START RequestId: {cold.request_id} Version: $LATEST\n"
    assert first[1] == "hello 1\n"
    assert re.fullmatch(
        rf"\[WARNING\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{cold.request_id}"
        r"\tcareful 1\n", first[2])
    assert first[3] == f"END RequestId: {cold.request_id}\n"
    report = report_pattern(cold.request_id, cold=True).fullmatch(first[4])
    assert report, first[4]
    duration = float(report["duration"])
    assert int(report["billed"]) == -int(-duration // 1)  # rounded up to the whole ms
    assert 0 < int(report["used"]) <= 128

    second = messages_of(logs, function.name, warm.request_id)
    assert [second[1], second[3]] == ["hello 2\n", f"END RequestId: {warm.request_id}\n"]
    assert report_pattern(warm.request_id, cold=False).fullmatch(second[4]), second[4]

    # One stream for the worker, named as AWS names them; the init output comes before START.
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{function.name}")
    [stream] = streams["logStreams"]
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", stream["logStreamName"])
    messages = [event["message"] for event in log_events(logs, function.name)]
    assert messages.index("init line\n") < messages.index(first[0])


def test_unhandled_error_is_logged_as_one_event(client: Any, role_arn: str,
                                                aws_client: ClientFactory) -> None:
    function = deploy(client, role_arn, CHATTY)
    failed = invoke(client, function.name, {"n": 3, "fail": True})
    assert failed.function_error == "Unhandled"
    lines = messages_of(aws_client("logs"), function.name, failed.request_id)
    [error] = [line for line in lines if line.startswith("[ERROR]")]
    assert error.startswith("[ERROR] ValueError: boom\nTraceback (most recent call last):\n")
    assert '\u00a0\u00a0File "' in error  # frame indents become no-break spaces, as on AWS


def test_role_that_may_not_write_logs_gets_none(client: Any, aws_client: ClientFactory) -> None:
    silent_role = create_role(aws_client("iam"), may_log=False)
    function = deploy(client, silent_role, CHATTY)
    assert invoke(client, function.name, {"n": 4}).payload == 4
    assert log_events(aws_client("logs"), function.name) == []


def test_metrics_count_invocations_errors_duration_and_throttles(
        client: Any, role_arn: str, aws_client: ClientFactory) -> None:
    function = deploy(client, role_arn, CHATTY)
    invoke(client, function.name, {"n": 1})
    invoke(client, function.name, {"n": 2})
    invoke(client, function.name, {"n": 3, "fail": True})
    client.put_function_concurrency(FunctionName=function.name, ReservedConcurrentExecutions=0)
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.invoke(FunctionName=function.name)

    now = datetime.now(UTC)
    queries = [
        {"Id": name.lower(), "ReturnData": True,
         "MetricStat": {"Stat": stat, "Period": 60, "Metric": {
             "Namespace": "AWS/Lambda", "MetricName": name,
             "Dimensions": [{"Name": "FunctionName", "Value": function.name}]}}}
        for name, stat in [("Invocations", "Sum"), ("Errors", "Sum"), ("Throttles", "Sum"),
                           ("Duration", "Maximum")]]
    results = aws_client("cloudwatch").get_metric_data(
        MetricDataQueries=queries, StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1))["MetricDataResults"]
    totals = {result["Id"]: sum(result["Values"]) for result in results}
    assert totals["invocations"] == 3
    assert totals["errors"] == 1
    assert totals["throttles"] == 1
    assert totals["duration"] > 0
