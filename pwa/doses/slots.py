"""Which doses a day holds, and what was recorded for each: the home card, the family's
dose list and the nurse's adherence table all read them from here.

A dose time ("slot") is a medicine's period, a local day and a time of the family's dose
times for that day. A dose recorded at a time that is no longer among the dose times
still shows, at its own time: nothing recorded is ever hidden.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..clock import HOSPITAL_ZONE
from ..db import Reader
from ..plans import store as plans
from ..plans.store import MedicationPeriod
from . import medicines, store, times
from .medicines import Medicine
from .store import OUTCOMES, TAKEN, Dose
from .times import Schedule

NOT_RECORDED = "not_recorded"


@dataclass(frozen=True)
class Slot:
    period_id: int
    day: date
    time: time
    doses: tuple[Dose, ...] = ()

    @property
    def moment(self) -> datetime:
        return datetime.combine(self.day, self.time, tzinfo=HOSPITAL_ZONE)

    @property
    def recorded(self) -> bool:
        return bool(self.doses)

    @property
    def given_twice(self) -> bool:
        """Two records say the medicine went in: it may have been given twice."""
        return sum(dose.outcome in TAKEN for dose in self.doses) > 1

    def missing(self, now: datetime) -> bool:
        """Its time has passed and nobody recorded it."""
        return not self.doses and self.moment <= now


@dataclass(frozen=True)
class PeriodDoses:
    """One home-medication period with its medicine and the dose times of some of its days."""

    period: MedicationPeriod
    medicine: Medicine
    schedule: Schedule
    days: tuple[tuple[date, tuple[Slot, ...]], ...]

    @property
    def times(self) -> tuple[time, ...]:
        """Every time any of these days has, for a table's columns."""
        return tuple(sorted({slot.time for _, slots in self.days for slot in slots}))

    def slot(self, day: date, at: time) -> Slot | None:
        for slot_day, slots in self.days:
            if slot_day == day:
                return next((slot for slot in slots if slot.time == at), None)
        return None

    def open_on(self, day: date) -> bool:
        """A dose time of ``day`` that nobody noted (say the last evening of the period)."""
        return any(
            not slot.recorded for slot_day, slots in self.days if slot_day == day for slot in slots
        )

    def counts(self, now: datetime) -> dict[str, int]:
        """How many records of each outcome, and how many past dose times have none."""
        found = Counter(dose.outcome for _, slots in self.days for s in slots for dose in s.doses)
        counts = {outcome: found.get(outcome, 0) for outcome in OUTCOMES}
        counts[NOT_RECORDED] = sum(s.missing(now) for _, slots in self.days for s in slots)
        return counts


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def build(
    period: MedicationPeriod,
    medicine: Medicine,
    schedule: Schedule,
    doses: list[Dose],
    first: date,
    last: date,
) -> PeriodDoses:
    """Pure: the period's dose times on its days within [first, last], each with its doses."""
    mine = [dose for dose in doses if dose.period_id == period.id]
    days = []
    for day in _days(max(first, period.first_date), min(last, period.last_date)):
        recorded = [dose for dose in mine if dose.day == day]
        moments = sorted(set(schedule.on(day)) | {dose.time for dose in recorded})
        days.append(
            (
                day,
                tuple(
                    Slot(period.id, day, at, tuple(d for d in recorded if d.time == at))
                    for at in moments
                ),
            )
        )
    return PeriodDoses(period, medicine, schedule, tuple(days))


async def load(
    db: Reader,
    child_id: int,
    first: date | None = None,
    last: date | None = None,
    known: list[MedicationPeriod] | None = None,
) -> list[PeriodDoses]:
    """The child's periods with a medicine that overlap [first, last] (None: every day of
    each period), in date order; ``known`` are the child's periods when the caller has
    read them already."""
    if known is None:
        plan = await plans.select_plan(db, child_id)
        known = await plans.select_medications(db, plan.id) if plan else []
    periods = [
        period
        for period in known
        if period.medicine_id is not None
        and (first is None or period.last_date >= first)
        and (last is None or period.first_date <= last)
    ]
    if not periods:
        return []
    named = await medicines.select_by_ids(db, {p.medicine_id for p in periods if p.medicine_id})
    schedules = await times.select_schedules(db, child_id)
    doses = await store.select_for_child(db, child_id, first, last)
    return [
        build(
            period,
            named[period.medicine_id],
            schedules.get(period.medicine_id, Schedule()),
            doses,
            first or period.first_date,
            last or period.last_date,
        )
        for period in periods
        if period.medicine_id in named
    ]
