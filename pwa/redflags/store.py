"""The red-flag rules as the admin manages them: every row, on or off, in order.

Reports are judged with the rules that are switched on (``select_rules``); the rest of
this module is the admin's side: list, add, change, switch and remove. Every definition
written here has passed ``Rule.parse``, so the evaluators never meet a broken one.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from ..db import Reader, Transaction, from_db, now_text
from .rules import Rule


@dataclass(frozen=True)
class StoredRule:
    row_id: int
    position: int
    enabled: bool
    updated_at: datetime
    rule: Rule

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredRule:
        return cls(
            row_id=row["id"],
            position=row["position"],
            enabled=bool(row["enabled"]),
            updated_at=from_db(row["updated_at"]),
            rule=Rule.parse(json.loads(row["definition"])),
        )


async def select_rules(db: Reader) -> list[Rule]:
    """The rules switched on, in order: the ones reports are judged by."""
    rows = await db.fetch_all(
        "SELECT definition FROM red_flag_rule WHERE enabled = 1 ORDER BY position, id"
    )
    return [Rule.parse(json.loads(row["definition"])) for row in rows]


def _definition(rule: Rule) -> str:
    return json.dumps(rule.as_json(), ensure_ascii=False, sort_keys=True)


async def select_all(db: Reader) -> list[StoredRule]:
    rows = await db.fetch_all(
        """
        SELECT id, position, enabled, updated_at, definition
          FROM red_flag_rule
         ORDER BY position, id
        """
    )
    return [StoredRule.from_row(row) for row in rows]


async def select_one(db: Reader, row_id: int) -> StoredRule | None:
    row = await db.fetch_one(
        "SELECT id, position, enabled, updated_at, definition FROM red_flag_rule WHERE id = :id",
        {"id": row_id},
    )
    return StoredRule.from_row(row) if row else None


async def select_rule_ids(db: Reader) -> set[str]:
    """The ``id`` inside every definition, to keep new ones unique."""
    rows = await db.fetch_all("SELECT definition FROM red_flag_rule")
    return {str(json.loads(row["definition"]).get("id")) for row in rows}


async def insert_rule(tx: Transaction, rule: Rule) -> int:
    row = await tx.fetch_one(
        """
        INSERT INTO red_flag_rule (position, definition, enabled, updated_at)
        VALUES ((SELECT COALESCE(MAX(position), 0) + 1 FROM red_flag_rule), :definition, 1, :now)
        RETURNING id
        """,
        {"definition": _definition(rule), "now": now_text()},
    )
    assert row is not None
    return int(row["id"])


async def update_rule(tx: Transaction, row_id: int, rule: Rule) -> bool:
    changed = await tx.execute(
        "UPDATE red_flag_rule SET definition = :definition, updated_at = :now WHERE id = :id",
        {"definition": _definition(rule), "now": now_text(), "id": row_id},
    )
    return changed == 1


async def set_enabled(tx: Transaction, row_id: int, enabled: bool) -> bool:
    changed = await tx.execute(
        "UPDATE red_flag_rule SET enabled = :enabled, updated_at = :now WHERE id = :id",
        {"enabled": int(enabled), "now": now_text(), "id": row_id},
    )
    return changed == 1


async def delete_rule(tx: Transaction, row_id: int) -> bool:
    changed = await tx.execute("DELETE FROM red_flag_rule WHERE id = :id", {"id": row_id})
    return changed == 1
