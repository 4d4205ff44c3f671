"""Notification jobs: what a job is, and the statements that plan, cancel and count them.

A job is one message to one account (or, by e-mail, to the ward's shared address) about
one thing (``About``: typed references, real columns), over one channel: push (to each of
the recipient's devices) or e-mail (through the hospital's relay). Planning a job twice is harmless: it is unique per what it is about, kind,
revision and recipient. The sender's side of the table (claiming, leases, retries,
finishing, deliveries) is queue.py; no other module writes notification_job.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..db import Reader, Transaction, from_db, now_text, to_db

# The status page's "recently": jobs that ended in the last week.
RECENT = timedelta(days=7)


@dataclass(frozen=True)
class About:
    """What a job is about, in the columns its kind needs; the others stay None."""

    visit_id: int | None = None  # visit reminders and change notices
    report_id: int | None = None  # red alerts and care-team replies
    medication_period_id: int | None = None  # home medication, with the day it is for
    medication_day: date | None = None
    test_token: str | None = None  # one press on "send a test notification"
    message_id: int | None = None  # a message in a family's conversation with the ward
    checkin_child_id: int | None = None  # a child's check-in day, with the day it is for
    checkin_day: date | None = None


PUSH = "push"
EMAIL = "email"


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    about: About
    revision: int
    recipient_id: int | None  # None: the ward's shared e-mail address
    due_at: datetime
    expires_at: datetime
    attempts: int
    channel: str = PUSH

    @classmethod
    def from_row(cls, row: sqlite3.Row, attempts: int) -> Job:
        day, checkin_day = row["medication_day"], row["checkin_day"]
        about = About(
            row["visit_id"],
            row["report_id"],
            row["medication_period_id"],
            date.fromisoformat(day) if day else None,
            row["test_token"],
            row["message_id"],
            row["checkin_child_id"],
            date.fromisoformat(checkin_day) if checkin_day else None,
        )
        due, expires = from_db(row["due_at"]), from_db(row["expires_at"])
        return cls(
            row["id"],
            row["kind"],
            about,
            row["revision"],
            row["recipient_id"],
            due,
            expires,
            attempts,
            row["channel"],
        )


@dataclass(frozen=True)
class JobCounts:
    pending: int
    sent_recently: int
    failed_recently: int
    expired_recently: int


async def insert(
    tx: Transaction,
    *,
    kind: str,
    about: About,
    revision: int,
    recipient_id: int | None,
    due_at: datetime,
    expires_at: datetime,
    channel: str = PUSH,
) -> bool:
    """Create a job once; True when this call created it: the unique indexes make planning the same thing twice harmless.

    Planning a job that was cancelled makes it pending again: a family who switches
    reminders off and on, or an admin who removes an offset and adds it back, gets the
    reminder after all (the planners only plan what is still useful).
    """
    day = about.medication_day.isoformat() if about.medication_day else None
    changed = await tx.execute(
        """
        INSERT INTO notification_job (
            kind, channel, visit_id, report_id, medication_period_id, medication_day, test_token,
            message_id, checkin_child_id, checkin_day, revision, recipient_id, due_at, expires_at,
            next_attempt_at, created_at)
        VALUES (:kind, :channel, :visit_id, :report_id, :period_id, :day, :token, :message_id,
                :checkin_child, :checkin_day, :revision, :recipient_id, :due_at, :expires_at,
                :due_at, :now)
        ON CONFLICT DO UPDATE SET
            status = 'pending', due_at = excluded.due_at, expires_at = excluded.expires_at,
            next_attempt_at = excluded.next_attempt_at, attempts = 0, lease_until = NULL,
            finished_at = NULL
         WHERE notification_job.status = 'cancelled'
        """,
        {
            "kind": kind,
            "channel": channel,
            "visit_id": about.visit_id,
            "report_id": about.report_id,
            "period_id": about.medication_period_id,
            "day": day,
            "token": about.test_token,
            "message_id": about.message_id,
            "checkin_child": about.checkin_child_id,
            "checkin_day": about.checkin_day.isoformat() if about.checkin_day else None,
            "revision": revision,
            "recipient_id": recipient_id,
            "due_at": to_db(due_at),
            "expires_at": to_db(expires_at),
            "now": now_text(),
        },
    )
    return changed > 0


async def insert_for_each(
    tx: Transaction,
    recipients: Sequence[int | None],
    *,
    kind: str,
    about: About,
    due_at: datetime,
    expires_at: datetime,
    channel: str = PUSH,
) -> int:
    """The same job for each recipient (revision 1); how many this call created."""
    created = 0
    for recipient in recipients:
        created += await insert(
            tx,
            kind=kind,
            about=about,
            revision=1,
            recipient_id=recipient,
            due_at=due_at,
            expires_at=expires_at,
            channel=channel,
        )
    return created


async def cancel_visit_jobs(
    tx: Transaction,
    visit_id: int,
    kind_prefix: str = "",
    *,
    before_revision: int | None = None,
) -> None:
    """Cancel a visit's jobs not sent yet; with ``before_revision``, only older plans' jobs."""
    await tx.execute(
        """
        UPDATE notification_job SET status = 'cancelled', finished_at = :now
         WHERE visit_id = :visit AND status IN ('pending', 'claimed') AND kind LIKE :prefix
           AND revision < :before
        """,
        {
            "visit": visit_id,
            "now": now_text(),
            "prefix": f"{kind_prefix}%",
            "before": before_revision if before_revision is not None else 2**62,
        },
    )


async def cancel_visit_jobs_of_child(tx: Transaction, child_id: int) -> None:
    """Cancel the jobs not sent yet about any of a child's visits (its record closed)."""
    await tx.execute(
        """
        UPDATE notification_job SET status = 'cancelled', finished_at = :now
         WHERE status IN ('pending', 'claimed') AND visit_id IN (
            SELECT visit.id FROM visit
              JOIN treatment_plan ON treatment_plan.id = visit.plan_id
             WHERE treatment_plan.child_id = :id)
        """,
        {"now": now_text(), "id": child_id},
    )


async def cancel_medication_jobs_outside(
    tx: Transaction, period_id: int, first: date, last: date
) -> None:
    """Cancel a medication period's reminders for days it no longer covers (it moved)."""
    await tx.execute(
        """
        UPDATE notification_job SET status = 'cancelled', finished_at = :now
         WHERE medication_period_id = :period AND status IN ('pending', 'claimed')
           AND medication_day NOT BETWEEN :first AND :last
        """,
        {
            "period": period_id,
            "first": first.isoformat(),
            "last": last.isoformat(),
            "now": now_text(),
        },
    )


async def cancel_medication_jobs_from(tx: Transaction, period_ids: list[int], first: date) -> None:
    """Cancel the dose reminders of these periods for ``first`` and the days after (the
    family chose other dose times)."""
    await tx.execute(
        """
        UPDATE notification_job SET status = 'cancelled', finished_at = :now
         WHERE status = 'pending' AND medication_day >= :first
           AND medication_period_id IN (SELECT value FROM json_each(:periods))
        """,
        {"first": first.isoformat(), "periods": json.dumps(period_ids), "now": now_text()},
    )


async def cancel_jobs_for_recipient(
    tx: Transaction, recipient_id: int, kind_prefix: str, channel: str | None = None
) -> None:
    """Cancel a recipient's pending jobs of a kind, over one channel or (None) every one."""
    await tx.execute(
        """
        UPDATE notification_job SET status = 'cancelled', finished_at = :now
         WHERE recipient_id = :recipient AND status = 'pending' AND kind LIKE :prefix
           AND (:channel IS NULL OR channel = :channel)
        """,
        {
            "recipient": recipient_id,
            "now": now_text(),
            "prefix": f"{kind_prefix}%",
            "channel": channel,
        },
    )


@dataclass(frozen=True)
class Planned:
    """A visit reminder the planner wants: its kind, for whom, over which channel, when."""

    kind: str
    recipient_id: int
    channel: str
    due_at: datetime


async def cancel_visit_reminders_except(
    tx: Transaction, visit_id: int, revision: int, wanted: Sequence[Planned]
) -> None:
    """Cancel this visit's pending reminders of this revision that are not wanted now."""
    await tx.execute(
        """
        UPDATE notification_job SET status = 'cancelled', finished_at = :now
         WHERE visit_id = :visit AND revision = :revision AND status = 'pending'
           AND kind LIKE 'visit_reminder%'
           AND json_array(kind, recipient_id, channel) NOT IN (SELECT value FROM json_each(:wanted))
        """,
        {
            "visit": visit_id,
            "revision": revision,
            "now": now_text(),
            "wanted": json.dumps([[job.kind, job.recipient_id, job.channel] for job in wanted]),
        },
    )


async def counts(db: Reader, now: datetime) -> JobCounts:
    """Jobs waiting, and those that ended in the last week by how they ended."""
    # Every reminder ever planned: a scan, in a reader's thread.
    rows = await db.scan(
        """
        SELECT
            SUM(status IN ('pending', 'claimed')) AS pending,
            SUM(status = 'sent' AND finished_at >= :since) AS sent,
            SUM(status = 'failed' AND finished_at >= :since) AS failed,
            SUM(status = 'expired' AND finished_at >= :since) AS expired
          FROM notification_job
        """,
        {"since": to_db(now - RECENT)},
    )
    row = rows[0]
    return JobCounts(
        int(row["pending"] or 0),
        int(row["sent"] or 0),
        int(row["failed"] or 0),
        int(row["expired"] or 0),
    )
