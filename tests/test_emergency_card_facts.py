"""What the emergency card works out from data that lives elsewhere: the course from the
treatment plan, the newest current weight, the fever rule from the hospital's red-flag
rules, and the ward's numbers from its settings."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from quart import Quart

from pwa.db import Database
from pwa.hospital import HospitalSettings, save_hospital_settings
from pwa.plans import store as plans
from pwa.plans.progress import progress
from pwa.redflags import store as redflags
from tests.conftest import People, make_plan, sign_in
from tests.helpers.card import card_text, fill_card, store_report
from tests.helpers.pages import page_text

AMS = ZoneInfo("Europe/Amsterdam")
# Courses start 35 days apart, each with a 7-day stay: 11-17 Jan, 15-21 Feb, 22-28 Mar,
# 26 Apr-2 May and 31 May-6 Jun 2027.
PLAN_START = date(2027, 1, 11)


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2027, month, day, hour, tzinfo=AMS)


async def signed_in_family(app: Quart) -> Any:
    """The test family's parent, signed in now (sessions end when the clock moves on)."""
    family = app.test_client()
    await sign_in(family, "parent@example.org")
    return family


async def test_the_course_is_counted_across_the_plan(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H23: "course N of 5" and the last and next visits follow the plan's dates."""
    await make_plan(db, people.child_id, PLAN_START)
    expected = {
        at(1, 4): [
            "Course 1 of 5 has not started yet.",
            "Next: Hospital stay, 11 Jan 2027 to 17 Jan 2027",
        ],
        at(1, 11, 10): ["Course 1 of 5", "Now: Hospital stay, 11 Jan 2027 to 17 Jan 2027"],
        at(3, 1): [
            "Course 2 of 5",
            "Last: Hospital stay, 15 Feb 2027 to 21 Feb 2027",
            "Next: Hospital stay, 22 Mar 2027 to 28 Mar 2027",
        ],
        at(3, 22, 9): ["Course 3 of 5", "Now: Hospital stay, 22 Mar 2027 to 28 Mar 2027"],
        at(7, 1): ["Course 5 of 5", "Last: Hospital stay, 31 May 2027 to 6 Jun 2027"],
    }
    for moment, lines in expected.items():
        with time_machine.travel(moment, tick=False):
            text = await card_text(await signed_in_family(app))
        treatment = text.split("Treatment", 1)[1].split("Central line", 1)[0]
        assert " ".join(lines) in treatment, (moment, treatment)
    assert "Next:" not in treatment  # after the last course


async def test_a_cancelled_visit_never_counts_as_a_course(db: Database, people: People) -> None:
    """Hazard H23: course 3 cancelled, the child is still in course 2 after its date."""
    plan = await make_plan(db, people.child_id, PLAN_START)
    visits = await plans.select_visits(db, plan.id)
    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE visit SET status = 'cancelled' WHERE id = ?",
            (next(v.id for v in visits if v.course_number == 3),),
        )
    visits = await plans.select_visits(db, plan.id)
    where = progress(plan, visits, at(4, 1))
    assert (where.course, where.courses, where.ongoing) == (2, 5, False)
    assert where.last is not None and where.last.course_number == 2
    assert where.next is not None and where.next.course_number == 4


async def test_the_weight_is_the_newest_current_one(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H23 (and H6): a weight the family corrected never reaches the card; the
    newer of the family's current report and the team's weighing is shown, with its day."""
    with time_machine.travel(at(3, 10), tick=False):
        family_client = await signed_in_family(app)
        nurse_client = app.test_client()
        await sign_in(nurse_client, "nurse@example.org", staff=True)
        wrong = await store_report(db, people, at(3, 5, 8), {"weight": 26.1})
        await store_report(db, people, at(3, 5, 8), {"weight": 21.6}, corrects=wrong)
        await store_report(db, people, at(3, 4, 8), {"weight": 21.2, "pain": 1})
        text = await card_text(family_client)
        assert "Weight 21.6 kg on 5 Mar 2027, as the family reported it" in text
        assert "26.1" not in text and "26,1" not in text
        await fill_card(nurse_client, people.child_id, weight="21.0", weighed_on="2027-03-01")
        assert "Weight 21.6 kg on 5 Mar 2027" in await card_text(family_client)
        await fill_card(nurse_client, people.child_id, weight="21.9", weighed_on="2027-03-05")
        text = await card_text(family_client)
        assert "Weight 21.9 kg, weighed by the care team on 5 Mar 2027" in text


async def fever_rules_on_card(family: Any) -> list[str]:
    html = await page_text(family, "/card")
    section = html.split('aria-labelledby="card-fever"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<li>(.*?)</li>", section)


async def test_the_fever_rule_is_the_hospitals_own(
    db: Database, people: People, family_client: Any
) -> None:
    """Hazard H23: the card lists the red temperature rules the hospital has switched on
    (not the amber one), so a changed threshold reaches the card; it invents no number."""
    assert await fever_rules_on_card(family_client) == [
        "Temperature of 38.5 °C or higher",
        "Temperature of 38.0 °C or higher twice within 24 hours",
        "Temperature below 36.0 °C",
    ]
    stored = {rule.rule.id: rule for rule in await redflags.select_all(db)}
    async with db.transaction() as connection:
        await redflags.set_enabled(connection, stored["temperature-high"].row_id, False)
    assert await fever_rules_on_card(family_client) == [
        "Temperature of 38.0 °C or higher twice within 24 hours",
        "Temperature below 36.0 °C",
    ]


async def test_the_wards_numbers_are_the_hospitals_settings(
    db: Database, people: People, family_client: Any
) -> None:
    """Hazard H23: the daytime and out-of-hours numbers come from the admin's settings."""
    settings = HospitalSettings(
        phone_daytime="+31 20 555 0100", phone_out_of_hours="+31 20 555 0199"
    )
    async with db.transaction() as connection:
        await save_hospital_settings(connection, settings)
    html_text = await card_text(family_client)
    assert "Daytime (Monday to Friday, 08:00-17:00): +31 20 555 0100" in html_text
    assert "Evenings, nights and weekends: +31 20 555 0199" in html_text
