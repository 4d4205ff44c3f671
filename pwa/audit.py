"""The append-only access log (NEN 7513 style): who did what to which child, and when.

Rows are written in the same transaction as the change they describe; SQLite triggers
refuse UPDATE and DELETE on the table (see migration 0001).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from .db import Database, Reader, Transaction, from_db, now_text, to_db


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    child_id: int | None
    detail: str
    # A hospital system (FHIR client, pwa/fhir/) that acted instead of a person.
    client_name: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> AuditEntry:
        return cls(
            id=row["id"],
            at=from_db(row["at"]),
            actor_id=row["actor_id"],
            actor_name=row["actor_name"],
            action=row["action"],
            child_id=row["child_id"],
            detail=row["detail"],
            client_name=row["client_name"],
        )


async def record(
    tx: Transaction,
    *,
    actor_id: int | None,
    action: str,
    child_id: int | None = None,
    detail: str = "",
    client_id: int | None = None,
) -> None:
    """Append one entry; call inside the transaction of the change it describes.

    ``client_id`` names the hospital system (a FHIR client) that acted, when no person did.
    """
    await tx.execute(
        """
        INSERT INTO audit_log (at, actor_id, action, child_id, detail, fhir_client_id)
        VALUES (:at, :actor_id, :action, :child_id, :detail, :client_id)
        """,
        {
            "at": now_text(),
            "actor_id": actor_id,
            "action": action,
            "child_id": child_id,
            "detail": detail,
            "client_id": client_id,
        },
    )


async def record_read(
    db: Database, *, actor_id: int, action: str, child_id: int, detail: str = ""
) -> None:
    """Log that staff opened a child's data (a read, so it needs its own small write)."""
    async with db.transaction() as tx:
        await record(tx, actor_id=actor_id, action=action, child_id=child_id, detail=detail)


async def select_for_child(db: Reader, child_id: int, limit: int = 200) -> list[AuditEntry]:
    rows = await db.scan(
        """
        SELECT audit_log.id, audit_log.at, audit_log.actor_id, account.display_name AS actor_name,
               audit_log.action, audit_log.child_id, audit_log.detail,
               fhir_client.name AS client_name
          FROM audit_log
          LEFT JOIN account ON account.id = audit_log.actor_id
          LEFT JOIN fhir_client ON fhir_client.id = audit_log.fhir_client_id
         WHERE audit_log.child_id = :child_id
         ORDER BY audit_log.id DESC
         LIMIT :limit
        """,
        {"child_id": child_id, "limit": limit},
    )
    return [AuditEntry.from_row(row) for row in rows]


# --- searching the log -------------------------------------------------------------

FAMILIES = "families"  # the actor filter for every caregiver at once
PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What an admin searches for; None means any. Times are UTC bounds (until exclusive)."""

    actor: int | str | None = None  # an account id, or FAMILIES
    action: str | None = None
    child_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    """One entry as the admin page shows it: names joined in, the child may be purged."""

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None
    actor_role: str | None
    action: str
    child_id: int | None
    child_nickname: str | None
    detail: str
    client_name: str | None = None  # a hospital system that acted (pwa/fhir/)


def _where(query: AuditFilter) -> tuple[str, dict[str, object]]:
    clauses: list[str] = []
    params: dict[str, object] = {}
    if query.actor == FAMILIES:
        clauses.append("account.role = 'caregiver'")
    elif isinstance(query.actor, int):
        clauses.append("audit_log.actor_id = :actor_id")
        params["actor_id"] = query.actor
    if query.action:
        clauses.append("audit_log.action = :action")
        params["action"] = query.action
    if query.child_id is not None:
        clauses.append("audit_log.child_id = :child_id")
        params["child_id"] = query.child_id
    if query.since is not None:
        clauses.append("audit_log.at >= :since")
        params["since"] = to_db(query.since)
    if query.until is not None:
        clauses.append("audit_log.at < :until")
        params["until"] = to_db(query.until)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


async def search(db: Reader, query: AuditFilter, page: int = 1) -> tuple[list[AuditRow], bool]:
    """One page of matching entries, newest first, and whether an older page exists."""
    where, params = _where(query)
    # The WHERE text is built from fixed clauses only; every value is a bound parameter.
    sql = f"""
        SELECT audit_log.id, audit_log.at, audit_log.actor_id, account.display_name AS actor_name,
               account.role AS actor_role, audit_log.action, audit_log.child_id,
               child.nickname AS child_nickname, audit_log.detail,
               fhir_client.name AS client_name
          FROM audit_log
          LEFT JOIN account ON account.id = audit_log.actor_id
          LEFT JOIN child ON child.id = audit_log.child_id
          LEFT JOIN fhir_client ON fhir_client.id = audit_log.fhir_client_id
          {where}
         ORDER BY audit_log.id DESC
         LIMIT :limit OFFSET :offset
    """  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
    offset = (max(page, 1) - 1) * PAGE_SIZE
    rows = await db.scan(sql, {**params, "limit": PAGE_SIZE + 1, "offset": offset})
    found = [
        AuditRow(
            id=row["id"],
            at=from_db(row["at"]),
            actor_id=row["actor_id"],
            actor_name=row["actor_name"],
            actor_role=row["actor_role"],
            action=row["action"],
            child_id=row["child_id"],
            child_nickname=row["child_nickname"],
            detail=row["detail"],
            client_name=row["client_name"],
        )
        for row in rows
    ]
    return found[:PAGE_SIZE], len(found) > PAGE_SIZE


async def select_actions(db: Reader) -> list[str]:
    """Every action the log holds, for the search form's list."""
    rows = await db.fetch_all("SELECT DISTINCT action FROM audit_log ORDER BY action")
    return [row["action"] for row in rows]


async def select_staff_reads(
    db: Reader, child_id: int, page: int = 1
) -> tuple[list[AuditEntry], bool]:
    """Staff or a hospital system opening or exporting this child's data, newest first:
    what the family sees."""
    rows = await db.scan(
        """
        SELECT audit_log.id, audit_log.at, audit_log.actor_id, account.display_name AS actor_name,
               audit_log.action, audit_log.child_id, audit_log.detail,
               fhir_client.name AS client_name
          FROM audit_log
          LEFT JOIN account ON account.id = audit_log.actor_id
          LEFT JOIN fhir_client ON fhir_client.id = audit_log.fhir_client_id
         WHERE audit_log.child_id = :child_id
           AND (account.role IN ('nurse', 'admin') OR audit_log.fhir_client_id IS NOT NULL)
           AND (audit_log.action LIKE '%.viewed' OR audit_log.action LIKE 'export.%')
         ORDER BY audit_log.id DESC
         LIMIT :limit OFFSET :offset
        """,
        {"child_id": child_id, "limit": PAGE_SIZE + 1, "offset": (max(page, 1) - 1) * PAGE_SIZE},
    )
    found = [AuditEntry.from_row(row) for row in rows]
    return found[:PAGE_SIZE], len(found) > PAGE_SIZE
