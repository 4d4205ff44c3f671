"""Moving a course: its home-medication periods, their reminders and the calendar move with
it; a move that brings courses closer than the template's spacing asks first and can move
the later courses along; the family's banner says what it was and what it is now."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from quart import Quart

from pwa.db import Database
from pwa.notifications import payloads, planner
from pwa.notifications.jobs import About, Job
from pwa.plans import changes
from pwa.plans import store as plans
from pwa.schema import migration_files
from tests.conftest import People, choose_language, csrf_from, make_plan, post_form, sign_in
from tests.helpers.calendar import events_by_uid, fetch_calendar, new_feed
from tests.helpers.doses import choose_dose_times
from tests.helpers.pages import plain

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Courses start 11 Jan, 15 Feb, 22 Mar, 26 Apr and 31 May 2027 (35 days apart); course 3's
# isotretinoin (days 19-32) runs 9-22 April. Moving course 3 by a week makes it 16-29 April.
PLAN_START = date(2027, 1, 11)
BEFORE = datetime(2027, 3, 1, 10, tzinfo=AMSTERDAM)


def _move_course_3(**extra: str) -> dict[str, str]:
    return {
        "course_number": "3",
        "kind": "admission",
        "start_date": "2027-03-29",
        "start_time": "09:00",
        "end_date": "2027-04-04",
        "end_time": "17:00",
        "time_zone": "Europe/Amsterdam",
        "location": "",
        "family_note": "",
        "status": "planned",
        **extra,
    }


async def _course(db: Database, plan_id: int, number: int) -> plans.Visit:
    return next(v for v in await plans.select_visits(db, plan_id) if v.course_number == number)


async def _medication(db: Database, plan_id: int, number: int) -> tuple[date, date]:
    period = next(
        m for m in await plans.select_medications(db, plan_id) if m.course_number == number
    )
    return period.first_date, period.last_date


async def _medication_jobs(db: Database, status: str) -> set[str]:
    rows = await db.fetch_all(
        "SELECT medication_day FROM notification_job WHERE kind LIKE 'medication:%' AND status = :s",
        {"s": status},
    )
    return {row["medication_day"] for row in rows}


async def _clients(app: Quart) -> tuple[Any, Any]:
    nurse, family = app.test_client(), app.test_client()
    await sign_in(nurse, "nurse@example.org", staff=True)
    await sign_in(family, "parent@example.org")
    return nurse, family


async def _text(client: Any, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, path
    return str(await response.get_data(as_text=True))


async def test_moving_course_3_moves_its_medication_reminders_and_calendar(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H4: a moved course's isotretinoin stayed on the old days in the plan, the
    family's timeline and home, and the reminders; it now moves with the course."""
    with time_machine.travel(BEFORE, tick=False):
        nurse, family = await _clients(app)
        plan = await make_plan(db, people.child_id, PLAN_START)
        feed_path, _ = await new_feed(family)
        async with db.transaction() as connection:
            await choose_dose_times(connection, people.child_id, people.parent_id, time(8, 0))
            # A reminder already planned for the old first day (the sender plans ahead).
            await planner.plan_medication_reminders(connection, date(2027, 4, 9))
        assert await _medication_jobs(db, "pending") == {"2027-04-09"}
        course_3 = await _course(db, plan.id, 3)
        url = f"/nurse/children/{people.child_id}/visits/{course_3.id}"

        response = await post_form(nurse, url, _move_course_3(later="keep", shift_days="7"))
        assert response.status_code == 302

        assert (await _course(db, plan.id, 3)).starts == datetime(2027, 3, 29, 9, 0)
        assert await _medication(db, plan.id, 3) == (date(2027, 4, 16), date(2027, 4, 29))
        assert await _medication(db, plan.id, 4) == (date(2027, 5, 14), date(2027, 5, 27))
        # The reminder for a day the period no longer covers never goes out.
        assert await _medication_jobs(db, "pending") == set()
        assert await _medication_jobs(db, "cancelled") == {"2027-04-09"}
        actions = await db.fetch_all(
            "SELECT action, detail FROM audit_log WHERE action LIKE '%.changed'"
        )
        assert {row["action"] for row in actions} == {"visit.changed", "medication.changed"}
        assert any(
            "2027-04-09..2027-04-22 -> 2027-04-16..2027-04-29" in r["detail"] for r in actions
        )

        timeline = await _text(family, "/schedule")
        items = timeline.split('class="timeline"', 1)[1]
        assert "From 16 Apr to 29 Apr." in items
        medication_item = items.split("From 16 Apr", 1)[0].rsplit("<li", 1)[1]
        assert "timeline-item--changed" in medication_item
        assert "From 9 Apr" not in items and "to 22 Apr" not in items

        events = events_by_uid(await fetch_calendar(app, feed_path))
        event = events[course_3.uid]
        assert event.decoded("DTSTART") == datetime(2027, 3, 29, 9, 0, tzinfo=AMSTERDAM)
        assert int(event["SEQUENCE"]) == course_3.sequence + 1

    # On 15 April, the sender plans today and tomorrow: only the new first day (16 April).
    with time_machine.travel(datetime(2027, 4, 15, 7, tzinfo=AMSTERDAM), tick=False):
        async with db.transaction() as connection:
            for day in (date(2027, 4, 15), date(2027, 4, 16)):
                await planner.plan_medication_reminders(connection, day)
        assert await _medication_jobs(db, "pending") == {"2027-04-16"}

    # On 24 April (after the old period, inside the new one) home shows the medication.
    with time_machine.travel(datetime(2027, 4, 24, 10, tzinfo=AMSTERDAM), tick=False):
        family = app.test_client()
        await sign_in(family, "parent@example.org")
        home = await _text(family, "/")
        assert "Isotretinoin capsules at home" in home
        assert "From 16 Apr to 29 Apr." in home


async def test_a_move_too_close_to_the_next_course_warns_and_saves_only_when_answered(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H5: a nurse could move a course to within days of the next one without
    being told; now the move is held back until the spacing warning is answered."""
    with time_machine.travel(BEFORE, tick=False):
        nurse, _ = await _clients(app)
        plan = await make_plan(db, people.child_id, PLAN_START)
        course_3 = await _course(db, plan.id, 3)
        url = f"/nurse/children/{people.child_id}/visits/{course_3.id}"

        response = await post_form(nurse, url, _move_course_3())
        text = await response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Courses would come closer than the plan's spacing" in text
        assert "Course 4 would start 28 days after course 3 starts." in text
        assert "The template spaces courses 35 days apart." in text
        assert "Save and also move courses 4 and 5 by 7 days" in text
        assert "Save, leave the later courses where they are" in text
        # Nothing saved yet: the visit, its medication and the audit log are as they were.
        assert (await _course(db, plan.id, 3)).starts == datetime(2027, 3, 22, 9, 0)
        assert await _medication(db, plan.id, 3) == (date(2027, 4, 9), date(2027, 4, 22))
        assert await db.fetch_one("SELECT 1 FROM audit_log WHERE action = 'visit.changed'") is None

        # An answer given for another move (a different number of days) asks again.
        response = await post_form(nurse, url, _move_course_3(later="keep", shift_days="3"))
        assert response.status_code == 200
        assert (await _course(db, plan.id, 3)).starts == datetime(2027, 3, 22, 9, 0)

        # Moving course 3 earlier by a week, next to course 2: the button says so.
        earlier = _move_course_3(start_date="2027-03-15", end_date="2027-03-21")
        text = await (await post_form(nurse, url, earlier)).get_data(as_text=True)
        assert "Course 3 would start 28 days after course 2 starts." in text
        assert "Save and also move courses 4 and 5 7 days earlier" in text

        # A move that keeps the spacing saves at once: the last course, three days later.
        course_5 = await _course(db, plan.id, 5)
        later = _move_course_3(course_number="5", start_date="2027-06-03", end_date="2027-06-09")
        url_5 = f"/nurse/children/{people.child_id}/visits/{course_5.id}"
        assert (await post_form(nurse, url_5, later)).status_code == 302
        assert (await _course(db, plan.id, 5)).starts == datetime(2027, 6, 3, 9, 0)


async def test_moving_later_courses_too_moves_them_and_their_medication_and_tells_once(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H5: "also move the later courses" moves courses 4 and 5 and their
    medication by the same days, audited, and the family is told once with old and new."""
    with time_machine.travel(BEFORE, tick=False):
        nurse, family = await _clients(app)
        plan = await make_plan(db, people.child_id, PLAN_START)
        before = {v.course_number: v for v in await plans.select_visits(db, plan.id)}
        url = f"/nurse/children/{people.child_id}/visits/{before[3].id}"

        response = await post_form(nurse, url, _move_course_3(later="move", shift_days="7"))
        assert response.status_code == 302

        after = {v.course_number: v for v in await plans.select_visits(db, plan.id)}
        assert after[1].starts == before[1].starts and after[2].starts == before[2].starts
        for number, day in ((3, date(2027, 3, 29)), (4, date(2027, 5, 3)), (5, date(2027, 6, 7))):
            assert after[number].starts.date() == day and after[number].starts.time() == time(9)
            assert after[number].status == "changed"
            assert after[number].sequence == before[number].sequence + 1
        assert await _medication(db, plan.id, 4) == (date(2027, 5, 21), date(2027, 6, 3))
        assert await _medication(db, plan.id, 5) == (date(2027, 6, 25), date(2027, 7, 8))
        assert await _medication(db, plan.id, 2) == (date(2027, 3, 5), date(2027, 3, 18))

        summary = await db.fetch_one(
            "SELECT detail FROM audit_log WHERE action = 'plan.courses_moved' AND child_id = :c",
            {"c": people.child_id},
        )
        assert summary is not None
        assert (
            summary["detail"] == f"courses 4, 5 moved +7 days with course 3 (visit {before[3].id})"
        )
        audit = await db.fetch_all(
            "SELECT action FROM audit_log WHERE action IN ('visit.changed', 'medication.changed')"
        )
        assert (
            sorted(row["action"] for row in audit)
            == ["medication.changed"] * 3 + ["visit.changed"] * 3
        )
        # One push for the whole move, not one per course.
        notices = await db.fetch_all(
            "SELECT visit_id FROM notification_job WHERE kind = 'visit_changed' AND status = 'pending'"
        )
        assert [row["visit_id"] for row in notices] == [before[3].id]

        home = await _text(family, "/")
        banner = plain(home.split('id="changed-heading"', 1)[1].split("</section>", 1)[0])
        assert "Treatment dates changed since you last looked" in home
        assert (
            "Hospital stay of course 3: was Monday 22 March at 09:00, now Monday 29 March at 09:00"
            in banner
        )
        assert (
            "Hospital stay of course 5: was Monday 31 May at 09:00, now Monday 7 June at 09:00"
            in banner
        )
        assert (
            "Isotretinoin capsules at home (course 3): was 9 Apr – 22 Apr, "
            "now 16 Apr – 29 Apr" in banner
        )
        assert "(course 4): was 14 May – 27 May, now 21 May – 3 Jun" in banner
        # "Got it" clears the banner; the timeline keeps the new dates.
        response = await family.post("/schedule/seen", form={"csrf_token": csrf_from(home)})
        assert response.status_code == 302
        assert 'id="changed-heading"' not in await _text(family, "/")
        timeline = await _text(family, "/schedule")
        assert "From 25 Jun to 8 Jul." in timeline and "Monday 7 June" in timeline


async def test_nurse_sees_and_edits_a_courses_medication_period(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H4: the nurse sees each course's medication days on the plan page and can
    change them; the change is audited, re-plans reminders and is shown to the family."""
    with time_machine.travel(datetime(2027, 4, 8, 10, tzinfo=AMSTERDAM), tick=False):
        nurse, family = await _clients(app)
        plan = await make_plan(db, people.child_id, PLAN_START)
        async with db.transaction() as connection:
            await choose_dose_times(connection, people.child_id, people.parent_id, time(8, 0))
            await planner.plan_medication_reminders(connection, date(2027, 4, 9))
        page = await _text(nurse, f"/nurse/children/{people.child_id}/plan")
        assert page.count("days 19 to 32 of the course") == 5
        assert "9 Apr – 22 Apr" in page
        period = next(
            m for m in await plans.select_medications(db, plan.id) if m.course_number == 3
        )
        url = f"/nurse/children/{people.child_id}/medications/{period.id}"
        form = await _text(nurse, url)
        assert "Now days 19 to 32 of the course." in form and 'value="2027-04-09"' in form

        refused = await post_form(
            nurse, url, {"first_date": "2027-04-12", "last_date": "2027-04-10"}
        )
        assert "The last day cannot be before the first day." in await refused.get_data(
            as_text=True
        )
        assert await _medication(db, plan.id, 3) == (date(2027, 4, 9), date(2027, 4, 22))

        response = await post_form(
            nurse, url, {"first_date": "2027-04-10", "last_date": "2027-04-23"}
        )
        assert response.status_code == 302
        assert await _medication(db, plan.id, 3) == (date(2027, 4, 10), date(2027, 4, 23))
        row = await db.fetch_one("SELECT detail FROM audit_log WHERE action = 'medication.changed'")
        assert (
            row is not None and "2027-04-09..2027-04-22 -> 2027-04-10..2027-04-23" in row["detail"]
        )
        # Tomorrow (9 April) is no longer a medication day; nor is a reminder planned for it.
        assert await _medication_jobs(db, "pending") == set()
        notices = await db.fetch_all("SELECT 1 FROM notification_job WHERE kind = 'visit_changed'")
        assert len(notices) == 1
        home = await _text(family, "/")
        assert "was 9 Apr – 22 Apr, now 10 Apr – 23 Apr" in plain(home)
        await choose_language(family, "nl")
        home = plain(await _text(family, "/"))
        assert "Behandeldata gewijzigd sinds je laatste bezoek" in home
        assert (
            "Isotretinoïne-capsules thuis (kuur 3): was 9 apr – 22 apr, nu 10 apr – 23 apr" in home
        )
        other = await plans.select_plan(db, people.other_child_id)
        assert other is None
        assert (
            await nurse.get(f"/nurse/children/{people.other_child_id}/medications/{period.id}")
        ).status_code == 404


async def test_a_claimed_reminder_for_a_day_the_period_left_is_not_sent(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H4: a medication reminder already claimed by the sender when the period moved
    is dropped when its message is built, so the family is not told to take it that day."""
    plan = await make_plan(db, people.child_id, PLAN_START)
    period = next(m for m in await plans.select_medications(db, plan.id) if m.course_number == 3)
    due = datetime(2027, 4, 9, 8, tzinfo=AMSTERDAM)

    def job(day: str) -> Job:
        about = About(medication_period_id=period.id, medication_day=date.fromisoformat(day))
        return Job(1, "medication:08:00", about, 1, people.parent_id, due, due, 1)

    assert await payloads.build(db, job("2027-04-09"), due) is not None
    async with db.transaction() as connection:
        await changes.edit_medication(
            connection,
            period,
            date(2027, 4, 16),
            date(2027, 4, 29),
            people.nurse_id,
            child_id=people.child_id,
        )
    assert await payloads.build(db, job("2027-04-09"), due) is None
    assert await payloads.build(db, job("2027-04-16"), due) is not None


def test_migration_attaches_existing_periods_to_their_course(tmp_path: Path) -> None:
    """Hazard H4: periods stored before migration 0010 stay with their course's visit."""
    connection = sqlite3.connect(tmp_path / "old.sqlite3")
    files = migration_files()
    for number, _, sql in files:
        if number < 10:
            connection.executescript(sql)
    connection.executescript(
        """
        INSERT INTO child (id, nickname, birth_date, created_at) VALUES (1, 'Sam', '2019-05-31', 'x');
        INSERT INTO treatment_plan (id, child_id, start_date, courses, created_at, updated_at)
        VALUES (1, 1, '2027-01-11', 2, 'x', 'x');
        INSERT INTO visit (id, plan_id, course_number, kind, starts_local, ends_local, time_zone,
                           status, uid, created_at)
        VALUES (7, 1, 1, 'admission', '2027-01-11T09:00', '2027-01-17T17:00', 'Europe/Amsterdam', 'planned', 'a', 'x'),
               (8, 1, 2, 'day_visit', '2027-02-20T09:00', '2027-02-20T12:00', 'Europe/Amsterdam', 'planned', 'b', 'x'),
               (9, 1, 2, 'admission', '2027-02-15T09:00', '2027-02-21T17:00', 'Europe/Amsterdam', 'planned', 'c', 'x');
        INSERT INTO medication_period (id, plan_id, course_number, name, first_date, last_date)
        VALUES (1, 1, 1, 'isotretinoin', '2027-01-29', '2027-02-11'),
               (2, 1, 2, 'isotretinoin', '2027-03-05', '2027-03-18');
        """
    )
    [(number, _, sql)] = [entry for entry in files if entry[0] == 10]
    connection.executescript(sql)
    rows = connection.execute("SELECT id, visit_id FROM medication_period ORDER BY id").fetchall()
    connection.close()
    assert rows == [(1, 7), (2, 9)]  # course 2 starts with its admission, not the day visit
