"""Doses at home as the hospital sees them: the nurse's prescription text, adherence per
period on the child's page, the flag on the list of children and the admin's rule for it,
the admin's medicines, and the doses in the exports and the family's download."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import time, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle
from quart import Quart

from pwa.db import Database
from pwa.doses import sync
from pwa.doses.medicines import Medicine
from tests.conftest import People, csrf_from, make_plan, post_form, sign_in
from tests.helpers.doses import (
    NOW,
    PLAN_START,
    TODAY,
    choose_dose_times,
    dose,
    medicine_id,
    period_id,
)
from tests.helpers.pages import page_text, plain
from tests.helpers.rows import audit_rows

FLAG = "Doses at home: 2 not taken as planned in 3 days"


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
async def clients(app: Quart, db: Database, people: People, frozen: None) -> tuple[Any, Any]:
    """A nurse and an admin signed in; the child is on day 4 of isotretinoin at 08:00 and
    20:00."""
    await make_plan(db, people.child_id, PLAN_START)
    async with db.transaction() as tx:
        await choose_dose_times(tx, people.child_id, people.parent_id, time(8), time(20))
    nurse, admin = app.test_client(), app.test_client()
    await sign_in(nurse, "nurse@example.org", staff=True)
    await sign_in(admin, "admin@example.org", staff=True)
    return nurse, admin


async def noted(db: Database, people: People, *doses: tuple[int, str, str]) -> None:
    """Doses the parent noted: (days before today, time, outcome)."""
    period = await period_id(db, people.child_id)
    batch = [
        dose(people.child_id, period, TODAY - timedelta(days=back), at, outcome=outcome)
        for back, at, outcome in doses
    ]
    results = await sync.submit(db, people.parent_id, batch)
    assert [result.status for result in results] == ["stored"] * len(batch)


async def test_the_nurse_types_the_prescription_and_the_family_sees_exactly_that(
    app: Quart, clients: tuple[Any, Any], db: Database, people: People
) -> None:
    nurse, _ = clients
    period = await period_id(db, people.child_id)
    url = f"/nurse/children/{people.child_id}/medications/{period}"
    form = await page_text(nurse, url)
    assert '<option selected value="1">Isotretinoin</option>' in form
    text = "10 mg in the morning, 20 mg in the evening, with food"
    saved = await post_form(
        nurse,
        url,
        {
            "first_date": "2027-01-29",
            "last_date": "2027-02-11",
            "medicine_id": str(await medicine_id(db)),
            "prescription": text,
        },
    )
    assert saved.status_code == 302
    assert await audit_rows(db, "medication.prescribed") != []
    assert await audit_rows(db, "medication.changed") == []  # the days did not move
    plan_page = plain(await page_text(nurse, f"/nurse/children/{people.child_id}/plan"))
    assert f"Prescription: {text}" in plan_page, plan_page[plan_page.find("Medicine") :][:600]
    family = app.test_client()
    await sign_in(family, "parent@example.org")
    home = plain(await page_text(family, "/"))
    assert f"Prescription: {text}" in home
    assert "30 mg" not in home  # never a sum, a daily total or a dose per kilogram
    bogus = await post_form(
        nurse, url, {"first_date": "2027-01-29", "last_date": "2027-02-11", "medicine_id": "999"}
    )
    assert "Choose a medicine from the list." in await bogus.get_data(as_text=True)


async def test_the_child_page_shows_adherence_per_day_and_dose_time(
    clients: tuple[Any, Any], db: Database, people: People
) -> None:
    nurse, _ = clients
    await noted(
        db,
        people,
        (3, "08:00", "given"),
        (3, "20:00", "vomited"),
        (2, "08:00", "refused"),
        (1, "20:00", "partly"),
    )
    html = await page_text(nurse, f"/nurse/children/{people.child_id}")
    section = plain(html).split("Doses at home", 1)[1]
    assert (
        "Given: 1 Partly taken: 1 Vomited within 30 minutes: 1 Refused: 1 Missed: 0 "
        "Not recorded: 3" in section
    )
    rows = {
        plain(day): [plain(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for day, row in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', html, re.S)
    }
    noted_at = "Parent, Mon 1 Feb, 10:00"
    assert rows["29 Jan"] == [f"Given {noted_at}", f"Vomited within 30 minutes {noted_at}"]
    assert rows["30 Jan"] == [f"Refused {noted_at}", "Not recorded"]
    assert rows["31 Jan"] == ["Not recorded", f"Partly taken {noted_at}"]
    assert rows["1 Feb"] == ["Not recorded", "later"]  # 08:00 has passed, 20:00 has not


async def test_the_list_flags_a_child_by_the_admins_rule(
    clients: tuple[Any, Any], db: Database, people: People
) -> None:
    """Two doses missed, refused or vomited in the last 3 days flag the child (the shipped
    example); the admin's stricter rule takes the flag away; a dose four days ago never counts."""
    nurse, admin = clients
    await noted(db, people, (3, "08:00", "missed"), (2, "20:00", "vomited"))
    assert FLAG not in plain(await page_text(nurse, "/nurse/children"))
    await noted(db, people, (1, "08:00", "refused"))
    assert FLAG in plain(await page_text(nurse, "/nurse/children"))
    assert FLAG in plain(await page_text(nurse, f"/nurse/children/{people.child_id}"))
    rule_page = plain(await page_text(admin, "/admin/dose-flag"))
    assert "to be confirmed by your clinical team" in rule_page
    stricter = [
        ("enabled", "y"),
        ("min_count", "3"),
        ("within_days", "3"),
        *(("outcomes", outcome) for outcome in ("missed", "refused", "vomited")),
    ]
    token = csrf_from(await page_text(admin, "/admin/dose-flag"))
    changed = await admin.post(
        "/admin/dose-flag",
        data=urlencode([("csrf_token", token), *stricter]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert changed.status_code == 302
    assert "Doses at home:" not in plain(await page_text(nurse, "/nurse/children"))
    assert await audit_rows(db, "dose_flag.updated") == [
        "on: 3 in 3 days; vomited, refused, missed"
    ]
    empty = await post_form(
        admin, "/admin/dose-flag", {"enabled": "y", "min_count": "3", "within_days": "3"}
    )
    assert "Choose at least one." in await empty.get_data(as_text=True)


async def test_the_admin_keeps_the_medicines_with_a_name_per_language(
    clients: tuple[Any, Any], db: Database, people: People
) -> None:
    _, admin = clients
    listed = plain(await page_text(admin, "/admin/medicines"))
    assert listed.count("example — to be confirmed by the hospital") == 2  # gabapentin, morphine
    added = await post_form(
        admin, "/admin/medicines", {"name_nl": "Paracetamol-drank", "name_en": ""}
    )
    assert added.status_code == 302, plain(await added.get_data(as_text=True))
    row = await db.fetch_one("SELECT * FROM home_medicine WHERE name_nl = 'Paracetamol-drank'")
    assert row is not None and row["key"] == "paracetamol-drank"
    medicine = Medicine.from_row(row)
    assert medicine.name("en") == medicine.name("nl") == "Paracetamol-drank"
    assert Medicine(1, "x", "", "Gabapentin", True, 1).name("nl") == "Gabapentin"
    nameless = await post_form(admin, "/admin/medicines", {"name_nl": " ", "name_en": ""})
    assert "in Dutch, in English or both" in await nameless.get_data(as_text=True)
    assert len(await audit_rows(db, "medicines.updated")) == 1


async def test_doses_are_exported_as_csv_and_medication_administrations(
    app: Quart, clients: tuple[Any, Any], db: Database, people: People
) -> None:
    nurse, _ = clients
    await noted(
        db,
        people,
        (2, "08:00", "given"),
        (2, "20:00", "vomited"),
        (1, "08:00", "refused"),
        (1, "20:00", "missed"),
    )
    response = await nurse.get(f"/nurse/children/{people.child_id}/export.doses.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO((await response.get_data()).decode("utf-8-sig"))))
    assert [(r["dose_time"], r["outcome"], r["noted_by"]) for r in rows] == [
        ("2027-01-30T08:00:00+01:00", "given", "Parent"),
        ("2027-01-30T20:00:00+01:00", "vomited", "Parent"),
        ("2027-01-31T08:00:00+01:00", "refused", "Parent"),
        ("2027-01-31T20:00:00+01:00", "missed", "Parent"),
    ]
    bundle = json.loads(
        await (await nurse.get(f"/nurse/children/{people.child_id}/export.fhir.json")).get_data(
            as_text=True
        )
    )
    Bundle.model_validate(bundle)
    given = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
    ]
    assert [(g["status"], g["effectiveDateTime"]) for g in given] == [
        ("completed", "2027-01-30T08:00:00+01:00"),
        ("completed", "2027-01-30T20:00:00+01:00"),
        ("not-done", "2027-01-31T08:00:00+01:00"),
        ("not-done", "2027-01-31T20:00:00+01:00"),
    ]
    assert given[1]["note"][0]["text"] == "Vomited within 30 minutes"
    assert [r["statusReason"][0]["coding"][0]["code"] for r in given[2:]] == [
        "182895007",
        "242990004",
    ]
    assert all(g["medicationCodeableConcept"]["text"] == "Isotretinoin" for g in given)
    assert await audit_rows(db, "export.doses_csv") == ["all; 0 reports, 4 doses"]
    family = app.test_client()
    await sign_in(family, "parent@example.org")
    own = json.loads(
        await (await family.get("/settings/data/export.fhir.json")).get_data(as_text=True)
    )
    assert (
        sum(e["resource"]["resourceType"] == "MedicationAdministration" for e in own["entry"]) == 4
    )
    own_csv = await family.get("/settings/data/export.doses.csv")
    assert own_csv.status_code == 200 and b"refused" in await own_csv.get_data()
    assert "Doses at home (CSV)" in plain(await page_text(family, "/settings/data"))
