"""Visits from the EHR: the integration engine books, moves and cancels them with FHIR
Appointment (conditional update and transaction Bundle). The family's banner, home page,
calendar feed and reminder jobs follow exactly as after a nurse's edit; the same Bundle
twice changes nothing; a nurse's hand edit is never silently overwritten; unknown
patients, unknown kinds and invalid resources are refused with nothing half-written."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fhir.resources.R4B import get_fhir_model_class
from quart import Quart

from pwa.db import Database
from pwa.notifications import planner
from pwa.plans import changes
from pwa.plans import store as plans
from tests.conftest import People, csrf_from, make_plan, sign_in
from tests.helpers.calendar import events_by_uid, fetch_calendar, new_feed
from tests.helpers.doses import choose_dose_times
from tests.helpers.fhir import (
    READ,
    VISIT_SYSTEM,
    WRITE,
    SystemKey,
    appointment,
    bearer,
    register,
    transaction,
)
from tests.helpers.pages import plain

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2027, 3, 1, 10, tzinfo=AMSTERDAM)
PLAN_START = date(2027, 1, 11)  # courses start 11 Jan, 15 Feb, 22 Mar, 26 Apr, 31 May
NUMBER = "NL-0042"
FHIR_JSON = {"Content-Type": "application/fhir+json"}
OWN_VISITS = "https://localhost/fhir/sid/visit"


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(NOW, tick=True):
        yield


async def _setup(app: Quart, db: Database, people: People) -> tuple[plans.Plan, dict[str, str]]:
    plan = await make_plan(db, people.child_id, PLAN_START)
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE child SET hospital_number = :n WHERE id = :id",
            {"n": NUMBER, "id": people.child_id},
        )
    key = SystemKey.new()
    engine = await register(db, "HiX koppeling", key, [READ, WRITE])
    headers = {**await bearer(app, engine, key, f"{READ} {WRITE}"), **FHIR_JSON}
    return plan, headers


async def _put(app: Quart, headers: dict[str, str], item: dict[str, Any]) -> Any:
    system, value = item["identifier"][0]["system"], item["identifier"][0]["value"]
    return await app.test_client().put(
        f"/fhir/Appointment?identifier={system}|{value}", headers=headers, data=json.dumps(item)
    )


async def _body(response: Any) -> dict[str, Any]:
    body = dict(json.loads(await response.get_data(as_text=True)))
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


async def _counts(db: Database) -> dict[str, Any]:
    """Everything an import could change, to prove a repeat changed none of it."""
    rows = {
        "revision": "SELECT revision FROM treatment_plan",
        "sequences": "SELECT group_concat(sequence) FROM (SELECT sequence FROM visit ORDER BY id)",
        "visits": "SELECT COUNT(*) FROM visit",
        "jobs": "SELECT COUNT(*) FROM notification_job",
        "audit": "SELECT COUNT(*) FROM audit_log WHERE action NOT LIKE '%.viewed'",
        "changes": "SELECT COUNT(*) FROM plan_change",
    }
    return {name: (await db.fetch_all(sql))[0][0] for name, sql in rows.items()}


async def _family(app: Quart) -> Any:
    family = app.test_client()
    await sign_in(family, "parent@example.org")
    return family


async def test_the_ehr_books_moves_and_cancels_a_visit_and_the_family_sees_each(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H29: each import reaches the family as a nurse's edit would."""
    _, headers = await _setup(app, db, people)
    family = await _family(app)
    feed_path, _ = await new_feed(family)
    booked = appointment(
        "A-1",
        NUMBER,
        "2027-03-10T09:00:00+01:00",
        "2027-03-10T12:00:00+01:00",
        kind="day_visit",
        location="Dagbehandeling",
    )

    created = await _put(app, headers, booked)
    assert created.status_code == 201
    resource = await _body(created)
    visit = await plans.select_visit(db, int(resource["id"]))
    assert visit is not None
    template = await plans.select_template(db)
    assert (visit.kind, visit.course_number) == ("day_visit", 2)
    # The EHR's department name would name the illness in the calendar feed: not taken.
    assert visit.location == template.location
    assert visit.starts == datetime(2027, 3, 10, 9, 0) and visit.status == "confirmed"
    assert {"system": VISIT_SYSTEM, "value": "A-1"} in resource["identifier"]
    assert created.headers["Location"].endswith(f"/fhir/Appointment/{visit.id}")
    home = await (await family.get("/")).get_data(as_text=True)
    assert "changed since you last looked" in plain(home)
    calendar = await fetch_calendar(app, feed_path)
    assert "oncolog" not in calendar.to_ical().decode().lower()
    event = events_by_uid(calendar)[visit.uid]
    assert event.decoded("DTSTART") == datetime(2027, 3, 10, 9, 0, tzinfo=AMSTERDAM)
    jobs = await db.fetch_all(
        "SELECT kind FROM notification_job WHERE visit_id = ? AND status = 'pending'", (visit.id,)
    )
    kinds = {row["kind"] for row in jobs}
    assert "visit_changed" in kinds and any(k.startswith("visit_reminder:") for k in kinds)
    audit = await db.fetch_all(
        "SELECT actor_id, fhir_client_id FROM audit_log WHERE action = 'visit.added'"
    )
    assert [(row["actor_id"], row["fhir_client_id"] is not None) for row in audit] == [(None, True)]

    # Seen; then the EHR moves it two days later.
    await family.post("/schedule/seen", form={"csrf_token": csrf_from(home)})
    moved = {**booked, "start": "2027-03-12T09:00:00+01:00", "end": "2027-03-12T12:00:00+01:00"}
    response = await _put(app, headers, moved)
    assert response.status_code == 200
    after = await plans.select_visit(db, visit.id)
    assert after is not None
    assert after.starts == datetime(2027, 3, 12, 9, 0) and after.status == "changed"
    assert after.sequence == visit.sequence + 1
    home = plain(await (await family.get("/")).get_data(as_text=True))
    assert "changed since you last looked" in home
    event = events_by_uid(await fetch_calendar(app, feed_path))[visit.uid]
    assert event.decoded("DTSTART") == datetime(2027, 3, 12, 9, 0, tzinfo=AMSTERDAM)
    assert int(str(event["SEQUENCE"])) == after.sequence

    # Cancelled in the EHR: cancelled for the family, no reminder left to send.
    response = await _put(app, headers, {**moved, "status": "cancelled"})
    assert response.status_code == 200
    assert (await _body(response))["status"] == "cancelled"
    cancelled = await plans.select_visit(db, visit.id)
    assert cancelled is not None and cancelled.cancelled
    pending = await db.fetch_all(
        "SELECT 1 FROM notification_job WHERE visit_id = ? AND kind LIKE 'visit_reminder:%' "
        "AND status = 'pending'",
        (visit.id,),
    )
    assert pending == []
    assert "STATUS:CANCELLED" in (await fetch_calendar(app, feed_path)).to_ical().decode()


async def test_moving_an_admission_moves_its_medication_period_like_a_nurses_move(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H29: the EHR takes over an app-planned visit by the identifier the API gave it."""
    plan, headers = await _setup(app, db, people)
    async with db.transaction() as tx:
        await choose_dose_times(tx, people.child_id, people.parent_id, time(8, 0))
        await planner.plan_medication_reminders(tx, date(2027, 4, 9))
    course_3 = next(v for v in await plans.select_visits(db, plan.id) if v.course_number == 3)
    # The engine finds the visit by the identifier the API gives it.
    found = await app.test_client().get(
        f"/fhir/Appointment?identifier={OWN_VISITS}|{course_3.uid}", headers=headers
    )
    assert [e["resource"]["id"] for e in (await _body(found))["entry"]] == [str(course_3.id)]
    item = appointment(
        course_3.uid, NUMBER, "2027-03-29T09:00:00+02:00", "2027-04-04T17:00:00+02:00"
    )
    item["identifier"] = [{"system": OWN_VISITS, "value": course_3.uid}]
    response = await _put(app, headers, item)
    assert response.status_code == 200, await response.get_data(as_text=True)
    period = next(m for m in await plans.select_medications(db, plan.id) if m.course_number == 3)
    assert (period.first_date, period.last_date) == (date(2027, 4, 16), date(2027, 4, 29))
    cancelled = await db.fetch_all(
        "SELECT medication_day FROM notification_job WHERE kind LIKE 'medication:%' "
        "AND status = 'cancelled'"
    )
    assert {row["medication_day"] for row in cancelled} == {"2027-04-09"}
    rows = await db.fetch_all(
        "SELECT action FROM audit_log WHERE fhir_client_id IS NOT NULL "
        "AND action != 'fhir.viewed' ORDER BY id"
    )
    assert [row["action"] for row in rows] == ["visit.changed", "medication.changed"]


async def test_the_same_bundle_twice_changes_nothing_the_second_time(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H29: a resent Bundle is no news to the family."""
    _, headers = await _setup(app, db, people)
    bundle = transaction(
        appointment(
            "B-1",
            NUMBER,
            "2027-03-10T09:00:00+01:00",
            "2027-03-10T12:00:00+01:00",
            kind="day_visit",
        ),
        appointment(
            "B-2",
            NUMBER,
            "2027-03-17T09:00:00+01:00",
            "2027-03-17T12:00:00+01:00",
            kind="home_infusion",
        ),
    )
    client = app.test_client()
    first = await client.post("/fhir", headers=headers, data=json.dumps(bundle))
    assert first.status_code == 200
    answer = await _body(first)
    assert [e["response"]["status"] for e in answer["entry"]] == ["201 Created"] * 2
    before = await _counts(db)
    family = await _family(app)
    home = await (await family.get("/")).get_data(as_text=True)
    await family.post("/schedule/seen", form={"csrf_token": csrf_from(home)})

    again = await client.post("/fhir", headers=headers, data=json.dumps(bundle))
    assert again.status_code == 200
    answer = await _body(again)
    assert [e["response"]["status"] for e in answer["entry"]] == ["200 OK"] * 2
    assert await _counts(db) == before
    home = await (await family.get("/")).get_data(as_text=True)
    assert "changed since you last looked" not in home


async def test_a_nurses_hand_edit_is_not_overwritten_by_the_next_import(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H29: the import is refused (409) and the nurses see it in the audit log; once
    the EHR says what the nurse set, imports go on."""
    _, headers = await _setup(app, db, people)
    item = appointment(
        "C-1", NUMBER, "2027-03-10T09:00:00+01:00", "2027-03-10T12:00:00+01:00", kind="day_visit"
    )
    created = await _body(await _put(app, headers, item))
    visit = await plans.select_visit(db, int(created["id"]))
    assert visit is not None
    nurse_version = changes.VisitDraft(
        visit.course_number,
        visit.kind,
        datetime(2027, 3, 11, 9),
        datetime(2027, 3, 11, 12),
        visit.time_zone,
        visit.location,
        "Nuchter komen",
        visit.status,
    )
    async with db.transaction() as tx:
        await changes.change_visit(tx, visit, nurse_version, people.nurse_id)

    later = {**item, "start": "2027-03-15T09:00:00+01:00", "end": "2027-03-15T12:00:00+01:00"}
    refused = await _put(app, headers, later)
    assert refused.status_code == 409
    assert (await _body(refused))["issue"][0]["code"] == "conflict"
    kept = await plans.select_visit(db, visit.id)
    assert kept is not None and kept.starts == datetime(2027, 3, 11, 9)
    [row] = await db.fetch_all(
        "SELECT child_id, detail FROM audit_log WHERE action = 'visit.import_refused'"
    )
    assert row["child_id"] == people.child_id and "C-1" in row["detail"]
    nurse = app.test_client()
    await sign_in(nurse, "nurse@example.org", staff=True)
    plan_page = f"/nurse/children/{people.child_id}/plan"
    shown = plain(await (await nurse.get(plan_page)).get_data(as_text=True))
    assert "tried to change this visit after it was changed here by hand" in shown
    assert "It wanted to start on 15 Mar at 09:00." in shown

    agreed = {**item, "start": "2027-03-11T09:00:00+01:00", "end": "2027-03-11T12:00:00+01:00"}
    assert (await _put(app, headers, agreed)).status_code == 200
    shown = plain(await (await nurse.get(plan_page)).get_data(as_text=True))
    assert "tried to change this visit" not in shown
    assert "From the hospital's record system" in shown
    assert (await _put(app, headers, later)).status_code == 200
    moved = await plans.select_visit(db, visit.id)
    assert moved is not None and moved.starts == datetime(2027, 3, 15, 9)
    assert moved.family_note == "Nuchter komen"  # the nurse's note for the family stays


async def test_unknown_patient_kind_or_invalid_resource_writes_nothing(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H29: nothing half-written, nothing in the wrong child's plan."""
    _, headers = await _setup(app, db, people)
    good = appointment("D-1", NUMBER, "2027-03-10T09:00:00+01:00", "2027-03-10T12:00:00+01:00")
    unknown_kind = {**good, "serviceType": [{"coding": [{"system": "urn:x", "code": "MRI"}]}]}
    no_end = {key: value for key, value in good.items() if key != "end"}
    cases = {
        "unknown patient": (
            appointment("D-2", "NL-404", "2027-03-10T09:00:00+01:00", "2027-03-10T12:00:00+01:00"),
            "not-found",
        ),
        "unknown kind": (unknown_kind, "code-invalid"),
        "no end": (no_end, "invalid"),
        "not an Appointment": ({**good, "resourceType": "Patient"}, "invalid"),
        "end before start": ({**good, "end": "2027-03-09T12:00:00+01:00"}, "invalid"),
    }
    before = await _counts(db)
    client = app.test_client()
    for why, (bad, code) in cases.items():
        # Alone, and in a Bundle after a good Appointment: neither writes anything.
        bundle = transaction(
            good, {**bad, "identifier": [{"system": VISIT_SYSTEM, "value": "D-9"}]}
        )
        response = await client.post("/fhir", headers=headers, data=json.dumps(bundle))
        assert 400 <= response.status_code < 500, why
        body = await _body(response)
        assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["code"] == code, why
        assert await _counts(db) == before, why
    broken = await client.post("/fhir", headers=headers, data="{not json")
    assert broken.status_code == 400
    assert await db.fetch_all("SELECT 1 FROM visit_import") == []


async def test_a_patient_without_a_plan_is_refused(
    app: Quart, db: Database, people: People
) -> None:
    _, headers = await _setup(app, db, people)
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE child SET hospital_number = 'NL-7' WHERE id = ?", (people.other_child_id,)
        )
    item = appointment("E-1", "NL-7", "2027-03-10T09:00:00+01:00", "2027-03-10T12:00:00+01:00")
    response = await _put(app, headers, item)
    assert response.status_code == 422
    assert "no treatment plan" in (await _body(response))["issue"][0]["diagnostics"]


async def test_the_ehr_books_a_scan_by_the_admins_kind_and_not_a_kind_switched_off(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H29: the kinds the import knows are the admin's active kinds: a scan books as
    a short visit; a kind the admin switched off is refused with nothing written."""
    _, headers = await _setup(app, db, people)
    scan = appointment(
        "S-1", NUMBER, "2027-03-10T09:00:00+01:00", "2027-03-10T10:30:00+01:00", kind="scan"
    )
    booked = await _put(app, headers, scan)
    assert booked.status_code == 201
    row = await db.fetch_one("SELECT kind, starts_local, ends_local FROM visit WHERE kind = 'scan'")
    assert row is not None and row["starts_local"].startswith("2027-03-10T09:00")
    async with db.transaction() as tx:
        await tx.execute("UPDATE visit_kind SET active = 0 WHERE key = 'hearing_test'")
    before = await _counts(db)
    hearing = appointment(
        "S-2", NUMBER, "2027-03-11T09:00:00+01:00", "2027-03-11T10:00:00+01:00", kind="hearing_test"
    )
    refused = await _put(app, headers, hearing)
    assert refused.status_code == 422
    assert (await _body(refused))["issue"][0]["code"] == "code-invalid"
    assert await _counts(db) == before
