"""The care team's replies to a report: written by a nurse, read by the family, who sees
"replied" on home until someone of the family opens the report."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from .. import audit
from ..clock import utcnow
from ..db import Reader, Transaction, from_db, now_text
from ..diary.store import Report
from ..notifications import jobs
from ..notifications.jobs import About
from ..notifications.planner import CHANGE_NOTICE_USEFUL

REPLY_MAX = 2000


@dataclass(frozen=True)
class Reply:
    """A reply of the care team to one report."""

    id: int
    nurse: str
    body: str
    at: datetime
    read_at: datetime | None  # when someone of the family first opened it

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Reply:
        return cls(
            id=row["id"],
            nurse=row["display_name"] or "",
            body=row["body"],
            at=from_db(row["created_at"]),
            read_at=from_db(row["read_at"]),
        )


@dataclass(frozen=True)
class UnreadReply:
    """A reply the family has not opened, as home shows it: who, when, its first line."""

    client_uuid: str
    nurse: str
    at: datetime
    body: str

    @property
    def first_line(self) -> str:
        """The first line with words in it, so the banner says what the reply is about."""
        return next((line.strip() for line in self.body.splitlines() if line.strip()), "")


async def select_unread_replies(db: Reader, caregiver_id: int) -> list[UnreadReply]:
    """Replies to this caregiver's family that nobody in it has opened, newest first."""
    rows = await db.fetch_all(
        """
        SELECT report.client_uuid, account.display_name, report_reply.created_at, report_reply.body
          FROM report_reply
          JOIN report ON report.id = report_reply.report_id
          JOIN caregiver_child ON caregiver_child.child_id = report.child_id
          LEFT JOIN account ON account.id = report_reply.nurse_id
         WHERE caregiver_child.caregiver_id = :caregiver AND report_reply.read_at IS NULL
         ORDER BY report_reply.id DESC
        """,
        {"caregiver": caregiver_id},
    )
    return [
        UnreadReply(r["client_uuid"], r["display_name"] or "", from_db(r["created_at"]), r["body"])
        for r in rows
    ]


async def mark_replies_read(tx: Transaction, report_id: int) -> None:
    await tx.execute(
        "UPDATE report_reply SET read_at = :now WHERE report_id = :id AND read_at IS NULL",
        {"now": now_text(), "id": report_id},
    )


async def reply(tx: Transaction, report: Report, nurse_id: int, body: str) -> int:
    """Store a reply and plan one push per caregiver: "The care team replied"."""
    row = await tx.fetch_one(
        """
        INSERT INTO report_reply (report_id, nurse_id, body, created_at) VALUES (:report, :nurse, :body, :now)
        RETURNING id
        """,
        {"report": report.id, "nurse": nurse_id, "body": body, "now": now_text()},
    )
    assert row is not None
    reply_id = int(row["id"])
    caregivers = [
        int(r[0])
        for r in await tx.fetch_all(
            "SELECT caregiver_id FROM caregiver_child WHERE child_id = :child",
            {"child": report.child_id},
        )
    ]
    now = utcnow()
    for caregiver in caregivers:
        await jobs.insert(
            tx,
            kind="reply",
            about=About(report_id=report.id),
            revision=reply_id,
            recipient_id=caregiver,
            due_at=now,
            expires_at=now + CHANGE_NOTICE_USEFUL,
        )
    await audit.record(
        tx,
        actor_id=nurse_id,
        action="report.replied",
        child_id=report.child_id,
        detail=report.client_uuid,
    )
    return reply_id


@dataclass(frozen=True)
class ChildReply:
    """A reply to one of a child's reports, as the conversation shows it."""

    report_uuid: str
    report_observed_at: datetime
    nurse: str
    body: str
    at: datetime
    read_at: datetime | None


async def select_replies_for_child(db: Reader, child_id: int) -> list[ChildReply]:
    """The care team's replies to a child's reports, oldest first."""
    rows = await db.fetch_all(
        """
        SELECT report.client_uuid, report.observed_at, account.display_name,
               report_reply.body, report_reply.created_at, report_reply.read_at
          FROM report_reply
          JOIN report ON report.id = report_reply.report_id
          LEFT JOIN account ON account.id = report_reply.nurse_id
         WHERE report.child_id = :child
         ORDER BY report_reply.id
        """,
        {"child": child_id},
    )
    return [
        ChildReply(
            r["client_uuid"],
            from_db(r["observed_at"]),
            r["display_name"] or "",
            r["body"],
            from_db(r["created_at"]),
            from_db(r["read_at"]),
        )
        for r in rows
    ]


async def mark_child_replies_read(tx: Transaction, child_id: int) -> None:
    """The family opened the conversation, where every reply to its reports shows."""
    await tx.execute(
        """
        UPDATE report_reply SET read_at = :now
         WHERE read_at IS NULL
           AND report_id IN (SELECT id FROM report WHERE child_id = :child)
        """,
        {"now": now_text(), "child": child_id},
    )
