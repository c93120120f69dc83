"""CloudWatch metrics of a Lambda function: the five series of the Monitor charts in one
GetMetricData call per page.

The window is aligned to the period, so every datapoint AWS (or moto) returns starts a bucket
of the chart and the last bucket is the one still filling up.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from webapp.aws.clients import client
from webapp.aws.errors import N_, aws_errors

NAMESPACE = "AWS/Lambda"


@dataclass(frozen=True, slots=True)
class MetricRange:
    """A time range the charts offer: how far back and how wide each datapoint is."""

    key: str
    span_s: int
    period_s: int


# AWS keeps 1-minute datapoints for 15 days; a day at 15 minutes gives 96 readable bars.
RANGES = {
    "hour": MetricRange("hour", 3600, 60),
    "day": MetricRange("day", 86400, 900),
}
DEFAULT_RANGE = "hour"


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """One series asked of GetMetricData: its query id, metric name and statistic."""

    query_id: str
    metric_name: str
    stat: str


QUERIES = (
    MetricQuery("invocations", "Invocations", "Sum"),
    MetricQuery("errors", "Errors", "Sum"),
    MetricQuery("throttles", "Throttles", "Sum"),
    MetricQuery("duration_average", "Duration", "Average"),
    MetricQuery("duration_maximum", "Duration", "Maximum"),
)


@dataclass(frozen=True, slots=True)
class Datapoint:
    """One period's value; `timestamp` (UTC) is where the period starts."""

    timestamp: datetime
    value: float


@dataclass(frozen=True, slots=True)
class FunctionMetrics:
    """A function's five series over one window, oldest datapoint first; empty periods absent."""

    function_name: str
    metric_range: MetricRange
    start: datetime
    end: datetime
    invocations: tuple[Datapoint, ...]
    errors: tuple[Datapoint, ...]
    throttles: tuple[Datapoint, ...]
    duration_average: tuple[Datapoint, ...]
    duration_maximum: tuple[Datapoint, ...]

    @property
    def total_invocations(self) -> float:
        """Invocations in the window."""
        return _total(self.invocations)

    @property
    def total_errors(self) -> float:
        """Invocations that ended in an error (function errors and timeouts)."""
        return _total(self.errors)

    @property
    def total_throttles(self) -> float:
        """Invocation requests refused for lack of concurrency."""
        return _total(self.throttles)

    @property
    def success_rate(self) -> float | None:
        """Percentage of invocations without an error, as the Lambda console computes it."""
        invocations = self.total_invocations
        if not invocations:
            return None
        return max(0.0, 100.0 * (invocations - self.total_errors) / invocations)

    @property
    def average_duration_ms(self) -> float | None:
        """Mean duration over the window, each period's average weighted by its invocations."""
        if not self.duration_average:
            return None
        weights = {point.timestamp: point.value for point in self.invocations}
        weighted = [(point.value, weights.get(point.timestamp, 1.0) or 1.0)
                    for point in self.duration_average]
        return sum(value * weight for value, weight in weighted) / sum(w for _, w in weighted)

    @property
    def maximum_duration_ms(self) -> float | None:
        """The longest invocation in the window."""
        return max((point.value for point in self.duration_maximum), default=None)

    @property
    def has_data(self) -> bool:
        """Whether any series has a datapoint."""
        return any((self.invocations, self.errors, self.throttles, self.duration_average))


def window(metric_range: MetricRange, now: datetime) -> tuple[datetime, datetime]:
    """Start and end of the range ending with the period that holds `now`, on period bounds."""
    epoch_s = int(now.timestamp())
    end_s = epoch_s - epoch_s % metric_range.period_s + metric_range.period_s
    end = datetime.fromtimestamp(end_s, tz=timezone.utc)
    return end - timedelta(seconds=metric_range.span_s), end


def get_function_metrics(function_name: str, range_key: str = DEFAULT_RANGE,
                         now: datetime | None = None) -> FunctionMetrics:
    """Invocations, Errors and Throttles (Sum) and Duration (Average, Maximum) of a function."""
    metric_range = RANGES[range_key]
    start, end = window(metric_range, now or datetime.now(timezone.utc))
    queries = [_query(query, function_name, metric_range.period_s) for query in QUERIES]
    series: dict[str, dict[datetime, float]] = {query.query_id: {} for query in QUERIES}
    arguments: dict[str, object] = {"MetricDataQueries": queries, "StartTime": start,
                                    "EndTime": end, "ScanBy": "TimestampAscending"}
    with aws_errors(N_("read the function's metrics"), f"function {function_name}"):
        while True:
            reply = client("cloudwatch").get_metric_data(**arguments)
            for result in reply.get("MetricDataResults", []):
                values = series[result["Id"]]
                for timestamp, value in zip(result.get("Timestamps", []),
                                            result.get("Values", [])):
                    values[timestamp.astimezone(timezone.utc)] = float(value)
            if not reply.get("NextToken"):
                break
            arguments["NextToken"] = reply["NextToken"]
    return FunctionMetrics(function_name, metric_range, start, end,
                           **{query_id: _points(values) for query_id, values in series.items()})


def _query(query: MetricQuery, function_name: str, period_s: int) -> dict[str, object]:
    metric = {"Namespace": NAMESPACE, "MetricName": query.metric_name,
              "Dimensions": [{"Name": "FunctionName", "Value": function_name}]}
    return {"Id": query.query_id, "ReturnData": True,
            "MetricStat": {"Metric": metric, "Period": period_s, "Stat": query.stat}}


def _points(values: dict[datetime, float]) -> tuple[Datapoint, ...]:
    return tuple(Datapoint(timestamp, value) for timestamp, value in sorted(values.items()))


def _total(points: Sequence[Datapoint]) -> float:
    return sum(point.value for point in points)


# GetMetricData takes at most 500 queries a call; each function asks two.
MAX_QUERIES = 500
RECENT_SPAN_S = RANGES["hour"].span_s


@dataclass(frozen=True, slots=True)
class RecentErrors:
    """A function's Errors and Invocations (Sum) over the last hour."""

    function_name: str
    errors: float
    invocations: float


def recent_errors(function_names: Sequence[str],
                  now: datetime | None = None) -> dict[str, RecentErrors]:
    """Errors and Invocations of each function over the last hour (the Monitor charts' hour
    window, so its end is on a minute), for all of them in one GetMetricData call (one more per
    250 functions), by function name."""
    start, end = window(RANGES["hour"], now or datetime.now(timezone.utc))
    totals = {name: {"errors": 0.0, "invocations": 0.0} for name in function_names}
    per_call = MAX_QUERIES // 2
    for offset in range(0, len(function_names), per_call):
        names = list(function_names[offset:offset + per_call])
        queries = [_query(MetricQuery(f"{kind}{index}", metric_name, "Sum"), name, RECENT_SPAN_S)
                   for index, name in enumerate(names)
                   for kind, metric_name in (("e", "Errors"), ("i", "Invocations"))]
        for query_id, value in _sums(queries, start, end).items():
            kind = "errors" if query_id[0] == "e" else "invocations"
            totals[names[int(query_id[1:])]][kind] += value
    return {name: RecentErrors(name, values["errors"], values["invocations"])
            for name, values in totals.items()}


def _sums(queries: list[dict[str, object]], start: datetime, end: datetime) -> dict[str, float]:
    sums: dict[str, float] = {}
    arguments: dict[str, object] = {"MetricDataQueries": queries, "StartTime": start,
                                    "EndTime": end}
    with aws_errors(N_("read the functions' metrics")):
        while True:
            reply = client("cloudwatch").get_metric_data(**arguments)
            for result in reply.get("MetricDataResults", []):
                sums[result["Id"]] = sums.get(result["Id"], 0.0) + sum(
                    float(value) for value in result.get("Values", []))
            if not reply.get("NextToken"):
                return sums
            arguments["NextToken"] = reply["NextToken"]
