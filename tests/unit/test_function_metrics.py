"""A function's metrics panel: GetMetricData totals and chart geometry, ranges, errors."""
from __future__ import annotations

import html
import io
import json
import re
import zipfile
from datetime import datetime, timedelta, timezone
from http import HTTPStatus

import boto3
import pytest
from botocore.stub import Stubber
from flask.testing import FlaskClient

from webapp.views.functions import metric_charts
from webapp.aws import clients
from webapp.aws.functions import metrics
from webapp.views.functions import metrics as metric_views

REGION = "ap-northeast-2"
FUNCTION = "metrics-fn"
HX = {"HX-Request": "true"}
PLOT_HEIGHT = metric_charts.PLOT_BOTTOM - metric_charts.PLOT_TOP


def make_function(function_name: str = FUNCTION) -> None:
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    role_arn = boto3.client("iam", region_name=REGION).create_role(
        RoleName=f"{function_name}-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return 1\n")
    boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=function_name, Runtime="python3.12", Handler="lambda_function.lambda_handler",
        Role=role_arn, Code={"ZipFile": buffer.getvalue()})


def put(metric_name: str, value: float, minutes_ago: float, function_name: str = FUNCTION,
        namespace: str = metrics.NAMESPACE) -> None:
    moment = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    boto3.client("cloudwatch", region_name=REGION).put_metric_data(Namespace=namespace, MetricData=[{
        "MetricName": metric_name, "Value": value, "Timestamp": moment,
        "Dimensions": [{"Name": "FunctionName", "Value": function_name}]}])


def invocation(duration_ms: float, minutes_ago: float, failed: bool = False) -> None:
    put("Invocations", 1, minutes_ago)
    put("Errors", float(failed), minutes_ago)
    put("Duration", duration_ms, minutes_ago)


def figure(page: str, chart_id: str) -> str:
    match = re.search(rf'<figure class="metric-chart" id="metric-{chart_id}".*?</figure>', page, re.S)
    assert match, f"no {chart_id} chart"
    return match.group(0)


def total(page: str, chart_id: str) -> str:
    match = re.search(rf'data-total="{chart_id}">\s*([^<]*?)\s*<', page)
    assert match, f"no total for {chart_id}"
    return html.unescape(match.group(1))


def bars(chart: str) -> list[tuple[float, float, str]]:
    """(y, height, tooltip) of each bar."""
    return [(float(y), float(height), html.unescape(title)) for y, height, title in re.findall(
        r'<rect x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)"><title>([^<]*)</title>', chart)]


def test_the_function_page_loads_the_metrics_panel_by_itself(signed_in: FlaskClient) -> None:
    make_function()
    page = signed_in.get(f"/functions/{FUNCTION}").text
    panel = page[page.index('<section id="function-metrics"'):]
    assert f'hx-get="/functions/{FUNCTION}/metrics?range=hour"' in panel
    assert 'hx-trigger="load, function-invoked from:body"' in panel
    assert page.index('id="invoke-panel"') < page.index('id="function-metrics"')
    assert "<svg" not in panel  # nothing read from CloudWatch until the panel asks


def test_the_panel_shows_totals_and_bars_from_cloudwatch(signed_in: FlaskClient) -> None:
    invocation(10, minutes_ago=5)
    invocation(30, minutes_ago=5, failed=True)
    invocation(20, minutes_ago=20)
    put("Invocations", 7, minutes_ago=5, function_name="another-fn")
    reply = signed_in.get(f"/functions/{FUNCTION}/metrics", headers=HX)
    assert reply.status_code == HTTPStatus.OK and "<!doctype" not in reply.text.lower()
    page = reply.text
    assert total(page, "invocations") == "3"
    assert total(page, "errors") == "1, success rate 66.7%"
    assert total(page, "throttles") == "0"
    assert total(page, "duration") == "average 20 ms, maximum 30 ms"
    invocation_bars = sorted(bars(figure(page, "invocations")), key=lambda bar: bar[1])
    assert [bar[2][-3:] for bar in invocation_bars] == [": 1", ": 2"]
    # The axis tops out at 2: the minute with two invocations fills the plot, the other half.
    assert invocation_bars[1][1] == PLOT_HEIGHT and invocation_bars[1][0] == metric_charts.PLOT_TOP
    assert invocation_bars[0][1] == PLOT_HEIGHT / 2
    assert "No throttles" in figure(page, "throttles") and "<rect" not in figure(page, "throttles")
    duration = figure(page, "duration")
    assert duration.count("<circle") == 4  # average and maximum at two minutes
    assert 'aria-labelledby="metric-duration-svg-title metric-duration-svg-desc"' in duration
    assert "Average 20 ms, maximum 30 ms over the range." in duration


def test_the_charts_have_accessible_names_and_data_tables(signed_in: FlaskClient) -> None:
    invocation(12.5, minutes_ago=2)
    page = signed_in.get(f"/functions/{FUNCTION}/metrics", headers=HX).text
    chart = figure(page, "invocations")
    assert '<title id="metric-invocations-svg-title">Invocations (Last hour)</title>' in chart
    assert "1 in total; the highest in one period: 1." in chart
    row_time = re.search(r'<td><time datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:00Z)">', chart)
    assert row_time, "the data table gives each period's time"
    expected = (datetime.now(timezone.utc) - timedelta(minutes=2)).replace(second=0, microsecond=0)
    assert abs(datetime.fromisoformat(row_time.group(1).replace("Z", "+00:00")) - expected) <= timedelta(minutes=1)
    assert re.search(r'<time datetime="[^"]+Z">[^<]+</time> – <time datetime="[^"]+Z">', page)


def test_no_data_collapses_to_one_line(signed_in: FlaskClient) -> None:
    page = signed_in.get(f"/functions/{FUNCTION}/metrics", headers=HX).text
    assert re.search(r'<p class="metrics-empty" role="status">\s*No invocations in the last hour\.', page)
    assert "<svg" not in page and "<figure" not in page and "data-total" not in page
    day = signed_in.get(f"/functions/{FUNCTION}/metrics?range=day", headers=HX).text
    assert "No invocations in the last day." in day and "<svg" not in day


def test_the_day_range_reads_fifteen_minute_periods(signed_in: FlaskClient) -> None:
    invocation(10, minutes_ago=60 * 5)
    invocation(10, minutes_ago=60 * 5)
    hour = signed_in.get(f"/functions/{FUNCTION}/metrics?range=hour", headers=HX).text
    assert "No invocations in the last hour." in hour
    day = signed_in.get(f"/functions/{FUNCTION}/metrics?range=day", headers=HX).text
    assert total(day, "invocations") == "2"
    assert "One value per 15 minutes" in day
    assert re.search(r'range=day"[^>]*aria-current="true"', day)
    assert len(bars(figure(day, "invocations"))) == 1


def test_a_bad_range_is_refused_with_a_clear_message(signed_in: FlaskClient,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_call(*args: object, **kwargs: object) -> None:
        raise AssertionError("GetMetricData called for a bad range")

    monkeypatch.setattr(metric_views.metrics, "get_function_metrics", must_not_call)
    reply = signed_in.get(f"/functions/{FUNCTION}/metrics?range=week", headers=HX)
    assert reply.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "Choose a range of the last hour or the last day." in reply.text
    assert 'hx-get="/functions/metrics-fn/metrics?range=day"' in reply.text


def test_an_aws_error_is_shown_inside_the_panel(signed_in: FlaskClient) -> None:
    with clients.using_region(REGION), Stubber(clients.client("cloudwatch")) as stub:
        stub.add_client_error("get_metric_data", "AccessDenied",
                              "User: arn:aws:iam::123456789012:user/viewer is not authorized to "
                              "perform: cloudwatch:GetMetricData", 403)
        reply = signed_in.get(f"/functions/{FUNCTION}/metrics", headers=HX)
    assert reply.status_code == HTTPStatus.OK
    text = html.unescape(reply.text)
    assert 'role="alert"' in text and "may not perform cloudwatch:GetMetricData" in text
    assert "<svg" not in text


def test_a_plain_get_serves_the_whole_page_with_the_charts(signed_in: FlaskClient) -> None:
    make_function()
    invocation(10, minutes_ago=1)
    reply = signed_in.get(f"/functions/{FUNCTION}/metrics?range=day")
    assert reply.status_code == HTTPStatus.OK and "HX-Request" in reply.headers["Vary"]
    page = reply.text
    assert 'id="invoke-panel"' in page and page.count('id="function-metrics"') == 1
    assert total(page, "invocations") == "1" and "One value per 15 minutes" in page


@pytest.mark.usefixtures("app")  # the console's clients, configured
def test_every_page_of_get_metric_data_is_read() -> None:
    now = datetime(2026, 11, 26, 3, 4, 30, tzinfo=timezone.utc)
    start, end = metrics.window(metrics.RANGES["hour"], now)
    assert (start, end) == (datetime(2026, 11, 26, 2, 5, tzinfo=timezone.utc),
                            datetime(2026, 11, 26, 3, 5, tzinfo=timezone.utc))
    first = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)
    second = datetime(2026, 11, 26, 3, 1, tzinfo=timezone.utc)
    with clients.using_region(REGION), Stubber(clients.client("cloudwatch")) as stub:
        stub.add_response("get_metric_data", {"NextToken": "more", "MetricDataResults": [
            {"Id": "invocations", "Timestamps": [first], "Values": [2.0], "StatusCode": "PartialData"}]})
        stub.add_response("get_metric_data", {"MetricDataResults": [
            {"Id": "invocations", "Timestamps": [second], "Values": [1.0], "StatusCode": "Complete"},
            {"Id": "errors", "Timestamps": [second], "Values": [1.0], "StatusCode": "Complete"}]})
        found = metrics.get_function_metrics(FUNCTION, "hour", now=now)
    assert [point.timestamp for point in found.invocations] == [first, second]
    assert found.total_invocations == 3 and found.total_errors == 1
    assert found.success_rate == pytest.approx(100 * 2 / 3)


@pytest.mark.usefixtures("app")
def test_one_call_asks_for_all_five_series_on_period_bounds() -> None:
    now = datetime(2026, 11, 26, 3, 4, 30, tzinfo=timezone.utc)
    end = datetime(2026, 11, 26, 3, 15, tzinfo=timezone.utc)
    dimensions = [{"Name": "FunctionName", "Value": FUNCTION}]
    expected = {
        "StartTime": end - timedelta(days=1), "EndTime": end, "ScanBy": "TimestampAscending",
        "MetricDataQueries": [
            {"Id": query_id, "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": "AWS/Lambda", "MetricName": name, "Dimensions": dimensions},
                "Period": 900, "Stat": stat}}
            for query_id, name, stat in [
                ("invocations", "Invocations", "Sum"), ("errors", "Errors", "Sum"),
                ("throttles", "Throttles", "Sum"), ("duration_average", "Duration", "Average"),
                ("duration_maximum", "Duration", "Maximum")]]}
    with clients.using_region(REGION), Stubber(clients.client("cloudwatch")) as stub:
        stub.add_response("get_metric_data", {"MetricDataResults": []}, expected)
        found = metrics.get_function_metrics(FUNCTION, "day", now=now)
        stub.assert_no_pending_responses()
    assert not found.has_data and found.success_rate is None
