"""The demo family's doses at home: isotretinoin at 08:00 and 20:00 in course 1's period,
noted by the parent up to yesterday, one vomited and one missed, so the nurse's adherence
table has something to show. The period runs on until the day before course 2's stay, so
today has doses to note and is a check-in day. The prescription is demo text only.

Doses go through ``sync.store_draft`` like any phone's; ids follow from the demo's
``today`` alone, so ``pwa demo --today`` builds the same doses every time.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from ..clock import HOSPITAL_ZONE
from ..db import Database
from ..plans import course_store
from ..plans import store as plans
from . import times
from .sync import Draft, store_draft

DEMO_NAMESPACE = uuid.UUID("0c6f3b1e-2d7a-4b59-8e41-9a5d7c2f1b63")
DEMO_TIMES = (time(8, 0), time(20, 0))
DEMO_PRESCRIPTION = "20 mg twice a day with food (demo)"
# Days ago and time of the doses that did not go as planned.
UNUSUAL = {(5, time(20, 0)): ("vomited", "Straight after dinner."), (9, time(8, 0)): ("missed", "")}


async def add_demo_doses(
    db: Database, *, child_id: int, caregiver_id: int, today: date, until: date
) -> None:
    """``until``: the last day of course 1's period (the shipped template ends it earlier)."""
    plan = await plans.select_plan(db, child_id)
    periods = await plans.select_medications(db, plan.id) if plan else []
    period = next((p for p in periods if p.course_number == 1 and p.medicine_id), None)
    if period is None or period.medicine_id is None:
        return
    async with db.transaction() as tx:
        # As the plan was made, not a change: no "dates changed" news for the family.
        await tx.execute(
            "UPDATE medication_period SET last_date = :until WHERE id = :id",
            {"until": until.isoformat(), "id": period.id},
        )
        for each in periods:
            await course_store.update_prescription(tx, each.id, each.medicine_id, DEMO_PRESCRIPTION)
        await times.save(
            tx,
            child_id=child_id,
            medicine_id=period.medicine_id,
            from_day=times.ALWAYS,
            times=DEMO_TIMES,
            by=caregiver_id,
        )
    day = period.first_date
    while day <= min(until, today - timedelta(days=1)):
        for at in DEMO_TIMES:
            outcome, note = UNUSUAL.get(((today - day).days, at), ("given", ""))
            moment = datetime.combine(day, at, tzinfo=HOSPITAL_ZONE)
            draft = Draft(
                str(uuid.uuid5(DEMO_NAMESPACE, f"{today}:{day}:{at}")),
                child_id,
                period.id,
                day,
                at,
                outcome,
                note,
                moment + timedelta(minutes=10),
            )
            await store_draft(db, draft, caregiver_id)
        day += timedelta(days=1)
