"""Moving courses: how far apart courses start, and moving the later ones along.

A course starts with its earliest visit that is not cancelled nor short. The template says how
many days should lie between one course's start and the next (``spacing_days``); a move
that brings two courses closer than that is shown to the nurse before it is saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import pairwise

from .. import audit
from ..db import Transaction
from . import changes
from .store import Visit


@dataclass(frozen=True)
class TooClose:
    """Two consecutive courses whose starts would lie ``days`` apart, under the spacing."""

    earlier: int
    later: int
    days: int


def course_starts(visits: Iterable[Visit]) -> dict[int, date]:
    """The first day of each course, from its active visits planned by dates (a short
    visit such as a hearing test a week before course 1 does not start the course)."""
    starts: dict[int, date] = {}
    for visit in visits:
        if visit.cancelled or visit.short:
            continue
        day = visit.starts.date()
        if visit.course_number not in starts or day < starts[visit.course_number]:
            starts[visit.course_number] = day
    return starts


def _gaps(starts: dict[int, date]) -> dict[tuple[int, int], int]:
    courses = sorted(starts)
    return {(a, b): (starts[b] - starts[a]).days for a, b in pairwise(courses)}


def too_close(
    visits: list[Visit], moved: Visit, new_start: datetime, spacing: int
) -> list[TooClose]:
    """Pairs of courses the move brings closer together than ``spacing`` days."""
    before = _gaps(course_starts(visits))
    after = _gaps(
        course_starts(
            replace(visit, starts=new_start) if visit.id == moved.id else visit for visit in visits
        )
    )
    return [
        TooClose(pair[0], pair[1], days)
        for pair, days in after.items()
        if days < spacing and days < before.get(pair, spacing)
    ]


def later_visits(visits: list[Visit], moved: Visit) -> list[Visit]:
    """The active visits of every course after the moved visit's course."""
    return [
        visit
        for visit in visits
        if not visit.cancelled and visit.course_number > moved.course_number
    ]


def shifted(visit: Visit, days: int) -> Visit:
    """The visit ``days`` calendar days later (local wall-clock times stay as they are)."""
    step = timedelta(days=days)
    return replace(visit, starts=visit.starts + step, ends=visit.ends + step)


async def move_later(
    tx: Transaction,
    visits: list[Visit],
    days: int,
    actor_id: int,
    *,
    moved: Visit,
) -> None:
    """Move these visits (and so their medication periods) along by ``days``, each audited;
    the family is told once, by the change that asked for it."""
    courses = sorted({visit.course_number for visit in visits})
    await audit.record(
        tx,
        actor_id=actor_id,
        action="plan.courses_moved",
        child_id=moved.child_id,
        detail=(
            f"courses {', '.join(map(str, courses))} moved {days:+d} days "
            f"with course {moved.course_number} (visit {moved.id})"
        ),
    )
    for visit in visits:
        later = shifted(visit, days)
        await changes.change_visit(
            tx,
            visit,
            changes.VisitDraft(
                visit.course_number,
                visit.kind,
                later.starts,
                later.ends,
                visit.time_zone,
                visit.location,
                visit.family_note,
                visit.status,
                visit.title,
            ),
            actor_id,
            notify=False,
        )
