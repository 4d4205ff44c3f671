"""The append-only access log (NEN 7513 style): who did what to which child, and when.

Rows are written in the same transaction as the change they describe; SQLite triggers
refuse UPDATE and DELETE on the table (see migration 0001).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from .db import Database, from_db, now_text


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    child_id: int | None
    detail: str


async def record(
    connection: aiosqlite.Connection,
    *,
    actor_id: int | None,
    action: str,
    child_id: int | None = None,
    detail: str = "",
) -> None:
    """Append one entry; call inside the transaction of the change it describes."""
    await connection.execute(
        """
        INSERT INTO audit_log (at, actor_id, action, child_id, detail)
        VALUES (:at, :actor_id, :action, :child_id, :detail)
        """,
        {"at": now_text(), "actor_id": actor_id, "action": action, "child_id": child_id, "detail": detail},
    )


async def record_read(db: Database, *, actor_id: int, action: str, child_id: int, detail: str = "") -> None:
    """Log that staff opened a child's data (a read, so it needs its own small write)."""
    async with db.transaction() as connection:
        await record(connection, actor_id=actor_id, action=action, child_id=child_id, detail=detail)


async def select_for_child(db: Database, child_id: int, limit: int = 200) -> list[AuditEntry]:
    rows = await db.fetch_all(
        """
        SELECT audit_log.id, audit_log.at, audit_log.actor_id, account.display_name AS actor_name,
               audit_log.action, audit_log.child_id, audit_log.detail
          FROM audit_log
          LEFT JOIN account ON account.id = audit_log.actor_id
         WHERE audit_log.child_id = :child_id
         ORDER BY audit_log.id DESC
         LIMIT :limit
        """,
        {"child_id": child_id, "limit": limit},
    )
    return [
        AuditEntry(
            id=row["id"],
            at=from_db(row["at"]),  # type: ignore[arg-type]
            actor_id=row["actor_id"],
            actor_name=row["actor_name"],
            action=row["action"],
            child_id=row["child_id"],
            detail=row["detail"],
        )
        for row in rows
    ]
