"""Medication periods of a course and the plan's change history: rows and SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..db import Reader, Transaction, now_text, to_db
from .store import MEDICATION_COLUMNS, MedicationPeriod, medication_from_row


@dataclass(frozen=True)
class PlanChange:
    """What a visit (local start and end text) or a period (first and last date) was before."""

    visit_id: int | None
    medication_period_id: int | None
    was_first: str
    was_last: str


async def select_medication(db: Reader, period_id: int) -> MedicationPeriod | None:
    row = await db.fetch_one(
        f"SELECT {MEDICATION_COLUMNS} FROM medication_period WHERE id = :id",  # noqa: S608  # nosec B608  # fixed column list; the value is bound
        {"id": period_id},
    )
    return medication_from_row(row) if row else None


async def select_course_medications(db: Reader, visit_id: int) -> list[MedicationPeriod]:
    """The periods that belong to the course this visit starts."""
    rows = await db.fetch_all(
        f"SELECT {MEDICATION_COLUMNS} FROM medication_period WHERE visit_id = :visit_id ORDER BY first_date, id",  # noqa: S608  # nosec B608  # fixed column list; the value is bound
        {"visit_id": visit_id},
    )
    return [medication_from_row(row) for row in rows]


async def update_medication(
    tx: Transaction, period: MedicationPeriod, first: date, last: date
) -> None:
    """New dates for a period, remembering the old ones for the family's banner."""
    await record_change(
        tx,
        plan_id=period.plan_id,
        medication_period_id=period.id,
        was_first=period.first_date.isoformat(),
        was_last=period.last_date.isoformat(),
    )
    await tx.execute(
        """
        UPDATE medication_period SET first_date = :first, last_date = :last, changed_at = :now
         WHERE id = :id
        """,
        {"id": period.id, "first": first.isoformat(), "last": last.isoformat(), "now": now_text()},
    )


async def update_prescription(
    tx: Transaction, period_id: int, medicine_id: int | None, prescription: str
) -> None:
    """Which medicine a period is, and the prescribed amount as the nurse typed it."""
    await tx.execute(
        """
        UPDATE medication_period SET medicine_id = :medicine, prescription = :prescription
         WHERE id = :id
        """,
        {"id": period_id, "medicine": medicine_id, "prescription": prescription},
    )


async def record_change(
    tx: Transaction,
    *,
    plan_id: int,
    was_first: str,
    was_last: str,
    visit_id: int | None = None,
    medication_period_id: int | None = None,
) -> None:
    await tx.execute(
        """
        INSERT INTO plan_change (plan_id, visit_id, medication_period_id, was_first, was_last, changed_at)
        VALUES (:plan_id, :visit_id, :period_id, :was_first, :was_last, :now)
        """,
        {
            "plan_id": plan_id,
            "visit_id": visit_id,
            "period_id": medication_period_id,
            "was_first": was_first,
            "was_last": was_last,
            "now": now_text(),
        },
    )


async def select_changes_since(db: Reader, plan_id: int, since: datetime) -> list[PlanChange]:
    """Each changed visit's or period's state before its first change after ``since``."""
    rows = await db.fetch_all(
        """
        SELECT visit_id, medication_period_id, was_first, was_last FROM plan_change
         WHERE id IN (SELECT MIN(id) FROM plan_change
                       WHERE plan_id = :plan_id AND changed_at > :since
                       GROUP BY visit_id, medication_period_id)
        """,
        {"plan_id": plan_id, "since": to_db(since)},
    )
    return [
        PlanChange(row["visit_id"], row["medication_period_id"], row["was_first"], row["was_last"])
        for row in rows
    ]
