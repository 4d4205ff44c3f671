"""Chart geometry for the trends page: readings in, points and an SVG path out.

Pure functions, so the numbers are tested without a browser; the markup is a template
macro (templates/diary/_chart.html). The drawing is a fixed 320 x 190 viewBox that the
page scales to its width, so one geometry serves a 320 px phone and a desktop alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

WIDTH = 320
HEIGHT = 190
# The plot area inside the viewBox: room on the left for the value labels, on the right
# for the threshold labels (so they never sit on a reading), below for the days.
LEFT, RIGHT, TOP, BOTTOM = 36.0, 284.0, 12.0, 160.0
# Day labels are spread so that about this many fit under the plot.
MAX_DAY_LABELS = 5
# Steps that keep labels short: at most one decimal (no 0.25).
NICE_STEPS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)


@dataclass(frozen=True)
class Scale:
    """How a measure's vertical axis is chosen: fixed bounds, or fitted to the readings."""

    low: float | None = None  # fixed lower bound (pain: 0)
    high: float | None = None  # fixed upper bound (pain: 10)
    min_span: float = 1.0  # a flat line still gets this much room around it
    default_low: float = 0.0  # the range shown when there is nothing to fit to
    default_high: float = 1.0


@dataclass(frozen=True)
class Point:
    when: datetime
    value: float
    x: float
    y: float


@dataclass(frozen=True)
class ValueTick:
    value: float
    y: float


@dataclass(frozen=True)
class DayTick:
    """A day's start line, and where under the plot its label goes (the day's middle)."""

    day: date
    x: float
    label_x: float
    labelled: bool


@dataclass(frozen=True)
class Reference:
    """A threshold line, such as 38.5 °C, with the level of the rule it comes from."""

    value: float
    level: str
    y: float


@dataclass(frozen=True)
class Chart:
    # The frame, for the template that draws it.
    width: ClassVar[int] = WIDTH
    height: ClassVar[int] = HEIGHT
    left: ClassVar[float] = LEFT
    right: ClassVar[float] = RIGHT
    top: ClassVar[float] = TOP
    bottom: ClassVar[float] = BOTTOM

    low: float
    high: float
    step: float
    points: tuple[Point, ...]
    path: str
    value_ticks: tuple[ValueTick, ...]
    day_ticks: tuple[DayTick, ...]
    references: tuple[Reference, ...]
    first_day: date
    last_day: date

    @property
    def is_empty(self) -> bool:
        return not self.points

    @property
    def lowest(self) -> float | None:
        return min((point.value for point in self.points), default=None)

    @property
    def highest(self) -> float | None:
        return max((point.value for point in self.points), default=None)


def day_window(last_day: date, days: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of ``days`` whole local days ending with ``last_day``.

    In UTC because Python compares and subtracts two times of one zone by their wall
    clocks: a day with a DST change would otherwise count 24 hours.
    """
    first_day = last_day - timedelta(days=days - 1)
    start = datetime.combine(first_day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``ticks`` intervals."""
    if span <= 0:
        return NICE_STEPS[0]
    raw = span / ticks
    for step in NICE_STEPS:
        if step >= raw:
            return step
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return float(factor * magnitude)
    return float(10 * magnitude)  # pragma: no cover - the loop always returns


def value_range(
    values: Iterable[float], scale: Scale, extra: Iterable[float] = ()
) -> tuple[float, float, float]:
    """(low, high, step) of the vertical axis: round numbers around the readings."""
    seen = list(values)
    wanted = seen + list(extra)
    if scale.low is not None and scale.high is not None:
        return scale.low, scale.high, nice_step(scale.high - scale.low, 5)
    low = min(wanted, default=scale.default_low)
    high = max(wanted, default=scale.default_high)
    if not seen:
        low, high = min(low, scale.default_low), max(high, scale.default_high)
    if high - low < scale.min_span:
        middle = (low + high) / 2
        low, high = middle - scale.min_span / 2, middle + scale.min_span / 2
    step = nice_step(high - low)
    low = math.floor(round(low / step, 9)) * step
    high = math.ceil(round(high / step, 9)) * step
    if scale.low is not None:
        low = max(low, scale.low)
    if scale.high is not None:
        high = min(high, scale.high)
    return round(low, 6), round(high, 6), step


def build_chart(
    readings: Sequence[tuple[datetime, float]],
    *,
    last_day: date,
    days: int,
    zone: ZoneInfo,
    scale: Scale,
    references: Sequence[tuple[float, str]] = (),
) -> Chart:
    """Place readings (any order) in the window of ``days`` days ending with ``last_day``.

    Readings outside the window are left out; references are (value, level) pairs.
    """
    start, end = day_window(last_day, days, zone)
    inside = sorted(
        (when, float(value)) for when, value in readings if start <= when.astimezone(UTC) < end
    )
    low, high, step = value_range(
        (value for _, value in inside), scale, (value for value, _ in references)
    )
    seconds = (end - start).total_seconds()

    def x_of(moment: datetime) -> float:
        elapsed = (moment.astimezone(UTC) - start).total_seconds()
        return round(LEFT + (RIGHT - LEFT) * elapsed / seconds, 1)

    def y_of(value: float) -> float:
        return round(BOTTOM - (BOTTOM - TOP) * (value - low) / (high - low), 1)

    points = tuple(Point(when, value, x_of(when), y_of(value)) for when, value in inside)
    path = " ".join(
        f"{'M' if index == 0 else 'L'}{point.x} {point.y}" for index, point in enumerate(points)
    )
    count = round((high - low) / step)
    value_ticks = tuple(
        ValueTick(round(low + index * step, 6), y_of(low + index * step))
        for index in range(count + 1)
    )
    label_every = max(1, math.ceil(days / MAX_DAY_LABELS))
    first_day = last_day - timedelta(days=days - 1)
    day_ticks = []
    for index in range(days):
        day = first_day + timedelta(days=index)
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        noon = datetime.combine(day, time(12), tzinfo=zone)
        # Count from the newest day back, so today always has its label.
        labelled = (days - 1 - index) % label_every == 0
        day_ticks.append(DayTick(day, x_of(midnight), x_of(noon), labelled))
    shown_references = tuple(
        Reference(value, level, y_of(value))
        for value, level in sorted(set(references))
        if low <= value <= high
    )
    return Chart(
        low=low,
        high=high,
        step=step,
        points=points,
        path=path,
        value_ticks=value_ticks,
        day_ticks=tuple(day_ticks),
        references=shown_references,
        first_day=first_day,
        last_day=last_day,
    )
