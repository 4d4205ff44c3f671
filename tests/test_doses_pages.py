"""The family's doses: home's card for today, the plain form that notes a dose, two
parents on one dose, choosing the dose times, reminders, and what never names the medicine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from quart import Quart

from pwa.db import Database
from pwa.doses import times as dose_times
from pwa.i18n import LOCALES
from pwa.notifications import payloads, planner
from pwa.notifications.jobs import About, Job
from tests.conftest import People, csrf_from, make_plan, post_form, sign_in
from tests.helpers.calendar import new_feed
from tests.helpers.doses import (
    AMSTERDAM,
    NOW,
    PLAN_START,
    TODAY,
    card_slots,
    choose_dose_times,
    medicine_id,
    period_id,
    second_parent,
)
from tests.helpers.pages import page_text, plain
from tests.helpers.rows import count, jobs

YESTERDAY, TOMORROW = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
# The shipped medicines' names in every language a family may read (migration 0030).
MEDICINE_NAMES = re.compile(
    r"isotretino|gabapentin|morfin|morphine|izotretyno|izotretino|ізотретино|габапентин|морфін"
    r"|إيزوتريتينوين|غابابنتين|مورفين",
    re.IGNORECASE,
)


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
async def family(app: Quart, db: Database, people: People, frozen: None) -> Any:
    """Day 4 of isotretinoin at home; the family gives it at 08:00 and 20:00."""
    await make_plan(db, people.child_id, PLAN_START)
    async with db.transaction() as tx:
        await choose_dose_times(tx, people.child_id, people.parent_id, time(8), time(20))
    client = app.test_client()
    await sign_in(client, "parent@example.org")
    return client


async def note_from_home(client: Any, day: str, at: str, outcome: str = "given") -> Any:
    """Press a button of the home card as a browser without JavaScript does."""
    html = await page_text(client, "/")
    form = re.search(
        r'<form method="post" action="/doses" class="dose-given" data-dose-form[^>]*>(.*?)</form>',
        html.split(f'data-day="{day}" data-time="{at}"', 1)[1],
        re.S,
    )
    assert form, (day, at)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(1)))
    return await client.post("/doses", form={**fields, "outcome": outcome})


async def test_home_lists_todays_doses_and_yesterdays_unnoted_ones(
    family: Any, db: Database, people: People
) -> None:
    """Hazard H25: home shows today's dose times (the nurse's prescription text beside the
    medicine) and yesterday's evening dose nobody noted; what was noted shows who and when."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE medication_period SET prescription = '20 mg twice a day with food'"
        )
    await note_from_home(family, YESTERDAY.isoformat(), "08:00")
    html = await page_text(family, "/")
    slots = card_slots(html)
    shown, text = slots[(TODAY.isoformat(), "08:00")]
    assert shown and text.startswith("Today 08:00 Given · Today 08:00 Something else…")
    assert slots[(TODAY.isoformat(), "20:00")][0] is True
    assert slots[(YESTERDAY.isoformat(), "20:00")][0] is True
    assert slots[(YESTERDAY.isoformat(), "20:00")][1].startswith("Yesterday 20:00")
    shown, text = slots[(YESTERDAY.isoformat(), "08:00")]
    assert not shown and "Given — Parent, 10:00" in text
    assert not slots[(TOMORROW.isoformat(), "08:00")][0]
    page = plain(html)
    assert "Prescription: 20 mg twice a day with food" in page
    assert "40 mg" not in page  # nothing derived from the nurse's text


async def test_a_plain_form_notes_a_dose_once_and_home_says_so(
    family: Any, db: Database, people: People
) -> None:
    """Without JavaScript: one press stores one dose; the same form sent again stores none."""
    html = await page_text(family, "/")
    section = html.split(f'data-day="{TODAY}" data-time="08:00"', 1)[1]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', section.split("</form>", 1)[0]))
    first = await family.post("/doses", form=fields)
    assert first.status_code == 302 and first.location == "/#doses"
    again = await family.post("/doses", form=fields)
    assert again.status_code == 302
    assert await count(db, "SELECT COUNT(*) FROM dose") == 1
    page = plain(await page_text(family, "/"))
    assert "Noted: Given, 08:00." in page
    shown, text = card_slots(await page_text(family, "/"))[(TODAY.isoformat(), "08:00")]
    assert shown and text.startswith("Today 08:00 Given — Parent, 10:00")
    without_token = {key: value for key, value in fields.items() if key != "csrf_token"}
    refused = await family.post("/doses", form={**without_token, "dose_id": "x"})
    assert refused.status_code == 400
    assert await count(db, "SELECT COUNT(*) FROM dose") == 1


async def test_another_familys_child_is_not_found(
    family: Any, db: Database, people: People
) -> None:
    html = await page_text(family, "/")
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', html.split("</form>", 1)[0]))
    token = csrf_from(html)
    response = await family.post(
        "/doses",
        form={
            "csrf_token": token,
            "child_id": str(people.other_child_id),
            "period_id": str(await period_id(db, people.child_id)),
            "day": TODAY.isoformat(),
            "time": "08:00",
            "outcome": "given",
        },
    )
    assert response.status_code == 404
    assert fields and await count(db, "SELECT COUNT(*) FROM dose") == 0


async def test_the_other_parent_sees_both_records_and_is_warned(
    app: Quart, family: Any, db: Database, people: People
) -> None:
    """Hazard H25: both parents noted the 08:00 dose; each sees both, with who, the button
    is gone, and the card says to call the ward if it was given twice."""
    await second_parent(db, app, people.child_id)
    dad = app.test_client()
    await sign_in(dad, "dad@example.org")
    await note_from_home(family, TODAY.isoformat(), "08:00")
    shown, text = card_slots(await page_text(dad, "/"))[(TODAY.isoformat(), "08:00")]
    assert shown and "Given — Parent, 10:00" in text and "Something else…" in text
    assert "Given · Today" not in text  # no second "Given" button
    # He notes it too, from a page drawn before hers arrived.
    fields = {
        "csrf_token": csrf_from(await page_text(dad, "/")),
        "child_id": str(people.child_id),
        "period_id": str(await period_id(db, people.child_id)),
        "day": TODAY.isoformat(),
        "time": "08:00",
        "outcome": "given",
    }
    response = await dad.post("/doses", form=fields)
    assert response.status_code == 302
    page = plain(await page_text(dad, "/"))
    assert "Parent had already noted this dose: Given." in page
    for client in (family, dad):
        text = card_slots(await page_text(client, "/"))[(TODAY.isoformat(), "08:00")][1]
        assert "Given — Parent, 10:00" in text and "Given — Dad, 10:00" in text
        assert "If it was given twice, call the ward." in text


async def test_new_dose_times_start_tomorrow_once_a_dose_was_noted_today(
    family: Any, db: Database, people: People
) -> None:
    """Hazard H25: moving 08:00 to 09:00 after the 08:00 dose was noted would list a 09:00
    dose today that was in fact given; the new times apply from tomorrow."""
    async with db.transaction() as tx:
        await planner.plan_medication_reminders(tx, TOMORROW)
    pending = "status = 'pending' AND kind LIKE 'medication:%'"
    assert {row["kind"] for row in await jobs(db, pending)} == {
        "medication:08:00",
        "medication:20:00",
    }
    await note_from_home(family, TODAY.isoformat(), "08:00")
    form = {
        "medicines-0-medicine_id": str(await medicine_id(db)),
        "medicines-0-time_1": "09:00",
        "medicines-0-time_2": "20:00",
        "remind": "y",
    }
    saved = await post_form(family, "/doses/times", form)
    assert saved.status_code == 302
    assert "apply from tomorrow" in plain(await page_text(family, "/doses/times"))
    schedule = (await dose_times.select_schedules(db, people.child_id))[await medicine_id(db)]
    assert schedule.on(TODAY) == (time(8), time(20))
    assert schedule.on(TOMORROW) == (time(9), time(20))
    tomorrow = f"medication_day = '{TOMORROW}'"
    assert {r["kind"] for r in await jobs(db, f"{tomorrow} AND status = 'pending'")} == {
        "medication:09:00",
        "medication:20:00",
    }
    assert [r["kind"] for r in await jobs(db, f"{tomorrow} AND status = 'cancelled'")] == [
        "medication:08:00"
    ]
    twice = {**form, "medicines-0-time_2": "09:00"}
    refused = await post_form(family, "/doses/times", twice)
    assert "This time is already in the list." in await refused.get_data(as_text=True)


async def test_a_dose_noted_early_gets_no_reminder(
    app: Quart, family: Any, db: Database, people: People
) -> None:
    """Hazard H25: the 20:00 dose given at 19:00 and noted: the 20:00 reminder is not sent
    (it could get the dose given again), whether planned before or after."""
    async with db.transaction() as tx:
        await planner.plan_medication_reminders(tx, TODAY)
    [job] = await jobs(db, "kind = 'medication:20:00'")
    with time_machine.travel(datetime(2027, 2, 1, 19, tzinfo=AMSTERDAM), tick=False):
        response = await note_from_home(family, TODAY.isoformat(), "20:00")
        assert response.status_code == 302
        reminder = Job.from_row(job, 0)
        assert await payloads.build(db, reminder, NOW) is None
        async with db.transaction() as tx:
            await tx.execute("DELETE FROM notification_job")
            await planner.plan_medication_reminders(tx, TODAY)
    assert [row["kind"] for row in await jobs(db, "kind LIKE 'medication:%'")] == []


async def test_nothing_on_a_lock_screen_page_title_or_calendar_names_the_medicine(
    app: Quart, family: Any, db: Database, people: People
) -> None:
    """The dose reminder, the titles of the dose pages and the calendar feed never name the
    medicine, in any language."""
    period = await period_id(db, people.child_id)
    for locale in LOCALES:
        async with db.transaction() as tx:
            await tx.execute("UPDATE account SET locale = ?", (locale,))
        job = Job(
            1,
            "medication:08:00",
            About(medication_period_id=period, medication_day=TODAY),
            1,
            people.parent_id,
            NOW,
            NOW,
            0,
        )
        message = await payloads.build(db, job, NOW)
        assert message is not None and message.url == "/#doses"
        assert not MEDICINE_NAMES.search(message.encode("https://localhost"))
    for path in ("/", "/doses", "/doses/times"):
        html = await page_text(family, path)
        [title] = re.findall(r"<title>(.*?)</title>", html, re.S)
        assert not MEDICINE_NAMES.search(title), (path, title)
    assert MEDICINE_NAMES.search(plain(await page_text(family, "/")))  # in the page itself
    feed_path, _ = await new_feed(family)
    feed = await (await app.test_client().get(feed_path)).get_data(as_text=True)
    assert "VEVENT" in feed and not MEDICINE_NAMES.search(feed)


async def test_the_dose_times_page_lists_this_childs_medicines_only(
    family: Any, db: Database, people: People
) -> None:
    page = plain(await page_text(family, "/doses/times"))
    assert "Isotretinoin" in page and "Gabapentin" not in page
    bogus = {"medicines-0-medicine_id": str(await medicine_id(db, "gabapentin"))}
    response = await post_form(family, "/doses/times", {**bogus, "medicines-0-time_1": "07:00"})
    assert response.status_code == 200
    assert (await dose_times.select_schedules(db, people.child_id)).keys() == {
        await medicine_id(db)
    }
