"""Escalation: a red report, or a message the family marked urgent, that no nurse has
taken up by its target is not left alone.

At the target (pwa/hospital.py ``review_deadline``) every nurse's phone is alerted and the
ward's shared inbox is e-mailed; ``escalate_admins_minutes`` later, still not taken up, the
admins are told (push and e-mail). Each step happens once: the jobs are unique per report,
kind and recipient, and the step is written to the audit log in the transaction that
plans it. Outside staffed hours nothing escalates unless the hospital said so: families
are told to call then, and a red report that came in at night is due after the next
opening. Taken up means claimed or reviewed; a claim that lapsed without a review does not
restart the escalation. An urgent message has the red target too; taken up means a nurse
opened the conversation (which marks it read) or claimed it after the message came.

The sender plans escalations on each run (``plan``), so they survive restarts and happen
once however many senders run.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import audit
from ..db import Reader, Transaction, from_db, to_db
from ..hospital import HospitalSettings, hospital_settings, review_deadline, staffed_at
from . import jobs
from .jobs import About

WARD = "red_escalation"  # to every nurse's phone, and the ward's inbox
ADMINS = "red_escalation_admin"  # to the admins, phone and e-mail
USEFUL = timedelta(hours=4)
# Reports older than this are history by now: a first start never escalates last month.
LOOK_BACK = timedelta(days=2)


async def plan(tx: Transaction, now: datetime, *, email: bool) -> int:
    """Plan the escalations due at ``now``; how many steps were taken. ``email`` says
    whether a relay is set (without one, phones only)."""
    settings = await hospital_settings(tx)
    if not staffed_at(settings, now) and settings.escalate_out_of_hours != "yes":
        return 0
    rows = await tx.fetch_all(
        """
        SELECT report.id, report.child_id, report.received_at FROM report
         WHERE report.level = 'red' AND report.received_at >= :since
           AND NOT EXISTS (SELECT 1 FROM report_review WHERE report_review.report_id = report.id)
           AND NOT EXISTS (SELECT 1 FROM report_claim WHERE report_claim.report_id = report.id)
           AND NOT EXISTS (SELECT 1 FROM report AS later WHERE later.corrects_id = report.id)
        """,
        {"since": to_db(now - LOOK_BACK)},
    )
    waiting = [
        Waiting(About(report_id=int(row["id"])), int(row["child_id"]), from_db(row["received_at"]))
        for row in rows
    ] + await _urgent_messages(tx, now - LOOK_BACK)
    steps = 0
    for item in waiting:
        due = review_deadline("red", item.since, settings)
        admins_due = due + timedelta(minutes=int(settings.escalate_admins_minutes))
        for kind, at in ((WARD, due), (ADMINS, admins_due)):
            if now >= at and await _step(tx, item, kind, now, settings, email=email):
                steps += 1
    return steps


@dataclass(frozen=True)
class Waiting:
    """A red report or an urgent message nobody has taken up, and since when."""

    about: About
    child_id: int
    since: datetime

    @property
    def named(self) -> str:
        """How the audit log names it (an id, never its words)."""
        if self.about.message_id is not None:
            return f"urgent message {self.about.message_id}"
        return f"report {self.about.report_id}"


async def _urgent_messages(tx: Transaction, since: datetime) -> list[Waiting]:
    rows = await tx.fetch_all(
        """
        SELECT message.id, message.child_id, message.created_at FROM message
         WHERE message.urgent = 1 AND message.from_ward = 0 AND message.read_at IS NULL
           AND message.created_at >= :since
           AND NOT EXISTS (SELECT 1 FROM conversation_claim
                            WHERE conversation_claim.child_id = message.child_id
                              AND conversation_claim.claimed_at >= message.created_at)
        """,
        {"since": to_db(since)},
    )
    return [
        Waiting(About(message_id=int(row["id"])), int(row["child_id"]), from_db(row["created_at"]))
        for row in rows
    ]


async def _step(
    tx: Transaction,
    item: Waiting,
    kind: str,
    now: datetime,
    settings: HospitalSettings,
    *,
    email: bool,
) -> bool:
    role = "nurse" if kind == WARD else "admin"
    staff = [
        int(row["id"])
        for row in await tx.fetch_all(
            "SELECT id FROM account WHERE role = :role AND disabled_at IS NULL ORDER BY id",
            {"role": role},
        )
    ]
    about = item.about
    useful = now + USEFUL
    planned = await jobs.insert_for_each(
        tx, staff, kind=kind, about=about, due_at=now, expires_at=useful
    )
    told = [f"{len(staff)} {role}(s) by push"]
    # E-mail: the ward's shared inbox (no account: recipient None), or each admin.
    mailed: list[int | None] = (
        list(staff) if kind == ADMINS else [None] if settings.ward_email else []
    )
    if email and mailed:
        planned += await jobs.insert_for_each(
            tx, mailed, kind=kind, about=about, due_at=now, expires_at=useful, channel=jobs.EMAIL
        )
        told.append(
            f"e-mail to {len(staff)} admin(s)"
            if kind == ADMINS
            else f"e-mail to {settings.ward_email}"
        )
    if not planned:
        return False  # this step was taken before
    subject = "message" if about.message_id is not None else "report"
    await audit.record(
        tx,
        actor_id=None,
        action=f"{subject}.escalated" if kind == WARD else f"{subject}.escalated_to_admins",
        child_id=item.child_id,
        detail=f"{item.named} not taken up by its target: " + ", ".join(told),
    )
    return True


@dataclass(frozen=True)
class Told:
    """One escalation message: to whom, how, and how it went."""

    kind: str  # WARD or ADMINS
    channel: str
    recipient: str | None  # a person's name; None: the ward's shared inbox
    status: str
    at: datetime  # when it was sent or ended; when it was planned while still on its way


async def select_told(db: Reader, report_id: int) -> list[Told]:
    """Who was told about this report because nobody took it up, for its page."""
    return await _select_told(db, report_id=report_id)


async def select_told_about_messages(db: Reader, child_id: int) -> list[Told]:
    """Who was told about this child's urgent messages because nobody read them in time,
    for the conversation's page."""
    return await _select_told(db, child_id=child_id)


async def _select_told(
    db: Reader, *, report_id: int | None = None, child_id: int | None = None
) -> list[Told]:
    rows = await db.fetch_all(
        """
        SELECT notification_job.kind, notification_job.channel, account.display_name,
               notification_job.status, notification_job.created_at, notification_job.finished_at
          FROM notification_job LEFT JOIN account ON account.id = notification_job.recipient_id
         WHERE notification_job.kind IN (:ward, :admins)
           AND (notification_job.report_id = :report OR notification_job.message_id IN (
                    SELECT id FROM message WHERE child_id = :child))
         ORDER BY notification_job.created_at, notification_job.id
        """,
        {"report": report_id, "child": child_id, "ward": WARD, "admins": ADMINS},
    )
    return _told(rows)


def _told(rows: list[sqlite3.Row]) -> list[Told]:
    return [
        Told(
            row["kind"],
            row["channel"],
            row["display_name"],
            row["status"],
            from_db(row["finished_at"] or row["created_at"]),
        )
        for row in rows
    ]
