"""Claims and outcomes on a report: claiming is a button, a colleague's claim is shown and
taken over only after confirming, a recorded outcome is shown and changed openly, and
every step is in the audit log (hazards H8 and H9)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from quart import Quart

from pwa.db import Database
from tests.conftest import People, csrf_from, sign_in
from tests.helpers.reports import add_report

AMS = ZoneInfo("Europe/Amsterdam")
TEN = datetime(2027, 1, 12, 10, 0, tzinfo=AMS)


async def _page(client: Any, uid: str) -> str:
    response = await client.get(f"/nurse/reports/{uid}")
    assert response.status_code == 200
    return str(await response.get_data(as_text=True))


async def _post(client: Any, uid: str, action: str, **form: str) -> Any:
    path = f"/nurse/reports/{uid}" + (f"/{action}" if action else "")
    token = csrf_from(await _page(client, uid))
    return await client.post(path, form={"csrf_token": token, **form})


async def _audit(db: Database, *actions: str) -> list[tuple[str, int, str]]:
    marks = ",".join("?" for _ in actions)
    rows = await db.fetch_all(
        f"SELECT action, actor_id, detail FROM audit_log WHERE action IN ({marks}) ORDER BY id",  # noqa: S608
        actions,
    )
    return [(row["action"], row["actor_id"], row["detail"]) for row in rows]


async def _holder(db: Database) -> int | None:
    row = await db.fetch_one("SELECT nurse_id FROM report_claim")
    return int(row["nurse_id"]) if row else None


async def _staff(app: Quart, email: str) -> Any:
    client = app.test_client()
    await sign_in(client, email, staff=True)
    return client


@pytest.fixture
async def colleague(app: Quart, people: People) -> Any:
    """A second member of staff (the admin), signed in in their own browser."""
    return await _staff(app, "admin@example.org")


async def test_claiming_is_a_button_shown_to_colleagues_and_audited(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H8: the claim button claims; colleagues see who handles it since when."""
    with time_machine.travel(TEN, tick=False):
        nurse_client = await _staff(app, "nurse@example.org")
        colleague = await _staff(app, "admin@example.org")
        uid = await add_report(db, people, {"pain": 9})
        response = await _post(nurse_client, uid, "claim")
        assert response.status_code == 302
        assert await _holder(db) == people.nurse_id
        assert await _audit(db, "report.claimed") == [("report.claimed", people.nurse_id, uid)]
        own = await _page(nurse_client, uid)
        assert "You are handling this report since 10:00." in own
        theirs = await _page(colleague, uid)
        assert "Being handled by Nurse since 10:00." in theirs
        assert "Take over from Nurse" in theirs
        queue_page = await (await colleague.get("/nurse/queue")).get_data(as_text=True)
        assert "Being handled by Nurse since 10:00" in queue_page


async def test_taking_over_a_claim_asks_first_and_is_audited(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H8: a colleague's claim is taken over only after an explicit confirmation."""
    with time_machine.travel(TEN, tick=False):
        nurse_client = await _staff(app, "nurse@example.org")
        colleague = await _staff(app, "admin@example.org")
        uid = await add_report(db, people, {"pain": 9})
        await _post(nurse_client, uid, "claim")
    with time_machine.travel(TEN + timedelta(minutes=5), tick=False):
        asked = await _post(colleague, uid, "claim")
        assert asked.status_code == 409
        text = await asked.get_data(as_text=True)
        assert "Take over this report?" in text
        assert "Being handled by Nurse since 10:00." in text
        assert f'name="take_over_from" value="{people.nurse_id}"' in text
        assert await _holder(db) == people.nurse_id
        # Confirming for someone who no longer holds it asks again.
        stale = await _post(colleague, uid, "claim", take_over_from=str(people.parent_id))
        assert stale.status_code == 409 and await _holder(db) == people.nurse_id
        assert await _audit(db, "report.claim_taken_over") == []
        confirmed = await _post(colleague, uid, "claim", take_over_from=str(people.nurse_id))
        assert confirmed.status_code == 302
        assert await _holder(db) == people.admin_id
        assert await _audit(db, "report.claim_taken_over") == [
            (
                "report.claim_taken_over",
                people.admin_id,
                f"{uid} from Nurse (account {people.nurse_id})",
            )
        ]
        assert "Being handled by Admin since 10:05." in await _page(nurse_client, uid)


async def test_saving_a_review_asks_before_taking_a_report_over(
    db: Database, people: People, nurse_client: Any, colleague: Any
) -> None:
    """Hazard H8: a review saved by a colleague of the holder waits for their confirmation."""
    uid = await add_report(db, people, {"pain": 9})
    await _post(nurse_client, uid, "claim")
    asked = await _post(colleague, uid, "", outcome="phoned", reply="Call us back, please.")
    assert asked.status_code == 409
    text = await asked.get_data(as_text=True)
    assert "Nothing is saved yet" in text and "Call us back, please." in text
    assert await db.fetch_all("SELECT * FROM report_review") == []
    assert await db.fetch_all("SELECT * FROM report_reply") == []
    done = await _post(
        colleague,
        uid,
        "",
        outcome="phoned",
        reply="Call us back, please.",
        take_over_from=str(people.nurse_id),
    )
    assert done.status_code == 302
    review = await db.fetch_one("SELECT outcome, nurse_id FROM report_review")
    assert review is not None and tuple(review) == ("phoned", people.admin_id)
    assert await _holder(db) == people.admin_id
    assert [a for a, *_ in await _audit(db, "report.claim_taken_over", "report.reviewed")] == [
        "report.claim_taken_over",
        "report.reviewed",
    ]


async def test_saving_claims_a_report_nobody_holds_and_expired_claims_do_not_count(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H8: a save claims only a free report; a claim older than 30 minutes is free."""
    with time_machine.travel(TEN, tick=False):
        nurse_client = await _staff(app, "nurse@example.org")
        uid = await add_report(db, people, {"pain": 9})
        await _post(nurse_client, uid, "claim")
    with time_machine.travel(TEN + timedelta(minutes=31), tick=False):
        colleague = await _staff(app, "admin@example.org")
        assert "Nobody is handling this report yet." in await _page(colleague, uid)
        saved = await _post(colleague, uid, "", outcome="reviewed")
        assert saved.status_code == 302
    assert await _holder(db) == people.admin_id
    assert [actor for _, actor, _ in await _audit(db, "report.claimed")] == [
        people.nurse_id,
        people.admin_id,
    ]
    assert await _audit(db, "report.claim_taken_over") == []


async def test_only_the_holder_releases_a_claim(
    db: Database, people: People, nurse_client: Any, colleague: Any
) -> None:
    """Hazard H8: letting go is audited, and nobody releases a colleague's claim."""
    uid = await add_report(db, people, {"pain": 9})
    await _post(nurse_client, uid, "claim")
    assert (await _post(colleague, uid, "release")).status_code == 302
    assert await _holder(db) == people.nurse_id
    assert (await _post(nurse_client, uid, "release")).status_code == 302
    assert await _holder(db) is None
    assert await _audit(db, "report.claim_released") == [
        ("report.claim_released", people.nurse_id, uid)
    ]


async def test_a_recorded_outcome_is_shown_and_changed_openly(
    db: Database, people: People, nurse_client: Any
) -> None:
    """Hazard H9: the outcome is on the report; a change is kept in the history and audited."""
    uid = await add_report(db, people, {"pain": 9})
    await _post(nurse_client, uid, "", outcome="phoned", reply="We will call you.")
    page = await _page(nurse_client, uid)
    assert "<strong>Phoned the family</strong>" in page
    assert "Nurse recorded “Phoned the family”" in page
    changed = await _post(nurse_client, uid, "outcome", outcome="come_in")
    assert changed.status_code == 302
    review = await db.fetch_one("SELECT outcome FROM report_review")
    assert review is not None and review["outcome"] == "come_in"
    events = await db.fetch_all(
        "SELECT outcome, previous_outcome, nurse_id FROM report_review_event ORDER BY id"
    )
    assert [tuple(row) for row in events] == [
        ("phoned", None, people.nurse_id),
        ("come_in", "phoned", people.nurse_id),
    ]
    assert await _audit(db, "report.outcome_changed") == [
        ("report.outcome_changed", people.nurse_id, f"{uid} phoned -> come_in")
    ]
    page = await _page(nurse_client, uid)
    assert "<strong>Asked the family to come in</strong>" in page
    assert (
        "Nurse changed the outcome from “Phoned the family” to “Asked the family to come in”"
        in page
    )
    assert "Nurse replied:" in page and "We will call you." in page
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as connection:
            await connection.execute("UPDATE report_review_event SET outcome = 'reviewed'")


async def test_a_second_first_review_with_another_outcome_is_not_dropped_silently(
    db: Database, people: People, nurse_client: Any, colleague: Any
) -> None:
    """Hazard H9: a colleague's earlier outcome is shown, and nothing of the later save is lost
    quietly: the page says so and keeps the reply to send."""
    uid = await add_report(db, people, {"pain": 9})
    stale_form = csrf_from(await _page(colleague, uid))
    await _post(nurse_client, uid, "", outcome="phoned")
    await _post(nurse_client, uid, "release")
    response = await colleague.post(
        f"/nurse/reports/{uid}",
        form={"csrf_token": stale_form, "outcome": "reviewed", "reply": "All fine, rest well."},
    )
    assert response.status_code == 409
    text = await response.get_data(as_text=True)
    assert "Meanwhile Nurse recorded the outcome “Phoned the family”" in text
    assert "All fine, rest well." in text  # kept in the reply box
    review = await db.fetch_one("SELECT outcome FROM report_review")
    assert review is not None and review["outcome"] == "phoned"
    assert await db.fetch_all("SELECT * FROM report_reply") == []


async def test_bulk_review_leaves_a_green_a_colleague_is_handling(
    db: Database, people: People, nurse_client: Any, colleague: Any
) -> None:
    """Hazard H8: marking greens in bulk never takes a colleague's report from them."""
    held = await add_report(db, people, {"pain": 1})
    free = await add_report(db, people, {"pain": 2})
    await _post(nurse_client, held, "claim")
    page = await (await colleague.get("/nurse/queue")).get_data(as_text=True)
    ids = [str(row["id"]) for row in await db.fetch_all("SELECT id FROM report ORDER BY id")]
    body = urlencode({"csrf_token": csrf_from(page), "report_id": ids}, doseq=True)
    response = await colleague.post(
        "/nurse/queue/review-green",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 302
    reviewed = await db.fetch_all(
        "SELECT report.client_uuid FROM report_review JOIN report ON report.id = report_review.report_id"
    )
    assert [row["client_uuid"] for row in reviewed] == [free]
    assert await _holder(db) == people.nurse_id
