"""How a report is handled: a nurse's review with its outcome (and every change to it) and
the care team's replies, written here and read here by the family's pages, the nurse's
pages and the exports alike. Claims are in ``claims``; none of this ever changes what the
family wrote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import audit
from ..clock import utcnow
from ..db import Reader, Transaction, from_db, now_text, to_db
from ..diary.store import Report
from .claims import CLAIM_LASTS
from .replies import Reply


@dataclass(frozen=True)
class ReviewState:
    """What the family and nurses see about a report's handling."""

    reviewed_by: str | None
    reviewed_at: datetime | None
    outcome: str | None
    replies: tuple[Reply, ...]


# A report no nurse has reviewed or replied to yet.
NOT_HANDLED = ReviewState(reviewed_by=None, reviewed_at=None, outcome=None, replies=())


async def select_state(db: Reader, report_id: int) -> ReviewState:
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
        replies=tuple(Reply.from_row(row) for row in reply_rows),
    )


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


async def select_history(db: Reader, report_id: int) -> list[HistoryEntry]:
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


async def select_review_states(db: Reader, child_id: int) -> dict[int, ReviewState]:
    """By report id: how the nurses handled this child's reports (only those they did).

    The list's counterpart of ``select_state``: two queries for the whole list
    instead of two per report.
    """
    reviews = await db.scan(
        """
        SELECT report_review.report_id, account.display_name, report_review.reviewed_at,
               report_review.outcome
          FROM report_review
          JOIN report ON report.id = report_review.report_id
          LEFT JOIN account ON account.id = report_review.nurse_id
         WHERE report.child_id = :child_id
        """,
        {"child_id": child_id},
    )
    replies = await db.scan(
        """
        SELECT report_reply.report_id, report_reply.id, account.display_name, report_reply.body,
               report_reply.created_at, report_reply.read_at
          FROM report_reply
          JOIN report ON report.id = report_reply.report_id
          LEFT JOIN account ON account.id = report_reply.nurse_id
         WHERE report.child_id = :child_id
         ORDER BY report_reply.id
        """,
        {"child_id": child_id},
    )
    reviewed = {row["report_id"]: row for row in reviews}
    answered: dict[int, list[Reply]] = {}
    for row in replies:
        answered.setdefault(row["report_id"], []).append(Reply.from_row(row))
    states = {}
    for report_id in set(reviewed) | set(answered):
        review = reviewed.get(report_id)
        states[report_id] = ReviewState(
            reviewed_by=review["display_name"] if review else None,
            reviewed_at=from_db(review["reviewed_at"]) if review else None,
            outcome=review["outcome"] if review else None,
            replies=tuple(answered.get(report_id, ())),
        )
    return states


async def review(tx: Transaction, report: Report, nurse_id: int, outcome: str) -> bool:
    """Mark reviewed once; False when someone else already did."""
    changed = await tx.execute(
        """
        INSERT INTO report_review (report_id, nurse_id, outcome, reviewed_at) VALUES (:report, :nurse, :outcome, :now)
        ON CONFLICT (report_id) DO NOTHING
        """,
        {"report": report.id, "nurse": nurse_id, "outcome": outcome, "now": now_text()},
    )
    if changed != 1:
        return False
    await _record_event(tx, report.id, nurse_id, outcome, None)
    await audit.record(
        tx,
        actor_id=nurse_id,
        action="report.reviewed",
        child_id=report.child_id,
        detail=f"{report.client_uuid} {outcome}",
    )
    return True


async def recorded_outcome(db: Reader, report_id: int) -> str | None:
    row = await db.fetch_one(
        "SELECT outcome FROM report_review WHERE report_id = :id", {"id": report_id}
    )
    return str(row["outcome"]) if row else None


async def change_outcome(
    tx: Transaction, report: Report, nurse_id: int, outcome: str
) -> str | None:
    """Replace a recorded outcome, keeping the old one in the history (hazard H9).

    Returns the outcome it replaced, or None when the report has no review yet (nothing
    to change) or already has this outcome. The first review's nurse and time stay in
    report_review, as the family was told; the change is a new history row.
    """
    old = await recorded_outcome(tx, report.id)
    if old is None or old == outcome:
        return None
    await tx.execute(
        "UPDATE report_review SET outcome = :outcome WHERE report_id = :id",
        {"outcome": outcome, "id": report.id},
    )
    await _record_event(tx, report.id, nurse_id, outcome, old)
    await audit.record(
        tx,
        actor_id=nurse_id,
        action="report.outcome_changed",
        child_id=report.child_id,
        detail=f"{report.client_uuid} {old} -> {outcome}",
    )
    return old


async def _record_event(
    tx: Transaction,
    report_id: int,
    nurse_id: int,
    outcome: str,
    previous: str | None,
) -> None:
    await tx.execute(
        """
        INSERT INTO report_review_event (report_id, nurse_id, outcome, previous_outcome, recorded_at)
        VALUES (:report, :nurse, :outcome, :previous, :now)
        """,
        {
            "report": report_id,
            "nurse": nurse_id,
            "outcome": outcome,
            "previous": previous,
            "now": now_text(),
        },
    )


async def review_all_green(tx: Transaction, nurse_id: int, report_ids: list[int]) -> int:
    """Bulk review: only green reports are ever marked, whatever ids are sent, and never one
    a colleague is handling (hazard H8: that takes an explicit take-over)."""
    done = 0
    free_since = to_db(utcnow() - CLAIM_LASTS)
    for report_id in report_ids:
        row = await tx.fetch_one(
            """
            SELECT report.id, report.child_id, report.client_uuid FROM report
              LEFT JOIN report_review ON report_review.report_id = report.id
              LEFT JOIN report_claim ON report_claim.report_id = report.id
             WHERE report.id = :id AND report.level = 'green' AND report_review.report_id IS NULL
               AND (report_claim.nurse_id IS NULL OR report_claim.nurse_id = :nurse
                    OR report_claim.claimed_at <= :free_since)
            """,
            {"id": report_id, "nurse": nurse_id, "free_since": free_since},
        )
        if row is None:
            continue
        await tx.execute(
            "INSERT INTO report_review (report_id, nurse_id, outcome, reviewed_at) VALUES (:id, :nurse, 'reviewed', :now)",
            {"id": report_id, "nurse": nurse_id, "now": now_text()},
        )
        await _record_event(tx, report_id, nurse_id, "reviewed", None)
        await audit.record(
            tx,
            actor_id=nurse_id,
            action="report.reviewed",
            child_id=row["child_id"],
            detail=f"{row['client_uuid']} reviewed (bulk)",
        )
        done += 1
    return done
