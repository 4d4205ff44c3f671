"""Exports for the medical record: CSV, the printable report and the FHIR R4 Bundle.

The Bundle is validated with the ``fhir.resources`` R4B models (version 8 defaults to R5);
codes, units and times are checked against the table in docs/api.md.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError
from quart import Quart
from quart.typing import TestClientProtocol as Client

from pwa.db import Database
from pwa.diary import store as diary
from pwa.diary import sync
from pwa.exports.record import CSV_HEADER, safe_cell
from pwa.plans import changes
from pwa.plans import store as plans
from pwa.reviews import replies
from pwa.reviews import store as reviews
from tests.conftest import People, sign_in

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2027, 3, 15, 12, 0, tzinfo=AMS)
PLAN_START = date(2027, 1, 11)
PATIENT_NUMBER = "NL-0042"
EXPORTS = ("export.csv", "export.fhir.json", "print")
VISIT_STATUSES = {1: "completed", 2: "confirmed", 3: "cancelled", 4: "changed", 5: "planned"}


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    """Every test runs in March 2027, so the reports below are recent enough to sync."""
    with time_machine.travel(NOW, tick=True):
        yield


@dataclass
class Record:
    fever: str  # red: 38.6 °C, pain 3, hard to breathe; a formula in the note
    weighed: str  # weight 18.4 kg, pain 0
    past_midnight: str  # 00:30 Amsterdam time on 10 March (still 9 March in UTC)
    correction: str  # corrects ``fever``: 37.6 °C


async def _report(
    db: Database, people: People, observed: datetime, items: dict[str, Any], **extra: Any
) -> str:
    draft, result = sync.parse(
        {
            "id": str(uuid.uuid4()),
            "child_id": people.child_id,
            "observed_at": observed.isoformat(),
            "items": items,
            **extra,
        }
    )
    assert draft is not None, result
    stored = await sync.store_draft(db, draft, people.parent_id)
    assert stored.status == "stored", stored
    return draft.client_uuid


async def _set_patient_number(db: Database, child_id: int, number: str | None) -> None:
    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE child SET hospital_number = ? WHERE id = ?", (number, child_id)
        )


async def build_record(db: Database, people: People) -> Record:
    await _set_patient_number(db, people.child_id, PATIENT_NUMBER)
    async with db.transaction() as connection:
        await changes.create_plan(
            connection,
            child_id=people.child_id,
            start=PLAN_START,
            template=await plans.select_template(db),
            actor_id=None,
        )
        for course, status in VISIT_STATUSES.items():
            await connection.execute(
                """
                UPDATE visit SET status = ? WHERE course_number = ?
                   AND plan_id = (SELECT id FROM treatment_plan WHERE child_id = ?)
                """,
                (status, course, people.child_id),
            )
    fever = await _report(
        db,
        people,
        datetime(2027, 2, 20, 8, 30, tzinfo=AMS),
        {"temperature": 38.6, "pain": 3, "breathing": "hard"},
        note='=HYPERLINK("https://evil.example","x")',
    )
    weighed = await _report(
        db,
        people,
        datetime(2027, 3, 1, 19, 0, tzinfo=AMS),
        {"weight": 18.4, "pain": 0},
        note="+1 more nappy",
    )
    past_midnight = await _report(
        db,
        people,
        datetime(2027, 3, 10, 0, 30, tzinfo=AMS),
        {"vomiting": "some"},
        note="Ate little",
    )
    correction = await _report(
        db, people, datetime(2027, 2, 20, 8, 30, tzinfo=AMS), {"temperature": 37.6}, corrects=fever
    )
    report = await diary.select_report(db, fever)
    assert report is not None
    async with db.transaction() as connection:
        await reviews.review(connection, report, people.nurse_id, "phoned")
        await replies.reply(
            connection, report, people.nurse_id, "@ Give paracetamol and call us if it rises."
        )
    return Record(fever, weighed, past_midnight, correction)


def _url(child_id: int, export: str, **query: str) -> str:
    params = "&".join(f"{key}={value}" for key, value in query.items())
    return f"/nurse/children/{child_id}/{export}" + (f"?{params}" if params else "")


async def _csv(client: Client, child_id: int, **query: str) -> tuple[Any, list[dict[str, str]]]:
    response = await client.get(_url(child_id, "export.csv", **query))
    assert response.status_code == 200
    body = await response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 byte order mark for Excel"
    reader = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    header, *rows = list(reader)
    assert tuple(header) == CSV_HEADER
    return response, [dict(zip(header, row, strict=True)) for row in rows]


async def _bundle(client: Client, child_id: int, **query: str) -> dict[str, Any]:
    response = await client.get(_url(child_id, "export.fhir.json", **query))
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    document: dict[str, Any] = json.loads(await response.get_data(as_text=True))
    Bundle.model_validate(document)  # raises on anything R4(B) does not allow
    return document


def _resources(document: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (entry["fullUrl"], entry["resource"])
        for entry in document["entry"]
        if entry["resource"]["resourceType"] == kind
    ]


# --- CSV -----------------------------------------------------------------------------


async def test_csv_has_one_row_per_report_with_readable_values(
    db: Database, people: People, nurse_client: Client
) -> None:
    record = await build_record(db, people)
    response, rows = await _csv(nurse_client, people.child_id)
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"patient-{PATIENT_NUMBER}" in disposition
    assert "Sam" not in disposition
    assert [row["report_id"] for row in rows] == [
        record.fever,
        record.correction,
        record.weighed,
        record.past_midnight,
    ]
    assert {row["patient_number"] for row in rows} == {PATIENT_NUMBER}
    assert {row["child"] for row in rows} == {"Sam"}
    fever, correction, weighed, past_midnight = rows
    assert fever["observed_at"] == "2027-02-20T08:30:00+01:00"
    assert fever["received_at"].startswith("2027-03-15T12:0") and fever["received_at"].endswith(
        "+01:00"
    )
    assert (fever["temperature"], fever["pain"], fever["breathing"]) == (
        "38.6",
        "3",
        "Hard to breathe",
    )
    assert fever["weight"] == "" and fever["vomiting"] == ""
    assert fever["level"] == "red" and fever["reported_by"] == "Parent"
    assert (fever["reviewed_by"], fever["outcome"]) == ("Nurse", "Phoned the family")
    assert fever["reviewed_at"].startswith("2027-03-15T12:0")
    assert (
        fever["replies"].startswith("Nurse (2027-03-15T12:0")
        and "Give paracetamol" in fever["replies"]
    )
    assert correction["corrects"] == record.fever and correction["temperature"] == "37.6"
    assert correction["reviewed_by"] == "" and correction["replies"] == ""
    assert (weighed["weight"], weighed["pain"]) == ("18.4", "0")
    assert (
        past_midnight["observed_at"] == "2027-03-10T00:30:00+01:00"
        and past_midnight["vomiting"] == "Some"
    )


async def test_csv_neutralises_formulas(db: Database, people: People, nurse_client: Client) -> None:
    await build_record(db, people)
    _, rows = await _csv(nurse_client, people.child_id)
    fever, _, weighed, past_midnight = rows
    assert fever["note"] == """'=HYPERLINK("https://evil.example","x")"""
    assert weighed["note"] == "'+1 more nappy"
    assert past_midnight["note"] == "Ate little"
    # Every cell of every row: nothing a spreadsheet would run.
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values()
    )


@pytest.mark.parametrize("text", ["=1+1", "+31 6", "-2", "@SUM(A1)", "\tTAB", "\rCR"])
def test_safe_cell_prefixes_formula_starts(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["", "38.6", "Hard to breathe", "2027-02-20T08:30:00+01:00", "a=b"]
)
def test_safe_cell_leaves_plain_text_alone(text: str) -> None:
    assert safe_cell(text) == text


async def test_csv_without_patient_number_names_the_file_by_child_id(
    db: Database, people: People, nurse_client: Client
) -> None:
    await _report(db, people, datetime(2027, 3, 1, 9, 0, tzinfo=AMS), {"pain": 2})
    response, rows = await _csv(nurse_client, people.child_id)
    assert f"child-{people.child_id}" in response.headers["Content-Disposition"]
    assert len(rows) == 1 and rows[0]["patient_number"] == "" and rows[0]["pain"] == "2"


async def test_an_empty_record_exports_a_header_only_and_a_patient_only(
    people: People, nurse_client: Client
) -> None:
    _, rows = await _csv(nurse_client, people.child_id)
    assert rows == []
    document = await _bundle(nurse_client, people.child_id)
    assert [entry["resource"]["resourceType"] for entry in document["entry"]] == ["Patient"]
    assert "identifier" not in document["entry"][0]["resource"]


# --- date range ------------------------------------------------------------------------


async def test_date_range_uses_local_calendar_days(
    db: Database, people: People, nurse_client: Client
) -> None:
    record = await build_record(db, people)
    # 00:30 on 10 March in Amsterdam is 23:30 on 9 March in UTC: it belongs to the 10th.
    _, rows = await _csv(
        nurse_client, people.child_id, **{"from": "2027-03-10", "to": "2027-03-10"}
    )
    assert [row["report_id"] for row in rows] == [record.past_midnight]
    _, rows = await _csv(nurse_client, people.child_id, **{"to": "2027-03-09"})
    assert [row["report_id"] for row in rows] == [record.fever, record.correction, record.weighed]
    _, rows = await _csv(nurse_client, people.child_id, **{"from": "2027-02-21"})
    assert [row["report_id"] for row in rows] == [record.weighed, record.past_midnight]
    _, rows = await _csv(nurse_client, people.child_id, **{"from": "", "to": ""})
    assert len(rows) == 4

    document = await _bundle(
        nurse_client, people.child_id, **{"from": "2027-02-20", "to": "2027-03-01"}
    )
    responses = [
        resource["identifier"]["value"]
        for _, resource in _resources(document, "QuestionnaireResponse")
    ]
    assert responses == [
        f"urn:uuid:{uid}" for uid in (record.fever, record.correction, record.weighed)
    ]
    # Only the visit of 15 to 21 February overlaps these days.
    assert [resource["start"] for _, resource in _resources(document, "Appointment")] == [
        "2027-02-15T09:00:00+01:00"
    ]

    page = await (
        await nurse_client.get(
            _url(people.child_id, "print", **{"from": "2027-03-10", "to": "2027-03-10"})
        )
    ).get_data(as_text=True)
    assert "Ate little" in page and "HYPERLINK" not in page and "18.4" not in page
    assert "No visits in this period." in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2027-13-01"}, "The start date must be a date"),
        ({"from": "31-01-2027"}, "The start date must be a date"),
        ({"to": "2027-1-5"}, "The end date must be a date"),
        ({"to": "20270105"}, "The end date must be a date"),
        ({"from": "2027-03-02", "to": "2027-03-01"}, "The start date is after the end date."),
    ],
)
async def test_bad_dates_are_refused_with_a_message(
    db: Database,
    people: People,
    nurse_client: Client,
    query: dict[str, str],
    message: str,
) -> None:
    for export in EXPORTS:
        response = await nurse_client.get(_url(people.child_id, export, **query))
        assert response.status_code == 400, export
        body = await response.get_data(as_text=True)
        assert message in body, export
        if export == "export.fhir.json":
            outcome = json.loads(body)
            assert (
                outcome["resourceType"] == "OperationOutcome"
                and outcome["issue"][0]["severity"] == "error"
            )
    assert await db.fetch_all("SELECT id FROM audit_log WHERE action LIKE 'export.%'") == []


# --- FHIR ------------------------------------------------------------------------------


async def test_fhir_bundle_validates_and_carries_codes_units_and_times(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    record = await build_record(db, people)
    document = await _bundle(nurse_client, people.child_id)
    assert document["resourceType"] == "Bundle" and document["type"] == "collection"
    urls = [entry["fullUrl"] for entry in document["entry"]]
    assert all(
        url.startswith("urn:uuid:") and uuid.UUID(url.removeprefix("urn:uuid:")) for url in urls
    )
    assert len(urls) == len(set(urls))

    [(patient_url, patient)] = _resources(document, "Patient")
    assert patient["identifier"][0]["system"] == "urn:immuno-companion:patient-number"
    assert patient["identifier"][0]["value"] == PATIENT_NUMBER
    assert patient["name"][0]["given"] == ["Sam"] and patient["birthDate"] == "2019-05-31"

    appointments = [resource for _, resource in _resources(document, "Appointment")]
    assert [a["status"] for a in appointments] == [
        "fulfilled",
        "booked",
        "cancelled",
        "booked",
        "booked",
    ]
    assert appointments[0]["start"] == "2027-01-11T09:00:00+01:00"
    # The third stay crosses the change to summer time (28 March 2027): its end is +02:00.
    visits = await plans.select_visits(db, (await plans.select_plan(db, people.child_id)).id)  # type: ignore[union-attr]
    assert [a["end"] for a in appointments] == [
        v.ends_at.isoformat(timespec="seconds") for v in visits
    ]
    assert appointments[2]["start"].endswith("+01:00") and appointments[2]["end"].endswith("+02:00")
    assert appointments[4]["start"] == "2027-05-31T09:00:00+02:00"
    assert all(a["participant"][0]["actor"]["reference"] == patient_url for a in appointments)
    # fhir.resources checks structure and types, not code values: check those against R4.
    assert {p["status"] for a in appointments for p in a["participant"]} <= {
        "accepted",
        "declined",
        "tentative",
        "needs-action",
    }
    assert appointments[0]["serviceType"][0]["text"] == "Hospital stay"
    # The kind's stable key, for a system that maps appointment types to it.
    [coding] = appointments[0]["serviceType"][0]["coding"]
    assert (coding["code"], coding["display"]) == ("admission", "Hospital stay")
    assert coding["system"].endswith("/fhir/CodeSystem/visit-kind")

    responses = {
        resource["identifier"]["value"].removeprefix("urn:uuid:"): (url, resource)
        for url, resource in _resources(document, "QuestionnaireResponse")
    }
    assert list(responses) == [
        record.fever,
        record.correction,
        record.weighed,
        record.past_midnight,
    ]
    fever_url, fever = responses[record.fever]
    # The family corrected the fever report: it stays, withdrawn (see the Hazard H6 tests).
    assert fever["status"] == "entered-in-error"
    assert fever["authored"] == "2027-02-20T08:30:00+01:00"
    assert responses[record.weighed][1]["status"] == "completed"
    assert fever["subject"]["reference"] == patient_url
    assert fever["questionnaire"] == "https://localhost/fhir/Questionnaire/symptom-diary"
    answers = {item["linkId"]: item["answer"][0] for item in fever["item"]}
    assert answers["pain"] == {"valueInteger": 3}
    assert answers["temperature"] == {"valueDecimal": 38.6}
    assert answers["breathing"]["valueCoding"]["code"] == "hard"
    assert answers["breathing"]["valueCoding"]["display"] == "Hard to breathe"
    assert answers["note"] == {"valueString": '=HYPERLINK("https://evil.example","x")'}
    assert answers["level"]["valueCoding"]["code"] == "red"
    correction_answers = {
        item["linkId"]: item["answer"][0] for item in responses[record.correction][1]["item"]
    }
    assert (
        correction_answers["corrects"]["valueReference"]["identifier"]["value"]
        == f"urn:uuid:{record.fever}"
    )

    observations = [resource for _, resource in _resources(document, "Observation")]
    by_code: dict[str, list[dict[str, Any]]] = {}
    for observation in observations:
        coding = observation["code"]["coding"][0]
        assert coding["system"] == "http://loinc.org"
        by_code.setdefault(coding["code"], []).append(observation)
        assert observation["status"] in {"final", "corrected", "entered-in-error"}
        assert observation["subject"]["reference"] == patient_url
        assert observation["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    assert sorted((code, len(found)) for code, found in by_code.items()) == [
        ("29463-7", 1),
        ("72514-3", 2),
        ("8310-5", 2),
    ]
    temperature = by_code["8310-5"][0]
    assert temperature["valueQuantity"] == {
        "value": 38.6,
        "unit": "Cel",
        "system": "http://unitsofmeasure.org",
        "code": "Cel",
    }
    assert temperature["effectiveDateTime"] == "2027-02-20T08:30:00+01:00"
    assert temperature["derivedFrom"] == [{"reference": fever_url, "type": "QuestionnaireResponse"}]
    assert temperature["category"][0]["coding"][0]["code"] == "vital-signs"
    assert by_code["8310-5"][1]["valueQuantity"]["value"] == 37.6
    pain = by_code["72514-3"][0]
    assert pain["valueQuantity"]["value"] == 3 and pain["valueQuantity"]["code"] == "{score}"
    assert pain["derivedFrom"][0]["reference"] == fever_url
    weight = by_code["29463-7"][0]
    assert weight["valueQuantity"]["value"] == 18.4 and weight["valueQuantity"]["code"] == "kg"
    assert weight["category"][0]["coding"][0]["code"] == "vital-signs"
    assert weight["effectiveDateTime"] == "2027-03-01T19:00:00+01:00"

    # Every reference points at an entry of this bundle.
    references = [
        value
        for resource in (entry["resource"] for entry in document["entry"])
        for value in _references(resource)
    ]
    assert references and set(references) <= set(urls)
    # Exporting again gives the same ids, so the receiving system recognises them.
    again = await _bundle(nurse_client, people.child_id)
    assert [entry["fullUrl"] for entry in again["entry"]] == urls


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "reference":
                yield inner
            else:
                yield from _references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _references(inner)


async def test_the_validator_refuses_a_broken_bundle(
    db: Database, people: People, nurse_client: Client
) -> None:
    await build_record(db, people)
    document = await _bundle(nurse_client, people.child_id)
    observation = next(
        entry["resource"]
        for entry in document["entry"]
        if entry["resource"]["resourceType"] == "Observation"
    )
    observation["valueQuantity"]["value"] = "thirty-eight"
    with pytest.raises(ValidationError):
        Bundle.model_validate(document)
    del observation["valueQuantity"]
    observation["valueTemperature"] = 38.6  # no such element in R4
    with pytest.raises(ValidationError):
        Bundle.model_validate(document)


async def test_patient_number_system_is_a_setting(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    await _set_patient_number(db, people.child_id, PATIENT_NUMBER)
    app.config["FHIR_PATIENT_NUMBER_SYSTEM"] = "urn:oid:2.16.528.1.9999.1"
    document = await _bundle(nurse_client, people.child_id)
    [(_, patient)] = _resources(document, "Patient")
    assert patient["identifier"] == [
        {
            "use": "usual",
            "type": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                        "code": "MR",
                        "display": "Medical record number",
                    }
                ]
            },
            "system": "urn:oid:2.16.528.1.9999.1",
            "value": PATIENT_NUMBER,
        }
    ]


# --- printable report ----------------------------------------------------------------------


async def test_print_page_shows_the_record(
    db: Database, people: People, nurse_client: Client
) -> None:
    await build_record(db, people)
    response = await nurse_client.get(_url(people.child_id, "print"))
    assert response.status_code == 200
    page = await response.get_data(as_text=True)
    for text in (
        PATIENT_NUMBER,
        "Sam",
        "The whole record",
        "Course 3: Hospital stay",
        "Cancelled",
        "Done",
        "38.6 °C",
        "37.6 °C",
        "18.4 kg",
        "3 / 10",
        "Hard to breathe",
        "Ate little",
        "HYPERLINK",
        "Reviewed by Nurse",
        "Phoned the family",
        "Give paracetamol",
        "corrects the report of 20 Feb 2027 08:30",
        "Superseded: do not use",
        "Not reviewed yet",
    ):
        assert text in page, text
    assert 'class="print-report"' in page
    assert "/static/js/print.js?v=" in page and "data-print" in page
    # Strict CSP: no inline script or style.
    assert "<script>" not in page and "style=" not in page and "<style" not in page
    ranged = await (
        await nurse_client.get(
            _url(people.child_id, "print", **{"from": "2027-02-20", "to": "2027-03-01"})
        )
    ).get_data(as_text=True)
    assert "20 Feb 2027 to 1 Mar 2027" in ranged and "Ate little" not in ranged


async def test_print_stylesheet_hides_the_controls(app: Quart) -> None:
    client = app.test_client()
    css = await (await client.get("/static/css/app.css")).get_data(as_text=True)
    print_block = css.split("@media print", 1)[1].split("\n}\n", 1)[0]
    assert ".no-print" in print_block and ".print-report thead" in print_block
    script = await (await client.get("/static/js/print.js")).get_data(as_text=True)
    assert "window.print()" in script


async def test_child_page_links_the_exports(people: People, nurse_client: Client) -> None:
    page = await (await nurse_client.get(f"/nurse/children/{people.child_id}")).get_data(
        as_text=True
    )
    assert f'action="/nurse/children/{people.child_id}/print"' in page
    assert f'formaction="/nurse/children/{people.child_id}/export.csv"' in page
    assert f'formaction="/nurse/children/{people.child_id}/export.fhir.json"' in page
    assert 'name="from"' in page and 'name="to"' in page


# --- audit and access ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("export", "action"),
    [("export.csv", "export.csv"), ("export.fhir.json", "export.fhir"), ("print", "export.print")],
)
async def test_every_export_writes_one_audit_row(
    db: Database, people: People, nurse_client: Client, export: str, action: str
) -> None:
    await build_record(db, people)
    response = await nurse_client.get(
        _url(people.child_id, export, **{"from": "2027-02-01", "to": "2027-02-28"})
    )
    assert response.status_code == 200
    rows = await db.fetch_all(
        "SELECT actor_id, action, child_id, detail FROM audit_log WHERE action LIKE 'export.%'"
    )
    assert [(row["actor_id"], row["action"], row["child_id"]) for row in rows] == [
        (people.nurse_id, action, people.child_id)
    ]
    assert rows[0]["detail"] == "2027-02-01..2027-02-28; 2 reports, 0 doses"


@pytest.mark.parametrize("export", EXPORTS)
async def test_caregivers_are_refused_and_strangers_sent_to_sign_in(
    app: Quart, db: Database, people: People, family_client: Client, export: str
) -> None:
    for child_id in (people.child_id, people.other_child_id, 999999):
        response = await family_client.get(_url(child_id, export))
        assert response.status_code == 403
        assert "Sam" not in await response.get_data(as_text=True)
    anonymous = await app.test_client().get(_url(people.child_id, export))
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login?next=")
    assert await db.fetch_all("SELECT id FROM audit_log WHERE action LIKE 'export.%'") == []


@pytest.mark.parametrize("export", EXPORTS)
async def test_a_missing_child_is_404(db: Database, nurse_client: Client, export: str) -> None:
    assert (await nurse_client.get(_url(999999, export))).status_code == 404
    assert (await nurse_client.get(_url(999999, export, **{"from": "bad"}))).status_code == 404
    assert await db.fetch_all("SELECT id FROM audit_log WHERE action LIKE 'export.%'") == []


async def test_an_admin_may_export_too(app: Quart, people: People) -> None:
    client = app.test_client()
    await sign_in(client, "admin@example.org", staff=True)
    assert (await client.get(_url(people.child_id, "export.csv"))).status_code == 200


# --- corrections: a superseded value never looks current (Hazard H6) ---------------------

WEIGHED_AT = datetime(2027, 3, 14, 8, 20, tzinfo=AMS)
CURRENT_STATUSES = {"final", "amended", "corrected"}  # R4: a valid result


async def _corrected_weight(db: Database, people: People) -> tuple[str, str]:
    """The family typed 26.1 kg, then corrected it to 21.6 kg (docs/api.md, "Corrected reports")."""
    typo = await _report(db, people, WEIGHED_AT, {"weight": 26.1, "pain": 1})
    fixed = await _report(
        db, people, WEIGHED_AT, {"weight": 21.6, "pain": 1}, note="typed wrong", corrects=typo
    )
    return typo, fixed


def _weights(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (url, resource)
        for url, resource in _resources(document, "Observation")
        if resource["code"]["coding"][0]["code"] == "29463-7"
    ]


async def test_fhir_has_one_current_weight_after_a_correction(
    db: Database, people: People, nurse_client: Client
) -> None:
    """Hazard H6: a corrected weight (26.1 -> 21.6 kg) is exported once as valid; the
    superseded 26.1 is withdrawn (entered-in-error) and the replacement points at it."""
    typo, fixed = await _corrected_weight(db, people)
    document = await _bundle(nurse_client, people.child_id)  # validates with R4B models

    weights = {
        resource["valueQuantity"]["value"]: (url, resource) for url, resource in _weights(document)
    }
    assert set(weights) == {26.1, 21.6}
    current = [r for _, r in weights.values() if r["status"] in CURRENT_STATUSES]
    assert [r["valueQuantity"]["value"] for r in current] == [21.6]
    old_url, old = weights[26.1]
    new_url, new = weights[21.6]
    assert old["status"] == "entered-in-error" and new["status"] == "corrected"
    assert fixed in old["note"][0]["text"] and "Do not use this value" in old["note"][0]["text"]
    assert "note" not in new

    responses = {
        resource["identifier"]["value"].removeprefix("urn:uuid:"): (url, resource)
        for url, resource in _resources(document, "QuestionnaireResponse")
    }
    typo_url, typo_response = responses[typo]
    fixed_url, fixed_response = responses[fixed]
    assert typo_response["status"] == "entered-in-error"
    assert fixed_response["status"] == "amended"
    [corrects] = [item for item in fixed_response["item"] if item["linkId"] == "corrects"]
    assert corrects["answer"][0]["valueReference"]["reference"] == typo_url

    def derived_from(response_url: str) -> set[str]:
        return {
            url
            for url, resource in _resources(document, "Observation")
            if resource["derivedFrom"][0]["reference"] == response_url
        }

    [(_, provenance)] = _resources(document, "Provenance")
    assert new_url in derived_from(fixed_url) and old_url in derived_from(typo_url)
    targets = {target["reference"] for target in provenance["target"]}
    assert targets == {fixed_url} | derived_from(fixed_url)
    assert {entity["role"] for entity in provenance["entity"]} == {"revision"}
    revised = {entity["what"]["reference"] for entity in provenance["entity"]}
    assert revised == {typo_url} | derived_from(typo_url)
    urls = {entry["fullUrl"] for entry in document["entry"]}
    assert set(_references(document)) <= urls


async def test_only_the_newest_of_a_chain_of_corrections_is_current(
    db: Database, people: People, nurse_client: Client
) -> None:
    """Hazard H6: corrections of a correction, and a second correction of the same
    report, leave exactly one current weight in FHIR, CSV and the charts."""
    typo, fixed = await _corrected_weight(db, people)
    await _report(db, people, WEIGHED_AT, {"weight": 21.9, "pain": 1}, corrects=fixed)
    # The family corrects the original once more, from its own page: newest wins.
    last = await _report(db, people, WEIGHED_AT, {"weight": 21.7, "pain": 1}, corrects=typo)

    document = await _bundle(nurse_client, people.child_id)
    statuses = {r["valueQuantity"]["value"]: r["status"] for _, r in _weights(document)}
    assert statuses == {
        26.1: "entered-in-error",
        21.6: "entered-in-error",
        21.9: "entered-in-error",
        21.7: "corrected",
    }
    _, rows = await _csv(nurse_client, people.child_id)
    status = {row["weight"]: row["status"] for row in rows}
    assert status == {
        "26.1": f"superseded by {last}",
        "21.6": f"superseded by {last}",
        "21.9": f"superseded by {last}",
        "21.7": f"current, corrects {typo}",
    }
    page = await (await nurse_client.get(f"/nurse/children/{people.child_id}")).get_data(
        as_text=True
    )
    assert "21.7 kg" in page
    assert all(f"{value} kg" not in page for value in ("26.1", "21.6", "21.9"))


async def test_csv_marks_the_superseded_and_the_correcting_row(
    db: Database, people: People, nurse_client: Client
) -> None:
    """Hazard H6: the CSV says which row is superseded and by what, and which corrects
    which, even when the correction lies outside the exported dates."""
    typo, fixed = await _corrected_weight(db, people)
    _, rows = await _csv(nurse_client, people.child_id)
    by_id = {row["report_id"]: row for row in rows}
    assert by_id[typo]["status"] == f"superseded by {fixed}"
    assert by_id[typo]["superseded_by"] == fixed and by_id[typo]["corrects"] == ""
    assert by_id[fixed]["status"] == f"current, corrects {typo}"
    assert by_id[fixed]["superseded_by"] == "" and by_id[fixed]["corrects"] == typo

    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE report SET observed_at = :later WHERE client_uuid = :uuid",
            {"later": "2027-03-15T07:00:00+00:00", "uuid": fixed},
        )
    _, rows = await _csv(nurse_client, people.child_id, **{"to": "2027-03-14"})
    assert [(row["report_id"], row["status"]) for row in rows] == [(typo, f"superseded by {fixed}")]
    document = await _bundle(nurse_client, people.child_id, **{"to": "2027-03-14"})
    assert [r["status"] for _, r in _weights(document)] == ["entered-in-error"]
    # The correction without the report it corrects: referred to by identifier only.
    document = await _bundle(nurse_client, people.child_id, **{"from": "2027-03-15"})
    assert [r["status"] for _, r in _weights(document)] == ["corrected"]
    [(_, provenance)] = _resources(document, "Provenance")
    assert [entity["what"] for entity in provenance["entity"]] == [
        {
            "type": "QuestionnaireResponse",
            "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{typo}"},
        }
    ]


async def test_print_marks_the_superseded_row_in_words_and_strikes_it(
    db: Database, people: People, nurse_client: Client
) -> None:
    """Hazard H6: the printable report marks both rows; the superseded values are struck
    through and say "Superseded" in words, not only by colour."""
    await _corrected_weight(db, people)
    page = await (await nurse_client.get(_url(people.child_id, "print"))).get_data(as_text=True)
    rows = page.split('<tr class="print-report__row ')[1:]
    [old] = [row for row in rows if "26.1 kg" in row]
    [new] = [row for row in rows if "21.6 kg" in row]
    assert "print-report__row--superseded" in old and "print-report__row--superseded" not in new
    assert "Superseded: do not use" in old and "corrected by the report sent" in old
    assert 'class="superseded-values"' in old.split("26.1 kg")[0]
    assert "Correction: current values" in new and "corrects the report of 14 Mar 2027" in new
    assert "Superseded" not in new
    css = await (await nurse_client.get("/static/css/app.css")).get_data(as_text=True)
    assert ".superseded-values { color: var(--muted); text-decoration: line-through; }" in css


async def test_family_download_marks_the_superseded_report(
    db: Database, people: People, family_client: Client
) -> None:
    """Hazard H6: the family's own data download carries the same marks."""
    typo, fixed = await _corrected_weight(db, people)
    response = await family_client.get("/settings/data/export.fhir.json")
    assert response.status_code == 200
    document = json.loads(await response.get_data(as_text=True))
    Bundle.model_validate(document)
    assert {r["valueQuantity"]["value"]: r["status"] for _, r in _weights(document)} == {
        26.1: "entered-in-error",
        21.6: "corrected",
    }
    body = (await (await family_client.get("/settings/data/export.csv")).get_data()).decode(
        "utf-8-sig"
    )
    assert f"superseded by {fixed}" in body and f"current, corrects {typo}" in body
