"""The console's metrics reader against the sandbox: invocations become AWS/Lambda metrics that
GetMetricData sums at the periods the charts use (60 s for an hour, 900 s for a day)."""
from datetime import timedelta
from typing import Any

import pytest

from webapp.aws.functions import metrics

from .lambda_support import create_role, deploy, invoke, lambda_client
from .processes import ClientFactory

SOMETIMES_FAILS = """
    def handler(event, context):
        if event.get("fail"):
            raise ValueError("boom")
        return "ok"
"""


@pytest.fixture(scope="module")
def invoked_function(sandbox_url: str, aws_client: ClientFactory) -> str:
    """A function invoked three times, the second time failing."""
    client: Any = lambda_client(sandbox_url)
    function = deploy(client, create_role(aws_client("iam")), SOMETIMES_FAILS)
    for event in ({}, {"fail": True}, {}):
        invoke(client, function.name, event)
    return function.name


@pytest.mark.parametrize("range_key", ["hour", "day"])
def test_three_invocations_one_failing_are_summed(console_calls: None, invoked_function: str,
                                                  range_key: str) -> None:
    found = metrics.get_function_metrics(invoked_function, range_key)
    assert found.total_invocations == 3
    assert found.total_errors == 1
    assert found.total_throttles == 0
    assert found.success_rate == pytest.approx(200 / 3)
    assert found.maximum_duration_ms is not None and found.maximum_duration_ms > 0
    assert 0 < found.average_duration_ms <= found.maximum_duration_ms


@pytest.mark.parametrize("range_key", ["hour", "day"])
def test_datapoints_start_on_the_periods_of_the_window(console_calls: None,
                                                       invoked_function: str,
                                                       range_key: str) -> None:
    found = metrics.get_function_metrics(invoked_function, range_key)
    period = timedelta(seconds=metrics.RANGES[range_key].period_s)
    assert found.invocations, "no datapoints"
    for point in found.invocations + found.duration_maximum:
        assert found.start <= point.timestamp < found.end
        assert (point.timestamp - found.start) % period == timedelta(0)


def test_another_functions_invocations_are_not_counted(console_calls: None,
                                                       invoked_function: str) -> None:
    assert metrics.get_function_metrics(f"{invoked_function}-other").has_data is False
