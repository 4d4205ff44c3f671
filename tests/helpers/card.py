"""The emergency card as the nurse fills it in and the family reads it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pwa.db import Database
from pwa.diary import sync
from tests.conftest import People, post_form
from tests.helpers.pages import page_text, plain

# What a nurse typically fills in: every field, the weight the Dutch way.
FILLED_IN = {
    "central_line": "tunnelled",
    "allergies": "Penicillin: rash and swollen lips (2026).",
    "weight": "21,4",
    "weighed_on": "2026-11-30",
}


async def fill_card(nurse: Any, child_id: int, **fields: str) -> Any:
    """Post the card's form from the child's page, as the nurse's browser does."""
    return await post_form(
        nurse,
        f"/nurse/children/{child_id}/card",
        {**FILLED_IN, **fields},
        csrf_path=f"/nurse/children/{child_id}",
    )


async def card_text(family: Any, path: str = "/card") -> str:
    """The card's main part as a reader sees it."""
    html = await page_text(family, path)
    return plain(html.split('<main id="main"', 1)[1].split("</main>", 1)[0])


async def store_report(
    db: Database, people: People, observed: datetime, items: dict[str, Any], **extra: Any
) -> str:
    """A report of the test family's child, stored through the sync code; its uuid."""
    draft, result = sync.parse(
        {
            "id": str(uuid.uuid4()),
            "child_id": people.child_id,
            "observed_at": observed.isoformat(),
            "items": items,
            **extra,
        }
    )
    assert draft is not None, result
    stored = await sync.store_draft(db, draft, people.parent_id)
    assert stored.status == "stored", stored
    return draft.client_uuid
