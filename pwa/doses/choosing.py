"""The family chooses its dose times: saved for the child, this caregiver's reminders
switched on or off, and the reminders planned again in the same transaction, so a
reminder never sounds at a time the family no longer gives the medicine."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from ..db import Transaction
from ..notifications import jobs, planner
from ..notifications import store as notifications
from ..plans import store as plans
from . import times


async def save_reminders(tx: Transaction, caregiver_id: int, remind: bool) -> None:
    """This caregiver's own choice: a push at the dose times, or none."""
    preference = await notifications.select_preference(tx, caregiver_id)
    if preference.dose_reminders == remind:
        return
    await notifications.save_preference(
        tx, caregiver_id, replace(preference, dose_reminders=remind)
    )
    if not remind:
        await jobs.cancel_jobs_for_recipient(tx, caregiver_id, "medication")


async def choose(
    tx: Transaction,
    *,
    child_id: int,
    medicine_id: int,
    chosen: tuple[time, ...],
    caregiver_id: int,
    today: date,
) -> date | None:
    """Save new dose times for one medicine of a child; the day they apply from, or None
    when they are the times that apply already."""
    schedules = await times.select_schedules(tx, child_id)
    current = schedules.get(medicine_id, times.Schedule())
    from_day = await times.first_day_for_change(tx, child_id, medicine_id, today)
    if current.on(from_day) == chosen and (current.chosen or not chosen):
        return None
    await times.save(
        tx,
        child_id=child_id,
        medicine_id=medicine_id,
        from_day=from_day,
        times=chosen,
        by=caregiver_id,
    )
    plan = await plans.select_plan(tx, child_id)
    periods = await plans.select_medications(tx, plan.id) if plan else []
    await planner.replan_dose_times(
        tx, [period.id for period in periods if period.medicine_id == medicine_id], from_day
    )
    return from_day
