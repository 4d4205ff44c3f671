"""The demo family's plan in the browser: its visits, dates as the pages write them, a
page check at 320 px, and undoing what a test changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Page

from pwa.demo import DEMO_DAYS_TO_NEXT_ADMISSION
from tests.helpers.browser import (
    ServedApp,
    assert_accessible,
    horizontal_overflow,
)

HOSPITAL = ZoneInfo("Europe/Amsterdam")
SPACING_DAYS = 35  # the shipped template: 5 courses 35 days apart, 7-day stays 09:00-17:00


def spoken(day: date) -> str:
    """A date as the family pages write it in English: 'Monday 12 January', and
    'Monday, 12 January 2027' outside the current year."""
    if day.year == datetime.now(HOSPITAL).year:
        return f"{day:%A} {day.day} {day:%B}"
    return f"{day:%A}, {day.day} {day:%B} {day.year}"


def hospital_today() -> date:
    """The family's countdown is counted in the hospital's calendar, not the server's."""
    return datetime.now(HOSPITAL).date()


@dataclass(frozen=True)
class DemoPlan:
    child_id: int
    visits: dict[int, int]  # course number -> visit id

    @property
    def next_admission(self) -> date:
        return hospital_today() + timedelta(days=DEMO_DAYS_TO_NEXT_ADMISSION)

    def course_start(self, course: int) -> date:
        return self.next_admission + timedelta(days=(course - 2) * SPACING_DAYS)


async def check_page(page: Page, narrow: bool = True, strict: bool = False) -> None:
    """No axe-core violation; at 320 px nothing wider than the screen and no word broken
    in two; `strict`: not even a table that scrolls sideways inside the page."""
    if narrow:
        assert await horizontal_overflow(page) == 0, f"{page.url} scrolls sideways at 320 px"
        assert await split_words(page) == [], f"{page.url}: words broken at 320 px"
        if strict:
            assert await sideways_scrolling(page) == [], f"{page.url} scrolls sideways at 320 px"
    await assert_accessible(page)


@asynccontextmanager
async def demo_rows_restored(served_app: ServedApp, visit_id: int) -> AsyncIterator[None]:
    """Whatever the test changes in this visit (or what families have seen), undo it."""
    snapshot = await take_snapshot(served_app, visit_id)
    try:
        yield
    finally:
        await restore(served_app, snapshot)
    assert await take_snapshot(served_app, visit_id) == snapshot


async def sideways_scrolling(page: Page) -> list[str]:
    """The page, and every box in it (such as a table's wrapper), that scrolls sideways."""
    return await page.evaluate(  # type: ignore[no-any-return]
        """() => [document.documentElement, ...document.querySelectorAll("body *")]
            .filter((element) => element.scrollWidth > element.clientWidth && (
                element === document.documentElement
                || ["auto", "scroll"].includes(getComputedStyle(element).overflowX)))
            .map((element) => element.tagName.toLowerCase() + (element.className
                ? "." + element.className.split(" ").join(".") : ""))"""
    )


async def split_words(page: Page) -> list[str]:
    """Words of the main content broken across two lines (not at a hyphen or slash)."""
    return await page.evaluate(  # type: ignore[no-any-return]
        r"""() => {
            const split = [];
            const walker = document.createTreeWalker(
                document.querySelector("main"), NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode;
                for (const word of node.data.matchAll(/[^\s\-–/]+/g)) {
                    const range = document.createRange();
                    range.setStart(node, word.index);
                    range.setEnd(node, word.index + word[0].length);
                    const lines = new Set(
                        [...range.getClientRects()].map((box) => Math.round(box.top)));
                    if (lines.size > 1) split.push(word[0]);
                }
            }
            return split;
        }"""
    )


@dataclass(frozen=True)
class Snapshot:
    visits: list[dict[str, Any]]
    medications: list[dict[str, Any]]
    plan_revision: int
    seen: list[dict[str, Any]]


async def take_snapshot(served_app: ServedApp, visit_id: int) -> Snapshot:
    """The visit's whole plan: moving one course can move its medication and later courses."""
    async with served_app.db() as db:
        visit = await db.fetch_one("SELECT plan_id FROM visit WHERE id = ?", (visit_id,))
        assert visit is not None
        plan_id = visit["plan_id"]
        plan = await db.fetch_one("SELECT revision FROM treatment_plan WHERE id = ?", (plan_id,))
        assert plan is not None
        visits = await db.fetch_all("SELECT * FROM visit WHERE plan_id = ? ORDER BY id", (plan_id,))
        medications = await db.fetch_all(
            "SELECT * FROM medication_period WHERE plan_id = ? ORDER BY id", (plan_id,)
        )
        seen = await db.fetch_all("SELECT * FROM schedule_seen")
    return Snapshot(
        [dict(row) for row in visits],
        [dict(row) for row in medications],
        plan["revision"],
        [dict(row) for row in seen],
    )


async def restore(served_app: ServedApp, snapshot: Snapshot) -> None:
    """Put the demo rows back: the plan's visits and medication, its revision, its change
    history, what families have seen."""
    plan_id = snapshot.visits[0]["plan_id"]
    async with served_app.db() as db, db.transaction() as connection:
        for visit in snapshot.visits:
            await _put_back(connection, "visit", visit)
        for medication in snapshot.medications:
            await _put_back(connection, "medication_period", medication)
        await connection.execute("DELETE FROM plan_change WHERE plan_id = :id", {"id": plan_id})
        await connection.execute(
            "UPDATE treatment_plan SET revision = :revision WHERE id = :id",
            {"revision": snapshot.plan_revision, "id": plan_id},
        )
        await connection.execute("DELETE FROM schedule_seen")
        for row in snapshot.seen:
            await connection.execute(
                "INSERT INTO schedule_seen (caregiver_id, child_id, seen_at)"
                " VALUES (:caregiver_id, :child_id, :seen_at)",
                row,
            )


async def _put_back(connection: Any, table: str, row: dict[str, Any]) -> None:
    columns = [name for name in row if name != "id"]
    await connection.execute(
        f"UPDATE {table} SET {', '.join(f'{name} = :{name}' for name in columns)} WHERE id = :id",  # noqa: S608
        row,
    )
