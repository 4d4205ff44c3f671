"""Kinds of visit as the admin's settings: add with clear errors, change, switch off (then
nurses no longer offer it), delete only while nothing uses it."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from quart import Quart

from pwa.db import Database
from pwa.plans import kinds
from pwa.plans import store as plans
from pwa.plans.schedule import ShortVisitRule
from tests.conftest import People, make_plan, post_form, sign_in
from tests.helpers.short_visits import add_short_visit

KINDS = "/admin/visit-kinds"


def _kind_fields(**extra: str) -> dict[str, str]:
    return {
        "key": "bone_marrow",
        "name_en": "Bone marrow test",
        "name_nl": "Beenmergpunctie",
        "default_minutes": "120",
        "own_reminders": "y",
        "reminders-0-days_before": "2",
        "reminders-0-at_time": "17:00",
        "active": "y",
        **extra,
    }


async def test_the_shipped_kinds_are_listed_with_their_stable_keys(admin_client: Any) -> None:
    text = await (await admin_client.get(KINDS)).get_data(as_text=True)
    for key in (
        "admission",
        "day_visit",
        "home_infusion",
        "scan",
        "hearing_test",
        "heart_echo",
        "outpatient_check",
        "local_blood_test",
    ):
        assert f"{KINDS}/{key}" in text
    assert "to be confirmed by your clinical team" in text


async def test_adding_a_kind_names_each_mistake_and_keeps_what_was_typed(
    admin_client: Any, db: Database
) -> None:
    response = await post_form(
        admin_client,
        KINDS,
        _kind_fields(
            key="Bone Marrow!",
            name_nl="",
            default_minutes="3",
            **{
                "reminders-1-days_before": "4",
            },
        ),
    )
    assert response.status_code == 200
    html = await response.get_data(as_text=True)
    assert "Use 2 to 40 small letters, digits or _, starting with a letter" in html
    assert "Please fill this in." in html  # the Dutch name, and the time of reminder 2
    assert "Enter a number from 5 to 720." in html
    assert 'value="Bone marrow test"' in html
    assert await kinds.select_kind(db, "bone_marrow") is None

    taken = await post_form(admin_client, KINDS, _kind_fields(key="scan"))
    assert "There is a kind with this key already." in await taken.get_data(as_text=True)


async def test_an_admin_adds_changes_and_deletes_an_unused_kind(
    admin_client: Any, db: Database
) -> None:
    assert (await post_form(admin_client, KINDS, _kind_fields())).status_code == 302
    added = await kinds.select_kind(db, "bone_marrow")
    assert added is not None
    assert (added.default_minutes, added.reminders) == (120, ((2, datetime(1, 1, 1, 17).time()),))

    page = f"{KINDS}/bone_marrow"
    changed = await post_form(
        admin_client,
        page,
        {"name_en": "Marrow check", "name_nl": "Beenmergcontrole", "default_minutes": "90"},
    )
    assert changed.status_code == 302
    now = await kinds.select_kind(db, "bone_marrow")
    assert now is not None
    # Unticked: the hospital's reminder times, and nurses no longer choose it.
    assert (now.key, now.name_en, now.reminders, now.active) == (
        "bone_marrow",
        "Marrow check",
        None,
        False,
    )
    audit = await db.fetch_all("SELECT action FROM audit_log WHERE action LIKE 'visit_kind.%'")
    assert [row["action"] for row in audit] == ["visit_kind.added", "visit_kind.changed"]

    deleted = await post_form(admin_client, f"{page}/delete", {}, csrf_path=page)
    assert deleted.status_code == 302
    assert await kinds.select_kind(db, "bone_marrow") is None


async def test_a_kind_in_use_cannot_be_deleted_and_once_switched_off_nurses_no_longer_offer_it(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(datetime(2027, 3, 1, 10, tzinfo=ZoneInfo("Europe/Amsterdam"))):
        admin_client, nurse_client = app.test_client(), app.test_client()
        await sign_in(admin_client, "admin@example.org", staff=True)
        await sign_in(nurse_client, "nurse@example.org", staff=True)
        await make_plan(db, people.child_id, date(2027, 1, 11))
        assert (await add_short_visit(nurse_client, people.child_id)).status_code == 302

        page = f"{KINDS}/scan"
        assert "cannot be deleted" in await (await admin_client.get(page)).get_data(as_text=True)
        refused = await post_form(admin_client, f"{page}/delete", {}, csrf_path=page)
        assert refused.status_code == 302
        assert await kinds.select_kind(db, "scan") is not None

        off = await post_form(
            admin_client, page, {"name_en": "Scan", "name_nl": "Scan", "default_minutes": "90"}
        )
        assert off.status_code == 302
        form = f"/nurse/children/{people.child_id}/short-visits/new"
        offered = await (await nurse_client.get(form)).get_data(as_text=True)
        assert 'value="scan"' not in offered and 'value="hearing_test"' in offered
        again = await add_short_visit(nurse_client, people.child_id)
        assert "Choose a kind of visit from the list." in await again.get_data(as_text=True)


async def test_only_admins_reach_the_kinds_pages(nurse_client: Any, family_client: Any) -> None:
    for client in (nurse_client, family_client):
        assert (await client.get(KINDS)).status_code == 403
        assert (await client.get(f"{KINDS}/scan")).status_code == 403


TEMPLATE = {
    "courses": "5",
    "spacing_days": "35",
    "visit_kind": "admission",
    "visit_days": "7",
    "start_time": "09:00",
    "end_time": "17:00",
    "time_zone": "Europe/Amsterdam",
    "location": "",
    "medication_periods-0-name": "isotretinoin",
    "medication_periods-0-first_day": "19",
    "medication_periods-0-last_day": "32",
}


async def test_the_template_takes_short_visits_with_clear_errors(
    admin_client: Any, db: Database
) -> None:
    wrong = await post_form(
        admin_client,
        "/admin/template",
        {
            **TEMPLATE,
            "short_visits-0-kind": "hearing_test",
            "short_visits-0-course": "6",
            "short_visits-0-at_time": "10:00",
            "short_visits-1-kind": "admission",
            "short_visits-1-course": "1",
            "short_visits-1-day": "1",
            "short_visits-1-at_time": "10:00",
        },
    )
    assert wrong.status_code == 200
    html = await wrong.get_data(as_text=True)
    assert "The plan has 5 courses." in html
    assert "Please fill this in." in html  # the day of the first row
    assert "Choose a kind of visit from the list." in html  # a stay is no short visit
    assert (await plans.select_template(db)).short_visits == ()

    saved = await post_form(
        admin_client,
        "/admin/template",
        {
            **TEMPLATE,
            "short_visits-0-kind": "hearing_test",
            "short_visits-0-course": "1",
            "short_visits-0-day": "-6",
            "short_visits-0-at_time": "10:00",
            # A row left blank, as a browser posts it.
            "short_visits-1-kind": "",
            "short_visits-1-course": "",
            "short_visits-1-day": "",
            "short_visits-1-at_time": "",
            "short_visits-1-minutes": "",
            "short_visits-2-kind": "scan",
            "short_visits-2-course": "2",
            "short_visits-2-day": "30",
            "short_visits-2-at_time": "11:15",
            "short_visits-2-minutes": "120",
        },
    )
    assert saved.status_code == 302
    assert (await plans.select_template(db)).short_visits == (
        ShortVisitRule("hearing_test", 1, -6, time(10, 0), 60),
        ShortVisitRule("scan", 2, 30, time(11, 15), 120),
    )
    page = await (await admin_client.get("/admin/template")).get_data(as_text=True)
    assert 'value="120"' in page and 'value="-6"' in page
