"""Children and caregiver links: dataclasses and SQL. Ownership is checked in the SQL."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from ..db import Reader, Transaction, now_text

CHILD_COLUMNS = "child.id, child.nickname, child.birth_date, child.hospital_number, child.closed_at"


@dataclass(frozen=True)
class Child:
    id: int
    nickname: str
    birth_date: date
    hospital_number: str | None
    closed: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Child:
        return cls(
            id=row["id"],
            nickname=row["nickname"],
            birth_date=date.fromisoformat(row["birth_date"]),
            hospital_number=row["hospital_number"],
            closed=row["closed_at"] is not None,
        )


@dataclass(frozen=True)
class Caregiver:
    id: int
    display_name: str
    email: str
    linked_at: str
    phone: str | None = None  # the caregiver's own, optional; staff see it (hazard H15)

    @property
    def tel(self) -> str:
        """The number for a tel: link: digits and a leading +, nothing else."""
        text = self.phone or ""
        digits = "".join(character for character in text if character.isdigit())
        return f"+{digits}" if text.strip().startswith("+") else digits


async def insert_child(
    tx: Transaction,
    *,
    nickname: str,
    birth_date: date,
    hospital_number: str | None,
    created_by: int | None,
) -> int:
    row = await tx.fetch_one(
        """
        INSERT INTO child (nickname, birth_date, hospital_number, created_by, created_at)
        VALUES (:nickname, :birth_date, :hospital_number, :created_by, :now)
        RETURNING id
        """,
        {
            "nickname": nickname.strip(),
            "birth_date": birth_date.isoformat(),
            "hospital_number": (hospital_number or "").strip() or None,
            "created_by": created_by,
            "now": now_text(),
        },
    )
    assert row is not None
    return int(row["id"])


async def update_hospital_number(tx: Transaction, child_id: int, number: str | None) -> None:
    """The hospital's patient number, which the EHR's systems find the record by."""
    await tx.execute(
        "UPDATE child SET hospital_number = :number WHERE id = :id",
        {"id": child_id, "number": (number or "").strip() or None},
    )


async def number_taken(db: Reader, number: str, child_id: int) -> bool:
    """Another open record already has this hospital number."""
    row = await db.fetch_one(
        """
        SELECT 1 FROM child
         WHERE hospital_number = :number AND id != :id AND closed_at IS NULL
        """,
        {"number": number.strip(), "id": child_id},
    )
    return row is not None


async def link_caregiver(tx: Transaction, caregiver_id: int, child_id: int) -> None:
    await tx.execute(
        """
        INSERT INTO caregiver_child (caregiver_id, child_id, linked_at)
        VALUES (:caregiver_id, :child_id, :now)
        ON CONFLICT (caregiver_id, child_id) DO NOTHING
        """,
        {"caregiver_id": caregiver_id, "child_id": child_id, "now": now_text()},
    )


async def select_children_of_caregiver(db: Reader, caregiver_id: int) -> list[Child]:
    rows = await db.fetch_all(
        f"""
        SELECT {CHILD_COLUMNS}
          FROM child
          JOIN caregiver_child ON caregiver_child.child_id = child.id
         WHERE caregiver_child.caregiver_id = :caregiver_id AND child.closed_at IS NULL
         ORDER BY child.nickname, child.id
        """,  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"caregiver_id": caregiver_id},
    )
    return [Child.from_row(row) for row in rows]


async def select_child(db: Reader, child_id: int) -> Child | None:
    """A child by id, for staff (all nurses of the deployment see all children)."""
    row = await db.fetch_one(f"SELECT {CHILD_COLUMNS} FROM child WHERE id = :id", {"id": child_id})  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
    return Child.from_row(row) if row else None


async def select_all_children(db: Reader) -> list[Child]:
    rows = await db.scan(
        f"SELECT {CHILD_COLUMNS} FROM child ORDER BY child.closed_at IS NOT NULL, child.nickname, child.id"  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
    )
    return [Child.from_row(row) for row in rows]


async def select_caregivers(db: Reader, child_id: int) -> list[Caregiver]:
    rows = await db.fetch_all(
        """
        SELECT account.id, account.display_name, account.email, caregiver_child.linked_at,
               account.phone
          FROM caregiver_child
          JOIN account ON account.id = caregiver_child.caregiver_id
         WHERE caregiver_child.child_id = :child_id
         ORDER BY caregiver_child.linked_at
        """,
        {"child_id": child_id},
    )
    return [
        Caregiver(row["id"], row["display_name"], row["email"], row["linked_at"], row["phone"])
        for row in rows
    ]


async def select_caregiver_languages(db: Reader, child_id: int) -> set[str]:
    """The languages the child's caregivers chose for the app (their account's), so a
    nurse can write a visit's note in those too."""
    rows = await db.fetch_all(
        """
        SELECT DISTINCT account.locale
          FROM caregiver_child
          JOIN account ON account.id = caregiver_child.caregiver_id
         WHERE caregiver_child.child_id = :child_id AND account.locale IS NOT NULL
        """,
        {"child_id": child_id},
    )
    return {row["locale"] for row in rows}


async def is_caregiver_of(db: Reader, caregiver_id: int, child_id: int) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM caregiver_child WHERE caregiver_id = :caregiver_id AND child_id = :child_id",
        {"caregiver_id": caregiver_id, "child_id": child_id},
    )
    return row is not None


async def select_phone(db: Reader, account_id: int) -> str | None:
    """A caregiver's own phone number, for their settings page."""
    row = await db.fetch_one("SELECT phone FROM account WHERE id = :id", {"id": account_id})
    return row["phone"] if row else None


async def update_phone(tx: Transaction, account_id: int, phone: str | None) -> None:
    await tx.execute(
        "UPDATE account SET phone = :phone WHERE id = :id", {"phone": phone, "id": account_id}
    )
