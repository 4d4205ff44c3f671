"""Guidance pages for tests: the form an admin posts, and pages written straight to the
database when a test is about reading them."""

from __future__ import annotations

from pwa.db import Database
from pwa.guidance import store


def page_form(
    slug: str = "pain-at-home",
    *,
    nl: tuple[str, str] = ("", ""),
    en: tuple[str, str] = ("", ""),
    action: str = "save",
) -> dict[str, str]:
    """The admin's form as a browser posts it (without its CSRF token)."""
    return {
        "slug": slug,
        "nl-title": nl[0],
        "nl-body": nl[1],
        "en-title": en[0],
        "en-body": en[1],
        "action": action,
    }


async def add_page(
    db: Database, slug: str, texts: dict[str, tuple[str, str]], actor_id: int | None = None
) -> int:
    async with db.transaction() as tx:
        return await store.insert_page(tx, slug, texts, actor_id)
