"""Calendar feeds as rows: one secret URL per caregiver and child, stored only as a hash.

A feed answers only while it is not revoked, the caregiver is still linked to the child,
the account is enabled and the child's record is open; all of that is checked in the SQL.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from ..db import Reader, Transaction, from_db, now_text
from .store import VISIT_COLUMNS, Visit


@dataclass(frozen=True)
class CalendarFeed:
    id: int
    caregiver_id: int
    child_id: int
    created_at: datetime


@dataclass(frozen=True)
class FeedOwner:
    """Whose feed a token opens: enough to build it in the caregiver's language."""

    feed_id: int
    caregiver_id: int
    child_id: int
    locale: str | None


@dataclass(frozen=True)
class CalendarVisit:
    """A visit with the moment its row last changed (iCalendar LAST-MODIFIED)."""

    visit: Visit
    modified_at: datetime


def _feed(row: sqlite3.Row) -> CalendarFeed:
    created = from_db(row["created_at"])
    assert created is not None
    return CalendarFeed(row["id"], row["caregiver_id"], row["child_id"], created)


async def replace_feed(
    tx: Transaction, *, caregiver_id: int, child_id: int, token_hash: bytes
) -> int:
    """Start a new feed for this caregiver and child; any earlier one stops working."""
    await revoke_feeds(tx, caregiver_id=caregiver_id, child_id=child_id)
    row = await tx.fetch_one(
        """
        INSERT INTO calendar_feed (caregiver_id, child_id, token_hash, created_at)
        VALUES (:caregiver_id, :child_id, :token_hash, :now)
        RETURNING id
        """,
        {
            "caregiver_id": caregiver_id,
            "child_id": child_id,
            "token_hash": token_hash,
            "now": now_text(),
        },
    )
    assert row is not None
    return int(row["id"])


async def revoke_feeds(tx: Transaction, *, caregiver_id: int, child_id: int) -> int:
    """Revoke this caregiver's live feeds for the child; the number revoked."""
    changed = await tx.execute(
        """
        UPDATE calendar_feed SET revoked_at = :now
         WHERE caregiver_id = :caregiver_id AND child_id = :child_id AND revoked_at IS NULL
        """,
        {"caregiver_id": caregiver_id, "child_id": child_id, "now": now_text()},
    )
    return changed


async def select_live_feed(db: Reader, caregiver_id: int, child_id: int) -> CalendarFeed | None:
    row = await db.fetch_one(
        """
        SELECT id, caregiver_id, child_id, created_at FROM calendar_feed
         WHERE caregiver_id = :caregiver_id AND child_id = :child_id AND revoked_at IS NULL
         ORDER BY id DESC LIMIT 1
        """,
        {"caregiver_id": caregiver_id, "child_id": child_id},
    )
    return _feed(row) if row else None


async def select_feed_owner(db: Reader, token_hash: bytes) -> FeedOwner | None:
    """The feed a token opens, or None when it is unknown or must no longer answer."""
    row = await db.fetch_one(
        """
        SELECT calendar_feed.id, calendar_feed.caregiver_id, calendar_feed.child_id, account.locale
          FROM calendar_feed
          JOIN caregiver_child ON caregiver_child.caregiver_id = calendar_feed.caregiver_id
                              AND caregiver_child.child_id = calendar_feed.child_id
          JOIN account ON account.id = calendar_feed.caregiver_id
          JOIN child ON child.id = calendar_feed.child_id
         WHERE calendar_feed.token_hash = :token_hash
           AND calendar_feed.revoked_at IS NULL
           AND account.disabled_at IS NULL
           AND child.closed_at IS NULL
        """,
        {"token_hash": token_hash},
    )
    if row is None:
        return None
    return FeedOwner(row["id"], row["caregiver_id"], row["child_id"], row["locale"])


async def select_calendar_visits(db: Reader, child_id: int) -> list[CalendarVisit]:
    """All visits of the child's plan, cancelled ones included (calendars must hear of them)."""
    rows = await db.scan(
        f"""
        SELECT {VISIT_COLUMNS}, COALESCE(visit.changed_at, visit.created_at) AS modified_at
          FROM visit JOIN treatment_plan ON treatment_plan.id = visit.plan_id
         WHERE treatment_plan.child_id = :child_id
         ORDER BY visit.starts_local, visit.id
        """,  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"child_id": child_id},
    )
    return [_calendar_visit(row) for row in rows]


async def select_calendar_visit(db: Reader, visit_id: int) -> CalendarVisit | None:
    """One visit with its change time; callers check ownership first."""
    row = await db.fetch_one(
        f"""
        SELECT {VISIT_COLUMNS}, COALESCE(visit.changed_at, visit.created_at) AS modified_at
          FROM visit JOIN treatment_plan ON treatment_plan.id = visit.plan_id
         WHERE visit.id = :id
        """,  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"id": visit_id},
    )
    return _calendar_visit(row) if row else None


def _calendar_visit(row: sqlite3.Row) -> CalendarVisit:
    modified = from_db(row["modified_at"])
    assert modified is not None
    return CalendarVisit(Visit.from_row(row), modified)
