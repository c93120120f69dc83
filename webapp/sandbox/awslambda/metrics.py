"""AWS/Lambda metrics in moto's CloudWatch backend, so GetMetricData sees invocations.

Per invocation: Invocations 1, Errors 0 or 1 (function errors and timeouts alike), Duration in
milliseconds; per throttled call: Throttles 1 (throttled calls are not Invocations). All with the
FunctionName dimension.
"""
from moto.cloudwatch.models import cloudwatch_backends

from webapp.sandbox.awslambda.functions import FunctionVersion

NAMESPACE = "AWS/Lambda"


def record_invocation(function: FunctionVersion, duration_ms: float, failed: bool) -> None:
    """Count one invocation that ran."""
    _put(function, [("Invocations", 1.0, "Count"), ("Errors", float(failed), "Count"),
                    ("Duration", duration_ms, "Milliseconds")])


def record_throttle(function: FunctionVersion) -> None:
    """Count one invocation refused for lack of concurrency."""
    _put(function, [("Throttles", 1.0, "Count")])


def _put(function: FunctionVersion, values: list[tuple[str, float, str]]) -> None:
    dimensions = [{"Name": "FunctionName", "Value": function.function_name}]
    backend = cloudwatch_backends[function.account_id][function.region]
    backend.put_metric_data(NAMESPACE, [
        {"MetricName": name, "Value": value, "Unit": unit, "Dimensions": dimensions}
        for name, value, unit in values])
