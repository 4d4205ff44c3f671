"""How a report was handled, as the family and the nurses see it: who reviewed it and
when, and the care team's replies with whether the family has read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from ..db import Database, from_db, now_text


@dataclass(frozen=True)
class ReviewState:
    """What the family and nurses see about a report's handling."""

    reviewed_by: str | None
    reviewed_at: datetime | None
    outcome: str | None
    replies: list[tuple[int, str, str, datetime, datetime | None]]  # id, nurse, body, at, read_at


async def select_state(db: Database, report_id: int) -> ReviewState:
    review_row = await db.fetch_one(
        """
        SELECT account.display_name, report_review.reviewed_at, report_review.outcome
          FROM report_review LEFT JOIN account ON account.id = report_review.nurse_id
         WHERE report_review.report_id = :id
        """,
        {"id": report_id},
    )
    reply_rows = await db.fetch_all(
        """
        SELECT report_reply.id, account.display_name, report_reply.body, report_reply.created_at, report_reply.read_at
          FROM report_reply LEFT JOIN account ON account.id = report_reply.nurse_id
         WHERE report_reply.report_id = :id ORDER BY report_reply.id
        """,
        {"id": report_id},
    )
    return ReviewState(
        reviewed_by=review_row["display_name"] if review_row else None,
        reviewed_at=from_db(review_row["reviewed_at"]) if review_row else None,
        outcome=review_row["outcome"] if review_row else None,
        replies=[
            (
                r["id"],
                r["display_name"] or "",
                r["body"],
                from_db(r["created_at"]),
                from_db(r["read_at"]),
            )  # type: ignore[misc]
            for r in reply_rows
        ],
    )


async def mark_replies_read(connection: aiosqlite.Connection, report_id: int) -> None:
    await connection.execute(
        "UPDATE report_reply SET read_at = :now WHERE report_id = :id AND read_at IS NULL",
        {"now": now_text(), "id": report_id},
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


async def select_unread_replies(db: Database, caregiver_id: int) -> list[UnreadReply]:
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
        UnreadReply(r["client_uuid"], r["display_name"] or "", from_db(r["created_at"]), r["body"])  # type: ignore[arg-type]
        for r in rows
    ]


@dataclass(frozen=True)
class HistoryEntry:
    """One step in a report's handling, for nurses: an outcome recorded or changed, or a reply."""

    at: datetime
    nurse: str
    kind: str  # "reviewed", "outcome_changed" or "replied"
    outcome: str | None = None
    previous: str | None = None
    body: str = ""
    read_at: datetime | None = None  # a reply: when the family first opened it


async def select_history(db: Database, report_id: int) -> list[HistoryEntry]:
    """Who recorded which outcome, who changed it from what, and each reply; oldest first."""
    events = await db.fetch_all(
        """
        SELECT account.display_name, report_review_event.outcome,
               report_review_event.previous_outcome, report_review_event.recorded_at
          FROM report_review_event LEFT JOIN account ON account.id = report_review_event.nurse_id
         WHERE report_review_event.report_id = :id ORDER BY report_review_event.id
        """,
        {"id": report_id},
    )
    replies = await db.fetch_all(
        """
        SELECT account.display_name, report_reply.body, report_reply.created_at, report_reply.read_at
          FROM report_reply LEFT JOIN account ON account.id = report_reply.nurse_id
         WHERE report_reply.report_id = :id ORDER BY report_reply.id
        """,
        {"id": report_id},
    )
    entries = [
        HistoryEntry(
            at=from_db(row["recorded_at"]),
            nurse=row["display_name"] or "",
            kind="outcome_changed" if row["previous_outcome"] else "reviewed",
            outcome=row["outcome"],
            previous=row["previous_outcome"],
        )
        for row in events
    ] + [
        HistoryEntry(
            at=from_db(row["created_at"]),
            nurse=row["display_name"] or "",
            kind="replied",
            body=row["body"],
            read_at=from_db(row["read_at"]),
        )
        for row in replies
    ]
    # Stable: a review and a reply saved in one go keep that order.
    return sorted(entries, key=lambda entry: entry.at)
