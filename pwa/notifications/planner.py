"""Planning notification jobs, always inside the transaction of the change that causes them.

Reminder due times are local calendar times in the visit's zone ("1 day before at 18:00"),
so they stay at 18:00 across daylight-saving changes.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .. import clock
from ..checkins import windows as checkin_windows
from ..clock import HOSPITAL_ZONE_NAME, utcnow
from ..db import Reader, Transaction
from ..plans import kinds
from . import jobs, store
from .jobs import About

CHANGE_NOTICE_USEFUL = timedelta(hours=48)
RED_ALERT_USEFUL = timedelta(hours=2)
MEDICATION_USEFUL = timedelta(hours=3)
TEST_USEFUL = timedelta(hours=1)
# A check-in reminder is useful for a few hours after its time, never past the day's end.
CHECKIN_USEFUL = timedelta(hours=3)
CHECKIN_KIND = "checkin"


def reminder_kind(days_before: int, at: str) -> str:
    return f"visit_reminder:{days_before}:{at}"


@dataclass(frozen=True)
class Recipient:
    """Who hears about a child's visits, how, and at what time they want the reminders
    "1 day before" (None: the hospital's time)."""

    account_id: int
    channel: str
    reminder_time: time | None


async def _caregivers(db: Reader, child_id: int) -> list[Recipient]:
    """Each caregiver with reminders on, by push; each who switched e-mail reminders on,
    by e-mail too (``jobs.PUSH``/``EMAIL``)."""
    rows = await db.fetch_all(
        """
        SELECT caregiver_child.caregiver_id AS id,
               COALESCE(notification_preference.reminders_enabled, 1) AS push,
               COALESCE(notification_preference.email_reminders, 0) AS email,
               notification_preference.reminder_time
          FROM caregiver_child
          JOIN account ON account.id = caregiver_child.caregiver_id
          LEFT JOIN notification_preference ON notification_preference.account_id = account.id
         WHERE caregiver_child.child_id = :child_id AND account.disabled_at IS NULL
         ORDER BY caregiver_child.caregiver_id
        """,
        {"child_id": child_id},
    )
    return [
        Recipient(
            int(row["id"]),
            channel,
            time.fromisoformat(row["reminder_time"]) if row["reminder_time"] else None,
        )
        for channel, column in ((jobs.PUSH, "push"), (jobs.EMAIL, "email"))
        for row in rows
        if row[column]
    ]


async def _visit(db: Reader, visit_id: int) -> sqlite3.Row | None:
    return await db.fetch_one(
        """
        SELECT visit.id, visit.starts_local, visit.time_zone, visit.status, treatment_plan.child_id,
               treatment_plan.revision, visit_kind.reminders
          FROM visit JOIN treatment_plan ON treatment_plan.id = visit.plan_id
          JOIN visit_kind ON visit_kind.key = visit.kind
         WHERE visit.id = :id
        """,
        {"id": visit_id},
    )


async def _offsets(db: Reader, visit: sqlite3.Row) -> tuple[kinds.Offset, ...]:
    """The visit's kind's reminders, or the hospital's reminder times when it has none."""
    own = kinds.reminders_from_json(visit["reminders"])
    return own if own is not None else tuple(await store.select_offsets(db))


def _reminder_at(days_before: int, at: time, recipient: Recipient) -> time:
    """The "day before" reminder comes at the caregiver's own time when they chose one."""
    if days_before == 1 and recipient.reminder_time is not None:
        return recipient.reminder_time
    return at


async def plan_visit(tx: Transaction, visit_id: int, *, changed: bool) -> None:
    """(Re)plan a visit's reminders; after a change also tell the family it changed.

    Reminders of the current plan revision that are no longer wanted (an offset the
    admin removed, a caregiver's new reminder time, a cancelled visit) are cancelled;
    wanted ones that were cancelled before come back (``jobs.insert``)."""
    visit = await _visit(tx, visit_id)
    if visit is None:
        return
    about = About(visit_id=visit_id)
    revision = int(visit["revision"])
    await jobs.cancel_visit_jobs(tx, visit_id, "visit_reminder", before_revision=revision)
    now = utcnow()
    zone = ZoneInfo(visit["time_zone"])
    starts = datetime.fromisoformat(visit["starts_local"]).replace(tzinfo=zone)
    recipients = await _caregivers(tx, visit["child_id"])
    wanted: list[jobs.Planned] = []
    if visit["status"] != "cancelled" and starts > now:
        for days_before, offset_at in await _offsets(tx, visit):
            due_day: date = starts.date() - timedelta(days=days_before)
            for recipient in recipients:
                at = _reminder_at(days_before, offset_at, recipient)
                due = datetime.combine(due_day, at, tzinfo=zone)
                if now < due < starts:
                    wanted.append(
                        jobs.Planned(
                            reminder_kind(days_before, at.strftime("%H:%M")),
                            recipient.account_id,
                            recipient.channel,
                            due,
                        )
                    )
    await jobs.cancel_visit_reminders_except(tx, visit_id, revision, wanted)
    for job in wanted:
        await jobs.insert(
            tx,
            kind=job.kind,
            about=about,
            revision=revision,
            recipient_id=job.recipient_id,
            due_at=job.due_at,
            expires_at=starts,
            channel=job.channel,
        )
    if changed:
        await jobs.cancel_visit_jobs(tx, visit_id, "visit_changed", before_revision=revision)
        for recipient in recipients:
            await jobs.insert(
                tx,
                kind="visit_changed",
                about=about,
                revision=revision,
                recipient_id=recipient.account_id,
                due_at=now,
                expires_at=now + CHANGE_NOTICE_USEFUL,
                channel=recipient.channel,
            )


async def plan_whole_plan(tx: Transaction, plan_id: int) -> None:
    visit_ids = [
        int(row[0])
        for row in await tx.fetch_all("SELECT id FROM visit WHERE plan_id = :id", {"id": plan_id})
    ]
    for visit_id in visit_ids:
        await plan_visit(tx, visit_id, changed=False)


async def plan_for_child(tx: Transaction, child_id: int) -> None:
    """Re-plan every visit of a child, e.g. when a caregiver joins or changes preferences;
    the unique key keeps jobs that already exist from being doubled."""
    visit_ids = [
        int(row[0])
        for row in await tx.fetch_all(
            "SELECT visit.id FROM visit JOIN treatment_plan ON treatment_plan.id = visit.plan_id WHERE treatment_plan.child_id = :c",
            {"c": child_id},
        )
    ]
    for visit_id in visit_ids:
        await plan_visit(tx, visit_id, changed=False)


async def alert_nurses_of_red_report(tx: Transaction, report_id: int) -> None:
    now = utcnow()
    nurses = [
        int(row[0])
        for row in await tx.fetch_all(
            """
        SELECT account.id FROM account
          JOIN notification_preference ON notification_preference.account_id = account.id
         WHERE account.role IN ('nurse', 'admin') AND account.disabled_at IS NULL
           AND notification_preference.red_alerts = 1
        """
        )
    ]
    await jobs.insert_for_each(
        tx,
        nurses,
        kind="red_report",
        about=About(report_id=report_id),
        due_at=now,
        expires_at=now + RED_ALERT_USEFUL,
    )


async def plan_medication_reminders(
    tx: Transaction,
    day: date,
    zone: str = HOSPITAL_ZONE_NAME,
    *,
    period_id: int | None = None,
) -> None:
    """A reminder at each of the child's dose times on ``day`` (the family's choice,
    pwa/doses/times.py) to each caregiver who asked for dose reminders (only for one period
    when ``period_id`` is given): by push while reminders are on, and by e-mail too for a
    caregiver who switched e-mail reminders on, as for visits."""
    rows = await tx.fetch_all(
        """
        SELECT notification_preference.account_id, medication_period.id AS period_id,
               notification_preference.reminders_enabled AS push,
               notification_preference.email_reminders AS email,
               (SELECT dose_schedule.times FROM dose_schedule
                 WHERE dose_schedule.child_id = treatment_plan.child_id
                   AND dose_schedule.medicine_id = medication_period.medicine_id
                   AND dose_schedule.from_day <= :day
                 ORDER BY dose_schedule.from_day DESC LIMIT 1) AS times
          FROM notification_preference
          JOIN caregiver_child ON caregiver_child.caregiver_id = notification_preference.account_id
          JOIN child ON child.id = caregiver_child.child_id
          JOIN treatment_plan ON treatment_plan.child_id = caregiver_child.child_id
          JOIN medication_period ON medication_period.plan_id = treatment_plan.id
         WHERE notification_preference.dose_reminders = 1 AND child.closed_at IS NULL
           AND (notification_preference.reminders_enabled = 1
                OR notification_preference.email_reminders = 1)
           AND medication_period.medicine_id IS NOT NULL
           AND medication_period.first_date <= :day AND medication_period.last_date >= :day
           AND (:period_id IS NULL OR medication_period.id = :period_id)
        """,
        {"day": day.isoformat(), "period_id": period_id},
    )
    # A dose someone recorded already (given early) gets no reminder: it could be given twice.
    recorded = {
        (int(row["medication_period_id"]), row["slot_time"])
        for row in await tx.fetch_all(
            """
            SELECT medication_period_id, slot_time FROM dose
             WHERE medication_period_id IN (SELECT value FROM json_each(:periods))
               AND slot_day = :day
            """,
            {"day": day.isoformat(), "periods": json.dumps(sorted({r["period_id"] for r in rows}))},
        )
    }
    now = utcnow()
    for row in rows:
        channels = [jobs.PUSH] * bool(row["push"]) + [jobs.EMAIL] * bool(row["email"])
        for at in json.loads(row["times"] or "[]"):
            due = datetime.combine(day, time.fromisoformat(at), tzinfo=ZoneInfo(zone))
            if due < now - MEDICATION_USEFUL or (int(row["period_id"]), at) in recorded:
                continue
            for channel in channels:
                await jobs.insert(
                    tx,
                    kind=f"medication:{at}",
                    about=About(medication_period_id=int(row["period_id"]), medication_day=day),
                    revision=1,
                    recipient_id=int(row["account_id"]),
                    due_at=due,
                    expires_at=due + MEDICATION_USEFUL,
                    channel=channel,
                )


async def replan_dose_times(tx: Transaction, period_ids: list[int], first: date) -> None:
    """After the family changed its dose times from ``first`` on: reminders planned at the
    old times for those days never go out, and today's and tomorrow's follow the new ones."""
    await jobs.cancel_medication_jobs_from(tx, period_ids, first)
    today = clock.today()
    for period_id in period_ids:
        for day in (today, today + timedelta(days=1)):
            if day >= first:
                await plan_medication_reminders(tx, day, period_id=period_id)


async def replan_medication(tx: Transaction, period_id: int, first: date, last: date) -> None:
    """After a period moved: its reminders for days it left never go out, and those for
    today and tomorrow (the days the sender plans ahead) follow the new dates now."""
    await jobs.cancel_medication_jobs_outside(tx, period_id, first, last)
    today = clock.today()
    for day in (today, today + timedelta(days=1)):
        if first <= day <= last:
            await plan_medication_reminders(tx, day, period_id=period_id)


async def plan_checkin_reminders(
    tx: Transaction, day: date, *, recipient_id: int | None = None
) -> None:
    """The day's one check-in reminder, at each caregiver's chosen time, for each child
    whose ``day`` is a check-in day (pwa/checkins/) and who has no report that day yet;
    by push when reminders are on, by e-mail too when e-mail reminders are on.

    The sender plans today on every run, so a plan change, a new caregiver or a changed
    time is picked up within a run; the job's unique key (child, day, kind, channel,
    recipient) keeps it to one, and a job already sent is never planned again. The sender
    checks again at send time (payloads.checkin_due), so a report sent just before counts.
    """
    children = await checkin_windows.children_on(tx, day)
    waiting = set(children) - await checkin_windows.reported_on(tx, children, day)
    if not waiting:
        return
    rows = await tx.fetch_all(
        """
        SELECT caregiver_child.caregiver_id AS id, caregiver_child.child_id,
               CASE WHEN notification_preference.account_id IS NULL THEN :default
                    ELSE notification_preference.checkin_time END AS at,
               COALESCE(notification_preference.reminders_enabled, 1) AS push,
               COALESCE(notification_preference.email_reminders, 0) AS email
          FROM caregiver_child
          JOIN account ON account.id = caregiver_child.caregiver_id
          LEFT JOIN notification_preference ON notification_preference.account_id = account.id
         WHERE caregiver_child.child_id IN (SELECT value FROM json_each(:children))
           AND account.disabled_at IS NULL
           AND (:recipient IS NULL OR caregiver_child.caregiver_id = :recipient)
        """,
        {
            "children": json.dumps(sorted(waiting)),
            "recipient": recipient_id,
            "default": store.CHECKIN_DEFAULT.strftime("%H:%M"),
        },
    )
    now = utcnow()
    day_ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.HOSPITAL_ZONE)
    for row in rows:
        if not row["at"]:
            continue  # this caregiver switched check-in reminders off
        due = datetime.combine(day, time.fromisoformat(row["at"]), tzinfo=clock.HOSPITAL_ZONE)
        expires = min(due + CHECKIN_USEFUL, day_ends)
        if now >= expires:
            continue
        channels = [jobs.PUSH] * bool(row["push"]) + [jobs.EMAIL] * bool(row["email"])
        for channel in channels:
            await jobs.insert(
                tx,
                kind=CHECKIN_KIND,
                about=About(checkin_child_id=int(row["child_id"]), checkin_day=day),
                revision=1,
                recipient_id=int(row["id"]),
                due_at=due,
                expires_at=expires,
                channel=channel,
            )


async def plan_test(tx: Transaction, account_id: int, token: str) -> None:
    now = utcnow()
    await jobs.insert(
        tx,
        kind="test",
        about=About(test_token=token),
        revision=1,
        recipient_id=account_id,
        due_at=now,
        expires_at=now + TEST_USEFUL,
    )


async def tell_family_of_ward_message(tx: Transaction, message_id: int, child_id: int) -> None:
    """Plan "the care team wrote to you" for each caregiver of the child; quiet hours hold
    it until morning (sender.py), as they hold a reply."""
    now = utcnow()
    rows = await tx.fetch_all(
        """
        SELECT caregiver_child.caregiver_id FROM caregiver_child
          JOIN account ON account.id = caregiver_child.caregiver_id
         WHERE caregiver_child.child_id = :child AND account.disabled_at IS NULL
        """,
        {"child": child_id},
    )
    await jobs.insert_for_each(
        tx,
        [int(row[0]) for row in rows],
        kind="ward_message",
        about=About(message_id=message_id),
        due_at=now,
        expires_at=now + CHANGE_NOTICE_USEFUL,
    )


async def tell_ward_of_family_message(tx: Transaction, message_id: int) -> None:
    """Plan "a new message is waiting" for every nurse with a device that takes pushes."""
    now = utcnow()
    rows = await tx.fetch_all(
        """
        SELECT account.id FROM account
         WHERE account.role IN ('nurse', 'admin') AND account.disabled_at IS NULL
           AND EXISTS (SELECT 1 FROM push_subscription WHERE push_subscription.account_id = account.id)
        """
    )
    await jobs.insert_for_each(
        tx,
        [int(row[0]) for row in rows],
        kind="family_message",
        about=About(message_id=message_id),
        due_at=now,
        expires_at=now + CHANGE_NOTICE_USEFUL,
    )
