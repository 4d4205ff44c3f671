"""The admin area: the plan template and the "what to bring" list."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from quart import Quart

from pwa.db import Database
from pwa.plans import store as plans
from pwa.plans.schedule import MedicationPeriodRule, PlanTemplate, generate
from tests.conftest import People, choose_language, post_form, sign_in

EXAMPLE_NOTE = "to be confirmed by your clinical team"
VALID_TEMPLATE = {
    "courses": "4",
    "spacing_days": "28",
    "visit_kind": "day_visit",
    "visit_days": "1",
    "start_time": "10:00",
    "end_time": "15:30",
    "time_zone": "Europe/Brussels",
    "location": "Day unit, 2nd floor",
    "medication_periods-0-name": "isotretinoin",
    "medication_periods-0-first_day": "15",
    "medication_periods-0-last_day": "28",
    "medication_periods-1-name": "",
    "medication_periods-1-first_day": "",
    "medication_periods-1-last_day": "",
    "medication_periods-2-name": " gabapentin ",
    "medication_periods-2-first_day": "1",
    "medication_periods-2-last_day": "3",
}


async def _audit_count(db: Database, action: str) -> int:
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM audit_log WHERE action = :action", {"action": action}
    )
    assert row is not None
    return int(row[0])


async def test_admin_home_lists_the_settings_pages(admin_client: Any) -> None:
    response = await admin_client.get("/admin/")
    text = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="/admin/template"' in text and 'href="/admin/packing"' in text
    assert 'href="/admin/" aria-current="page"' in text  # the nav link, marked current


async def test_only_admins_see_the_admin_link(nurse_client: Any, admin_client: Any) -> None:
    nurse_page = await (await nurse_client.get("/nurse/children")).get_data(as_text=True)
    admin_page = await (await admin_client.get("/nurse/children")).get_data(as_text=True)
    assert 'href="/admin/"' not in nurse_page
    assert 'href="/admin/"' in admin_page


@pytest.mark.parametrize("path", ["/admin/", "/admin/template", "/admin/packing"])
async def test_nurses_and_families_get_403(
    nurse_client: Any, family_client: Any, db: Database, path: str
) -> None:
    for client in (nurse_client, family_client):
        assert (await client.get(path)).status_code == 403
        if path != "/admin/":
            assert (await client.post(path, form=VALID_TEMPLATE)).status_code == 403
    assert await plans.select_template(db) == PlanTemplate()


# --- the template -------------------------------------------------------------------------


async def test_template_form_shows_the_shipped_example_marked_as_such(admin_client: Any) -> None:
    text = await (await admin_client.get("/admin/template")).get_data(as_text=True)
    assert 'name="courses"' in text and 'value="5"' in text and 'value="35"' in text
    assert 'value="09:00"' in text and 'value="Europe/Amsterdam"' in text
    assert 'name="medication_periods-0-name"' in text and 'value="isotretinoin"' in text
    assert 'name="medication_periods-2-last_day"' in text  # three rows to fill in
    assert "These are the example values shipped with the app" in text
    assert EXAMPLE_NOTE in text


async def test_template_saves_and_new_plans_follow_it(
    admin_client: Any, db: Database, people: People
) -> None:
    response = await post_form(admin_client, "/admin/template", VALID_TEMPLATE)
    assert response.status_code == 302 and response.location == "/admin/template"
    saved = await plans.select_template(db)
    assert saved == PlanTemplate(
        courses=4,
        spacing_days=28,
        visit_kind="day_visit",
        visit_days=1,
        start_time=time(10, 0),
        end_time=time(15, 30),
        time_zone="Europe/Brussels",
        location="Day unit, 2nd floor",
        medication_periods=(
            MedicationPeriodRule("isotretinoin", 15, 28),
            MedicationPeriodRule("gabapentin", 1, 3),  # the blank row in between is ignored
        ),
    )
    row = await db.fetch_one(
        "SELECT actor_id, child_id, detail FROM audit_log WHERE action = 'template.updated'"
    )
    assert row is not None and row["actor_id"] == people.admin_id and row["child_id"] is None
    assert "4 x day_visit every 28 days" in row["detail"]

    page = await (await admin_client.get("/admin/template")).get_data(as_text=True)
    assert "The template is saved" in page
    assert "These are the example values shipped with the app" not in page
    assert EXAMPLE_NOTE in page  # still reminded that the shipped values were examples

    visits, medications = generate(saved, date(2027, 1, 4))
    assert [v.starts.isoformat() for v in visits][:2] == [
        "2027-01-04T10:00:00",
        "2027-02-01T10:00:00",
    ]
    assert visits[0].ends.isoformat() == "2027-01-04T15:30:00" and visits[0].kind == "day_visit"
    assert len(medications) == 8


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"courses": ""}, "Please fill this in."),
        ({"courses": "five"}, "Enter a whole number, like 7."),
        ({"courses": "21"}, "Enter a number from 1 to 20."),
        ({"spacing_days": "0"}, "Enter a number from 1 to 120."),
        ({"visit_days": "40"}, "Enter a number from 1 to 30."),
        (
            {"visit_days": "30", "spacing_days": "14", "medication_periods-0-last_day": "14"},
            "A stay cannot be longer than the time between two courses.",
        ),
        ({"start_time": "9 o'clock"}, "Not a valid time value."),
        (
            {"end_time": "09:30", "start_time": "10:00"},
            "On a one-day visit, the end must be after the start.",
        ),
        ({"time_zone": "Mars/Olympus_Mons"}, "Enter a time zone name like Europe/Amsterdam."),
        ({"visit_kind": "spa_weekend"}, "Not a valid choice."),
        (
            {"medication_periods-0-first_day": "20", "medication_periods-0-last_day": "19"},
            "The last day cannot be before the first day.",
        ),
        (
            {"medication_periods-0-last_day": "29"},
            "The period must end within its course (day 28 at the latest).",
        ),
        ({"medication_periods-1-name": "ondansetron"}, "Please fill this in."),
        (
            {"medication_periods-1-first_day": "3", "medication_periods-1-last_day": "4"},
            "Please fill this in.",
        ),
        ({"medication_periods-0-first_day": "0"}, "Enter a number from 1 to 120."),
    ],
)
async def test_template_refuses_bad_values_and_keeps_what_was_typed(
    admin_client: Any, db: Database, changes: dict[str, str], message: str
) -> None:
    form = {**VALID_TEMPLATE, **changes}
    response = await post_form(admin_client, "/admin/template", form)
    text = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in text.replace("&#39;", "'")
    assert "Please check the fields marked below." in text
    for value in changes.values():
        if value and value != "spa_weekend":
            assert f'value="{value}"'.replace("'", "&#39;") in text
    assert await plans.select_template(db) == PlanTemplate()
    assert await _audit_count(db, "template.updated") == 0


async def test_template_errors_are_in_the_admins_language(
    app: Quart, db: Database, people: People
) -> None:
    client = app.test_client()
    await sign_in(client, "admin@example.org", staff=True)
    await choose_language(client, "nl")
    response = await post_form(client, "/admin/template", {**VALID_TEMPLATE, "courses": ""})
    text = await response.get_data(as_text=True)
    assert '<html lang="nl"' in text
    assert "Vul dit nog in." in text and "Please fill this in." not in text
    assert await plans.select_template(db) == PlanTemplate()


# --- what to bring ------------------------------------------------------------------------


async def test_packing_form_shows_the_saved_list_in_both_languages(
    admin_client: Any, db: Database
) -> None:
    text = await (await admin_client.get("/admin/packing")).get_data(as_text=True)
    items = await plans.select_packing_items(db)
    assert len(items) == 7
    english = text.split('name="english"')[1].split("</textarea>")[0]
    dutch = text.split('name="dutch"')[1].split("</textarea>")[0]
    assert "Phone and tablet chargers" in english and "Opladers voor telefoon en tablet" in dutch
    assert 'lang="nl"' in text.split('name="dutch"')[0].rsplit("<textarea", 1)[1]
    assert EXAMPLE_NOTE in text


async def test_packing_list_saves_in_both_languages(
    admin_client: Any, db: Database, people: People
) -> None:
    response = await post_form(
        admin_client,
        "/admin/packing",
        {
            "english": "Pyjamas\r\n\r\n  Phone charger  \r\nBooks\r\n",
            "dutch": "Pyjama's\r\nOplader\r\nBoeken",
        },
    )
    assert response.status_code == 302 and response.location == "/admin/packing"
    items = await plans.select_packing_items(db)
    assert [(item.text_en, item.text_nl) for item in items] == [
        ("Pyjamas", "Pyjama's"),
        ("Phone charger", "Oplader"),
        ("Books", "Boeken"),
    ]
    assert [item.text("nl") for item in items][1] == "Oplader"
    row = await db.fetch_one(
        "SELECT actor_id, detail FROM audit_log WHERE action = 'packing.updated'"
    )
    assert row is not None and row["actor_id"] == people.admin_id and row["detail"] == "3 items"
    page = await (await admin_client.get("/admin/packing")).get_data(as_text=True)
    assert "The list is saved" in page and "Boeken" in page


async def test_packing_list_with_different_line_counts_is_refused_keeping_input(
    admin_client: Any, db: Database
) -> None:
    english, dutch = "Pyjamas\nPhone charger\nBooks", "Pyjama's\nBoeken"
    response = await post_form(admin_client, "/admin/packing", {"english": english, "dutch": dutch})
    text = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The English list has 3 items and the Dutch list 2." in text
    assert "Phone charger\nBooks</textarea>" in text and "Pyjama&#39;s\nBoeken</textarea>" in text
    assert len(await plans.select_packing_items(db)) == 7  # the saved list is untouched
    assert await _audit_count(db, "packing.updated") == 0


async def test_packing_list_refuses_overlong_items(admin_client: Any, db: Database) -> None:
    response = await post_form(admin_client, "/admin/packing", {"english": "x" * 201, "dutch": "y"})
    assert "Keep each item under 200 characters." in await response.get_data(as_text=True)
    many = "\n".join(f"item {n}" for n in range(41))
    response = await post_form(admin_client, "/admin/packing", {"english": many, "dutch": many})
    assert "Keep the list to 40 items." in await response.get_data(as_text=True)
    assert len(await plans.select_packing_items(db)) == 7


async def test_an_empty_packing_list_is_allowed(admin_client: Any, db: Database) -> None:
    response = await post_form(admin_client, "/admin/packing", {"english": "\n", "dutch": ""})
    assert response.status_code == 302
    assert await plans.select_packing_items(db) == []
