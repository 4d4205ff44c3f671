"""Daily check-ins: the days worked out from the plan (and moving with it), the admin's
rule, the one gentle reminder at the caregiver's chosen time (frozen clock, the fake push
service decrypting what a phone would show), home's card, and the nurses' list and page."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import time_machine
from quart import Quart

from pwa.checkins import windows
from pwa.checkins.rule import CheckinRule
from pwa.db import Database
from pwa.plans import changes
from pwa.plans import store as plans
from tests.conftest import People, csrf_from, make_plan, post_form, sign_in
from tests.helpers.checkins import (
    CHECKIN_DAY,
    MEDICATION_DAYS,
    PLAIN_DAY,
    PLAN_START,
    STAY_DAYS,
    at,
    set_checkin,
)
from tests.helpers.doses import second_parent
from tests.helpers.pages import page_text, plain
from tests.helpers.push import run_sender, subscribe
from tests.helpers.push_service import PushService
from tests.helpers.reports import add_report
from tests.helpers.rows import audit_rows, jobs

GENTLE = "A quick check-in for today? Open the app to tell the care team how things are."


async def _english(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("UPDATE account SET locale = 'en'")


async def _parent(app: Quart, email: str = "parent@example.org") -> Any:
    """A parent signed in at the frozen moment (a session from today's real clock would
    have ended by the test's date)."""
    client = app.test_client()
    await sign_in(client, email)
    return client


async def _staff(app: Quart, email: str) -> Any:
    client = app.test_client()
    await sign_in(client, email, staff=True)
    return client


async def _checkin_jobs(db: Database) -> list[Any]:
    return await jobs(db, "kind = 'checkin'")


# --- the days -----------------------------------------------------------------------


async def test_check_in_days_come_from_the_plan_and_move_with_it(
    db: Database, people: People
) -> None:
    """Hazard H26: days 1-3 after the stay and the isotretinoin weeks; a nurse who moves
    the course moves its check-in days in the same save, and nothing stale stays behind."""
    plan = await make_plan(db, people.child_id, PLAN_START)
    first, last = PLAN_START, PLAN_START + timedelta(days=40)
    days = await windows.days_for_child(db, people.child_id, first, last)
    assert set(days) == STAY_DAYS | MEDICATION_DAYS
    assert {days[d] for d in STAY_DAYS} == {windows.AFTER_STAY}
    assert {days[d] for d in MEDICATION_DAYS} == {windows.MEDICATION}

    stay = (await plans.select_visits(db, plan.id))[0]
    draft = changes.VisitDraft(
        stay.course_number,
        stay.kind,
        stay.starts + timedelta(days=2),
        stay.ends + timedelta(days=2),
        stay.time_zone,
        stay.location,
        stay.family_note,
    )
    async with db.transaction() as tx:
        await changes.change_visit(tx, stay, draft, people.nurse_id)
    moved = await windows.days_for_child(db, people.child_id, first, last)
    two = timedelta(days=2)
    assert set(moved) == {d + two for d in STAY_DAYS} | {d + two for d in MEDICATION_DAYS}
    assert await windows.children_on(db, CHECKIN_DAY) == {}  # 19 January is now in hospital
    assert await windows.children_on(db, CHECKIN_DAY + two) == {people.child_id: windows.AFTER_STAY}


def test_a_day_in_hospital_or_a_cancelled_stay_asks_for_nothing() -> None:
    """The ward sees a child in hospital itself; a cancelled stay has no days after it."""
    from pwa.plans.store import Visit

    def stay(first: date, last: date, status: str = "planned") -> Visit:
        return Visit(
            1, 1, 1, 1, "admission", at(first, "09:00").replace(tzinfo=None),
            at(last, "17:00").replace(tzinfo=None), "Europe/Amsterdam", "", "", status, "u",
            0, None, is_stay=True,
        )  # fmt: skip

    rule = CheckinRule(after_stay_days=3)
    first, last = date(2027, 1, 1), date(2027, 1, 31)
    back_soon = [
        stay(date(2027, 1, 5), date(2027, 1, 10)),
        stay(date(2027, 1, 12), date(2027, 1, 14)),
    ]
    days = windows.checkin_days(rule, back_soon, [], first, last)
    assert sorted(days) == [
        date(2027, 1, 11),
        date(2027, 1, 15),
        date(2027, 1, 16),
        date(2027, 1, 17),
    ]
    cancelled = [stay(date(2027, 1, 5), date(2027, 1, 10), "cancelled")]
    assert windows.checkin_days(rule, cancelled, [], first, last) == {}
    assert windows.checkin_days(CheckinRule(after_stay_days=0), back_soon, [], first, last) == {}


async def test_the_admin_sets_the_days_and_every_plan_follows(
    db: Database, people: People, admin_client: Any
) -> None:
    """The shipped rule is marked as an example; a saved change applies to every plan at
    once (nothing stored per child), is audited, and a wrong number keeps what was typed."""
    await make_plan(db, people.child_id, PLAN_START)
    page = plain(await page_text(admin_client, "/admin/"))
    assert "Daily check-ins" in page
    page = plain(await page_text(admin_client, "/admin/checkins"))
    assert "to be confirmed by your clinical team" in page
    wrong = await post_form(
        admin_client, "/admin/checkins", {"after_stay_days": "15", "medicine_ids": "1"}
    )
    assert wrong.status_code == 400
    shown = await wrong.get_data(as_text=True)
    assert "Enter a number from 0 to 14." in shown and 'value="15"' in shown
    saved = await post_form(admin_client, "/admin/checkins", {"after_stay_days": "1"})
    assert saved.status_code == 302
    days = await windows.days_for_child(db, people.child_id, PLAN_START, date(2027, 2, 28))
    assert set(days) == {date(2027, 1, 18), date(2027, 2, 22)}  # after stays 1 and 2 only
    assert await audit_rows(db, "checkins.updated") == ["1 days after each stay; medicines none"]
    page = plain(await page_text(admin_client, "/admin/checkins"))
    assert "to be confirmed by your clinical team" not in page


async def test_only_admins_reach_the_rule(
    people: People, nurse_client: Any, family_client: Any
) -> None:
    assert (await nurse_client.get("/admin/checkins")).status_code == 403
    assert (await family_client.get("/admin/checkins")).status_code == 403


# --- the reminder -------------------------------------------------------------------


async def test_a_check_in_day_without_a_report_sends_exactly_one_reminder_at_the_chosen_time(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    """Hazard H26: nothing before 19:00; at 19:00 one gentle push (decrypted as the phone
    shows it) that opens the report form; later runs send nothing more."""
    await _english(db)
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    with time_machine.travel(at(CHECKIN_DAY, "10:00"), tick=False):
        await make_plan(db, people.child_id, PLAN_START)
        await run_sender(app, db)
    assert push_service.for_device(device) == []
    [job] = await _checkin_jobs(db)
    assert job["due_at"].startswith("2027-01-19T18:00:00")  # 19:00 in Amsterdam
    with time_machine.travel(at(CHECKIN_DAY, "18:59"), tick=False):
        await run_sender(app, db)
    assert push_service.for_device(device) == []
    with time_machine.travel(at(CHECKIN_DAY, "19:00"), tick=False):
        await run_sender(app, db)
        await run_sender(app, db)
    with time_machine.travel(at(CHECKIN_DAY, "21:00"), tick=False):
        await run_sender(app, db)
    [delivery] = push_service.for_device(device)
    assert delivery.notification["body"] == GENTLE
    assert delivery.path == "/diary/new"
    assert [row["status"] for row in await _checkin_jobs(db)] == ["sent"]


async def test_no_reminder_when_a_report_exists_for_the_day(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    """Hazard H26: the other parent reported at noon: no reminder is planned. A report that
    arrives after the job was planned (from a phone's outbox) stops it at send time."""
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    dad = await second_parent(db, app, people.child_id)
    with time_machine.travel(at(CHECKIN_DAY, "12:00"), tick=False):
        await make_plan(db, people.child_id, PLAN_START)
        await add_report(db, people, {"pain": 1}, caregiver=dad)
        await run_sender(app, db)
    with time_machine.travel(at(CHECKIN_DAY, "19:00"), tick=False):
        await run_sender(app, db)
    assert await _checkin_jobs(db) == []

    next_day = CHECKIN_DAY + timedelta(days=1)
    with time_machine.travel(at(next_day, "18:00"), tick=False):
        await run_sender(app, db)
        assert [row["status"] for row in await _checkin_jobs(db)] == ["pending", "pending"]
    with time_machine.travel(at(next_day, "18:58"), tick=False):
        await add_report(db, people, {"pain": 0})
    with time_machine.travel(at(next_day, "19:00"), tick=False):
        await run_sender(app, db)
    with time_machine.travel(at(next_day, "19:30"), tick=False):
        await run_sender(app, db)
    assert push_service.for_device(device) == []
    assert {row["status"] for row in await _checkin_jobs(db)} == {"cancelled"}


async def test_quiet_hours_hold_a_reminder_within_the_day_and_skip_one_past_it(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    """A time in quiet hours: held to the end of quiet time while that is still the same
    day (07:00 with quiet time until 07:30 arrives at 07:30); skipped when the end of quiet
    time is tomorrow (22:00 with quiet time from 21:30: no reminder at all)."""
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    with time_machine.travel(at(CHECKIN_DAY, "06:00"), tick=False):
        await make_plan(db, people.child_id, PLAN_START)
        await set_checkin(db, people.parent_id, time(7), quiet=(time(22), time(7, 30)))
    with time_machine.travel(at(CHECKIN_DAY, "07:00"), tick=False):
        await run_sender(app, db)
    assert push_service.for_device(device) == []
    with time_machine.travel(at(CHECKIN_DAY, "07:30"), tick=False):
        await run_sender(app, db)
    assert len(push_service.for_device(device)) == 1

    next_day = CHECKIN_DAY + timedelta(days=1)
    await set_checkin(db, people.parent_id, time(22))
    for clock in ("21:00", "22:00", "23:59"):
        with time_machine.travel(at(next_day, clock), tick=False):
            await run_sender(app, db)
    with time_machine.travel(at(next_day + timedelta(days=1), "08:00"), tick=False):
        await run_sender(app, db)
    assert len(push_service.for_device(device)) == 1
    statuses = {row["checkin_day"]: row["status"] for row in await _checkin_jobs(db)}
    assert statuses[next_day.isoformat()] == "expired"


async def test_no_reminder_outside_a_window_when_off_or_for_a_disabled_caregiver(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    with time_machine.travel(at(PLAIN_DAY, "19:00"), tick=False):
        await make_plan(db, people.child_id, PLAN_START)
        await run_sender(app, db)
    assert await _checkin_jobs(db) == []
    await set_checkin(db, people.parent_id, None)
    with time_machine.travel(at(CHECKIN_DAY, "19:00"), tick=False):
        await run_sender(app, db)
    assert await _checkin_jobs(db) == []
    await set_checkin(db, people.parent_id, time(19))
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE account SET disabled_at = '2027-01-01T00:00:00.000000Z' WHERE id = ?",
            (people.parent_id,),
        )
    with time_machine.travel(at(CHECKIN_DAY, "19:00"), tick=False):
        await run_sender(app, db)
    assert await _checkin_jobs(db) == []
    assert push_service.for_device(device) == []


async def test_the_family_chooses_the_time_or_off_on_the_reminders_page(
    app: Quart, db: Database, people: People
) -> None:
    """The choice is saved per caregiver; switching off cancels today's pending reminder,
    a new time moves it; an invalid time is refused with a message."""
    with time_machine.travel(at(CHECKIN_DAY, "10:00"), tick=False):
        family_client = await _parent(app)
        await make_plan(db, people.child_id, PLAN_START)
        page = await page_text(family_client, "/settings/reminders")
        assert 'option selected value="19:00"' in page or 'selected value="19:00"' in page
        form = {"csrf_token": csrf_from(page), "quiet_start": "21:30", "quiet_end": "08:00",
                "reminders_enabled": "y"}  # fmt: skip
        assert (
            await family_client.post("/settings/reminders", form={**form, "checkin_time": "20:30"})
        ).status_code == 302
        [job] = await _checkin_jobs(db)
        assert job["status"] == "pending" and job["due_at"].startswith("2027-01-19T19:30")
        bad = await family_client.post(
            "/settings/reminders", form={**form, "checkin_time": "25:00"}
        )
        assert "Choose a time from the list, or off." in await bad.get_data(as_text=True)
        assert (
            await family_client.post("/settings/reminders", form={**form, "checkin_time": "off"})
        ).status_code == 302
        assert [row["status"] for row in await _checkin_jobs(db)] == ["cancelled"]
        page = await page_text(family_client, "/settings/reminders")
        assert 'selected value="off"' in page


# --- what people see ----------------------------------------------------------------


async def test_home_asks_on_a_check_in_day_and_thanks_once_anyone_reported(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H26: the card links to the report form; after the other parent's report it
    says the day is done; on a day outside a window there is no card."""
    await _english(db)
    dad = await second_parent(db, app, people.child_id)
    with time_machine.travel(at(CHECKIN_DAY, "10:00"), tick=False):
        family_client = await _parent(app)
        await make_plan(db, people.child_id, PLAN_START)
        html = await page_text(family_client, "/")
        assert "Today is a check-in day — how is Sam?" in plain(html)
        assert 'href="/diary/new">Send today' in html
        await add_report(db, people, {"pain": 1}, caregiver=dad)
        page = plain(await page_text(family_client, "/"))
        assert "Today's check-in is done — thank you" in page
        assert "Today is a check-in day" not in page
    with time_machine.travel(at(PLAIN_DAY, "10:00"), tick=False):
        family_client = await _parent(app)
        assert "check-in" not in plain(await page_text(family_client, "/"))


async def test_nurses_see_who_has_not_reported_during_a_window(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H26: on the list each child in a window has its tag, and a filter shows only
    those without today's check-in; the child's page lists the window's days with the ones
    that had no report."""
    with time_machine.travel(at(CHECKIN_DAY, "15:00"), tick=False):
        nurse_client = await _staff(app, "nurse@example.org")
        await make_plan(db, people.child_id, PLAN_START)
        await make_plan(db, people.other_child_id, PLAN_START)
        await add_report(db, people, {"pain": 1}, child_id=people.other_child_id,
                         caregiver=people.other_parent_id)  # fmt: skip
        html = await page_text(nurse_client, "/nurse/children")
        page = plain(html)
        assert "Sam" in page and "Check-in day: no check-in yet" in page
        assert "Robin" in page and "Check-in day: reported today" in page
        assert "1 child has a check-in day today without a report yet." in page
        filtered = plain(await page_text(nurse_client, "/nurse/children?checkin=missing"))
        assert "Sam" in filtered and "Robin" not in filtered
        assert "Show all children" in filtered
        child_page = plain(await page_text(nurse_client, f"/nurse/children/{people.child_id}"))
        assert "Check-in days" in child_page
        assert "Monday 18 January after a stay No report" in child_page
        assert "Tuesday 19 January after a stay No check-in yet" in child_page
        assert "Wednesday 20 January after a stay Coming" in child_page
    with time_machine.travel(at(PLAIN_DAY, "15:00"), tick=False):
        nurse_client = await _staff(app, "nurse@example.org")
        page = plain(await page_text(nurse_client, "/nurse/children"))
        assert "Check-in day" not in page


async def test_a_parent_cannot_open_the_nurses_pages_or_another_childs_check_ins(
    app: Quart, db: Database, people: People
) -> None:
    """Robin's check-in day shows to Robin's family only, and the nurses' pages that list
    it refuse a parent."""
    with time_machine.travel(at(CHECKIN_DAY, "10:00"), tick=False):
        family_client = await _parent(app)
        await make_plan(db, people.other_child_id, PLAN_START)
        assert (await family_client.get("/nurse/children")).status_code == 403
        other = await family_client.get(f"/nurse/children/{people.other_child_id}")
        assert other.status_code == 403
        # Home shows the parent's own child only: Sam has no plan, so no card at all.
        assert "check-in" not in plain(await page_text(family_client, "/"))
        robins = await _parent(app, "other@example.org")
        assert "Today is a check-in day — how is Robin?" in plain(await page_text(robins, "/"))
