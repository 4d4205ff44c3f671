"""Kinds of visit as the admin's settings: a stay, a day visit, a scan, a hearing test...

Each kind has a key that never changes once made (visits name their kind by it, and other
systems will map their appointment types to it), names in English and Dutch (and, optionally, the family languages), whether it is
a stay, how long it usually lasts (none: planned with a first and a last day, like the
courses' visits; minutes: a short visit on one day) and its reminders (none: the
hospital's reminder times of /admin/reminders).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time

from .. import hospital_texts
from ..db import Reader, Transaction, now_text

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# The kinds a plan template's course visits may be (migration 0002's CHECK keeps them).
COURSE_KINDS = ("admission", "day_visit", "home_infusion")

Offset = tuple[int, time]


@dataclass(frozen=True)
class VisitKind:
    key: str
    name_en: str
    name_nl: str
    is_stay: bool = False
    # None: planned by dates; else a short visit's usual length in minutes.
    default_minutes: int | None = None
    # None: the hospital's reminder times; else these ("1 day before at 18:00"...).
    reminders: tuple[Offset, ...] | None = None
    active: bool = True
    position: int = 0
    # The name in the family languages (pwa/hospital_texts.py); visits read them too.
    texts: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def short(self) -> bool:
        return self.default_minutes is not None

    def name(self, locale: str) -> str:
        names = {"en": self.name_en, "nl": self.name_nl, **self.texts}
        return str(hospital_texts.pick(names, locale))


def reminders_to_json(reminders: tuple[Offset, ...] | None) -> str | None:
    if reminders is None:
        return None
    return json.dumps([{"days_before": days, "at": at.strftime("%H:%M")} for days, at in reminders])


def reminders_from_json(text: str | None) -> tuple[Offset, ...] | None:
    if text is None:
        return None
    return tuple(
        (int(item["days_before"]), time.fromisoformat(item["at"])) for item in json.loads(text)
    )


def _kind(row: sqlite3.Row, texts: Mapping[str, str]) -> VisitKind:
    return VisitKind(
        key=row["key"],
        name_en=row["name_en"],
        name_nl=row["name_nl"],
        is_stay=bool(row["is_stay"]),
        default_minutes=row["default_minutes"],
        reminders=reminders_from_json(row["reminders"]),
        active=bool(row["active"]),
        position=row["position"],
        texts=texts,
    )


_COLUMNS = "key, name_en, name_nl, is_stay, default_minutes, reminders, active, position"


async def select_all(db: Reader) -> list[VisitKind]:
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM visit_kind ORDER BY position, key"  # noqa: S608  # nosec B608  # a fixed column list
    )
    texts = await hospital_texts.select_subject(db, "visit_kind")
    return [_kind(row, texts.get(row["key"], {})) for row in rows]


async def select_kind(db: Reader, key: str) -> VisitKind | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM visit_kind WHERE key = :key",  # noqa: S608  # nosec B608  # a fixed column list; the value is bound
        {"key": key},
    )
    if row is None:
        return None
    return _kind(row, await hospital_texts.select_texts(db, "visit_kind", key))


async def in_use(db: Reader, key: str) -> bool:
    """Whether any visit (or the plan template) names this kind: then it cannot be deleted."""
    row = await db.fetch_one(
        """
        SELECT EXISTS (SELECT 1 FROM visit WHERE kind = :key)
            OR EXISTS (SELECT 1 FROM plan_template WHERE visit_kind = :key)
            OR EXISTS (SELECT 1 FROM plan_template, json_each(plan_template.short_visits)
                        WHERE json_extract(json_each.value, '$.kind') = :key)
        """,
        {"key": key},
    )
    return bool(row and row[0])


async def save_kind(tx: Transaction, kind: VisitKind) -> None:
    """Add a kind or change one (its key stays what it was), with its name in the family
    languages it gives (an empty one removes that language)."""
    await tx.execute(
        """
        INSERT INTO visit_kind (key, name_en, name_nl, is_stay, default_minutes, reminders,
                                active, position, updated_at)
        VALUES (:key, :name_en, :name_nl, :is_stay, :minutes, :reminders, :active,
                COALESCE((SELECT MAX(position) FROM visit_kind), 0) + 1, :now)
        ON CONFLICT (key) DO UPDATE SET
            name_en = excluded.name_en, name_nl = excluded.name_nl, is_stay = excluded.is_stay,
            default_minutes = excluded.default_minutes, reminders = excluded.reminders,
            active = excluded.active, updated_at = excluded.updated_at
        """,
        {
            "key": kind.key,
            "name_en": kind.name_en,
            "name_nl": kind.name_nl,
            "is_stay": int(kind.is_stay),
            "minutes": kind.default_minutes,
            "reminders": reminders_to_json(kind.reminders),
            "active": int(kind.active),
            "now": now_text(),
        },
    )
    await hospital_texts.save(tx, "visit_kind", kind.key, kind.texts)


async def delete_kind(tx: Transaction, key: str) -> bool:
    """Delete a kind nothing uses; False (and nothing deleted) when something does."""
    if await in_use(tx, key):
        return False
    return await tx.execute("DELETE FROM visit_kind WHERE key = :key", {"key": key}) > 0
