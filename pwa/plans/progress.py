"""How far a child is in the treatment plan: which course, of how many, and the last
visit that began, for a doctor reading the emergency card."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .store import Plan, Visit


@dataclass(frozen=True)
class Progress:
    courses: int  # how many courses the plan holds
    course: int | None  # the course of the latest visit that began; None before the first
    last: Visit | None  # that visit
    next: Visit | None  # the first visit still to begin
    ongoing: bool  # ``last`` has not ended yet: the child is on that visit now


def progress(plan: Plan, visits: Sequence[Visit], now: datetime) -> Progress:
    """Pure: where the plan stands at ``now`` (aware). Cancelled visits never count; a
    visit counts from its start, so "course 3" begins on course 3's first day."""
    active = [visit for visit in visits if not visit.cancelled]
    begun = [visit for visit in active if visit.starts_at <= now]
    last = max(begun, key=lambda visit: visit.starts_at, default=None)
    upcoming = min(
        (visit for visit in active if visit.starts_at > now),
        key=lambda visit: visit.starts_at,
        default=None,
    )
    courses = max([plan.courses, *(visit.course_number for visit in active)])
    return Progress(
        courses=courses,
        course=last.course_number if last else None,
        last=last,
        next=upcoming,
        ongoing=last is not None and now <= last.ends_at,
    )
