"""The emergency card's clinical fields as the care team fills them in: the row and its SQL.

Only this module writes ``emergency_card``. A child without a row has a card the team has
not filled in yet; the family's page says so per field rather than leaving it out.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from datetime import date, datetime

from ..db import Reader, Transaction, from_db, now_text

# The kinds of central line the card knows; "unknown" is the team not having said yet.
CENTRAL_LINES = ("port", "tunnelled", "picc", "none")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class CardFields:
    """What the team writes on a child's card; empty values are "not filled in yet"."""

    central_line: str = UNKNOWN
    allergies: str = ""
    weight_kg: float | None = None
    weighed_on: date | None = None

    def changed_from(self, other: CardFields) -> list[str]:
        """The names of the fields that differ, for the audit log (never the values)."""
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]


@dataclass(frozen=True)
class StoredCard:
    fields: CardFields
    updated_at: datetime
    updated_by: str | None  # the nurse's name; None once their account is gone

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredCard:
        weighed_on = row["weighed_on"]
        return cls(
            CardFields(
                central_line=row["central_line"],
                allergies=row["allergies"],
                weight_kg=row["weight_kg"],
                weighed_on=date.fromisoformat(weighed_on) if weighed_on else None,
            ),
            from_db(row["updated_at"]),
            row["updated_by_name"],
        )


async def select_card(db: Reader, child_id: int) -> StoredCard | None:
    row = await db.fetch_one(
        """
        SELECT emergency_card.*, account.display_name AS updated_by_name
          FROM emergency_card
          LEFT JOIN account ON account.id = emergency_card.updated_by
         WHERE emergency_card.child_id = :child_id
        """,
        {"child_id": child_id},
    )
    return StoredCard.from_row(row) if row else None


async def save_card(tx: Transaction, child_id: int, card: CardFields, actor_id: int) -> None:
    """Write the child's card as the team filled it in now, by ``actor_id``."""
    await tx.execute(
        """
        INSERT INTO emergency_card (child_id, central_line, allergies, weight_kg, weighed_on,
                                    updated_by, updated_at)
        VALUES (:child_id, :central_line, :allergies, :weight_kg, :weighed_on, :actor_id, :now)
        ON CONFLICT (child_id) DO UPDATE SET
            central_line = excluded.central_line, allergies = excluded.allergies,
            weight_kg = excluded.weight_kg, weighed_on = excluded.weighed_on,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at
        """,
        {
            "child_id": child_id,
            "central_line": card.central_line,
            "allergies": card.allergies,
            "weight_kg": card.weight_kg,
            "weighed_on": card.weighed_on.isoformat() if card.weighed_on else None,
            "actor_id": actor_id,
            "now": now_text(),
        },
    )
