"""The demo plan is built around the hospital's today, where the family's countdown is
counted, not around the server's (UTC) date."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from quart import Quart

from pwa import demo
from pwa.db import Database


async def test_demo_admission_is_three_days_ahead_in_the_hospitals_calendar(
    app: Quart, db: Database
) -> None:
    # 23:30 UTC on 27 November is already 28 November in Amsterdam.
    with time_machine.travel(datetime(2026, 11, 27, 23, 30, tzinfo=UTC), tick=False):
        assert await demo.load(app, db) is True
    row = await db.fetch_one("SELECT starts_local FROM visit WHERE course_number = 2")
    assert row is not None
    assert row["starts_local"] == "2026-12-01T09:00"
