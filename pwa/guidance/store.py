"""Guidance pages and their words per language: rows, SQL, and which language a reader gets.

The only module that writes ``guidance_page`` and ``guidance_text``. Changing a page's
words removes its "reviewed for clinical use" mark in the same statement batch, since the
mark vouches for words the clinical team has read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ..db import Reader, Transaction, from_db, now_text

# A reader's own language first, then these, in order: the ward writes in Dutch first.
FALLBACK_LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class PageText:
    language: str
    title: str
    body_markdown: str
    updated_at: datetime
    updated_by: int | None


@dataclass(frozen=True)
class GuidancePage:
    id: int
    slug: str
    position: int
    reviewed_by: int | None
    reviewer_name: str | None
    reviewed_at: datetime | None
    texts: Mapping[str, PageText]

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None

    def text_for(self, language: str) -> PageText:
        """The words in ``language``, else in the first fallback language the page has."""
        for candidate in (language, *FALLBACK_LANGUAGES):
            if candidate in self.texts:
                return self.texts[candidate]
        # A page always has words in at least one language (the form requires it).
        return self.texts[min(self.texts)]


_PAGE_SQL = """
    SELECT guidance_page.id, slug, position, reviewed_by, reviewed_at,
           account.display_name AS reviewer_name
      FROM guidance_page LEFT JOIN account ON account.id = guidance_page.reviewed_by
"""
_TEXT_SQL = """
    SELECT page_id, language, title, body_markdown, updated_at, updated_by FROM guidance_text
"""


def _text(row: sqlite3.Row) -> PageText:
    return PageText(
        language=row["language"],
        title=row["title"],
        body_markdown=row["body_markdown"],
        updated_at=from_db(row["updated_at"]),
        updated_by=row["updated_by"],
    )


def _pages(rows: Iterable[sqlite3.Row], texts: Iterable[sqlite3.Row]) -> list[GuidancePage]:
    by_page: dict[int, dict[str, PageText]] = {}
    for row in texts:
        by_page.setdefault(row["page_id"], {})[row["language"]] = _text(row)
    return [
        GuidancePage(
            id=row["id"],
            slug=row["slug"],
            position=row["position"],
            reviewed_by=row["reviewed_by"],
            reviewer_name=row["reviewer_name"],
            reviewed_at=from_db(row["reviewed_at"]),
            texts=by_page.get(row["id"], {}),
        )
        for row in rows
    ]


async def select_pages(db: Reader) -> list[GuidancePage]:
    """Every page in the order families see them, with its words in every language."""
    rows = await db.fetch_all(f"{_PAGE_SQL} ORDER BY position, guidance_page.id")  # nosec B608
    texts = await db.fetch_all(_TEXT_SQL)
    return _pages(rows, texts)


async def _select_where(db: Reader, condition: str, value: object) -> GuidancePage | None:
    rows = await db.fetch_all(f"{_PAGE_SQL} WHERE {condition} = :value", {"value": value})  # nosec B608
    if not rows:
        return None
    texts = await db.fetch_all(f"{_TEXT_SQL} WHERE page_id = :id", {"id": rows[0]["id"]})  # nosec B608
    return _pages(rows, texts)[0]


async def select_page(db: Reader, page_id: int) -> GuidancePage | None:
    return await _select_where(db, "guidance_page.id", page_id)


async def select_page_by_slug(db: Reader, slug: str) -> GuidancePage | None:
    return await _select_where(db, "guidance_page.slug", slug)


async def slug_taken(db: Reader, slug: str, *, other_than: int | None = None) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM guidance_page WHERE slug = :slug AND id IS NOT :id",
        {"slug": slug, "id": other_than},
    )
    return row is not None


# --- writes ------------------------------------------------------------------------------


async def insert_page(
    tx: Transaction, slug: str, texts: Mapping[str, tuple[str, str]], actor_id: int | None
) -> int:
    """A new page at the end of the list; ``texts`` maps a language to (title, body)."""
    row = await tx.fetch_one(
        """
        INSERT INTO guidance_page (slug, position, created_at)
        VALUES (:slug, (SELECT COALESCE(MAX(position), 0) + 1 FROM guidance_page), :now)
        RETURNING id
        """,
        {"slug": slug, "now": now_text()},
    )
    assert row is not None
    await _write_texts(tx, row["id"], texts, actor_id)
    return int(row["id"])


async def update_page(
    tx: Transaction,
    page: GuidancePage,
    slug: str,
    texts: Mapping[str, tuple[str, str]],
    actor_id: int | None,
) -> bool:
    """Save a page's slug and words; True when its words changed (and so lost the mark)."""
    before = {language: (t.title, t.body_markdown) for language, t in page.texts.items()}
    changed = before != dict(texts)
    await tx.execute(
        "UPDATE guidance_page SET slug = :slug WHERE id = :id", {"slug": slug, "id": page.id}
    )
    if changed:
        await tx.execute("DELETE FROM guidance_text WHERE page_id = :id", {"id": page.id})
        await _write_texts(tx, page.id, texts, actor_id)
        await set_review(tx, page.id, None)
    return changed


async def _write_texts(
    tx: Transaction, page_id: int, texts: Mapping[str, tuple[str, str]], actor_id: int | None
) -> None:
    now = now_text()
    await tx.executemany(
        """
        INSERT INTO guidance_text (page_id, language, title, body_markdown, updated_at, updated_by)
        VALUES (?, ?, ?, ?, ?, ?)
        """,
        [(page_id, lang, title, body, now, actor_id) for lang, (title, body) in texts.items()],
    )


async def set_review(tx: Transaction, page_id: int, reviewer_id: int | None) -> None:
    """Mark a page reviewed for clinical use by ``reviewer_id`` now, or remove the mark."""
    await tx.execute(
        "UPDATE guidance_page SET reviewed_by = :by, reviewed_at = :at WHERE id = :id",
        {"by": reviewer_id, "at": now_text() if reviewer_id else None, "id": page_id},
    )


async def move_page(tx: Transaction, page_id: int, direction: Literal["up", "down"]) -> bool:
    """Swap a page with its neighbour above or below; False at either end of the list."""
    rows = await tx.fetch_all("SELECT id FROM guidance_page ORDER BY position, id")
    order = [row["id"] for row in rows]
    if page_id not in order:
        return False
    index = order.index(page_id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(order):
        return False
    order[index], order[other] = order[other], order[index]
    await tx.executemany(
        "UPDATE guidance_page SET position = ? WHERE id = ?",
        [(position, pid) for position, pid in enumerate(order, start=1)],
    )
    return True


async def delete_page(tx: Transaction, page_id: int) -> None:
    """Remove a page and its words (ON DELETE CASCADE); the audit log keeps what it was."""
    await tx.execute("DELETE FROM guidance_page WHERE id = :id", {"id": page_id})
