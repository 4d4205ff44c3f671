"""The admin's list of home medicines: the only module that writes ``home_medicine``.

Each medicine has a Dutch and an English name, and optionally one in each family language
(pwa/hospital_texts.py); a page shows the name in its own language, else the Dutch one,
else the English one. Medicines shipped as examples say so until an admin confirms them.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from .. import hospital_texts
from ..db import Reader, Transaction, now_text
from ..hospital_texts import Shown

NAME_MAX = 80


@dataclass(frozen=True)
class Medicine:
    id: int
    key: str
    name_nl: str
    name_en: str
    example: bool
    position: int
    texts: Mapping[str, str] = field(default_factory=dict, compare=False)

    def shown(self, locale: str | None = None) -> Shown:
        """The name in ``locale`` (the page's language), else Dutch, else English, with
        the language it is in (a page marks a name in another language)."""
        names = {"nl": self.name_nl, "en": self.name_en, **self.texts}
        return hospital_texts.pick(names, locale)

    def name(self, locale: str | None = None) -> str:
        return str(self.shown(locale))

    @classmethod
    def from_row(cls, row: sqlite3.Row, texts: Mapping[str, str] | None = None) -> Medicine:
        return cls(
            row["id"],
            row["key"],
            row["name_nl"],
            row["name_en"],
            bool(row["example"]),
            row["position"],
            texts or {},
        )


_COLUMNS = "id, key, name_nl, name_en, example, position"


async def select_all(db: Reader) -> list[Medicine]:
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM home_medicine ORDER BY position, id"  # noqa: S608  # nosec B608  # fixed column list
    )
    texts = await hospital_texts.select_subject(db, "home_medicine")
    return [Medicine.from_row(row, texts.get(str(row["id"]))) for row in rows]


async def select_by_ids(db: Reader, ids: set[int]) -> dict[int, Medicine]:
    return {medicine.id: medicine for medicine in await select_all(db) if medicine.id in ids}


async def select_one(db: Reader, medicine_id: int) -> Medicine | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM home_medicine WHERE id = :id",  # noqa: S608  # nosec B608  # fixed column list; the value is bound
        {"id": medicine_id},
    )
    if row is None:
        return None
    return Medicine.from_row(
        row, await hospital_texts.select_texts(db, "home_medicine", str(medicine_id))
    )


def key_for(name: str, taken: set[str]) -> str:
    """A short ASCII key from a name ("Morfine (afbouw)" -> "morfine-afbouw"), unique."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40] or "medicine"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


async def insert(
    tx: Transaction,
    *,
    name_nl: str,
    name_en: str,
    example: bool,
    texts: Mapping[str, str] | None = None,
) -> int:
    taken = {medicine.key for medicine in await select_all(tx)}
    row = await tx.fetch_one(
        """
        INSERT INTO home_medicine (key, name_nl, name_en, example, position, updated_at)
        VALUES (:key, :nl, :en, :example,
                (SELECT COALESCE(MAX(position), 0) + 1 FROM home_medicine), :now)
        RETURNING id
        """,
        {
            "key": key_for(name_en or name_nl, taken),
            "nl": name_nl,
            "en": name_en,
            "example": int(example),
            "now": now_text(),
        },
    )
    assert row is not None
    await hospital_texts.save(tx, "home_medicine", str(row["id"]), texts or {})
    return int(row["id"])


async def update(
    tx: Transaction,
    medicine_id: int,
    *,
    name_nl: str,
    name_en: str,
    example: bool,
    texts: Mapping[str, str] | None = None,
) -> None:
    """Change a medicine's names; ``texts``: its name in the family languages given."""
    await tx.execute(
        """
        UPDATE home_medicine SET name_nl = :nl, name_en = :en, example = :example, updated_at = :now
         WHERE id = :id
        """,
        {
            "id": medicine_id,
            "nl": name_nl,
            "en": name_en,
            "example": int(example),
            "now": now_text(),
        },
    )
    await hospital_texts.save(tx, "home_medicine", str(medicine_id), texts or {})
