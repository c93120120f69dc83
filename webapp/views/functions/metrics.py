"""A function's CloudWatch metrics on its page: invocations, errors, throttles and duration
for the last hour or day, drawn as inline SVG (no JavaScript needed).

The panel is a fragment of the function's page with a URL of its own: htmx gets the fragment,
a plain GET gets the whole page with the panel filled in (handed over on `g`).
"""
from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from flask import Blueprint, Response, g, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from webapp.views.functions import metric_charts
from webapp.aws.functions import metrics
from webapp.aws.errors import ConsoleError
from webapp.views.functions.metric_charts import Chart, Window
from webapp.views.functions import pages as function_views
from webapp.views.rendering import error_text

bp = Blueprint("metrics", __name__)

FRAGMENT = "functions/fragments/metrics.html"


@dataclass(frozen=True, slots=True)
class DurationRow:
    """A row of the duration chart's data table."""

    iso: str
    when: str
    average: str
    maximum: str


@dataclass(frozen=True, slots=True)
class MetricCharts:
    """The four charts of one window, and the duration chart's table."""

    invocations: Chart
    errors: Chart
    throttles: Chart
    duration: Chart
    duration_rows: tuple[DurationRow, ...]


@dataclass(frozen=True, slots=True)
class MetricsPanel:
    """What the metrics panel shows: the chosen range, and the charts or what went wrong."""

    range_key: str
    metrics: metrics.FunctionMetrics | None = None
    charts: MetricCharts | None = None
    error: str | None = None


def metrics_panel_context() -> dict[str, object]:
    """Give the function's page the panel the view below filled in, or None to load it later."""
    return {"metrics_panel": g.get("metrics_panel"), "metric_ranges": metrics.RANGES,
            "format_metric": metric_charts.format_value}


@bp.get("/<function_name>/metrics")
def function_metrics(function_name: str) -> ResponseReturnValue:
    """Charts of the function's metrics for ?range=hour (the default) or ?range=day."""
    range_key = request.args.get("range") or metrics.DEFAULT_RANGE
    if range_key not in metrics.RANGES:
        message = gettext("Choose a range of the last hour or the last day.")
        panel = MetricsPanel(metrics.DEFAULT_RANGE, error=message)
        return _show(function_name, panel, HTTPStatus.UNPROCESSABLE_ENTITY)
    try:
        found = metrics.get_function_metrics(function_name, range_key)
    except ConsoleError as err:
        return _show(function_name, MetricsPanel(range_key, error=error_text(err)))
    return _show(function_name, MetricsPanel(range_key, found, draw(found)))


def draw(found: metrics.FunctionMetrics) -> MetricCharts:
    """The geometry of the four charts."""
    window = Window(found.start, found.end, found.metric_range.period_s)
    return MetricCharts(
        invocations=metric_charts.bar_chart(found.invocations, window),
        errors=metric_charts.bar_chart(found.errors, window),
        throttles=metric_charts.bar_chart(found.throttles, window),
        duration=metric_charts.line_chart([("maximum", found.duration_maximum),
                                           ("average", found.duration_average)], window),
        duration_rows=_duration_rows(found))


def _duration_rows(found: metrics.FunctionMetrics) -> tuple[DurationRow, ...]:
    maxima = {point.timestamp: point.value for point in found.duration_maximum}
    averages = {point.timestamp: point.value for point in found.duration_average}
    return tuple(
        DurationRow(iso=metric_charts.iso_utc(moment), when=metric_charts.utc_text(moment),
                    average=_optional(averages.get(moment)), maximum=_optional(maxima.get(moment)))
        for moment in sorted(maxima.keys() | averages.keys()))


def _optional(value: float | None) -> str:
    return "" if value is None else metric_charts.format_value(value)


def _show(function_name: str, panel: MetricsPanel,
          status: HTTPStatus = HTTPStatus.OK) -> Response:
    return function_views.show_on_function_page(function_name, FRAGMENT,
                                                 {"metrics_panel": panel}, status,
                                                 function_name=function_name)
