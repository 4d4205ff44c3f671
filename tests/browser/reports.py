"""Reports for nurse browser tests, stored as the demo family's phone would send them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pwa.db import to_db
from pwa.diary import sync

from .harness import PARENT, ServedApp


async def add_report(
    served_app: ServedApp, items: dict[str, Any], *, waited: timedelta | None = None
) -> str:
    """A new report by the demo parent for the demo child (received ``waited`` ago); its uuid.

    Each test adds its own report (with values no other report has, so its queue item can
    be found by what it says), because all browser tests share one served database.
    """
    async with served_app.db() as db:
        row = await db.fetch_one(
            """
            SELECT account.id AS parent, caregiver_child.child_id AS child FROM account
              JOIN caregiver_child ON caregiver_child.caregiver_id = account.id
             WHERE account.email = :email ORDER BY caregiver_child.child_id LIMIT 1
            """,
            {"email": PARENT.email},
        )
        assert row is not None
        draft, problems = sync.parse(
            {
                "id": str(uuid.uuid4()),
                "child_id": row["child"],
                "observed_at": datetime.now(UTC).isoformat(),
                "items": items,
            }
        )
        assert draft is not None, problems
        result = await sync.store_draft(db, draft, row["parent"])
        assert result.status == "stored", result
        if waited is not None:
            async with db.transaction() as connection:
                await connection.execute(
                    "UPDATE report SET received_at = :at, observed_at = :at WHERE client_uuid = :uid",
                    {"at": to_db(datetime.now(UTC) - waited), "uid": draft.client_uuid},
                )
        return draft.client_uuid
