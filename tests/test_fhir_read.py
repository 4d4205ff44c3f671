"""The FHIR API read by an independent client: fhirpy, over real HTTP against `pwa serve`,
with a token from a SMART Backend Services assertion the test signs itself. Every
resource type is read, every search page followed to its end, and every resource
validates against the FHIR R4B models (fhir.resources). Each read is in the audit log as
the hospital system, and the family's "who looked" page names it."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhirpy import AsyncFHIRClient
from quart import Quart

from pwa.db import Database
from pwa.diary import store as diary
from pwa.exports.fhir import questionnaire_url
from pwa.fhir import clients
from pwa.reviews import store as reviews
from tests.conftest import People, make_plan
from tests.helpers.fhir import (
    NUMBER_SYSTEM,
    READ,
    VISIT_SYSTEM,
    WRITE,
    SystemKey,
    appointment,
    bearer,
    register,
    token_over_http,
)
from tests.helpers.reports import add_report
from tests.helpers.served import count_rows, run, served

DEMO_NUMBER = "DEMO-0001"


def validate(resource: dict[str, Any]) -> None:
    """Raises when R4B does not allow the resource."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def _plain(resource: Any) -> dict[str, Any]:
    """A fhirpy resource as the JSON it came as."""
    return dict(resource.serialize())


async def _register_in(
    database: str, name: str, key: SystemKey, scopes: list[str] | None = None
) -> clients.Client:
    db = Database(database, 1)
    await db.open()
    try:
        return await register(db, name, key, scopes or [READ])
    finally:
        await db.close()


async def _read_everything(base_url: str, token: str) -> dict[str, list[dict[str, Any]]]:
    fhir = AsyncFHIRClient(f"{base_url}/fhir", authorization=f"Bearer {token}")
    patients = (
        await fhir.resources("Patient")
        .search(identifier=f"{NUMBER_SYSTEM}|{DEMO_NUMBER}")
        .fetch_all()
    )
    assert len(patients) == 1
    patient_id = str(patients[0]["id"])
    found: dict[str, list[dict[str, Any]]] = {"Patient": [_plain(p) for p in patients]}
    for resource_type, page in (
        ("Appointment", 2),
        ("QuestionnaireResponse", 3),
        ("Observation", 4),
        ("Flag", 1),
    ):
        # A small page, so the client must follow the Bundle's next links to the end.
        results = (
            await fhir.resources(resource_type).search(patient=patient_id).limit(page).fetch_all()
        )
        found[resource_type] = [_plain(resource) for resource in results]
    read_back = await fhir.reference("Patient", patient_id).to_resource()
    assert read_back["id"] == patient_id
    for resource_type in ("Appointment", "QuestionnaireResponse", "Observation", "Flag"):
        first = found[resource_type][0]
        again = await fhir.reference(resource_type, first["id"]).to_resource()
        assert _plain(again) == first
    questionnaire = (
        await fhir.resources("Questionnaire").search(url=questionnaire_url(base_url)).fetch_all()
    )
    found["Questionnaire"] = [_plain(q) for q in questionnaire]
    return found


def test_fhirpy_reads_every_resource_type_through_every_page(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    run("migrate", instance=instance)
    run("demo", instance=instance)
    database = str(instance / "immuno.sqlite3")
    key = SystemKey.new("ES384")
    system = asyncio.run(_register_in(database, "HiX koppeling", key))
    with served(instance) as server:
        token = token_over_http(server.url, system, key, READ)
        found = asyncio.run(_read_everything(server.url, token))
        reports = count_rows(database, "SELECT COUNT(*) FROM report")
        waiting = count_rows(
            database,
            "SELECT COUNT(*) FROM report_queue JOIN report ON report.id = report_queue.report_id "
            "WHERE report.level IN ('red', 'amber')",
        )
        visits = count_rows(database, "SELECT COUNT(*) FROM visit")
        audited = count_rows(
            database,
            "SELECT COUNT(*) FROM audit_log WHERE fhir_client_id = ? AND action = 'fhir.viewed'",
            (system.id,),
        )
    assert len(found["QuestionnaireResponse"]) == reports > 3
    assert len(found["Appointment"]) == visits > 2
    assert len(found["Flag"]) == waiting >= 1
    assert len(found["Observation"]) > 4
    assert {o["code"]["coding"][0]["code"] for o in found["Observation"]} == {
        "8310-5",
        "72514-3",
        "29463-7",
    }
    assert len({r["id"] for r in found["QuestionnaireResponse"]}) == reports  # no page twice
    for resources in found.values():
        for resource in resources:
            validate(resource)
    [questionnaire] = found["Questionnaire"]
    assert {r["questionnaire"] for r in found["QuestionnaireResponse"]} == {questionnaire["url"]}
    assert found["Patient"][0]["identifier"][0]["value"] == DEMO_NUMBER
    assert audited >= 10


async def _json(response: Any) -> dict[str, Any]:
    return dict(json.loads(await response.get_data(as_text=True)))


async def _numbered(db: Database, child_id: int, number: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE child SET hospital_number = :n WHERE id = :id", {"n": number, "id": child_id}
        )


async def test_the_family_sees_the_hospital_system_in_who_looked(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    key = SystemKey.new()
    system = await register(db, "HiX koppeling", key, [READ])
    headers = await bearer(app, system, key, READ)
    await add_report(db, people, {"temperature": 38.9})
    response = await app.test_client().get(
        f"/fhir/QuestionnaireResponse?patient=Patient/{people.child_id}", headers=headers
    )
    assert response.status_code == 200 and (await _json(response))["total"] == 1
    page = await (await family_client.get("/settings/access-log")).get_data(as_text=True)
    assert "hospital system HiX koppeling" in page
    assert "read the data into the hospital&#39;s records" in page
    # Another family's record was not touched, so its log stays empty of the system.
    rows = await db.fetch_all(
        "SELECT child_id FROM audit_log WHERE fhir_client_id = ?", (system.id,)
    )
    assert {row["child_id"] for row in rows} == {people.child_id}


async def test_flags_are_the_red_and_amber_reports_no_nurse_reviewed(
    app: Quart, db: Database, people: People
) -> None:
    key = SystemKey.new()
    system = await register(db, "Worklist", key, [READ])
    headers = await bearer(app, system, key, READ)
    red = await add_report(db, people, {"temperature": 39.5})
    await add_report(db, people, {"pain": 1})
    client = app.test_client()
    flags = await _json(await client.get("/fhir/Flag", headers=headers))
    assert [entry["resource"]["id"] for entry in flags["entry"]] == [red]
    validate(flags)
    report = await diary.select_report(db, red)
    assert report is not None
    async with db.transaction() as tx:
        await reviews.review(tx, report, people.nurse_id, "phoned")
    after = await _json(await client.get("/fhir/Flag", headers=headers))
    assert after["total"] == 0
    read = await _json(await client.get(f"/fhir/Flag/{red}", headers=headers))
    assert read["status"] == "inactive"


async def test_paging_links_keep_the_search_and_stop_at_the_end(
    app: Quart, db: Database, people: People
) -> None:
    key = SystemKey.new()
    system = await register(db, "HiX", key, [READ])
    headers = await bearer(app, system, key, READ)
    await make_plan(db, people.child_id, date(2027, 1, 11))
    client = app.test_client()
    path = f"/fhir/Appointment?patient={people.child_id}&date=ge2027-01-01&_count=2"
    seen: list[str] = []
    while path:
        bundle = await _json(await client.get(path, headers=headers))
        validate(bundle)
        seen += [entry["resource"]["id"] for entry in bundle["entry"]]
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        assert "date=ge2027-01-01" in links["self"]
        path = links.get("next", "").removeprefix("https://localhost")
    assert len(seen) == len(set(seen)) == 5


async def test_errors_are_operation_outcomes(app: Quart, db: Database, people: People) -> None:
    key = SystemKey.new()
    system = await register(db, "HiX", key, [READ])
    headers = await bearer(app, system, key, READ)
    client = app.test_client()
    cases = {
        "/fhir/Observation": 400,  # no patient
        f"/fhir/Observation?patient={people.child_id}&date=yesterday": 400,
        f"/fhir/Observation?patient={people.child_id}&_count=5000": 400,
        "/fhir/Patient/999999": 404,
        "/fhir/Medication": 404,
        f"/fhir/Patient/{people.child_id}?_format=xml": 406,
    }
    for path, status in cases.items():
        response = await client.get(path, headers=headers)
        assert response.status_code == status, path
        assert response.mimetype == "application/fhir+json", path
        body = await _json(response)
        assert body["resourceType"] == "OperationOutcome", path
        validate(body)


async def test_patients_are_found_by_hospital_number_and_closed_records_are_not_served(
    app: Quart, db: Database, people: People
) -> None:
    key = SystemKey.new()
    system = await register(db, "HiX", key, [READ])
    headers = await bearer(app, system, key, READ)
    await _numbered(db, people.child_id, "NL-0042")
    client = app.test_client()
    found = await _json(
        await client.get(f"/fhir/Patient?identifier={NUMBER_SYSTEM}|NL-0042", headers=headers)
    )
    assert [e["resource"]["id"] for e in found["entry"]] == [str(people.child_id)]
    other_system = await _json(
        await client.get("/fhir/Patient?identifier=urn:other|NL-0042", headers=headers)
    )
    assert other_system["total"] == 0
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE child SET closed_at = '2027-01-01T00:00:00.000000Z' WHERE id = ?",
            (people.child_id,),
        )
    closed = await client.get(f"/fhir/Patient/{people.child_id}", headers=headers)
    assert closed.status_code == 404


async def test_the_questionnaire_answers_at_its_canonical_url_without_a_token(app: Quart) -> None:
    response = await app.test_client().get("/fhir/Questionnaire/symptom-diary")
    assert response.status_code == 200
    questionnaire = await _json(response)
    validate(questionnaire)
    assert questionnaire["url"] == questionnaire_url("https://localhost")
    assert {"temperature", "pain", "level"} <= {item["linkId"] for item in questionnaire["item"]}


async def _book_move_cancel(base_url: str, token: str) -> list[tuple[str, bool]]:
    """The engine's three writes and a repeat, as fhirpy's conditional updates."""
    fhir = AsyncFHIRClient(f"{base_url}/fhir", authorization=f"Bearer {token}")
    booked = appointment(
        "HTTP-1",
        DEMO_NUMBER,
        "2030-03-10T09:00:00+01:00",
        "2030-03-10T12:00:00+01:00",
        kind="day_visit",
    )
    kind = booked["serviceType"][0]["coding"][0]
    kind["system"] = f"{base_url}/fhir/CodeSystem/visit-kind"
    moved = {**booked, "start": "2030-03-12T09:00:00+01:00", "end": "2030-03-12T12:00:00+01:00"}
    outcomes = []
    for body in (booked, moved, moved, {**moved, "status": "cancelled"}):
        search = fhir.resources("Appointment").search(identifier=f"{VISIT_SYSTEM}|HTTP-1")
        saved, created = await search.update(fhir.resource("Appointment", **body))
        validate(_plain(saved))
        outcomes.append((str(saved["status"]), bool(created)))
    return outcomes


def test_fhirpy_books_moves_and_cancels_a_visit_over_http(tmp_path: Path) -> None:
    """Hazard H29: through real HTTP, the same conditional update twice is one change."""
    instance = tmp_path / "instance"
    run("migrate", instance=instance)
    run("demo", instance=instance)
    database = str(instance / "immuno.sqlite3")
    key = SystemKey.new()
    system = asyncio.run(_register_in(database, "HiX koppeling", key, [READ, WRITE]))
    with served(instance) as server:
        token = token_over_http(server.url, system, key, f"{READ} {WRITE}")
        outcomes = asyncio.run(_book_move_cancel(server.url, token))
    assert outcomes == [
        ("booked", True),
        ("booked", False),
        ("booked", False),
        ("cancelled", False),
    ]
    imported = (
        "SELECT COUNT(*) FROM visit JOIN visit_import ON visit_import.visit_id = visit.id "
        "WHERE visit_import.identifier_value = 'HTTP-1' AND visit.status = 'cancelled' "
        "AND visit.starts_local LIKE '2030-03-12%' AND visit.sequence = ?"
    )
    # Booked, moved, cancelled: two changes after the booking; the repeat made none.
    assert count_rows(database, imported, (2,)) == 1
    changed = count_rows(
        database,
        "SELECT COUNT(*) FROM audit_log WHERE fhir_client_id = ? AND action LIKE 'visit.%'",
        (system.id,),
    )
    assert changed == 3
