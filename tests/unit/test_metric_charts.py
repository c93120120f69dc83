"""Chart geometry: scales, time ticks, bars and lines, from datapoints alone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from webapp.views.functions import metric_charts as charts
from webapp.views.functions.metric_charts import Window

START = datetime(2026, 11, 26, 2, 5, tzinfo=timezone.utc)
HOUR = Window(START, START + timedelta(hours=1), 60)
DAY_START = datetime(2026, 11, 25, 3, 15, tzinfo=timezone.utc)
DAY = Window(DAY_START, DAY_START + timedelta(days=1), 900)
PLOT_WIDTH = charts.PLOT_RIGHT - charts.PLOT_LEFT
PLOT_HEIGHT = charts.PLOT_BOTTOM - charts.PLOT_TOP


@dataclass(frozen=True)
class Point:
    timestamp: datetime
    value: float


def at(minute: int, value: float, window: Window = HOUR) -> Point:
    return Point(window.start + timedelta(seconds=minute * window.period_s), value)


@pytest.mark.parametrize(("highest", "whole", "top", "step"), [
    (0, True, 4, 1), (1, True, 1, 1), (3, True, 3, 1), (7, True, 8, 2), (13, True, 15, 5),
    (250, True, 300, 100), (1000, True, 1000, 500), (0, False, 1, 0.25),
    (0.37, False, 0.4, 0.1), (16.25, False, 20, 5), (1234.5, False, 1500, 500),
])
def test_the_y_axis_tops_out_at_a_round_value(highest: float, whole: bool, top: float,
                                              step: float) -> None:
    assert charts.nice_scale(highest, whole) == (pytest.approx(top), pytest.approx(step))


def test_counts_never_get_fractional_ticks() -> None:
    top, step = charts.nice_scale(2, whole=True)
    assert [tick.label for tick in charts.y_ticks(top, step)] == ["0", "1", "2"]


def test_y_ticks_run_from_the_bottom_of_the_plot_to_its_top() -> None:
    ticks = charts.y_ticks(20, 5)
    assert [tick.label for tick in ticks] == ["0", "5", "10", "15", "20"]
    assert ticks[0].y == charts.PLOT_BOTTOM and ticks[-1].y == charts.PLOT_TOP


def test_an_hour_has_a_time_tick_every_ten_minutes_on_round_utc_times() -> None:
    ticks = charts.x_ticks(HOUR)
    assert [tick.label for tick in ticks] == ["02:10", "02:20", "02:30", "02:40", "02:50", "03:00"]
    assert ticks[0].iso == "2026-11-26T02:10:00Z"
    assert ticks[0].x == pytest.approx(charts.PLOT_LEFT + PLOT_WIDTH * 5 / 60, abs=0.01)


def test_a_day_has_a_tick_every_three_hours_and_dates_at_midnight() -> None:
    labels = [tick.label for tick in charts.x_ticks(DAY)]
    assert labels == ["06:00", "09:00", "12:00", "15:00", "18:00", "21:00", "11-26", "03:00"]


def test_bars_sit_in_their_period_and_scale_to_the_axis() -> None:
    chart = charts.bar_chart([at(0, 1), at(59, 2)], HOUR)
    first, last = chart.bars
    slot = PLOT_WIDTH / 60
    gap = slot * 0.2  # narrow bars keep a fifth of their slot as the gap between them
    assert first.x == pytest.approx(charts.PLOT_LEFT + gap / 2, abs=0.01)
    assert first.width == pytest.approx(slot - gap, abs=0.01)
    assert last.x == pytest.approx(charts.PLOT_LEFT + 59 * slot + gap / 2, abs=0.01)
    assert (first.height, last.height) == (pytest.approx(PLOT_HEIGHT / 2), pytest.approx(PLOT_HEIGHT))
    assert last.y == pytest.approx(charts.PLOT_TOP)
    assert (last.label, last.iso, last.when) == ("2", "2026-11-26T03:04:00Z", "2026-11-26 03:04")
    assert chart.has_data


def test_a_small_count_beside_a_large_one_still_shows() -> None:
    small, _ = charts.bar_chart([at(0, 1), at(1, 5000)], HOUR).bars
    assert small.height >= 1


def test_points_outside_the_window_are_left_out() -> None:
    chart = charts.bar_chart([at(-1, 3), at(60, 3), at(10, 1)], HOUR)
    assert [bar.label for bar in chart.bars] == ["1"]


def test_an_empty_series_draws_axes_and_no_data() -> None:
    chart = charts.bar_chart([], HOUR)
    assert not chart.has_data and not chart.bars
    assert [tick.label for tick in chart.y_ticks] == ["0", "1", "2", "3", "4"]
    assert len(chart.x_ticks) == 6


def test_a_zero_count_is_data_but_has_no_height() -> None:
    chart = charts.bar_chart([at(3, 0)], HOUR)
    assert chart.has_data and chart.bars[0].height == 0


def test_lines_break_where_a_period_has_no_data() -> None:
    chart = charts.line_chart([("average", [at(0, 10), at(1, 20), at(5, 40), at(9, 5), at(10, 5)])],
                              HOUR)
    (line,) = chart.lines
    assert len(line.markers) == 5
    assert len(line.segments) == 2  # 0-1 and 9-10; the lone point at 5 is only a marker
    first_point = line.segments[0].split()[0]
    x, y = (float(part) for part in first_point.split(","))
    assert x == pytest.approx(charts.PLOT_LEFT + PLOT_WIDTH / 120, abs=0.01)  # period's middle
    assert y == pytest.approx(charts.PLOT_BOTTOM - PLOT_HEIGHT * 10 / 40, abs=0.01)


def test_several_lines_share_one_scale() -> None:
    chart = charts.line_chart([("maximum", [at(0, 30)]), ("average", [at(0, 15)])], HOUR)
    maximum, average = (line.markers[0] for line in chart.lines)
    assert [tick.label for tick in chart.y_ticks][-1] == "30"
    assert maximum.y == pytest.approx(charts.PLOT_TOP)
    assert average.y == pytest.approx(charts.PLOT_TOP + PLOT_HEIGHT / 2)


def test_day_bars_are_fifteen_minutes_wide() -> None:
    chart = charts.bar_chart([at(95, 1, DAY)], DAY)
    assert chart.bars[0].x + chart.bars[0].width <= charts.PLOT_RIGHT
    assert chart.bars[0].width == pytest.approx(PLOT_WIDTH / 96 * 0.8, abs=0.01)


@pytest.mark.parametrize(("value", "text"), [
    (3, "3"), (3.0, "3"), (12345, "12,345"), (12.5, "12.5"), (0.333333, "0.33"), (1234.56, "1,235"),
    (20.0, "20"),
])
def test_numbers_are_short(value: float, text: str) -> None:
    assert charts.format_value(value) == text


def test_a_tick_at_the_right_edge_is_labelled_inside_the_chart() -> None:
    aligned = Window(START + timedelta(minutes=5), START + timedelta(minutes=65), 60)
    ticks = charts.x_ticks(aligned)
    assert (ticks[-1].label, ticks[-1].x, ticks[-1].anchor) == ("03:10", charts.PLOT_RIGHT, "end")
    assert {tick.anchor for tick in ticks[:-1]} == {"middle"}
