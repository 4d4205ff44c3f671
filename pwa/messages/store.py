"""The message table: the only module that writes it. Messages are never edited; only
who read them, and when, is added once."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from ..db import Reader, Transaction, from_db, now_text

BODY_MAX = 2000


@dataclass(frozen=True)
class Message:
    """One message of a child's conversation, as both sides' pages show it."""

    id: int
    client_uuid: str
    child_id: int
    author: str
    from_ward: bool
    body: str
    urgent: bool
    at: datetime
    read_at: datetime | None
    reader: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Message:
        return cls(
            id=row["id"],
            client_uuid=row["client_uuid"],
            child_id=row["child_id"],
            author=row["author_name"] or "",
            from_ward=bool(row["from_ward"]),
            body=row["body"],
            urgent=bool(row["urgent"]),
            at=from_db(row["created_at"]),
            read_at=from_db(row["read_at"]),
            reader=row["reader_name"],
        )

    @property
    def first_line(self) -> str:
        return next((line.strip() for line in self.body.splitlines() if line.strip()), "")


_COLUMNS = """
    SELECT message.*, author.display_name AS author_name, reader.display_name AS reader_name
      FROM message
      LEFT JOIN account AS author ON author.id = message.author_id
      LEFT JOIN account AS reader ON reader.id = message.read_by
"""


async def select_by_uuid(db: Reader, client_uuid: str) -> sqlite3.Row | None:
    return await db.fetch_one(
        "SELECT id, child_id, content_hash FROM message WHERE client_uuid = :uuid",
        {"uuid": client_uuid},
    )


async def insert(
    tx: Transaction,
    *,
    client_uuid: str,
    child_id: int,
    author_id: int,
    from_ward: bool,
    body: str,
    urgent: bool,
    content_hash: str,
) -> int:
    row = await tx.fetch_one(
        """
        INSERT INTO message (client_uuid, child_id, author_id, from_ward, body, urgent,
                             content_hash, created_at)
        VALUES (:uuid, :child, :author, :from_ward, :body, :urgent, :hash, :now)
        RETURNING id
        """,
        {
            "uuid": client_uuid,
            "child": child_id,
            "author": author_id,
            "from_ward": int(from_ward),
            "body": body,
            "urgent": int(urgent),
            "hash": content_hash,
            "now": now_text(),
        },
    )
    assert row is not None
    return int(row["id"])


async def select_thread(db: Reader, child_id: int) -> list[Message]:
    """A child's messages, oldest first."""
    rows = await db.fetch_all(
        _COLUMNS + " WHERE message.child_id = :child ORDER BY message.id", {"child": child_id}
    )
    return [Message.from_row(row) for row in rows]


async def mark_read(tx: Transaction, child_id: int, *, from_ward: bool, reader_id: int) -> int:
    """The other side opened the conversation: its unread messages are read, by whom, now."""
    return await tx.execute(
        """
        UPDATE message SET read_at = :now, read_by = :reader
         WHERE child_id = :child AND from_ward = :from_ward AND read_at IS NULL
        """,
        {"now": now_text(), "reader": reader_id, "child": child_id, "from_ward": int(from_ward)},
    )


async def count_unread_for_caregiver(db: Reader, caregiver_id: int) -> int:
    """Ward messages to this caregiver's children that nobody in the family has opened."""
    row = await db.fetch_one(
        """
        SELECT COUNT(*) FROM message
          JOIN caregiver_child ON caregiver_child.child_id = message.child_id
         WHERE caregiver_child.caregiver_id = :caregiver AND message.from_ward = 1
           AND message.read_at IS NULL
        """,
        {"caregiver": caregiver_id},
    )
    return int(row[0]) if row else 0


async def count_unread_conversations(db: Reader) -> int:
    """Children whose conversation holds a family message no nurse has opened."""
    row = await db.fetch_one(
        "SELECT COUNT(DISTINCT child_id) FROM message WHERE from_ward = 0 AND read_at IS NULL"
    )
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class Conversation:
    """One line of the nurses' list: a child, its first unread (or last) family message."""

    child_id: int
    nickname: str
    unread: int
    urgent: bool
    first_line: str
    at: datetime  # the oldest unread family message, or the last message of any side


async def select_conversations(db: Reader) -> list[Conversation]:
    """Conversations with unread family messages first, oldest waiting first; then the
    rest, most recent first."""
    rows = await db.fetch_all(
        """
        WITH unread AS (
            SELECT child_id, COUNT(*) AS unread, MAX(urgent) AS urgent, MIN(id) AS first_id
              FROM message WHERE from_ward = 0 AND read_at IS NULL GROUP BY child_id
        ), latest AS (
            SELECT child_id, MAX(id) AS last_id FROM message GROUP BY child_id
        )
        SELECT child.id AS child_id, child.nickname, COALESCE(unread.unread, 0) AS unread,
               COALESCE(unread.urgent, 0) AS urgent, shown.body, shown.created_at
          FROM latest
          JOIN child ON child.id = latest.child_id
          LEFT JOIN unread ON unread.child_id = latest.child_id
          JOIN message AS shown ON shown.id = COALESCE(unread.first_id, latest.last_id)
         ORDER BY unread.first_id IS NULL, CASE WHEN unread.first_id IS NOT NULL THEN shown.id END,
                  latest.last_id DESC
        """
    )
    return [
        Conversation(
            child_id=row["child_id"],
            nickname=row["nickname"],
            unread=row["unread"],
            urgent=bool(row["urgent"]),
            first_line=next(
                (line.strip() for line in row["body"].splitlines() if line.strip()), ""
            ),
            at=from_db(row["created_at"]),
        )
        for row in rows
    ]
