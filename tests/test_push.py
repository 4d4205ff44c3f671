"""Push reminders end to end against the strict fake push service: planning in local time,
encryption and VAPID, the response table, leases, crashes, downtime and quiet hours."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import time_machine
from quart import Quart

from pwa.db import Database, from_db
from pwa.notifications import store as push_store
from pwa.notifications.sender import Sender
from pwa.notifications.transport import NEVER_WORKED_LIMIT
from pwa.plans import changes
from pwa.plans import store as plans
from tests.conftest import People, make_plan
from tests.helpers.push import run_sender, subscribe
from tests.helpers.push_service import Device, PushService, Script
from tests.helpers.rows import jobs

AMS = ZoneInfo("Europe/Amsterdam")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


# --- planning in local calendar time ------------------------------------------------


@pytest.mark.parametrize(
    ("monday", "before_change"), [(date(2026, 3, 30), True), (date(2026, 10, 26), True)]
)
async def test_reminders_are_due_at_18_local_around_both_dst_changes(
    db: Database, people: People, monday: date, before_change: bool
) -> None:
    with time_machine.travel(
        datetime(2026, 3, 1, tzinfo=UTC)
        if monday.month == 3
        else datetime(2026, 10, 1, tzinfo=UTC),
        tick=False,
    ):
        await make_plan(db, people.child_id, monday)
    rows = await jobs(db, f"visit_id = 1 AND recipient_id = {people.parent_id}")
    due = sorted(from_db(row["due_at"]).astimezone(AMS) for row in rows)
    assert [d.date() for d in due] == [monday - timedelta(days=7), monday - timedelta(days=1)]
    assert all((d.hour, d.minute) == (18, 0) for d in due)
    # One of the two lies on the other side of the clock change: same wall time, other offset.
    assert len({d.utcoffset() for d in due}) == 2
    assert before_change


async def test_moving_a_visit_replaces_its_jobs_and_cancelling_removes_them(
    db: Database, people: People
) -> None:
    with time_machine.travel(datetime(2027, 1, 1, 12, tzinfo=UTC), tick=False):
        plan = await make_plan(db, people.child_id, date(2027, 1, 11))
        visit = (await plans.select_visits(db, plan.id))[0]
        moved = changes.VisitDraft(
            1,
            "admission",
            datetime(2027, 1, 13, 9),
            datetime(2027, 1, 19, 17),
            "Europe/Amsterdam",
            "",
            "",
        )
        async with db.transaction() as connection:
            await changes.change_visit(connection, visit, moved, people.nurse_id)
        pending = await jobs(
            db,
            f"visit_id = {visit.id} AND status = 'pending' AND kind LIKE 'visit_reminder%'",
        )
        assert [from_db(r["due_at"]).astimezone(AMS).date() for r in pending] == [
            date(2027, 1, 6),
            date(2027, 1, 12),
        ]
        cancelled = await jobs(db, f"visit_id = {visit.id} AND status = 'cancelled'")
        assert cancelled, "the old revision's reminders are cancelled"
        notice = await jobs(
            db, f"visit_id = {visit.id} AND kind = 'visit_changed' AND status = 'pending'"
        )
        assert len(notice) == 1
        current = await plans.select_visit(db, visit.id)
        assert current is not None
        async with db.transaction() as connection:
            await changes.cancel_visit(connection, current, people.nurse_id)
        left = await jobs(
            db,
            f"visit_id = {visit.id} AND status = 'pending' AND kind LIKE 'visit_reminder%'",
        )
        assert left == []


# --- sending --------------------------------------------------------------------------


async def subscribed_with_plan(
    app: Quart, db: Database, people: People, push_service: PushService, *answers: Script
) -> Device:
    """The parent's subscribed phone (answering as scripted), and a plan made on 1 January
    2027 whose first stay starts on Monday 11 January: reminders due on the 4th and 10th."""
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    push_service.script(device, *answers)
    with time_machine.travel(datetime(2027, 1, 1, 12, tzinfo=UTC), tick=False):
        await make_plan(db, people.child_id, date(2027, 1, 11))
    return device


async def test_a_due_reminder_arrives_encrypted_signed_and_private(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    device = await subscribed_with_plan(app, db, people, push_service)
    with time_machine.travel(local("2027-01-10T18:00:30"), tick=False):
        summary = await run_sender(app, db)
    assert push_service.rejected == []
    # The 7-day reminder was never sent (no sender ran on the 4th): the 1-day one supersedes it.
    assert summary.sent == 1
    superseded = await jobs(db, "visit_id = 1 AND kind = 'visit_reminder:7:18:00'")
    assert superseded[0]["status"] == "expired"
    [delivery] = push_service.for_device(device)
    assert delivery.path.startswith("/schedule/visits/")
    assert (
        "tomorrow at 09:00" in delivery.notification["body"]
        or "morgen om 09:00" in delivery.notification["body"]
    )
    assert "Sam" not in str(delivery.payload)  # never the child's name on a lock screen
    assert delivery.encrypted_size < 4096
    assert delivery.headers["urgency"] == "normal"
    assert delivery.headers["topic"].startswith("j")
    ttl = int(delivery.headers["ttl"])
    assert 0 < ttl <= 3.5 * 3600  # must not reach into quiet hours at 21:30
    assert delivery.claims["sub"].startswith("mailto:")
    row = await db.fetch_one("SELECT last_success_at, success_count FROM push_subscription")
    assert row is not None and row["success_count"] == 1


async def test_a_phone_subscribed_after_planning_still_gets_the_reminder(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    with time_machine.travel(datetime(2027, 1, 1, 12, tzinfo=UTC), tick=False):
        await make_plan(db, people.child_id, date(2027, 1, 11))
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    with time_machine.travel(local("2027-01-04T18:00:10"), tick=False):
        await run_sender(app, db)
    assert len(push_service.for_device(device)) == 1


@pytest.mark.parametrize(
    ("status", "subscription_kept", "job_status", "problem"),
    [
        (201, True, "sent", None),
        (202, True, "sent", None),
        (404, False, "failed", None),
        (410, False, "failed", None),
        (413, True, "failed", "payload_too_large"),
        (400, True, "failed", None),
        (401, True, "failed", "vapid_rejected"),
        (403, True, "failed", "vapid_rejected"),
        (429, True, "pending", None),
        (500, True, "pending", None),
        (503, True, "pending", None),
        (408, True, "pending", None),
    ],
)
async def test_response_table(
    app: Quart,
    db: Database,
    people: People,
    push_service: PushService,
    status: int,
    subscription_kept: bool,
    job_status: str,
    problem: str | None,
) -> None:
    device = await subscribed_with_plan(
        app, db, people, push_service, Script(status, retry_after=120 if status == 429 else None)
    )
    at = local("2027-01-04T18:00:05")
    with time_machine.travel(at, tick=False):
        await run_sender(app, db)
    assert len(push_service.for_device(device)) == 1
    kept = await db.fetch_one("SELECT COUNT(*) FROM push_subscription")
    assert (kept[0] == 1) is subscription_kept  # type: ignore[index]
    [job] = await jobs(db, "visit_id = 1 AND kind = 'visit_reminder:7:18:00'")
    assert job["status"] == job_status
    if status == 429:
        assert from_db(job["next_attempt_at"]) == at + timedelta(seconds=120)
    if job_status == "pending" and status != 429:
        wait = from_db(job["next_attempt_at"]) - at
        assert timedelta(seconds=15) <= wait <= timedelta(seconds=30)
    problems = [row["kind"] for row in await db.fetch_all("SELECT kind FROM push_problem")]
    assert problems == ([problem] if problem else [])


async def test_a_timeout_is_retried_later(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    await subscribed_with_plan(app, db, people, push_service, Script(201, delay=1.5))
    with time_machine.travel(local("2027-01-04T18:00:05"), tick=False):
        await run_sender(app, db, push_timeout=0.3)
    [job] = await jobs(db, "visit_id = 1 AND kind = 'visit_reminder:7:18:00'")
    assert job["status"] == "pending" and job["attempts"] == 1


async def test_retries_stop_when_the_reminder_is_no_longer_useful(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    device = await subscribed_with_plan(app, db, people, push_service, *[Script(503)] * 10)
    with time_machine.travel(local("2027-01-10T18:00:05"), tick=False):
        await run_sender(app, db)
    # The admission starts at 09:00 on the 11th: after that the reminder is pointless.
    with time_machine.travel(local("2027-01-11T09:30:00"), tick=False):
        summary = await run_sender(app, db)
    statuses = {row["kind"]: row["status"] for row in await jobs(db, "visit_id = 1")}
    assert statuses["visit_reminder:1:18:00"] == "expired"
    assert summary.expired >= 1
    assert len(push_service.for_device(device)) == 1


async def test_400_from_a_never_working_subscription_disables_it_after_n_tries(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    device = push_service.new_device()
    subscription_id = await subscribe(db, app, people.parent_id, device)
    push_service.script(device, *[Script(400)] * NEVER_WORKED_LIMIT)
    from pwa.notifications.planner import plan_test

    for index in range(NEVER_WORKED_LIMIT):
        with time_machine.travel(
            local("2027-01-04T12:00:00") + timedelta(minutes=index), tick=False
        ):
            async with db.transaction() as connection:
                await plan_test(connection, people.parent_id, f"t{index}")
            await run_sender(app, db)
    assert len(push_service.for_device(device)) == NEVER_WORKED_LIMIT
    row = await db.fetch_one(
        "SELECT disabled_at FROM push_subscription WHERE id = ?", (subscription_id,)
    )
    assert row is not None and row["disabled_at"] is not None


async def test_two_senders_at_once_send_each_job_once(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    phones = [push_service.new_device() for _ in range(3)]
    for phone in phones:
        await subscribe(db, app, people.parent_id, phone)
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False):
        await make_plan(db, people.child_id, date(2027, 1, 11))
    with time_machine.travel(local("2027-05-01T12:00:00"), tick=False):
        async with aiohttp.ClientSession() as session:
            first = Sender(
                db,
                app.extensions["vapid"],
                endpoints=app.extensions["push_endpoints"],
                origin=app.config["PUBLIC_URL"],
                name="a",
            )
            second = Sender(
                db,
                app.extensions["vapid"],
                endpoints=app.extensions["push_endpoints"],
                origin=app.config["PUBLIC_URL"],
                name="b",
            )
            await asyncio.gather(first.run_once(session), second.run_once(session))
    due = await jobs(db, "status = 'sent'")
    topics = [delivery.headers["topic"] for delivery in push_service.received]
    assert len(topics) == len(due) * len(phones)
    assert len(set(zip(topics, [d.device for d in push_service.received], strict=True))) == len(
        topics
    )


async def test_crash_after_accept_resends_once_with_the_same_topic(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    device = await subscribed_with_plan(app, db, people, push_service)
    crashed = Sender(
        db,
        app.extensions["vapid"],
        endpoints=app.extensions["push_endpoints"],
        origin=app.config["PUBLIC_URL"],
        name="crashed",
    )
    with time_machine.travel(local("2027-01-04T18:00:05"), tick=False):
        from pwa.notifications.sender import Summary

        claimed = await crashed._claim(datetime.now(UTC), Summary())
        assert len(claimed) == 1
        # It sends, the push service accepts, then the process dies before recording.
        original = crashed._record

        async def die(*args: Any, **kwargs: Any) -> None:
            raise SystemExit("killed")

        crashed._record = die  # type: ignore[method-assign]
        async with aiohttp.ClientSession() as session:
            with pytest.raises(SystemExit):
                await crashed._send_job(session, claimed[0], Summary())
        crashed._record = original  # type: ignore[method-assign]
    with time_machine.travel(local("2027-01-04T18:01:00"), tick=False):
        await run_sender(app, db)  # lease still held: nothing happens yet
    assert len(push_service.for_device(device)) == 1
    with time_machine.travel(local("2027-01-04T18:03:00"), tick=False):
        await run_sender(app, db)  # lease expired: sent again, once
        await run_sender(app, db)
    received = push_service.for_device(device)
    assert len(received) == 2
    assert received[0].headers["topic"] == received[1].headers["topic"]
    assert received[0].notification["tag"] == received[1].notification["tag"]


async def test_after_downtime_overdue_reminders_wait_out_quiet_hours(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    device = await subscribed_with_plan(app, db, people, push_service)
    # The server was down from before 18:00 until 23:00 on the 10th: quiet hours.
    with time_machine.travel(local("2027-01-10T23:00:00"), tick=False):
        summary = await run_sender(app, db)
    assert push_service.for_device(device) == [] and summary.deferred >= 1
    [job] = await jobs(db, "visit_id = 1 AND kind = 'visit_reminder:1:18:00'")
    assert from_db(job["next_attempt_at"]).astimezone(AMS) == local("2027-01-11T08:00:00")
    # In the morning the reminder goes out once (the overdue 7-day one is superseded), and
    # says what is true then: today.
    with time_machine.travel(local("2027-01-11T08:00:30"), tick=False):
        await run_sender(app, db)
    bodies = [delivery.notification["body"] for delivery in push_service.for_device(device)]
    assert len(bodies) == 1 and ("today at 09:00" in bodies[0] or "vandaag om 09:00" in bodies[0])


async def test_red_report_alerts_only_nurses_who_opted_in(
    app: Quart, db: Database, people: People, push_service: PushService, family_client: Any
) -> None:
    nurse_phone, admin_phone = push_service.new_device(), push_service.new_device()
    await subscribe(db, app, people.nurse_id, nurse_phone)
    await subscribe(db, app, people.admin_id, admin_phone)
    async with db.transaction() as connection:
        await push_store.save_preference(
            connection, people.nurse_id, push_store.Preference(red_alerts=True)
        )
    import uuid

    body = {
        "reports": [
            {
                "id": str(uuid.uuid4()),
                "child_id": people.child_id,
                "observed_at": datetime.now(UTC).isoformat(),
                "items": {"breathing": "hard"},
            }
        ]
    }
    await family_client.post("/api/reports", json=body, headers={"Origin": "https://localhost"})
    await run_sender(app, db)
    [alert] = push_service.for_device(nurse_phone)
    assert alert.headers["urgency"] == "high"
    assert alert.path == "/nurse/queue"
    assert (
        "breathing" not in alert.notification["body"].lower()
        and "Sam" not in alert.notification["body"]
    )
    assert push_service.for_device(admin_phone) == []
