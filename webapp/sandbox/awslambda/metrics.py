"""AWS/Lambda metrics in moto's CloudWatch backend, so GetMetricData sees invocations.

Per invocation: Invocations 1, Errors 0 or 1 (function errors and timeouts alike), Duration in
milliseconds; per throttled call: Throttles 1 (throttled calls are not Invocations); per call
stopped by recursive loop detection (recursion.py): RecursiveInvocationsDropped 1. All with the
FunctionName dimension.
"""
import time
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

from webapp.sandbox.awslambda.functions import FunctionVersion
from webapp.sandbox.persistence.effects import effect

NAMESPACE = "AWS/Lambda"


def record_invocation(function: FunctionVersion, duration_ms: float, failed: bool) -> None:
    """Count one invocation that ran."""
    _put(function, [("Invocations", 1.0, "Count"), ("Errors", float(failed), "Count"),
                    ("Duration", duration_ms, "Milliseconds")])


def record_throttle(function: FunctionVersion) -> None:
    """Count one invocation refused for lack of concurrency."""
    _put(function, [("Throttles", 1.0, "Count")])


def record_recursion_dropped(function: FunctionVersion) -> None:
    """Count one invocation stopped because its chain was too long."""
    _put(function, [("RecursiveInvocationsDropped", 1.0, "Count")])


def _put(function: FunctionVersion, values: list[tuple[str, float, str]]) -> None:
    put_metric_data(account_id=function.account_id, region=function.region,
                    namespace=NAMESPACE, at=time.time(),
                    dimensions=[{"Name": "FunctionName", "Value": function.function_name}],
                    values=[list(value) for value in values])


@effect("cloudwatch.put_metric_data")
def put_metric_data(*, account_id: str, region: str, namespace: str, at: float,
                    dimensions: list[dict[str, str]], values: list[list[Any]]) -> None:
    """Put [name, value, unit] data points, all at `at` (epoch seconds) with `dimensions`."""
    timestamp = datetime.fromtimestamp(at, UTC).replace(tzinfo=None)
    backend = cloudwatch_backends[account_id][region]
    backend.put_metric_data(namespace, [
        {"MetricName": name, "Value": value, "Unit": unit, "Dimensions": dimensions,
         "Timestamp": timestamp}
        for name, value, unit in values])
