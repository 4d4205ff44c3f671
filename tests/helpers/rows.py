"""What the database holds, read the short way: counts, audit details, notification jobs."""

from __future__ import annotations

from typing import Any

from pwa.db import Database


async def count(
    db: Database, sql: str = "SELECT COUNT(*) FROM report", params: tuple[Any, ...] = ()
) -> int:
    row = await db.fetch_one(sql, params)
    assert row is not None
    return int(row[0])


async def audit_rows(db: Database, action: str) -> list[str]:
    rows = await db.fetch_all(
        "SELECT detail FROM audit_log WHERE action = ? ORDER BY id", (action,)
    )
    return [row["detail"] for row in rows]


async def jobs(db: Database, where: str = "1 = 1") -> list[Any]:
    return await db.fetch_all(f"SELECT * FROM notification_job WHERE {where} ORDER BY due_at, id")  # noqa: S608


async def one(db: Database, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """The one row a query must find."""
    row = await db.fetch_one(sql, params)
    assert row is not None, sql
    return row
