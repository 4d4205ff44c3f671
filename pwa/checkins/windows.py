"""Check-in days, worked out from each child's plan whenever they are needed.

Nothing of a window is stored: the days come from the plan's stays (visits of a kind the
admin marks as a stay, pwa/plans/kinds.py) and home-medication periods under the admin's rule (rule.py), so a nurse who
moves a stay or a period moves its check-in days in the same save, and no row goes stale.
A day on which the child is in hospital for a stay is never a check-in day: the ward sees
the child itself.

Which days had a report counts every report of the child observed on that local day (any
caregiver, corrected or not, sent late from a phone's outbox or not).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .. import clock
from ..clock import HOSPITAL_ZONE
from ..db import Reader, from_db, to_db
from ..plans import store as plans
from ..plans.store import MedicationPeriod, Visit
from .rule import CheckinRule, select_rule

AFTER_STAY = "after_stay"
MEDICATION = "medication"


def _days(first: date, last: date) -> Iterable[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def checkin_days(
    rule: CheckinRule,
    visits: Iterable[Visit],
    periods: Iterable[MedicationPeriod],
    first: date,
    last: date,
) -> dict[date, str]:
    """The check-in days between ``first`` and ``last`` (included), each with why
    (``AFTER_STAY`` first, then ``MEDICATION``)."""
    found: dict[date, str] = {}
    in_hospital: set[date] = set()
    for visit in visits:
        if not visit.is_stay or visit.cancelled:
            continue
        stay_first, stay_last = visit.starts.date(), visit.ends.date()
        in_hospital.update(_days(max(stay_first, first), min(stay_last, last)))
        for day in _days(
            stay_last + timedelta(days=1), stay_last + timedelta(days=rule.after_stay_days)
        ):
            if first <= day <= last:
                found.setdefault(day, AFTER_STAY)
    for period in periods:
        if period.medicine_id in rule.medicine_ids:
            for day in _days(max(period.first_date, first), min(period.last_date, last)):
                found.setdefault(day, MEDICATION)
    return {day: why for day, why in sorted(found.items()) if day not in in_hospital}


async def days_for_child(db: Reader, child_id: int, first: date, last: date) -> dict[date, str]:
    """One child's check-in days between ``first`` and ``last``, from its plan now."""
    plan = await plans.select_plan(db, child_id)
    if plan is None:
        return {}
    rule = await select_rule(db)
    if not rule.asks_anything:
        return {}
    return checkin_days(
        rule,
        await plans.select_visits(db, plan.id),
        await plans.select_medications(db, plan.id),
        first,
        last,
    )


async def children_on(db: Reader, day: date) -> dict[int, str]:
    """Children of open records for whom ``day`` is a check-in day, with why."""
    rule = await select_rule(db)
    if not rule.asks_anything:
        return {}
    # A stay that ended in the last N days, or is under way (which rules the day out).
    visits = await db.fetch_all(
        f"""
        SELECT {plans.VISIT_COLUMNS}
          FROM visit
          JOIN treatment_plan ON treatment_plan.id = visit.plan_id
          JOIN child ON child.id = treatment_plan.child_id
          JOIN visit_kind ON visit_kind.key = visit.kind
         WHERE child.closed_at IS NULL AND visit_kind.is_stay = 1 AND visit.status != 'cancelled'
           AND visit.starts_local < :after AND visit.ends_local >= :since
        """,  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {
            "after": (day + timedelta(days=1)).isoformat(),
            "since": (day - timedelta(days=rule.after_stay_days)).isoformat(),
        },
    )
    periods = await db.fetch_all(
        """
        SELECT treatment_plan.child_id, medication_period.*
          FROM medication_period
          JOIN treatment_plan ON treatment_plan.id = medication_period.plan_id
          JOIN child ON child.id = treatment_plan.child_id
         WHERE child.closed_at IS NULL AND medication_period.first_date <= :day
           AND medication_period.last_date >= :day
           AND medication_period.medicine_id IN (SELECT value FROM json_each(:medicines))
        """,
        {"day": day.isoformat(), "medicines": json.dumps(list(rule.medicine_ids))},
    )
    per_child: dict[int, tuple[list[Visit], list[MedicationPeriod]]] = defaultdict(lambda: ([], []))
    for row in visits:
        per_child[int(row["child_id"])][0].append(Visit.from_row(row))
    for row in periods:
        per_child[int(row["child_id"])][1].append(plans.medication_from_row(row))
    found = {}
    for child_id, (child_visits, child_periods) in per_child.items():
        days = checkin_days(rule, child_visits, child_periods, day, day)
        if day in days:
            found[child_id] = days[day]
    return found


def _bounds(first: date, last: date) -> tuple[str, str]:
    """The UTC text range of the local days ``first`` to ``last`` (for observed_at)."""
    start = datetime.combine(first, time(0), tzinfo=HOSPITAL_ZONE)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=HOSPITAL_ZONE)
    return to_db(start), to_db(end)


async def reported_days(db: Reader, child_id: int, first: date, last: date) -> set[date]:
    """The local days between ``first`` and ``last`` with at least one report of the child."""
    start, end = _bounds(first, last)
    rows = await db.fetch_all(
        """
        SELECT observed_at FROM report
         WHERE child_id = :child AND observed_at >= :start AND observed_at < :end
        """,
        {"child": child_id, "start": start, "end": end},
    )
    return {clock.local(from_db(row["observed_at"])).date() for row in rows}


async def reported_on(db: Reader, child_ids: Iterable[int], day: date) -> set[int]:
    """Which of these children have a report observed on the local ``day``."""
    start, end = _bounds(day, day)
    rows = await db.fetch_all(
        """
        SELECT DISTINCT child_id FROM report
         WHERE child_id IN (SELECT value FROM json_each(:children))
           AND observed_at >= :start AND observed_at < :end
        """,
        {"children": json.dumps(sorted(child_ids)), "start": start, "end": end},
    )
    return {int(row["child_id"]) for row in rows}


@dataclass(frozen=True)
class Today:
    """Home's check-in card: today is a check-in day, and whether a report came."""

    day: date
    why: str
    done: bool


async def today_for_child(db: Reader, child_id: int, today: date) -> Today | None:
    days = await days_for_child(db, child_id, today, today)
    if today not in days:
        return None
    done = bool(await reported_on(db, [child_id], today))
    return Today(today, days[today], done)


@dataclass(frozen=True)
class Day:
    """One check-in day on the child's page for nurses."""

    day: date
    why: str
    reported: bool
    state: str  # "reported", "missed" (a past day without a report), "waiting" (today), "coming"


async def days_with_reports(
    db: Reader, child_id: int, today: date, back: int = 27, ahead: int = 7
) -> list[Day]:
    """The child's check-in days from ``back`` days ago to ``ahead`` days on, newest first,
    each with whether it had a report."""
    first, last = today - timedelta(days=back), today + timedelta(days=ahead)
    days = await days_for_child(db, child_id, first, last)
    if not days:
        return []
    reported = await reported_days(db, child_id, first, min(last, today))
    out = []
    for day, why in days.items():
        has = day in reported
        if has:
            state = "reported"
        elif day < today:
            state = "missed"
        elif day == today:
            state = "waiting"
        else:
            state = "coming"
        out.append(Day(day, why, has, state))
    return list(reversed(out))
