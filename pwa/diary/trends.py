"""Trends for the family: pain, temperature and weight over the last 14 or 30 days.

Reads the reports, drops those a later report corrected, and turns each measure into a
chart (geometry from ``charts``) plus the words a page needs: axis labels in the page's
language, a description for screen readers and the values for the table. The threshold
lines come from the red-flag rules in force, so they follow the admin's edits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal

from ..clock import HOSPITAL_ZONE
from ..db import Database
from ..i18n import current_locale, format_region, gettext, ngettext
from ..redflags import store as redflag_store
from ..redflags.rules import LEVELS, Rule
from . import store
from .charts import Chart, Scale, build_chart, day_window
from .history import Corrections

PERIODS = (14, 30)
DEFAULT_DAYS = 14
# Enough for a few reports a day over the longest period.
MAX_REPORTS = 1000


@dataclass(frozen=True)
class Measure:
    key: str  # the diary item
    scale: Scale
    decimals: int


MEASURES = (
    Measure("pain", Scale(low=0, high=10), 0),
    # Body temperature: always show the normal range and the fever limits around it.
    Measure("temperature", Scale(min_span=2.0, default_low=36.0, default_high=39.0), 1),
    Measure("weight", Scale(min_span=1.0), 1),
)


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Row:
    when: datetime  # local time
    value: str
    client_uuid: str


@dataclass(frozen=True)
class TrendChart:
    key: str
    title: str
    description: str
    chart: Chart
    value_labels: tuple[Label, ...]
    day_labels: tuple[Label, ...]
    reference_labels: tuple[Label, ...]  # the threshold's number, at its line
    legend: tuple[tuple[str, str], ...]  # (level, "38.5 °C: call now")
    rows: tuple[Row, ...]


def chosen_days(raw: str | None) -> int:
    """The period asked for in ``?days=``; anything else gives the default."""
    return int(raw) if raw in {str(days) for days in PERIODS} else DEFAULT_DAYS


def reference_lines(rules: Sequence[Rule], item: str) -> list[tuple[float, str]]:
    """(value, level) of each threshold a comparison rule sets for this item.

    A value used by several rules gets the level of its single-reading rules when there
    are any (38.0 °C once is amber; twice within 24 hours is red).
    """
    by_value: dict[float, list[Rule]] = {}
    for rule in rules:
        if rule.item != item or rule.op not in (">=", ">", "<=", "<"):
            continue
        if isinstance(rule.value, bool) or not isinstance(rule.value, int | float):
            continue
        by_value.setdefault(float(rule.value), []).append(rule)
    lines = []
    for value, group in by_value.items():
        single = [rule for rule in group if rule.count == 1] or group
        lines.append((value, max((rule.level for rule in single), key=LEVELS.index)))
    return sorted(lines)


def _number(value: float, decimals: int) -> str:
    pattern = "0" if decimals == 0 else "0." + "0" * decimals
    return str(format_decimal(value, format=pattern, locale=current_locale()))


def _day(day: date) -> str:
    region = format_region()
    return str(format_date(day, "d MMM", locale=region))


def _title(key: str) -> str:
    titles = {
        "pain": gettext("Pain (0 to 10)"),
        "temperature": gettext("Temperature (°C)"),
        "weight": gettext("Weight (kg)"),
    }
    return titles[key]


def _with_unit(key: str, text: str) -> str:
    return {"pain": f"{text} / 10", "temperature": f"{text} °C", "weight": f"{text} kg"}[key]


def _description(measure: Measure, chart: Chart) -> str:
    period = gettext(
        "From %(first)s to %(last)s.", first=_day(chart.first_day), last=_day(chart.last_day)
    )
    if chart.is_empty:
        nothing = gettext("Nothing noted in these days.")
        return f"{period} {nothing}"
    assert chart.lowest is not None and chart.highest is not None
    lowest = _with_unit(measure.key, _number(chart.lowest, measure.decimals))
    # One value is its own sentence: a language whose "one" form also counts 21 or 31
    # (Ukrainian) needs every plural form to carry the same placeholders.
    if len(chart.points) == 1:
        count = gettext("One value, %(value)s.", value=lowest)
    else:
        count = ngettext(
            "%(num)s value, lowest %(lowest)s, highest %(highest)s.",
            "%(num)s values, lowest %(lowest)s, highest %(highest)s.",
            len(chart.points),
            lowest=lowest,
            highest=_with_unit(measure.key, _number(chart.highest, measure.decimals)),
        )
    text = f"{period} {count}"
    if chart.references:
        limits = ", ".join(
            _with_unit(measure.key, _number(line.value, measure.decimals))
            for line in chart.references
        )
        text += " " + gettext(
            "Dashed lines mark the limits in the advice: %(limits)s.", limits=limits
        )
    return text


def _level_word(level: str) -> str:
    return gettext("call now") if level == "red" else gettext("tell the team today")


def trend_chart(
    measure: Measure,
    reports: Sequence[store.Report],
    rules: Sequence[Rule],
    *,
    today: date,
    days: int,
) -> TrendChart:
    readings = [
        (report.observed_at, report.items[measure.key], report.client_uuid)
        for report in reports
        if isinstance(report.items.get(measure.key), int | float)
    ]
    chart = build_chart(
        [(when, value) for when, value, _ in readings],
        last_day=today,
        days=days,
        zone=HOSPITAL_ZONE,
        scale=measure.scale,
        references=reference_lines(rules, measure.key),
    )
    start, end = day_window(today, days, HOSPITAL_ZONE)
    step_decimals = 0 if float(chart.step).is_integer() else 1
    rows = tuple(
        Row(
            when.astimezone(HOSPITAL_ZONE),
            _with_unit(measure.key, _number(value, measure.decimals)),
            uuid,
        )
        for when, value, uuid in sorted(readings, reverse=True)
        if start <= when < end
    )
    return TrendChart(
        key=measure.key,
        title=_title(measure.key),
        description=_description(measure, chart),
        chart=chart,
        value_labels=tuple(
            Label(0, tick.y, _number(tick.value, step_decimals)) for tick in chart.value_ticks
        ),
        day_labels=tuple(
            Label(tick.label_x, 0, _day(tick.day)) for tick in chart.day_ticks if tick.labelled
        ),
        reference_labels=tuple(
            Label(chart.right + 3, line.y, _number(line.value, measure.decimals))
            for line in chart.references
        ),
        legend=tuple(
            (
                line.level,
                gettext(
                    "%(limit)s: %(advice)s",
                    limit=_with_unit(measure.key, _number(line.value, measure.decimals)),
                    advice=_level_word(line.level),
                ),
            )
            for line in chart.references
        ),
        rows=rows,
    )


async def trend_charts(db: Database, child_id: int, *, today: date, days: int) -> list[TrendChart]:
    """The three charts for one child; reports a later report corrected are left out."""
    start, _ = day_window(today, days, HOSPITAL_ZONE)
    reports = await store.select_reports_for_child(db, child_id, since=start, limit=MAX_REPORTS)
    corrections = Corrections.from_links(await store.select_correction_links(db, child_id))
    current = [report for report in reports if not corrections.is_superseded(report.client_uuid)]
    rules = await redflag_store.select_rules(db)
    return [trend_chart(measure, current, rules, today=today, days=days) for measure in MEASURES]
