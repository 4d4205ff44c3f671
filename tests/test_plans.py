"""Treatment plans: generation in local calendar time, the family's view, nurse changes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from quart import Quart

from pwa.db import Database
from pwa.plans import changes, overview
from pwa.plans import store as plans
from pwa.plans.schedule import MedicationPeriodRule, PlanTemplate, generate
from tests.conftest import People, csrf_from, make_plan, post_form, sign_in
from tests.helpers.pages import plain

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_default_template_gives_five_week_long_admissions_35_days_apart() -> None:
    visits, medications = generate(PlanTemplate(), date(2027, 1, 11))
    assert [v.starts.date() for v in visits] == [
        date(2027, 1, 11) + timedelta(days=35 * i) for i in range(5)
    ]
    assert all(v.kind == "admission" and v.starts.time() == time(9, 0) for v in visits)
    assert all((v.ends.date() - v.starts.date()).days == 6 for v in visits)  # 7 calendar days
    assert (medications[0].first_date, medications[0].last_date) == (
        date(2027, 1, 29),
        date(2027, 2, 11),
    )
    assert len(medications) == 5


@pytest.mark.parametrize("start", [date(2027, 2, 22), date(2027, 9, 20)])
def test_nine_oclock_stays_nine_oclock_across_daylight_saving_changes(start: date) -> None:
    """Plans crossing the last Sunday of March and of October keep local wall-clock times."""
    visits, _ = generate(PlanTemplate(courses=5), start)
    offsets = {v.starts.replace(tzinfo=AMSTERDAM).utcoffset() for v in visits}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}, "the plan must cross a DST change"
    for visit in visits:
        local = visit.starts.replace(tzinfo=AMSTERDAM)
        assert local.hour == 9 and local.minute == 0
        # Mondays stay Mondays: calendar days were added, not multiples of 24 hours.
        assert local.weekday() == start.weekday()


def test_template_options_change_the_plan() -> None:
    template = PlanTemplate(
        courses=3,
        spacing_days=28,
        visit_kind="home_infusion",
        visit_days=10,
        start_time=time(8, 30),
        medication_periods=(MedicationPeriodRule("isotretinoin", 12, 25),),
    )
    visits, medications = generate(template, date(2027, 3, 1))
    assert [v.starts for v in visits] == [
        datetime(2027, 3, 1, 8, 30),
        datetime(2027, 3, 29, 8, 30),
        datetime(2027, 4, 26, 8, 30),
    ]
    assert visits[0].ends.date() == date(2027, 3, 10) and visits[0].kind == "home_infusion"
    assert medications[1].first_date == date(2027, 4, 9)


def _at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=AMSTERDAM)


async def _page_at(
    app: Quart, when: datetime, path: str, email: str = "parent@example.org", **headers: str
) -> str:
    """A page as it looks at another moment (signed in then, so the session is fresh)."""
    with time_machine.travel(when, tick=False):
        client = app.test_client()
        await sign_in(client, email, staff=email != "parent@example.org")
        response = await client.get(path, headers=headers)
        assert response.status_code == 200
        return str(await response.get_data(as_text=True))


async def test_overview_next_visit_stay_in_progress_and_finished(
    db: Database, people: People
) -> None:
    plan = await make_plan(db, people.child_id, date(2027, 1, 11))
    visits = await plans.select_visits(db, plan.id)
    medications = await plans.select_medications(db, plan.id)

    before = overview.build(plan, visits, medications, None, _at(2027, 1, 7))
    assert (
        before.next is not None and before.next.course_number == 1 and before.days_until_next == 4
    )
    assert before.current is None and not before.finished

    during = overview.build(plan, visits, medications, None, _at(2027, 1, 13))
    assert during.current is not None and during.current_day == (3, 7)
    assert during.next is not None and during.next.course_number == 2

    on_medication = overview.build(plan, visits, medications, None, _at(2027, 2, 1))
    assert on_medication.active_medication is not None

    after = overview.build(plan, visits, medications, None, _at(2027, 7, 1))
    assert after.finished and after.next is None


async def test_family_home_says_course_date_time_and_countdown(
    app: Quart, db: Database, people: People
) -> None:
    await make_plan(db, people.child_id, date(2027, 1, 11))
    text = await _page_at(app, _at(2027, 1, 7, 10), "/")
    assert "Course 1 of 5" in text
    assert "Hospital stay starts Monday 11 January at 09:00" in text
    assert "in 4 days" in text
    assert "What to bring" in text and "chargers" in text

    text = await _page_at(app, _at(2027, 1, 13, 10), "/")
    assert "You are in hospital — day 3 of 7" in text

    text = await _page_at(app, _at(2027, 7, 1), "/")
    assert "All courses are done" in text


async def test_family_home_in_dutch(app: Quart, db: Database, people: People) -> None:
    await make_plan(db, people.child_id, date(2027, 1, 11))
    text = await _page_at(app, _at(2027, 1, 10, 10), "/", **{"Accept-Language": "nl"})
    assert "maandag 11 januari" in text and "09:00" in text


async def test_timeline_marks_past_cancelled_and_medication(
    app: Quart, db: Database, people: People
) -> None:
    plan = await make_plan(db, people.child_id, date(2027, 1, 11))
    visits = await plans.select_visits(db, plan.id)
    async with db.transaction() as connection:
        await changes.cancel_visit(connection, visits[3], people.nurse_id)
    text = await _page_at(app, _at(2027, 3, 1), "/schedule")
    assert text.count("timeline-item--past") >= 2
    assert "timeline-item--cancelled" in text and "Cancelled" in text
    assert "Isotretinoin capsules at home" in text
    assert "Last updated" in text


async def test_nurse_creates_a_plan_through_the_page(
    nurse_client: Any, db: Database, people: People
) -> None:
    url = f"/nurse/children/{people.child_id}/plan"
    response = await post_form(nurse_client, url, {"start_date": "2027-01-11"})
    assert response.status_code == 302
    plan = await plans.select_plan(db, people.child_id)
    assert plan is not None and plan.courses == 5
    page = await (await nurse_client.get(url)).get_data(as_text=True)
    assert "Add a visit" in page and page.count("Hospital stay") >= 5
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'plan.created' AND child_id = ?",
        (people.child_id,),
    )
    assert row is not None and row[0] == 1


def _visit_form(**overrides: str) -> dict[str, str]:
    form = {
        "course_number": "2",
        "kind": "admission",
        "start_date": "2027-02-16",
        "start_time": "09:00",
        "end_date": "2027-02-22",
        "end_time": "17:00",
        "time_zone": "Europe/Amsterdam",
        "location": "Ward 5",
        "family_note": "Come fasting",
        "status": "planned",
        # Course 2 a day later comes within 35 days of course 3: the nurse answered the
        # spacing warning by keeping course 3 where it is.
        "later": "keep",
        "shift_days": "1",
    }
    form.update(overrides)
    return form


async def test_moving_a_visit_is_audited_and_bumps_sequence_and_revision(
    nurse_client: Any, db: Database, people: People
) -> None:
    plan = await make_plan(db, people.child_id, date(2027, 1, 11))
    visit = (await plans.select_visits(db, plan.id))[1]
    url = f"/nurse/children/{people.child_id}/visits/{visit.id}"
    response = await post_form(nurse_client, url, _visit_form())
    assert response.status_code == 302
    moved = await plans.select_visit(db, visit.id)
    assert moved is not None
    assert moved.starts == datetime(2027, 2, 16, 9, 0) and moved.status == "changed"
    assert moved.sequence == visit.sequence + 1 and moved.uid == visit.uid
    assert moved.location == "Ward 5" and moved.family_note == "Come fasting"
    assert (await plans.select_plan(db, people.child_id)).revision == plan.revision + 1  # type: ignore[union-attr]
    row = await db.fetch_one("SELECT detail FROM audit_log WHERE action = 'visit.changed'")
    assert row is not None and "2027-02-15T09:00 -> 2027-02-16T09:00" in row["detail"]


async def test_visit_form_refuses_end_before_start_and_keeps_input(
    nurse_client: Any, db: Database, people: People
) -> None:
    plan = await make_plan(db, people.child_id, date(2027, 1, 11))
    visit = (await plans.select_visits(db, plan.id))[1]
    url = f"/nurse/children/{people.child_id}/visits/{visit.id}"
    response = await post_form(
        nurse_client, url, _visit_form(end_date="2027-02-10", location="Kept text")
    )
    text = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The end must be after the start." in text and 'value="Kept text"' in text
    unchanged = await plans.select_visit(db, visit.id)
    assert unchanged is not None and unchanged.sequence == visit.sequence


async def test_visit_form_warns_about_overlap_until_confirmed(
    nurse_client: Any, db: Database, people: People
) -> None:
    plan = await make_plan(db, people.child_id, date(2027, 1, 11))
    url = f"/nurse/children/{people.child_id}/visits/new"
    overlapping = _visit_form(
        kind="day_visit", start_date="2027-01-12", end_date="2027-01-12", end_time="12:00"
    )
    response = await post_form(nurse_client, url, overlapping)
    assert response.status_code == 200
    assert "This visit overlaps" in await response.get_data(as_text=True)
    assert len(await plans.select_visits(db, plan.id)) == 5
    response = await post_form(nurse_client, url, {**overlapping, "confirm_overlap": "y"})
    assert response.status_code == 302
    assert len(await plans.select_visits(db, plan.id)) == 6


async def test_change_banner_until_the_family_says_got_it(
    nurse_client: Any, family_client: Any, db: Database, people: People
) -> None:
    plan = await make_plan(db, people.child_id, date(2027, 1, 11))
    text = await (await family_client.get("/")).get_data(as_text=True)
    assert "changed since you last looked" not in text
    visit = (await plans.select_visits(db, plan.id))[1]
    await post_form(
        nurse_client, f"/nurse/children/{people.child_id}/visits/{visit.id}", _visit_form()
    )
    home = await (await family_client.get("/")).get_data(as_text=True)
    # The visit and its course's medication period moved: one banner for both.
    assert "Treatment dates changed since you last looked" in home
    # The year shows only while 2027 is not the current year.
    assert re.search(
        r"was Monday,? 15 February( 2027)? at 09:00, now Tuesday,? 16 February( 2027)? at 09:00",
        plain(home),
    )
    response = await family_client.post("/schedule/seen", form={"csrf_token": csrf_from(home)})
    assert response.status_code == 302
    assert "changed since you last looked" not in await (await family_client.get("/")).get_data(
        as_text=True
    )


async def test_other_families_get_404_for_visits(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    other_plan = await make_plan(db, people.other_child_id, date(2027, 1, 11))
    other_visit = (await plans.select_visits(db, other_plan.id))[0]
    assert (await family_client.get(f"/schedule/visits/{other_visit.id}")).status_code == 404
    assert (await family_client.get("/schedule/visits/999999")).status_code == 404
    own_plan = await make_plan(db, people.child_id, date(2027, 1, 11))
    own_visit = (await plans.select_visits(db, own_plan.id))[0]
    assert (await family_client.get(f"/schedule/visits/{own_visit.id}")).status_code == 200


async def test_nurse_visit_urls_check_the_child(
    nurse_client: Any, db: Database, people: People
) -> None:
    other_plan = await make_plan(db, people.other_child_id, date(2027, 1, 11))
    other_visit = (await plans.select_visits(db, other_plan.id))[0]
    response = await nurse_client.get(f"/nurse/children/{people.child_id}/visits/{other_visit.id}")
    assert response.status_code == 404


async def test_upcoming_lists_the_next_fourteen_days(
    app: Quart, db: Database, people: People
) -> None:
    await make_plan(db, people.child_id, date(2027, 1, 11))
    await make_plan(db, people.other_child_id, date(2027, 2, 1))
    text = await _page_at(
        app, datetime(2027, 1, 5, 8, tzinfo=UTC), "/nurse/upcoming", "nurse@example.org"
    )
    assert "Sam" in text and "Robin" not in text


async def test_children_list_shows_each_childs_next_visit(
    app: Quart, db: Database, people: People
) -> None:
    await make_plan(db, people.child_id, date(2027, 1, 11))
    text = await _page_at(app, _at(2027, 2, 1), "/nurse/children", "nurse@example.org")
    assert "Next: course 2, hospital stay on 15 Feb<" in text  # no year: it is 2027
    assert "No visit planned" in text  # Robin has no plan
