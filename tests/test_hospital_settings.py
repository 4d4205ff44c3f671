"""The admin's hospital settings: validation, and that the call card, the report form,
the offline page (and so the worker's version) and the queue deadlines follow them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from quart import Quart

from pwa.db import Database
from pwa.diary import sync
from pwa.hospital import HospitalSettings, hospital_settings
from tests.conftest import People, choose_language, post_form, sign_in
from tests.helpers.pages import plain

VALID = {
    "name": "Princess Máxima Centre, ward B",
    "phone_daytime": "+31 (0)88 972 7272",
    "phone_out_of_hours": "088-972 7200",
    "first_day": "2",
    "last_day": "6",
    "staffed_from": "07:30",
    "staffed_until": "16:00",
    "review_red_minutes": "60",
    "review_green_days": "3",
    "ward_email": "afdeling-b@prinsesmaximacentrum.example",
    "escalate_admins_minutes": "45",
}


async def _audit_count(db: Database) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM audit_log WHERE action = 'hospital.updated'")
    assert row is not None
    return int(row[0])


async def _worker_version(client: Any) -> str:
    body = await (await client.get("/sw.js")).get_data(as_text=True)
    start = body.index('{"')
    settings, _ = json.JSONDecoder().raw_decode(body[start:])
    return str(settings["version"])


async def test_the_form_shows_the_current_settings(admin_client: Any) -> None:
    text = await (await admin_client.get("/admin/hospital")).get_data(as_text=True)
    defaults = HospitalSettings()
    assert f'value="{defaults.phone_daytime}"' in text
    assert 'value="08:00"' in text and 'value="17:00"' in text and 'value="30"' in text
    assert '<option selected value="1">Monday</option>' in text
    assert '<option selected value="5">Friday</option>' in text
    assert "example values" in text


async def test_saving_changes_the_call_card_report_form_offline_page_and_worker(
    app: Quart, db: Database, admin_client: Any, family_client: Any
) -> None:
    before = await _worker_version(app.test_client())
    response = await post_form(admin_client, "/admin/hospital", VALID)
    assert response.status_code == 302 and response.location == "/admin/hospital"
    saved = await hospital_settings(db)
    assert saved.staffed_days == "2-6" and saved.review_red_minutes == "60"
    assert saved.phone_daytime == "+31 (0)88 972 7272"
    assert await _audit_count(db) == 1

    call = plain(await (await app.test_client().get("/call")).get_data(as_text=True))
    assert "Tuesday to Saturday, 07:30-16:00" in call
    assert "+31 (0)88 972 7272" in call and "Princess Máxima Centre, ward B" in call
    assert "Monday to Friday" not in call
    report_form = plain(await (await family_client.get("/diary/new")).get_data(as_text=True))
    assert "Tuesday to Saturday, 07:30-16:00" in report_form and "088-972 7200" in report_form
    offline = await (await app.test_client().get("/offline")).get_data(as_text=True)
    assert "088-972 7200" in offline
    assert await _worker_version(app.test_client()) != before
    page = await (await admin_client.get("/admin/hospital")).get_data(as_text=True)
    assert "example values" not in page


async def test_the_queue_deadline_follows_the_red_target(
    app: Quart, db: Database, people: People
) -> None:
    start = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        draft, _ = sync.parse(
            {
                "id": str(uuid.uuid4()),
                "child_id": people.child_id,
                "observed_at": start.isoformat(),
                "items": {"pain": 9},
            }
        )
        assert draft is not None
        assert (await sync.store_draft(db, draft, people.parent_id)).status == "stored"
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        nurse = app.test_client()
        await sign_in(nurse, "nurse@example.org", staff=True)
        admin = app.test_client()
        await sign_in(admin, "admin@example.org", staff=True)
        assert "queue-item--overdue" in await (await nurse.get("/nurse/queue")).get_data(
            as_text=True
        )
        await post_form(admin, "/admin/hospital", VALID)  # red within 60 minutes
        text = await (await nurse.get("/nurse/queue")).get_data(as_text=True)
    assert "queue-item--overdue" not in text
    # 09:00 UTC + 60 minutes is 11:00 in Amsterdam (winter time).
    assert "review by Tue 12 Jan, 11:00" in text


async def test_errors_are_shown_by_each_field_and_the_entries_kept(
    db: Database, admin_client: Any
) -> None:
    bad = {
        **VALID,
        "phone_daytime": "call me",
        "phone_out_of_hours": "12345",
        "first_day": "5",
        "last_day": "2",
        "staffed_from": "17:00",
        "staffed_until": "08:00",
        "review_red_minutes": "300",
        "review_green_days": "0",
    }
    response = await post_form(admin_client, "/admin/hospital", bad)
    text = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert text.count("Enter a phone number of 6 to 20 digits") == 2
    assert "The last staffed day cannot be before the first one." in text
    assert "The end must be after the start." in text
    assert "Enter a number from 5 to 240." in text and "Enter a number from 1 to 14." in text
    assert 'value="call me"' in text and 'value="300"' in text
    assert '<option selected value="2">Tuesday</option>' in text
    assert await hospital_settings(db) == HospitalSettings()
    assert await _audit_count(db) == 0


async def test_too_many_digits_or_letters_are_refused(db: Database, admin_client: Any) -> None:
    for phone in ("+31 30 1234 5678 9012 34567", "+31 30 CALL NOW", ""):
        response = await post_form(
            admin_client, "/admin/hospital", {**VALID, "phone_daytime": phone}
        )
        assert response.status_code == 400, phone
    assert await hospital_settings(db) == HospitalSettings()


async def test_errors_and_day_names_are_in_the_admins_language(
    app: Quart, db: Database, people: People
) -> None:
    client = app.test_client()
    await sign_in(client, "admin@example.org", staff=True)
    await choose_language(client, "nl")
    response = await post_form(
        client, "/admin/hospital", {**VALID, "name": "", "review_red_minutes": "1"}
    )
    text = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Vul dit nog in." in text and "Please fill this in." not in text
    assert "Vul een getal in van 5 tot en met 240." in text
    assert ">dinsdag</option>" in text and ">Tuesday</option>" not in text
    assert await hospital_settings(db) == HospitalSettings()
