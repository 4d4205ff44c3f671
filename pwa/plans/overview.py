"""Where a family is in the plan right now: the stay in progress, the next visit,
what changed since they last looked, and whether the treatment is finished."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..clock import HOSPITAL_ZONE_NAME
from ..db import Reader
from . import course_store, store
from .course_store import PlanChange
from .schedule import from_local_text, stay_day
from .store import MedicationPeriod, Plan, Visit


@dataclass(frozen=True)
class Overview:
    plan: Plan | None
    visits: list[Visit]
    medications: list[MedicationPeriod]
    current: Visit | None
    current_day: tuple[int, int] | None
    next: Visit | None
    days_until_next: int | None
    changed: list[Visit]
    today: date
    changed_medications: list[MedicationPeriod] = field(default_factory=list)
    history: list[PlanChange] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.changed or self.changed_medications)

    @property
    def change_list(self) -> list[Visit | MedicationPeriod]:
        """Changed visits and periods in course order, each course's visit first."""
        items: list[Visit | MedicationPeriod] = [*self.changed, *self.changed_medications]
        return sorted(
            items, key=lambda item: (item.course_number, isinstance(item, MedicationPeriod))
        )

    def visit_was(self, visit: Visit) -> datetime | None:
        """Where a changed visit started when the family last looked, if it moved since."""
        for change in self.history:
            if change.visit_id == visit.id:
                was = from_local_text(change.was_first)
                return was if was != visit.starts else None
        return None

    def medication_was(self, period: MedicationPeriod) -> tuple[date, date] | None:
        """A changed period's dates when the family last looked, if they differ now."""
        for change in self.history:
            if change.medication_period_id == period.id:
                was = (date.fromisoformat(change.was_first), date.fromisoformat(change.was_last))
                return was if was != (period.first_date, period.last_date) else None
        return None

    @property
    def finished(self) -> bool:
        return bool(self.plan and self.visits and self.current is None and self.next is None)

    @property
    def courses(self) -> int:
        return max((visit.course_number for visit in self.visits), default=0)

    @property
    def active_medication(self) -> MedicationPeriod | None:
        return next(
            (m for m in self.medications if m.first_date <= self.today <= m.last_date), None
        )

    def is_past(self, visit: Visit, now: datetime) -> bool:
        return visit.ends_at < now

    def next_change(self, now: datetime) -> datetime:
        """The first moment after ``now`` at which this overview reads differently."""
        return next_change(
            now,
            {HOSPITAL_ZONE_NAME, *(visit.time_zone for visit in self.visits)},
            [moment for visit in self.visits for moment in (visit.starts_at, visit.ends_at)],
        )


def next_change(now: datetime, zones: Iterable[str], moments: Iterable[datetime]) -> datetime:
    """The next midnight in any of the zones, or the next of these moments, whichever
    comes first: "today", countdowns and "day x of y" change then, and nothing else does."""
    candidates = [moment for moment in moments if moment > now]
    for name in zones:
        zone = ZoneInfo(name)
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        candidates.append(datetime.combine(tomorrow, time(0), tzinfo=zone).astimezone(UTC))
    return min(candidates)


def build(
    plan: Plan | None,
    visits: list[Visit],
    medications: list[MedicationPeriod],
    seen_at: datetime | None,
    now: datetime,
    history: list[PlanChange] | None = None,
) -> Overview:
    """Pure: the family's view of the plan at ``now`` (aware); ``history`` holds what
    changed items were when the family last looked."""
    active = [visit for visit in visits if not visit.cancelled]
    # "Day x of y" is for a visit planned by dates; a scan this morning is not a stay.
    current = next(
        (visit for visit in active if not visit.short and visit.starts_at <= now <= visit.ends_at),
        None,
    )
    upcoming = [visit for visit in active if visit.starts_at > now]
    next_visit = min(upcoming, key=lambda visit: visit.starts_at, default=None)
    # "Today" is the day in the zone of the visit that matters now (the home zone if none).
    anchor = next_visit or current or (visits[0] if visits else None)
    zone = ZoneInfo(anchor.time_zone if anchor else HOSPITAL_ZONE_NAME)
    today = now.astimezone(zone).date()
    current_day = stay_day(today, current.starts.date(), current.ends.date()) if current else None
    days_until = (
        (next_visit.starts.date() - now.astimezone(ZoneInfo(next_visit.time_zone)).date()).days
        if next_visit
        else None
    )
    changed = [
        visit
        for visit in visits
        if visit.changed_at is not None
        and seen_at is not None
        and visit.changed_at > seen_at
        and visit.ends_at >= now
    ]
    changed_medications = [
        period
        for period in medications
        if period.changed_at is not None
        and seen_at is not None
        and period.changed_at > seen_at
        and period.last_date >= today
    ]
    return Overview(
        plan,
        visits,
        medications,
        current,
        current_day,
        next_visit,
        days_until,
        changed,
        today,
        changed_medications,
        history or [],
    )


async def for_family(db: Reader, caregiver_id: int, child_id: int, now: datetime) -> Overview:
    plan = await store.select_plan(db, child_id)
    if plan is None:
        return build(None, [], [], None, now)
    visits = await store.select_visits(db, plan.id)
    medications = await store.select_medications(db, plan.id)
    seen_at = await store.select_seen_at(db, caregiver_id, child_id)
    history = await course_store.select_changes_since(db, plan.id, seen_at) if seen_at else []
    return build(plan, visits, medications, seen_at, now, history)


async def for_staff(db: Reader, child_id: int, now: datetime) -> Overview:
    plan = await store.select_plan(db, child_id)
    if plan is None:
        return build(None, [], [], None, now)
    return build(
        plan,
        await store.select_visits(db, plan.id),
        await store.select_medications(db, plan.id),
        None,
        now,
    )
