"""A medicine reminder at a time the family chose sounds then, even in quiet hours; every
other family reminder still waits for the quiet time to end."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from quart import Quart
from quart.typing import TestClientProtocol as Client

from pwa.db import Database, from_db
from pwa.doses import times as dose_times
from pwa.notifications import jobs as notification_jobs
from pwa.notifications import quiet
from pwa.notifications import store as push_store
from pwa.notifications.jobs import About
from pwa.plans import store as plans
from tests.conftest import People, make_plan, post_form
from tests.helpers.doses import medicine_id
from tests.helpers.pages import plain
from tests.helpers.push import run_sender, subscribe
from tests.helpers.push_service import PushService
from tests.helpers.rows import jobs

AMS = ZoneInfo("Europe/Amsterdam")
BREAKFAST = time(7, 30)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


async def _dose_times_form(db: Database, at: str) -> dict[str, str]:
    return {
        "medicines-0-medicine_id": str(await medicine_id(db)),
        "medicines-0-time_1": at,
        "remind": "y",
    }


async def test_a_breakfast_dose_inside_quiet_hours_is_saved_with_a_note(
    db: Database, people: People, family_client: Client
) -> None:
    """Hazard H13: a 07:30 dose inside quiet hours (21:30-08:00) is accepted, and the page
    says it will sound anyway."""
    with time_machine.travel(datetime(2027, 1, 1, 12, tzinfo=UTC), tick=False):
        await make_plan(db, people.child_id, date(2027, 1, 11))
        form = await _dose_times_form(db, "07:30")
        saved = await post_form(family_client, "/doses/times", form)
        assert saved.status_code == 302
        preference = await push_store.select_preference(db, people.parent_id)
        assert (preference.quiet_start, preference.quiet_end) == (time(21, 30), time(8, 0))
        assert preference.dose_reminders is True
        schedule = (await dose_times.select_schedules(db, people.child_id))[await medicine_id(db)]
        assert schedule.on(date(2027, 1, 29)) == (BREAKFAST,)
        page = await (await family_client.get("/doses/times")).get_data(as_text=True)
        assert "07:30 is in your quiet time (21:30-08:00)" in plain(page)
        assert '(<bdi dir="ltr">21:30-08:00</bdi>)' in page  # never split over two lines
        assert "will still sound at 07:30" in page
        # A time outside quiet hours needs no such note.
        await post_form(family_client, "/doses/times", await _dose_times_form(db, "09:00"))
        page = await (await family_client.get("/doses/times")).get_data(as_text=True)
        assert "is in your quiet time" not in page


async def test_the_breakfast_dose_goes_out_at_0730_with_a_ttl_for_the_morning(
    app: Quart,
    db: Database,
    people: People,
    family_client: Client,
    push_service: PushService,
) -> None:
    """Hazard H13: the planner's job for the 07:30 dose is due at 07:30 local and the sender
    sends it then, inside quiet hours, with a TTL to the end of its useful time (10:30)."""
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    with time_machine.travel(datetime(2027, 1, 1, 12, tzinfo=UTC), tick=False):
        # Course 1 from 11 January: isotretinoin at home on days 19-32 (29 Jan - 11 Feb).
        await make_plan(db, people.child_id, date(2027, 1, 11))
        form = await _dose_times_form(db, "07:30")
        assert (await post_form(family_client, "/doses/times", form)).status_code == 302
    with time_machine.travel(local("2027-02-01T07:30:20"), tick=False):
        summary = await run_sender(app, db)
    [job] = await jobs(db, "kind = 'medication:07:30' AND medication_day = '2027-02-01'")
    assert from_db(job["due_at"]).astimezone(AMS) == local("2027-02-01T07:30")
    assert job["status"] == "sent"
    assert summary.sent >= 1
    [delivery] = push_service.for_device(device)
    ttl = int(delivery.headers["ttl"])
    # Useful until 10:30 (three hours), and quiet hours are over at 08:00 anyway.
    assert 3 * 3600 - 30 <= ttl <= 3 * 3600


async def test_other_family_reminders_still_wait_for_the_quiet_time_to_end(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    """Hazard H13: only the family's own chosen time breaks quiet hours; a change notice
    due at 07:30 is held until 08:00."""
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    with time_machine.travel(datetime(2027, 1, 1, 12, tzinfo=UTC), tick=False):
        plan = await make_plan(db, people.child_id, date(2027, 1, 11))
    due = local("2027-02-01T07:30")
    later = [visit for visit in await plans.select_visits(db, plan.id) if visit.starts_at > due]
    async with db.transaction() as connection:
        await notification_jobs.insert(
            connection,
            kind="visit_changed",
            about=About(visit_id=later[0].id),
            revision=1,
            recipient_id=people.parent_id,
            due_at=due,
            expires_at=due + timedelta(hours=48),
        )
    with time_machine.travel(local("2027-02-01T07:30:20"), tick=False):
        await run_sender(app, db)
    [job] = await jobs(db, "kind = 'visit_changed'")
    assert job["status"] == "pending"
    assert from_db(job["next_attempt_at"]).astimezone(AMS) == local("2027-02-01T08:00")
    assert push_service.for_device(device) == []


def test_a_chosen_time_sounds_in_quiet_hours_only_close_to_that_time() -> None:
    """Hazard H13: sent late (the server was down), a chosen-time reminder waits like the rest,
    and its TTL never reaches into the night."""
    start, end = time(21, 30), time(8, 0)
    due = local("2027-02-01T07:30")
    assert quiet.may_sound("medication:07:30", due, due + timedelta(minutes=5), start, end)
    assert not quiet.may_sound("medication:07:30", due, due - timedelta(minutes=5), start, end)
    late_night = local("2027-02-01T05:00") - timedelta(hours=6)  # a 23:00 dose sent at 23:50
    assert not quiet.may_sound(
        "medication:23:00", late_night, late_night + timedelta(minutes=50), start, end
    )
    assert not quiet.may_sound("visit_reminder:1:18:00", due, due, start, end)
    # A 23:00 dose at 23:00: it may arrive until 23:30, not at 01:00.
    night = local("2027-01-31T23:00")
    ttl = quiet.family_ttl("medication:23:00", night, night, night + timedelta(hours=3), start, end)
    assert ttl == 30 * 60
