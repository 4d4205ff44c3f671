"""A family's own data download: exactly their child, valid FHIR, no staff-only number."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from pwa.db import Database
from pwa.diary import sync
from pwa.plans import changes
from pwa.plans import store as plans
from tests.conftest import People


async def _report(db: Database, child_id: int, caregiver_id: int, items: dict[str, Any]) -> str:
    draft, _ = sync.parse(
        {
            "id": str(uuid.uuid4()),
            "child_id": child_id,
            "observed_at": datetime.now(UTC).isoformat(),
            "items": items,
        }
    )
    assert draft is not None
    await sync.store_draft(db, draft, caregiver_id)
    return draft.client_uuid


async def test_download_holds_exactly_our_child_and_validates(
    db: Database, people: People, family_client: Any
) -> None:
    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE child SET hospital_number = 'MRN-777' WHERE id = ?", (people.child_id,)
        )
        await changes.create_plan(
            connection,
            child_id=people.child_id,
            start=date(2027, 1, 11),
            template=await plans.select_template(db),
            actor_id=None,
        )
    ours = await _report(db, people.child_id, people.parent_id, {"temperature": 38.2, "pain": 3})
    theirs = await _report(db, people.other_child_id, people.other_parent_id, {"pain": 9})

    response = await family_client.get("/settings/data/export.fhir.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    document = json.loads(await response.get_data(as_text=True))
    Bundle.model_validate(document)
    text = json.dumps(document)
    assert ours in text and theirs not in text
    assert "MRN-777" not in text  # the patient number is for staff only
    kinds = [entry["resource"]["resourceType"] for entry in document["entry"]]
    assert (
        kinds.count("Patient") == 1
        and kinds.count("Appointment") == 5
        and kinds.count("QuestionnaireResponse") == 1
    )

    csv_response = await family_client.get("/settings/data/export.csv")
    rows = list(
        csv.reader(io.StringIO((await csv_response.get_data(as_text=True)).lstrip("\ufeff")))
    )
    assert len(rows) == 2 and ours in rows[1] and "MRN-777" not in str(rows)
    actions = [
        row["action"]
        for row in await db.fetch_all(
            "SELECT action FROM audit_log WHERE actor_id = ?", (people.parent_id,)
        )
    ]
    assert "family_export.fhir" in actions and "family_export.csv" in actions


async def test_download_page_links_both_files(family_client: Any) -> None:
    text = await (await family_client.get("/settings/data")).get_data(as_text=True)
    assert "/settings/data/export.csv" in text and "/settings/data/export.fhir.json" in text


async def test_download_holds_the_caregivers_own_phone_number(
    db: Database, people: People, family_client: Any
) -> None:
    """The caregiver's optional phone number (from /settings/phone) is in their download:
    a RelatedPerson with their name, number and e-mail, and on the download page."""
    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE account SET phone = '+31 6 1234 5678' WHERE id = ?", (people.parent_id,)
        )
        await connection.execute(
            "UPDATE account SET phone = '+31 6 9999 0000' WHERE id = ?", (people.other_parent_id,)
        )
    document = json.loads(
        await (await family_client.get("/settings/data/export.fhir.json")).get_data(as_text=True)
    )
    Bundle.model_validate(document)
    related = [
        entry["resource"]
        for entry in document["entry"]
        if entry["resource"]["resourceType"] == "RelatedPerson"
    ]
    assert len(related) == 1
    patient_url = document["entry"][0]["fullUrl"]
    assert related[0]["patient"]["reference"] == patient_url
    telecom = {item["system"]: item["value"] for item in related[0]["telecom"]}
    assert telecom["phone"] == "+31 6 1234 5678" and "@" in telecom["email"]
    assert "+31 6 9999 0000" not in json.dumps(document)
    page = await (await family_client.get("/settings/data")).get_data(as_text=True)
    assert "+31 6 1234 5678" in page
