"""Doses at home the short way: a medicine's id, the family's dose times, a dose as the
phone's outbox sends it, and a batch post."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

from pwa.clock import utcnow
from pwa.db import Database, Transaction
from pwa.doses import times
from pwa.families import store as families
from pwa.notifications import store as notifications
from tests.conftest import make_account
from tests.helpers.reports import SAME_ORIGIN


async def medicine_id(db: Database | Transaction, key: str = "isotretinoin") -> int:
    row = await db.fetch_one("SELECT id FROM home_medicine WHERE key = ?", (key,))
    assert row is not None, key
    return int(row["id"])


async def choose_dose_times(
    tx: Transaction,
    child_id: int,
    caregiver_id: int,
    *at: time,
    key: str = "isotretinoin",
    from_day: date = times.ALWAYS,
    remind: bool = True,
) -> None:
    """The family's dose times for one medicine, and this caregiver's reminders at them."""
    await times.save(
        tx,
        child_id=child_id,
        medicine_id=await medicine_id(tx, key),
        from_day=from_day,
        times=at,
        by=caregiver_id,
    )
    await notifications.save_preference(
        tx, caregiver_id, notifications.Preference(dose_reminders=remind)
    )


async def period_id(db: Database, child_id: int, course: int = 1) -> int:
    row = await db.fetch_one(
        """
        SELECT medication_period.id FROM medication_period
          JOIN treatment_plan ON treatment_plan.id = medication_period.plan_id
         WHERE treatment_plan.child_id = ? AND medication_period.course_number = ?
        """,
        (child_id, course),
    )
    assert row is not None
    return int(row["id"])


def dose(
    child_id: int, period: int, day: date, at: str = "08:00", **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "child_id": child_id,
        "period_id": period,
        "day": day.isoformat(),
        "time": at,
        "outcome": "given",
        "note": "",
        "recorded_at": utcnow().isoformat(),
    }
    body.update(overrides)
    return body


async def post_doses(client: Any, *doses: Any, headers: Any = None) -> Any:
    return await client.post(
        "/api/doses", json={"doses": list(doses)}, headers=headers or SAME_ORIGIN
    )


AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Course 1 from 11 January 2027: isotretinoin at home on days 19-32 (29 Jan - 11 Feb).
PLAN_START = date(2027, 1, 11)
# Monday 1 February 2027, 10:00 at home: day 4 of that period.
NOW = datetime(2027, 2, 1, 10, 0, tzinfo=AMSTERDAM)
TODAY = NOW.date()


async def second_parent(
    db: Database, app: Any, child_id: int, email: str = "dad@example.org"
) -> int:
    """Another caregiver of the same child (both parents of one family)."""
    caregiver_id = await make_account(db, app, email, "caregiver", privacy_version="2026-11")
    async with db.transaction() as tx:
        await families.link_caregiver(tx, caregiver_id, child_id)
    return caregiver_id


class _Slots(HTMLParser):
    """Each dose time on the home card: its attributes and the text a reader sees in it
    (nothing inside a ``hidden`` element)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[tuple[str, str], dict[str, Any]] = {}
        self._current: dict[str, Any] | None = None
        self._depth = 0
        self._hidden: tuple[str, int] | None = None  # the hidden element's tag, its nesting

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if self._current is None and "data-slot" in named:
            self._current = {"attrs": named, "text": []}
            self.found[(str(named["data-day"]), str(named["data-time"]))] = self._current
            self._depth = 0
        elif self._current is not None:
            if self._hidden is not None and tag == self._hidden[0]:
                self._hidden = (tag, self._hidden[1] + 1)
            elif self._hidden is None and "hidden" in named:
                self._hidden = (tag, 1)
        if self._current is not None and tag == "li":
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._hidden is not None and tag == self._hidden[0]:
            self._hidden = (tag, self._hidden[1] - 1) if self._hidden[1] > 1 else None
        if self._current is not None and tag == "li":
            self._depth -= 1
            if self._depth == 0:
                self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None and self._hidden is None and data.strip():
            self._current["text"].append(data.strip())


def card_slots(html: str) -> dict[tuple[str, str], tuple[bool, str]]:
    """(day, time) -> (shown, text) for every dose time the home card holds."""
    parser = _Slots()
    parser.feed(html)
    return {
        key: ("hidden" not in slot["attrs"], " ".join(slot["text"]))
        for key, slot in parser.found.items()
    }
