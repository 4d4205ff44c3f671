"""The nurses' review queue: order, targets, claims, reviews, bulk review and replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import time_machine
from quart import Quart

from pwa.db import Database
from pwa.hospital import HospitalSettings, review_deadline
from tests.conftest import People, csrf_from, sign_in
from tests.helpers.reports import add_report

AMS = ZoneInfo("Europe/Amsterdam")


def test_review_targets() -> None:
    settings = HospitalSettings()
    tuesday_morning = datetime(2027, 1, 12, 10, 0, tzinfo=AMS)
    assert review_deadline("red", tuesday_morning, settings) == tuesday_morning + timedelta(
        minutes=30
    )
    assert review_deadline("amber", tuesday_morning, settings) == datetime(
        2027, 1, 12, 17, 0, tzinfo=AMS
    )
    friday_evening = datetime(2027, 1, 15, 19, 0, tzinfo=AMS)
    assert review_deadline("amber", friday_evening, settings) == datetime(
        2027, 1, 18, 17, 0, tzinfo=AMS
    )
    assert review_deadline("green", tuesday_morning, settings) == tuesday_morning + timedelta(
        days=2
    )


async def test_queue_is_red_first_then_oldest_with_overdue_marked(
    app: Quart, db: Database, people: People
) -> None:
    start = datetime(2027, 1, 12, 9, 0, tzinfo=AMS)
    with time_machine.travel(start, tick=False):
        green = await add_report(db, people, {"pain": 1})
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        amber = await add_report(db, people, {"pain": 5})
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        red_old = await add_report(db, people, {"pain": 9})
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        red_new = await add_report(
            db,
            people,
            {"breathing": "hard"},
            child_id=people.other_child_id,
            caregiver=people.other_parent_id,
        )
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        client = app.test_client()
        await sign_in(client, "nurse@example.org", staff=True)
        text = await (await client.get("/nurse/queue")).get_data(as_text=True)
    positions = [text.index(f"/nurse/reports/{uid}") for uid in (red_old, red_new, amber, green)]
    assert positions == sorted(positions)
    # The first red has waited 35 minutes against a 30-minute target; the second only 15.
    first_item = text[positions[0] : positions[1]]
    second_item = text[positions[1] : positions[2]]
    assert "overdue" in first_item and "overdue" not in second_item
    assert text.count("queue-item--overdue") == 1


async def test_opening_a_report_changes_nothing_but_the_access_log(
    app: Quart, db: Database, people: People, nurse_client: Any
) -> None:
    """Hazard H8: opening a report never claims it; the GET only writes report.viewed."""
    uid = await add_report(db, people, {"pain": 9})
    tables = ("report_claim", "report_review", "report_review_event", "report_reply")
    before = {table: await db.fetch_all(f"SELECT * FROM {table}") for table in tables}  # noqa: S608
    audit_before = await db.fetch_one("SELECT MAX(id) FROM audit_log")
    assert audit_before is not None
    response = await nurse_client.get(f"/nurse/reports/{uid}")
    assert response.status_code == 200
    text = await response.get_data(as_text=True)
    assert "Pain" in text and "Nobody is handling this report yet." in text
    after = {table: await db.fetch_all(f"SELECT * FROM {table}") for table in tables}  # noqa: S608
    assert [list(map(tuple, rows)) for rows in after.values()] == [
        list(map(tuple, rows)) for rows in before.values()
    ]
    new_audit = await db.fetch_all(
        "SELECT action, child_id, detail FROM audit_log WHERE id > ?", (audit_before[0] or 0,)
    )
    assert [tuple(row) for row in new_audit] == [("report.viewed", people.child_id, uid)]
    colleague = app.test_client()
    await sign_in(colleague, "admin@example.org", staff=True)
    queue_page = await (await colleague.get("/nurse/queue")).get_data(as_text=True)
    assert "Being handled by" not in queue_page


async def test_review_with_reply_reaches_only_that_family_and_plans_one_push_each(
    app: Quart, db: Database, people: People, nurse_client: Any
) -> None:
    uid = await add_report(
        db,
        people,
        {"pain": 6},
    )
    page = await (await nurse_client.get(f"/nurse/reports/{uid}")).get_data(as_text=True)
    response = await nurse_client.post(
        f"/nurse/reports/{uid}",
        form={
            "csrf_token": csrf_from(page),
            "outcome": "phoned",
            "reply": "Give paracetamol and call if it gets worse.",
        },
    )
    assert response.status_code == 302
    queue_page = await (await nurse_client.get("/nurse/queue")).get_data(as_text=True)
    assert uid not in queue_page
    jobs = await db.fetch_all(
        "SELECT recipient_id, kind FROM notification_job WHERE kind = 'reply'"
    )
    assert [(row["recipient_id"], row["kind"]) for row in jobs] == [(people.parent_id, "reply")]
    review = await db.fetch_one("SELECT outcome FROM report_review")
    assert review is not None and review["outcome"] == "phoned"
    # Replying again plans a second job (another revision), never doubles the first.
    page = await (await nurse_client.get(f"/nurse/reports/{uid}")).get_data(as_text=True)
    await nurse_client.post(
        f"/nurse/reports/{uid}/reply",
        form={"csrf_token": csrf_from(page), "reply": "One more thing."},
    )
    assert len(await db.fetch_all("SELECT id FROM notification_job WHERE kind = 'reply'")) == 2
    other = app.test_client()
    await sign_in(other, "other@example.org")
    assert (await other.get(f"/diary/{uid}")).status_code == 404


async def test_bulk_review_marks_only_green(
    db: Database, people: People, nurse_client: Any
) -> None:
    green = await add_report(db, people, {"pain": 1})
    red = await add_report(db, people, {"pain": 9})
    page = await (await nurse_client.get("/nurse/queue")).get_data(as_text=True)
    ids = [row["id"] for row in await db.fetch_all("SELECT id FROM report ORDER BY id")]
    body = urlencode(
        {"csrf_token": csrf_from(page), "report_id": [str(i) for i in ids]}, doseq=True
    )
    response = await nurse_client.post(
        "/nurse/queue/review-green",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 302
    reviewed = {
        row["client_uuid"]
        for row in await db.fetch_all(
            "SELECT report.client_uuid FROM report_review JOIN report ON report.id = report_review.report_id"
        )
    }
    assert reviewed == {green}
    assert red not in reviewed


async def test_queue_refresh_does_not_keep_an_idle_nurse_signed_in(
    app: Quart, people: People
) -> None:
    start = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    client = app.test_client()
    with time_machine.travel(start, tick=False):
        await sign_in(client, "nurse@example.org", staff=True)
    for minutes in (10, 20, 29):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            refreshed = await client.get("/nurse/queue", headers={"X-Background-Refresh": "1"})
            assert refreshed.status_code == 200
            assert "<html" not in await refreshed.get_data(as_text=True)  # only the list
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = await client.get("/nurse/queue")
    assert response.status_code == 302 and "/login" in response.location


async def test_staff_home_is_the_queue(nurse_client: Any) -> None:
    response = await nurse_client.get("/")
    assert response.status_code == 302 and response.location == "/nurse/queue"


async def test_review_posts_need_the_csrf_token(
    db: Database, people: People, nurse_client: Any
) -> None:
    uid = await add_report(db, people, {"pain": 1})
    ids = [str(row["id"]) for row in await db.fetch_all("SELECT id FROM report")]
    for token in ("", "forged"):
        bulk = await nurse_client.post(
            "/nurse/queue/review-green", form={"csrf_token": token, "report_id": ids[0]}
        )
        assert bulk.status_code == 400
        single = await nurse_client.post(
            f"/nurse/reports/{uid}", form={"csrf_token": token, "outcome": "reviewed", "reply": "x"}
        )
        assert single.status_code == 400 and "This form has expired" in await single.get_data(
            as_text=True
        )
        for action, form in (
            ("claim", {}),
            ("release", {}),
            ("reply", {"reply": "x"}),
            ("outcome", {"outcome": "phoned"}),
        ):
            response = await nurse_client.post(
                f"/nurse/reports/{uid}/{action}", form={"csrf_token": token, **form}
            )
            assert response.status_code == 400, action
    assert await db.fetch_all("SELECT * FROM report_claim") == []
    assert await db.fetch_all("SELECT * FROM report_review") == []
    assert await db.fetch_all("SELECT * FROM report_reply") == []


async def test_family_sees_the_reply_and_the_nurse_sees_it_was_read(
    app: Quart, db: Database, people: People, nurse_client: Any, family_client: Any
) -> None:
    uid = await add_report(db, people, {"pain": 6})
    page = await (await nurse_client.get(f"/nurse/reports/{uid}")).get_data(as_text=True)
    await nurse_client.post(
        f"/nurse/reports/{uid}",
        form={"csrf_token": csrf_from(page), "outcome": "phoned", "reply": "Rest & <b>drink</b>."},
    )
    home = await (await family_client.get("/")).get_data(as_text=True)
    assert "The care team replied to you" in home and f"/diary/{uid}" in home
    report_page = await (await family_client.get(f"/diary/{uid}")).get_data(as_text=True)
    assert "Rest &amp; &lt;b&gt;drink&lt;/b&gt;." in report_page  # shown, and escaped
    assert "The care team replied to you" not in await (await family_client.get("/")).get_data(
        as_text=True
    )
    nurse_view = await (await nurse_client.get(f"/nurse/reports/{uid}")).get_data(as_text=True)
    assert "Read by the family" in nurse_view


async def test_the_child_page_shows_reports_with_states_and_trends(
    db: Database, people: People, nurse_client: Any
) -> None:
    uid = await add_report(db, people, {"temperature": 38.6, "pain": 3})
    page = await (await nurse_client.get(f"/nurse/reports/{uid}")).get_data(as_text=True)
    await nurse_client.post(
        f"/nurse/reports/{uid}",
        form={"csrf_token": csrf_from(page), "outcome": "phoned", "reply": ""},
    )
    text = await (await nurse_client.get(f"/nurse/children/{people.child_id}")).get_data(
        as_text=True
    )
    assert f"/nurse/reports/{uid}" in text and "tag--red" in text
    assert "Seen by nurse Nurse" in text
    assert "<svg" in text and "Temperature" in text


async def test_a_long_queue_shows_the_most_urgent_page_first(
    db: Database, people: People, nurse_client: Any, monkeypatch: Any
) -> None:
    from pwa.nurse import queue as queue_module

    monkeypatch.setattr(queue_module, "QUEUE_PAGE", 2)
    green = await add_report(db, people, {"pain": 1})
    red = await add_report(db, people, {"pain": 9})
    amber = await add_report(db, people, {"pain": 5})
    text = await (await nurse_client.get("/nurse/queue")).get_data(as_text=True)
    assert red in text and amber in text and green not in text
    assert "Showing the 2 most urgent of 3 waiting reports" in text
