"""The family's dose times: the only module that writes ``dose_schedule``.

Dose times belong to a child and a medicine, not to one caregiver, so both parents see
the same doses and the nurse the same slots. A change applies from a day on and the
days before keep their times: the record of a past day never moves. When a dose of that
medicine was already recorded today, new times start tomorrow, so today's list never
gains a dose that was in fact given already.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, time, timedelta

from ..db import Reader, Transaction, now_text

MAX_TIMES = 6
# The day before any plan: times carried over from the older reminder settings apply to
# every day.
ALWAYS = date(1, 1, 1)


@dataclass(frozen=True)
class Schedule:
    """One medicine's dose times for one child over time: (from day, times), oldest first."""

    changes: tuple[tuple[date, tuple[time, ...]], ...] = ()

    def on(self, day: date) -> tuple[time, ...]:
        """The dose times that apply on ``day`` (none before the family chose any)."""
        found: tuple[time, ...] = ()
        for from_day, times in self.changes:
            if from_day <= day:
                found = times
        return found

    @property
    def chosen(self) -> bool:
        return bool(self.changes)


def parse_times(text: str) -> tuple[time, ...]:
    return tuple(sorted(time.fromisoformat(value) for value in json.loads(text)))


async def select_schedules(db: Reader, child_id: int) -> dict[int, Schedule]:
    """Every medicine's schedule for a child, by medicine id."""
    rows = await db.fetch_all(
        """
        SELECT medicine_id, from_day, times FROM dose_schedule
         WHERE child_id = :child ORDER BY medicine_id, from_day
        """,
        {"child": child_id},
    )
    changes: dict[int, list[tuple[date, tuple[time, ...]]]] = {}
    for row in rows:
        changes.setdefault(int(row["medicine_id"]), []).append(
            (date.fromisoformat(row["from_day"]), parse_times(row["times"]))
        )
    return {medicine: Schedule(tuple(items)) for medicine, items in changes.items()}


async def recorded_on(db: Reader, child_id: int, medicine_id: int, day: date) -> bool:
    row = await db.fetch_one(
        """
        SELECT 1 FROM dose
         WHERE child_id = :child AND medicine_id = :medicine AND slot_day = :day LIMIT 1
        """,
        {"child": child_id, "medicine": medicine_id, "day": day.isoformat()},
    )
    return row is not None


async def first_day_for_change(db: Reader, child_id: int, medicine_id: int, today: date) -> date:
    """Today, unless a dose of this medicine was recorded today: then tomorrow."""
    if await recorded_on(db, child_id, medicine_id, today):
        return today + timedelta(days=1)
    return today


async def save(
    tx: Transaction,
    *,
    child_id: int,
    medicine_id: int,
    from_day: date,
    times: tuple[time, ...],
    by: int,
) -> None:
    """New dose times from ``from_day`` on; a later change planned before is replaced."""
    await tx.execute(
        "DELETE FROM dose_schedule WHERE child_id = :child AND medicine_id = :medicine AND from_day > :day",
        {"child": child_id, "medicine": medicine_id, "day": from_day.isoformat()},
    )
    await tx.execute(
        """
        INSERT INTO dose_schedule (child_id, medicine_id, from_day, times, set_by, set_at)
        VALUES (:child, :medicine, :day, :times, :by, :now)
        ON CONFLICT (child_id, medicine_id, from_day) DO UPDATE SET
            times = excluded.times, set_by = excluded.set_by, set_at = excluded.set_at
        """,
        {
            "child": child_id,
            "medicine": medicine_id,
            "day": from_day.isoformat(),
            "times": json.dumps([moment.strftime("%H:%M") for moment in sorted(times)]),
            "by": by,
            "now": now_text(),
        },
    )
