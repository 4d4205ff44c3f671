"""The dose table: the only module that writes it, and only through pwa/doses/sync.py.
Doses are never changed; a caregiver who tapped the wrong answer records another one."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time

from ..db import Reader, Transaction, from_db, now_text, to_db

OUTCOMES = ("given", "partly", "vomited", "refused", "missed")
# Outcomes after which the medicine is (at least partly) in the child: two of these for
# one dose time may mean it was given twice.
TAKEN = ("given", "partly", "vomited")
NOTE_MAX = 500


@dataclass(frozen=True)
class Dose:
    """One recorded dose, as the family's, the nurse's and the export's pages read it."""

    id: int
    client_uuid: str
    child_id: int
    period_id: int
    medicine_id: int | None
    day: date
    time: time
    outcome: str
    note: str
    prescription: str
    recorded_by_id: int | None
    recorded_by: str
    recorded_at: datetime
    received_at: datetime

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Dose:
        return cls(
            id=row["id"],
            client_uuid=row["client_uuid"],
            child_id=row["child_id"],
            period_id=row["medication_period_id"],
            medicine_id=row["medicine_id"],
            day=date.fromisoformat(row["slot_day"]),
            time=time.fromisoformat(row["slot_time"]),
            outcome=row["outcome"],
            note=row["note"],
            prescription=row["prescription"],
            recorded_by_id=row["recorded_by"],
            recorded_by=row["author_name"] or "",
            recorded_at=from_db(row["recorded_at"]),
            received_at=from_db(row["received_at"]),
        )

    @property
    def slot(self) -> tuple[int, date, dt.time]:
        return (self.period_id, self.day, self.time)


SELECT = """
    SELECT dose.*, account.display_name AS author_name
      FROM dose LEFT JOIN account ON account.id = dose.recorded_by
"""


async def select_by_uuid(db: Reader, client_uuid: str) -> sqlite3.Row | None:
    return await db.fetch_one(
        "SELECT id, content_hash FROM dose WHERE client_uuid = :uuid", {"uuid": client_uuid}
    )


async def select_for_child(
    db: Reader, child_id: int, first: date | None = None, last: date | None = None
) -> list[Dose]:
    """A child's doses with their dose day in [first, last] (open ends: all), in order of
    day, time and arrival. A few days' worth is read on the event loop's own reader; a
    whole record in a reader's thread."""
    read = db.fetch_all if first and last and (last - first).days <= 7 else db.scan
    rows = await read(
        SELECT
        + """
         WHERE dose.child_id = :child AND dose.slot_day >= :first AND dose.slot_day <= :last
         ORDER BY dose.slot_day, dose.slot_time, dose.id
        """,
        {
            "child": child_id,
            "first": first.isoformat() if first else "",
            "last": last.isoformat() if last else "9999-12-31",
        },
    )
    return [Dose.from_row(row) for row in rows]


async def select_for_slot(db: Reader, period_id: int, day: date, at: time) -> list[Dose]:
    rows = await db.fetch_all(
        SELECT
        + """
         WHERE dose.medication_period_id = :period AND dose.slot_day = :day AND dose.slot_time = :time
         ORDER BY dose.id
        """,
        {"period": period_id, "day": day.isoformat(), "time": at.strftime("%H:%M")},
    )
    return [Dose.from_row(row) for row in rows]


@dataclass(frozen=True)
class NewDose:
    client_uuid: str
    child_id: int
    period_id: int
    medicine_id: int | None
    day: date
    time: time
    outcome: str
    note: str
    prescription: str
    recorded_by: int
    recorded_at: datetime
    content_hash: str


async def insert(tx: Transaction, dose: NewDose) -> int:
    row = await tx.fetch_one(
        """
        INSERT INTO dose (client_uuid, child_id, medication_period_id, medicine_id, slot_day,
                          slot_time, outcome, note, prescription, recorded_by, recorded_at,
                          received_at, content_hash)
        VALUES (:uuid, :child, :period, :medicine, :day, :time, :outcome, :note, :prescription,
                :by, :recorded_at, :now, :hash)
        RETURNING id
        """,
        {
            "uuid": dose.client_uuid,
            "child": dose.child_id,
            "period": dose.period_id,
            "medicine": dose.medicine_id,
            "day": dose.day.isoformat(),
            "time": dose.time.strftime("%H:%M"),
            "outcome": dose.outcome,
            "note": dose.note,
            "prescription": dose.prescription,
            "by": dose.recorded_by,
            "recorded_at": to_db(dose.recorded_at),
            "now": now_text(),
            "hash": dose.content_hash,
        },
    )
    assert row is not None
    return int(row["id"])
