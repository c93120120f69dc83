"""Geometry of the metric charts, drawn as inline SVG by the template: bars for counts, lines
for durations, and axis ticks with round values and round UTC times.

Pure: datapoints in, numbers and short labels out. Coordinates are in the SVG's viewBox units;
the chart scales to its container's width.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

WIDTH = 460
HEIGHT = 170
PLOT_LEFT = 44
PLOT_RIGHT = WIDTH - 10
PLOT_TOP = 10
PLOT_BOTTOM = HEIGHT - 26
Y_TICK_TARGET = 4
# Time ticks on round UTC times, about six across either range.
X_TICK_SECONDS = {3600: 600, 86400: 3 * 3600}
MAX_BAR_GAP = 2.0
EDGE_LABEL_ROOM = 24


class Point(Protocol):
    """A datapoint: where its period starts (UTC) and its value."""

    @property
    def timestamp(self) -> datetime: ...

    @property
    def value(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Window:
    """The time the chart spans, cut into equal periods."""

    start: datetime
    end: datetime
    period_s: int

    @property
    def periods(self) -> int:
        """How many periods fit the window."""
        return max(1, int((self.end - self.start).total_seconds()) // self.period_s)


@dataclass(frozen=True, slots=True)
class XTick:
    """A time on the x axis: its position, a short UTC label and the ISO time."""

    x: float
    label: str
    iso: str
    anchor: str = "middle"


@dataclass(frozen=True, slots=True)
class YTick:
    """A value on the y axis: its position and label."""

    y: float
    label: str


@dataclass(frozen=True, slots=True)
class Bar:
    """One period's bar."""

    x: float
    y: float
    width: float
    height: float
    value: float
    label: str
    iso: str
    when: str


@dataclass(frozen=True, slots=True)
class Marker:
    """One datapoint of a line."""

    x: float
    y: float
    value: float
    label: str
    iso: str
    when: str


@dataclass(frozen=True, slots=True)
class Line:
    """One series drawn as a line: polylines through consecutive periods, and every point."""

    key: str
    segments: tuple[str, ...]
    markers: tuple[Marker, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything the template draws for one chart."""

    x_ticks: tuple[XTick, ...]
    y_ticks: tuple[YTick, ...]
    bars: tuple[Bar, ...] = ()
    lines: tuple[Line, ...] = ()
    has_data: bool = False
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = PLOT_LEFT
    plot_right: int = PLOT_RIGHT
    plot_top: int = PLOT_TOP
    plot_bottom: int = PLOT_BOTTOM


def bar_chart(points: Sequence[Point], window: Window) -> Chart:
    """Counts per period as bars (Invocations, Errors, Throttles)."""
    top, step = nice_scale(max((point.value for point in points), default=0.0), whole=True)
    slot = _slot_width(window)
    gap = min(MAX_BAR_GAP, slot * 0.2)
    bars = []
    for point in points:
        index = _index(point.timestamp, window)
        if index is None:
            continue
        height = _height(point.value, top)
        if point.value > 0:
            height = max(height, 1.0)  # a small count still shows
        bars.append(Bar(x=_round(PLOT_LEFT + index * slot + gap / 2), y=_round(PLOT_BOTTOM - height),
                        width=_round(slot - gap), height=_round(height), value=point.value,
                        label=format_value(point.value), iso=iso_utc(point.timestamp),
                        when=utc_text(point.timestamp)))
    return Chart(x_ticks=x_ticks(window), y_ticks=y_ticks(top, step), bars=tuple(bars),
                 has_data=bool(bars))


def line_chart(series: Sequence[tuple[str, Sequence[Point]]], window: Window) -> Chart:
    """Several series on one scale as lines (Duration average and maximum)."""
    highest = max((point.value for _, points in series for point in points), default=0.0)
    top, step = nice_scale(highest, whole=False)
    lines = tuple(_line(key, points, window, top) for key, points in series)
    return Chart(x_ticks=x_ticks(window), y_ticks=y_ticks(top, step), lines=lines,
                 has_data=any(line.markers for line in lines))


def _line(key: str, points: Sequence[Point], window: Window, top: float) -> Line:
    slot = _slot_width(window)
    markers: list[Marker] = []
    segments: list[list[Marker]] = []
    previous_index: int | None = None
    for point in points:
        index = _index(point.timestamp, window)
        if index is None:
            continue
        marker = Marker(x=_round(PLOT_LEFT + (index + 0.5) * slot),
                        y=_round(PLOT_BOTTOM - _height(point.value, top)), value=point.value,
                        label=format_value(point.value), iso=iso_utc(point.timestamp),
                        when=utc_text(point.timestamp))
        markers.append(marker)
        # An empty period breaks the line: no invocations is not a duration of zero.
        if previous_index is None or index != previous_index + 1:
            segments.append([])
        segments[-1].append(marker)
        previous_index = index
    polylines = tuple(" ".join(f"{m.x:g},{m.y:g}" for m in segment)
                      for segment in segments if len(segment) > 1)
    return Line(key=key, segments=polylines, markers=tuple(markers))


def nice_scale(highest: float, whole: bool) -> tuple[float, float]:
    """The y axis: a round top at or above `highest`, and the round step between its ticks.

    `whole` keeps steps to whole numbers, for counts.
    """
    if highest <= 0:
        return (float(Y_TICK_TARGET), 1.0) if whole else (1.0, 0.25)
    step = nice_step(highest / Y_TICK_TARGET, whole)
    return step * math.ceil(highest / step - 1e-9), step


def nice_step(raw: float, whole: bool) -> float:
    """The smallest of 1, 2 or 5 times a power of ten that is at least `raw`."""
    if whole and raw <= 1:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw - 1e-12:
            return float(factor * magnitude)
    return float(10 * magnitude)


def y_ticks(top: float, step: float) -> tuple[YTick, ...]:
    """Ticks from zero to `top`, `step` apart."""
    count = int(round(top / step))
    return tuple(YTick(y=_round(PLOT_BOTTOM - _height(i * step, top)), label=format_value(i * step))
                 for i in range(count + 1))


def x_ticks(window: Window) -> tuple[XTick, ...]:
    """Round UTC times across the window, each labelled HH:MM (a date at midnight)."""
    span_s = int((window.end - window.start).total_seconds())
    every_s = X_TICK_SECONDS.get(span_s) or max(window.period_s, span_s // 6)
    start_s = int(window.start.timestamp())
    first_s = -(-start_s // every_s) * every_s
    ticks = []
    for tick_s in range(first_s, int(window.end.timestamp()) + 1, every_s):
        moment = datetime.fromtimestamp(tick_s, tz=timezone.utc)
        label = moment.strftime("%m-%d") if moment.hour == moment.minute == 0 and span_s > 3600 \
            else moment.strftime("%H:%M")
        x = PLOT_LEFT + (tick_s - start_s) / span_s * (PLOT_RIGHT - PLOT_LEFT)
        ticks.append(XTick(x=_round(x), label=label, iso=iso_utc(moment), anchor=_anchor(x)))
    return tuple(ticks)


def _anchor(x: float) -> str:
    # A label centred on a tick at the plot's right edge would be cut off by the viewBox.
    if x > WIDTH - EDGE_LABEL_ROOM:
        return "end"
    return "middle"


def format_value(value: float) -> str:
    """A short number: whole numbers with thousands separators, others to two decimals."""
    if value == int(value):
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as <time datetime> wants it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_text(moment: datetime) -> str:
    """A UTC time as people read it, without the zone: 2026-11-26 03:04."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def _slot_width(window: Window) -> float:
    return (PLOT_RIGHT - PLOT_LEFT) / window.periods


def _index(timestamp: datetime, window: Window) -> int | None:
    offset_s = (timestamp - window.start) / timedelta(seconds=1)
    index = int(offset_s // window.period_s)
    return index if 0 <= index < window.periods else None


def _height(value: float, top: float) -> float:
    return max(0.0, min(value, top)) / top * (PLOT_BOTTOM - PLOT_TOP)


def _round(number: float) -> float:
    return round(number, 2)
