"""Doses at home the short way: a medicine's id, the family's dose times, a dose as the
phone's outbox sends it, and a batch post."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from pwa.clock import utcnow
from pwa.db import Database, Transaction
from pwa.doses import times
from pwa.notifications import store as notifications
from tests.helpers.reports import SAME_ORIGIN


async def medicine_id(db: Database | Transaction, key: str = "isotretinoin") -> int:
    row = await db.fetch_one("SELECT id FROM home_medicine WHERE key = ?", (key,))
    assert row is not None, key
    return int(row["id"])


async def choose_dose_times(
    tx: Transaction,
    child_id: int,
    caregiver_id: int,
    *at: time,
    key: str = "isotretinoin",
    from_day: date = times.ALWAYS,
    remind: bool = True,
) -> None:
    """The family's dose times for one medicine, and this caregiver's reminders at them."""
    await times.save(
        tx,
        child_id=child_id,
        medicine_id=await medicine_id(tx, key),
        from_day=from_day,
        times=at,
        by=caregiver_id,
    )
    await notifications.save_preference(
        tx, caregiver_id, notifications.Preference(dose_reminders=remind)
    )


async def period_id(db: Database, child_id: int, course: int = 1) -> int:
    row = await db.fetch_one(
        """
        SELECT medication_period.id FROM medication_period
          JOIN treatment_plan ON treatment_plan.id = medication_period.plan_id
         WHERE treatment_plan.child_id = ? AND medication_period.course_number = ?
        """,
        (child_id, course),
    )
    assert row is not None
    return int(row["id"])


def dose(
    child_id: int, period: int, day: date, at: str = "08:00", **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "child_id": child_id,
        "period_id": period,
        "day": day.isoformat(),
        "time": at,
        "outcome": "given",
        "note": "",
        "recorded_at": utcnow().isoformat(),
    }
    body.update(overrides)
    return body


async def post_doses(client: Any, *doses: Any, headers: Any = None) -> Any:
    return await client.post(
        "/api/doses", json={"doses": list(doses)}, headers=headers or SAME_ORIGIN
    )


def moment(day: date, at: str, zone: Any) -> datetime:
    return datetime.combine(day, time.fromisoformat(at), tzinfo=zone)
