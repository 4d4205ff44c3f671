"""Short visits (a scan, a hearing test...): a nurse adds one from the child's plan, the
family sees it on home, the timeline, the visit page and in calendars (with its zone and
length), and its reminders follow its kind and the family's own "day before" time."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from icalendar import Calendar
from quart import Quart

from pwa.db import Database, connect_sync, from_db
from pwa.i18n import translate
from pwa.notifications import payloads
from pwa.notifications.jobs import Job
from pwa.plans import moves
from pwa.plans import store as plans
from pwa.plans.schedule import ShortVisitRule
from pwa.schema import migration_files
from tests.conftest import People, csrf_from, make_plan, post_form, sign_in
from tests.helpers.calendar import events_by_uid, fetch_calendar, new_feed
from tests.helpers.lock_screen import forbidden_in
from tests.helpers.short_visits import add_short_visit, scan_fields

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PLAN_START = date(2027, 1, 11)  # courses start 11 Jan, 15 Feb, 22 Mar, 26 Apr, 31 May
BEFORE = datetime(2027, 3, 1, 10, tzinfo=AMSTERDAM)


async def _clients(app: Quart) -> tuple[Any, Any]:
    nurse, family = app.test_client(), app.test_client()
    await sign_in(nurse, "nurse@example.org", staff=True)
    await sign_in(family, "parent@example.org")
    return nurse, family


async def _text(client: Any, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, path
    return str(await response.get_data(as_text=True))


async def _short_visit(db: Database, plan_id: int) -> plans.Visit:
    [visit] = [v for v in await plans.select_visits(db, plan_id) if v.short]
    return visit


async def _reminders(db: Database, status: str) -> dict[str, datetime]:
    """The scan's reminder jobs of one status: kind -> due moment in Amsterdam."""
    rows = await db.fetch_all(
        """
        SELECT notification_job.kind, notification_job.due_at FROM notification_job
          JOIN visit ON visit.id = notification_job.visit_id
         WHERE visit.kind = 'scan' AND notification_job.kind LIKE 'visit_reminder%'
           AND notification_job.status = :status
        """,
        {"status": status},
    )
    found = {row["kind"]: from_db(row["due_at"]) for row in rows}
    return {kind: due.astimezone(AMSTERDAM) for kind, due in found.items() if due}


async def _choose_reminder_time(family: Any, at: str) -> None:
    response = await post_form(
        family,
        "/settings/reminders",
        {
            "reminders_enabled": "y",
            "quiet_start": "21:30",
            "quiet_end": "08:00",
            "reminder_time": at,
        },
    )
    assert response.status_code == 302


async def test_a_scan_a_nurse_adds_shows_on_home_timeline_visit_page_and_calendars(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H28: a scan the nurse adds reaches every place the family looks."""
    with time_machine.travel(BEFORE, tick=False):
        nurse, family = await _clients(app)
        plan = await make_plan(db, people.child_id, PLAN_START)
        feed_path, _ = await new_feed(family)

        response = await add_short_visit(nurse, people.child_id, title="MIBG scan")
        assert response.status_code == 302
        scan = await _short_visit(db, plan.id)
        assert (scan.kind, scan.title, scan.course_number) == ("scan", "MIBG scan", 2)
        assert (scan.starts, scan.minutes) == (datetime(2027, 3, 12, 10, 30), 90)
        assert "visit.added" in {
            row["action"] for row in await db.fetch_all("SELECT action FROM audit_log")
        }

        home = await _text(family, "/")
        next_card = home.split('class="card card--next"', 1)[1].split("</section>", 1)[0]
        assert "Next: MIBG scan" in next_card
        assert "Scan" in next_card and "Radiology, level 1" in next_card
        assert "Friday 12 March at 10:30, 1 hour 30 minutes" in next_card
        # A scan is no stay: nothing to pack for a week.
        assert "data-packing-list" not in home

        timeline = await _text(family, "/schedule")
        assert "MIBG scan" in timeline and "Friday 12 March at 10:30, 1 hour 30 minutes" in timeline
        page = await _text(family, f"/schedule/visits/{scan.id}")
        assert "MIBG scan" in page and "1 hour 30 minutes" in page

        for calendar in (
            await fetch_calendar(app, feed_path),
            Calendar.from_ical(
                await (await family.get(f"/schedule/visits/{scan.id}.ics")).get_data()
            ),
        ):
            event = events_by_uid(calendar)[scan.uid]
            assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
            assert event.decoded("DTSTART") == datetime(2027, 3, 12, 10, 30, tzinfo=AMSTERDAM)
            assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=90)
            assert str(event["SUMMARY"]) == "Hospital visit: Scan"
            assert "Europe/Amsterdam" in {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
            assert forbidden_in(calendar.to_ical().decode()) == []
            # The nurse's title stays in the app: calendars show the kind only.
            assert "MIBG" not in calendar.to_ical().decode()


async def test_scan_reminders_follow_its_kind_and_the_familys_day_before_time_and_move_and_cancel(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H28: reminders at the kind's times and the family's own day-before time,
    moved with the scan and gone when it is cancelled (frozen clock)."""
    with time_machine.travel(BEFORE, tick=False):
        nurse, family = await _clients(app)
        plan = await make_plan(db, people.child_id, PLAN_START)
        await _choose_reminder_time(family, "19:30")
        assert (await add_short_visit(nurse, people.child_id)).status_code == 302
        scan = await _short_visit(db, plan.id)

        # The scan kind reminds 3 days and 1 day before at 18:00; the family chose 19:30
        # for "the day before".
        assert await _reminders(db, "pending") == {
            "visit_reminder:3:18:00": datetime(2027, 3, 9, 18, 0, tzinfo=AMSTERDAM),
            "visit_reminder:1:19:30": datetime(2027, 3, 11, 19, 30, tzinfo=AMSTERDAM),
        }
        row = await db.fetch_one(
            "SELECT * FROM notification_job WHERE kind = 'visit_reminder:1:19:30' AND visit_id = ?",
            (scan.id,),
        )
        assert row is not None
        job = Job.from_row(row, 0)
        message = await payloads.build(db, job, job.due_at)
        assert message is not None
        # "Your visit starts tomorrow at 10:30", in the parent's language: not "your stay".
        tomorrow = translate(message.lang, payloads.TOMORROW)
        expected = translate(message.lang, payloads.VISIT_REMINDER, when=tomorrow, time="10:30")
        assert message.body == expected

        # Back to the hospital's time: the 19:30 reminder goes, one at 18:00 comes.
        await _choose_reminder_time(family, "")
        assert await _reminders(db, "pending") == {
            "visit_reminder:3:18:00": datetime(2027, 3, 9, 18, 0, tzinfo=AMSTERDAM),
            "visit_reminder:1:18:00": datetime(2027, 3, 11, 18, 0, tzinfo=AMSTERDAM),
        }
        await _choose_reminder_time(family, "07:45")

        # Moved a week on: the reminders move with it.
        url = f"/nurse/children/{people.child_id}/short-visits/{scan.id}"
        moved = await post_form(nurse, url, scan_fields(start_date="2027-03-19", duration="45"))
        assert moved.status_code == 302
        assert await _reminders(db, "pending") == {
            "visit_reminder:3:18:00": datetime(2027, 3, 16, 18, 0, tzinfo=AMSTERDAM),
            "visit_reminder:1:07:45": datetime(2027, 3, 18, 7, 45, tzinfo=AMSTERDAM),
        }
        after = await plans.select_visit(db, scan.id)
        assert after is not None
        assert (after.minutes, after.sequence, after.status) == (45, scan.sequence + 1, "changed")
        assert "changed since you last looked" in await _text(family, "/")

        # Cancelled: nothing is left to remind of.
        cancel = await post_form(
            nurse, f"/nurse/children/{people.child_id}/visits/{scan.id}/cancel", {}, csrf_path=url
        )
        assert cancel.status_code == 302
        assert await _reminders(db, "pending") == {}
        cancelled = await plans.select_visit(db, scan.id)
        assert cancelled is not None and cancelled.cancelled


async def test_a_stay_keeps_the_hospitals_reminder_times_and_takes_the_familys_day_before_time(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(BEFORE, tick=False):
        _, family = await _clients(app)
        plan = await make_plan(db, people.child_id, PLAN_START)
        await _choose_reminder_time(family, "20:00")
        course_3 = next(v for v in await plans.select_visits(db, plan.id) if v.course_number == 3)
        rows = await db.fetch_all(
            "SELECT kind FROM notification_job WHERE visit_id = :id AND status = 'pending'",
            {"id": course_3.id},
        )
        assert {row["kind"] for row in rows} == {
            "visit_reminder:7:18:00",
            "visit_reminder:1:20:00",
        }


async def test_bad_short_visit_input_is_named_and_nothing_typed_is_lost(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(BEFORE, tick=False):
        nurse, _ = await _clients(app)
        await make_plan(db, people.child_id, PLAN_START)
        response = await add_short_visit(
            nurse, people.child_id, title="Heart echo with the cardiologist", duration="2000"
        )
        assert response.status_code == 200
        html = await response.get_data(as_text=True)
        assert "Enter a number of minutes from 5 to 720." in html
        assert 'value="Heart echo with the cardiologist"' in html
        unknown = await add_short_visit(nurse, people.child_id, kind="admission")
        assert "Choose a kind of visit from the list." in await unknown.get_data(as_text=True)
        row = await db.fetch_one("SELECT COUNT(*) FROM visit WHERE kind NOT IN ('admission')")
        assert row is not None and row[0] == 0


async def test_short_visits_are_only_for_the_childs_own_family_and_staff(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(BEFORE, tick=False):
        nurse, family = await _clients(app)
        plan = await make_plan(db, people.child_id, PLAN_START)
        await make_plan(db, people.other_child_id, PLAN_START)
        await add_short_visit(nurse, people.child_id)
        scan = await _short_visit(db, plan.id)

        other = app.test_client()
        await sign_in(other, "other@example.org")
        assert (await other.get(f"/schedule/visits/{scan.id}")).status_code == 404
        assert (await other.get(f"/schedule/visits/{scan.id}.ics")).status_code == 404
        # A family never reaches the nurse's pages.
        new = f"/nurse/children/{people.child_id}/short-visits/new"
        assert (await family.get(new)).status_code == 403
        assert (
            await family.get(f"/nurse/children/{people.child_id}/short-visits/{scan.id}")
        ).status_code == 403
        # A visit is reached only under its own child.
        wrong = f"/nurse/children/{people.other_child_id}/short-visits/{scan.id}"
        assert (await nurse.get(wrong)).status_code == 404
        token = csrf_from(await (await nurse.get(new)).get_data(as_text=True))
        posted = await nurse.post(wrong, form={"csrf_token": token, **scan_fields()})
        assert posted.status_code == 404
        # Without the form's token a change is refused and nothing moves.
        own = f"/nurse/children/{people.child_id}/short-visits/{scan.id}"
        for bad in ({}, {"csrf_token": "forged"}):
            refused = await nurse.post(own, form={**bad, **scan_fields(start_date="2027-03-20")})
            assert refused.status_code != 302  # the form again, asking to send it once more
        unchanged = await plans.select_visit(db, scan.id)
        assert unchanged is not None and unchanged.starts == scan.starts


def test_migration_0028_keeps_visits_their_changes_periods_and_jobs(tmp_path: Path) -> None:
    """Hazard H28: rebuilding the visit table (with foreign keys on, as the app migrates) keeps every
    visit's id, UID and sequence, and what pointed at it."""
    path = str(tmp_path / "old.sqlite3")
    connection = connect_sync(path, read_only=False)
    for number, _, sql in migration_files():
        if number < 28:
            connection.executescript(f"BEGIN;\n{sql}\nCOMMIT;")
    connection.executescript(
        """
        INSERT INTO account (id, email, display_name, role, password_hash, created_at)
        VALUES (1, 'p@example.org', 'P', 'caregiver', 'x', 'x');
        INSERT INTO child (id, nickname, birth_date, created_at) VALUES (1, 'Sam', '2019-05-31', 'x');
        INSERT INTO treatment_plan (id, child_id, start_date, courses, created_at, updated_at)
        VALUES (1, 1, '2027-01-11', 2, 'x', 'x');
        INSERT INTO visit (id, plan_id, course_number, kind, starts_local, ends_local, time_zone,
                           status, uid, sequence, created_at)
        VALUES (7, 1, 1, 'admission', '2027-01-11T09:00', '2027-01-17T17:00', 'Europe/Amsterdam', 'changed', 'a@x', 3, 'x'),
               (8, 1, 2, 'day_visit', '2027-02-20T09:00', '2027-02-20T12:00', 'Europe/Amsterdam', 'planned', 'b@x', 0, 'x');
        INSERT INTO medication_period (id, plan_id, course_number, name, first_date, last_date, visit_id)
        VALUES (1, 1, 1, 'isotretinoin', '2027-01-29', '2027-02-11', 7);
        INSERT INTO plan_change (id, plan_id, visit_id, was_first, was_last, changed_at)
        VALUES (5, 1, 7, '2027-01-04T09:00', '2027-01-10T17:00', 'x');
        INSERT INTO notification_job (id, kind, visit_id, recipient_id, due_at, expires_at,
                                      next_attempt_at, created_at)
        VALUES (9, 'visit_reminder:1:18:00', 8, 1, 'x', 'x', 'x', 'x');
        """
    )
    [(_, _, sql)] = [entry for entry in migration_files() if entry[0] == 28]
    connection.executescript(f"BEGIN IMMEDIATE;\n{sql}\nCOMMIT;")
    visits = connection.execute(
        "SELECT id, kind, title, uid, sequence, status FROM visit"
    ).fetchall()
    kept = (
        connection.execute("SELECT visit_id FROM medication_period").fetchone()[0],
        connection.execute("SELECT visit_id FROM plan_change WHERE id = 5").fetchone()[0],
        connection.execute("SELECT visit_id FROM notification_job WHERE id = 9").fetchone()[0],
    )
    problems = connection.execute("PRAGMA foreign_key_check").fetchall()
    try:
        connection.execute(
            "INSERT INTO visit (plan_id, course_number, kind, starts_local, ends_local, time_zone,"
            " status, uid, created_at) VALUES (1, 1, 'no_such_kind', '2027-03-01T09:00',"
            " '2027-03-01T10:00', 'Europe/Amsterdam', 'planned', 'c@x', 'x')"
        )
        refused = False
    except sqlite3.IntegrityError:
        refused = True
    connection.close()
    assert [tuple(row) for row in visits] == [
        (7, "admission", "", "a@x", 3, "changed"),
        (8, "day_visit", "", "b@x", 0, "planned"),
    ]
    assert kept == (7, 7, 8)
    assert problems == []
    assert refused, "a visit's kind must be one of the admin's kinds"


async def test_template_short_visits_join_a_new_plan_without_taking_a_courses_place(
    db: Database, people: People
) -> None:
    """A hearing test a week before course 1 is planned with the plan; course 1 still starts
    with its stay, and the stay's isotretinoin stays attached to the stay."""
    template = await plans.select_template(db)
    rule = ShortVisitRule("hearing_test", course=1, day=-6, at=time(10, 0), minutes=60)
    async with db.transaction() as connection:
        await plans.update_template(connection, replace(template, short_visits=(rule,)))
    assert (await plans.select_template(db)).short_visits == (rule,)
    with time_machine.travel(BEFORE - timedelta(days=70), tick=False):
        plan = await make_plan(db, people.child_id, PLAN_START)
    visits = await plans.select_visits(db, plan.id)
    hearing = next(visit for visit in visits if visit.short)
    assert (hearing.kind, hearing.course_number) == ("hearing_test", 1)
    assert (hearing.starts, hearing.ends) == (
        datetime(2027, 1, 4, 10, 0),
        datetime(2027, 1, 4, 11, 0),
    )
    stay = next(visit for visit in visits if visit.course_number == 1 and not visit.short)
    period = next(p for p in await plans.select_medications(db, plan.id) if p.course_number == 1)
    assert period.visit_id == stay.id
    assert moves.course_starts(visits)[1] == PLAN_START
