"""Nurse pages and corrected reports: a report the family replaced never reads as current
on the queue, the report page or the child page, and stays reviewable."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from pwa.db import Database
from pwa.diary import store as diary_store
from pwa.diary import sync
from tests.conftest import People, csrf_from

AMS = ZoneInfo("Europe/Amsterdam")
# An hour ago: the signed-in client's session lives in real time.
START = datetime.now(AMS).replace(microsecond=0) - timedelta(hours=1)


async def send(
    db: Database, people: People, minutes: int, items: dict[str, Any], corrects: str | None = None
) -> str:
    """A report sent ``minutes`` after START, optionally correcting an earlier one."""
    with time_machine.travel(START + timedelta(minutes=minutes), tick=False):
        draft, _ = sync.parse(
            {
                "id": str(uuid.uuid4()),
                "child_id": people.child_id,
                "observed_at": datetime.now(UTC).isoformat(),
                "items": items,
                "corrects": corrects,
            }
        )
        assert draft is not None
        result = await sync.store_draft(db, draft, people.parent_id)
    assert result.status == "stored"
    return draft.client_uuid


def queue_items(page: str) -> list[str]:
    """Each queue item's HTML, in the order the nurse sees them."""
    return re.findall(r'<li class="queue-item.*?</li>', page, flags=re.DOTALL)


def item_of(items: list[str], uid: str) -> str:
    return next(item for item in items if f'href="/nurse/reports/{uid}"' in item.split("</a>")[0])


async def test_queue_marks_a_superseded_report_and_keeps_it_after_its_correction(
    db: Database, people: People, nurse_client: Any
) -> None:
    """Hazard H6: a superseded report in the queue is marked "Corrected later", links to
    the current report and follows it, at the place of the family's most urgent report."""
    old = await send(db, people, 0, {"pain": 9})  # red
    amber = await send(db, people, 5, {"pain": 5})
    correction = await send(db, people, 10, {"pain": 1}, corrects=old)  # green
    page = await (await nurse_client.get("/nurse/queue")).get_data(as_text=True)
    items = queue_items(page)
    order = [next(uid for uid in (old, amber, correction) if uid in item) for item in items]
    assert order == [correction, old, amber]
    superseded = item_of(items, old)
    assert "queue-item--superseded" in superseded
    assert "Corrected later" in superseded
    assert f'<a href="/nurse/reports/{correction}">see the current report</a>' in superseded
    current = item_of(items, correction)
    assert "Corrected later" not in current and "Corrects an earlier report" in current
    assert "Corrected later" not in item_of(items, amber)


async def test_superseded_report_page_says_so_first_and_stays_reviewable(
    db: Database, people: People, nurse_client: Any
) -> None:
    """Hazard H6: the page of a superseded report says "Corrected by a later report" above
    everything else and links to the newest correction; it can still be reviewed."""
    old = await send(db, people, 0, {"temperature": 39.0})
    first = await send(db, people, 10, {"temperature": 38.0}, corrects=old)
    newest = await send(db, people, 20, {"temperature": 37.0}, corrects=first)
    page = await (await nurse_client.get(f"/nurse/reports/{old}")).get_data(as_text=True)
    assert "Corrected by a later report" in page
    assert page.index("Corrected by a later report") < page.index("Nobody is handling")
    assert f'<a href="/nurse/reports/{newest}">Open the current report' in page
    middle = await (await nurse_client.get(f"/nurse/reports/{first}")).get_data(as_text=True)
    assert "Corrected by a later report" in middle and f"/nurse/reports/{newest}" in middle
    current = await (await nurse_client.get(f"/nurse/reports/{newest}")).get_data(as_text=True)
    assert "Corrected by a later report" not in current
    assert f'<a href="/nurse/reports/{first}">Corrects an earlier report</a>' in current
    response = await nurse_client.post(
        f"/nurse/reports/{old}", form={"csrf_token": csrf_from(page), "outcome": "phoned"}
    )
    assert response.status_code == 302
    reviewed = await db.fetch_one(
        "SELECT outcome FROM report_review JOIN report ON report.id = report_review.report_id"
        " WHERE report.client_uuid = ?",
        (old,),
    )
    assert reviewed is not None and reviewed["outcome"] == "phoned"


async def test_child_page_marks_superseded_reports(
    db: Database, people: People, nurse_client: Any
) -> None:
    """Hazard H6: the child page's report list marks a superseded report and links to the
    current one; the current report carries no such mark."""
    old = await send(db, people, 0, {"pain": 6})
    correction = await send(db, people, 10, {"pain": 2}, corrects=old)
    page = await (await nurse_client.get(f"/nurse/children/{people.child_id}")).get_data(
        as_text=True
    )
    rows = re.findall(r"<li><a href=\"/nurse/reports/.*?</li>", page, flags=re.DOTALL)
    old_row = next(row for row in rows if row.startswith(f'<li><a href="/nurse/reports/{old}"'))
    new_row = next(
        row for row in rows if row.startswith(f'<li><a href="/nurse/reports/{correction}"')
    )
    assert "Corrected later" in old_row and f'href="/nurse/reports/{correction}"' in old_row
    assert "Corrected later" not in new_row


async def test_the_queue_reads_corrections_from_their_own_index(db: Database) -> None:
    """At 500,000 reports, reading every report of every waiting child took 0.8 s."""
    plan = [
        row[3]
        for row in await db.fetch_all(f"EXPLAIN QUERY PLAN {diary_store.QUEUE_CORRECTION_LINKS}")
    ]
    # The outer loop walks the corrections only, not a child's every report.
    assert plan[0].startswith("SEARCH report USING INDEX report_by_correction"), plan
