"""Plan arithmetic in local calendar time: generating a plan, and where a family is in it.

Dates are added as calendar days in the visit's own zone, never as hours, so a 09:00
admission stays 09:00 across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..clock import HOSPITAL_ZONE_NAME

VISIT_STATUSES = ("planned", "confirmed", "changed", "completed", "cancelled")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True)
class MedicationPeriodRule:
    """A home-medication period as days of a course, e.g. isotretinoin on days 19-32."""

    name: str
    first_day: int
    last_day: int


@dataclass(frozen=True)
class ShortVisitRule:
    """A short visit of the template, e.g. a hearing test on day -6 of course 1 (a week
    before it starts) at 10:00 for 60 minutes; day 1 is the course's first day."""

    kind: str
    course: int
    day: int
    at: time
    minutes: int


@dataclass(frozen=True)
class PlanTemplate:
    courses: int = 5
    spacing_days: int = 35
    visit_kind: str = "admission"
    visit_days: int = 7
    start_time: time = time(9, 0)
    end_time: time = time(17, 0)
    time_zone: str = HOSPITAL_ZONE_NAME
    location: str = ""
    medication_periods: tuple[MedicationPeriodRule, ...] = field(
        default=(MedicationPeriodRule("isotretinoin", 19, 32),)
    )
    short_visits: tuple[ShortVisitRule, ...] = ()


@dataclass(frozen=True)
class PlannedVisit:
    course_number: int
    kind: str
    starts: datetime  # naive local time, in ``time_zone``
    ends: datetime
    time_zone: str
    location: str
    title: str = ""


@dataclass(frozen=True)
class PlannedMedication:
    course_number: int
    name: str
    first_date: date
    last_date: date


def generate(
    template: PlanTemplate, start: date
) -> tuple[list[PlannedVisit], list[PlannedMedication]]:
    """The visits and medication periods of a new plan starting on ``start`` (day 1)."""
    visits: list[PlannedVisit] = []
    medications: list[PlannedMedication] = []
    for index in range(template.courses):
        course_start = start + timedelta(days=index * template.spacing_days)
        visits.append(
            PlannedVisit(
                course_number=index + 1,
                kind=template.visit_kind,
                starts=datetime.combine(course_start, template.start_time),
                ends=datetime.combine(
                    course_start + timedelta(days=template.visit_days - 1), template.end_time
                ),
                time_zone=template.time_zone,
                location=template.location,
            )
        )
        for rule in template.medication_periods:
            medications.append(
                PlannedMedication(
                    course_number=index + 1,
                    name=rule.name,
                    first_date=course_start + timedelta(days=rule.first_day - 1),
                    last_date=course_start + timedelta(days=rule.last_day - 1),
                )
            )
    for short in template.short_visits:
        if short.course > template.courses:
            continue
        day = start + timedelta(days=(short.course - 1) * template.spacing_days + short.day - 1)
        starts = datetime.combine(day, short.at)
        visits.append(
            PlannedVisit(
                course_number=short.course,
                kind=short.kind,
                starts=starts,
                ends=starts + timedelta(minutes=short.minutes),
                time_zone=template.time_zone,
                location="",
            )
        )
    return visits, medications


def to_local_text(moment: datetime) -> str:
    return moment.strftime(LOCAL_FORMAT)


def from_local_text(text: str) -> datetime:
    return datetime.strptime(text, LOCAL_FORMAT)


def aware(local: datetime, zone: str) -> datetime:
    """A stored local wall-clock time as an aware moment in its zone."""
    return local.replace(tzinfo=ZoneInfo(zone))


def overlapping(
    starts: datetime,
    ends: datetime,
    others: list[tuple[int, datetime, datetime]],
    ignore_id: int | None = None,
) -> list[int]:
    """Ids of other visits (aware start/end) that overlap this one."""
    return [
        other_id
        for other_id, other_start, other_end in others
        if other_id != ignore_id and other_start < ends and starts < other_end
    ]


def days_until(today: date, day: date) -> int:
    return (day - today).days


def stay_day(today: date, first: date, last: date) -> tuple[int, int] | None:
    """(day n, of total) when ``today`` falls within a stay, else None."""
    if first <= today <= last:
        return (today - first).days + 1, (last - first).days + 1
    return None
