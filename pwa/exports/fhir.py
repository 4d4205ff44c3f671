"""One child's record as a FHIR R4 Bundle (type ``collection``) for the medical record.

Patient, an Appointment per visit, a QuestionnaireResponse per report, Observations
for temperature, pain and weight (LOINC codes in docs/api.md), and a Provenance per
correction (``revisions``: a superseded report is never exported as valid), and a
MedicationAdministration per dose noted at home (``doses``). Every entry's fullUrl is
a ``urn:uuid:`` derived (uuid5) from our own ids, so exporting twice gives the same ids and
the receiving system can recognise what it already has. Resources are built as plain
JSON; the tests validate them with the ``fhir.resources`` R4B models.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ..diary.items import BY_KEY
from ..diary.store import Report
from ..families.store import Child
from ..plans.calendar import summary
from ..plans.formatting import kind_label
from ..plans.store import Visit
from . import doses, revisions
from .record import ChildRecord, ExportedReport, local_iso

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
MEDIA_TYPE = "application/fhir+json"

APPOINTMENT_STATUS = {
    "planned": "booked",
    "confirmed": "booked",
    "changed": "booked",
    "completed": "fulfilled",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class Measured:
    """A diary item that also becomes an Observation."""

    loinc: str
    display: str
    unit: str  # UCUM code, also used as the unit text
    category: str
    category_display: str


MEASURED = {
    "temperature": Measured("8310-5", "Body temperature", "Cel", "vital-signs", "Vital Signs"),
    "pain": Measured(
        "72514-3",
        "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        "{score}",
        "survey",
        "Survey",
    ),
    "weight": Measured("29463-7", "Body weight", "kg", "vital-signs", "Vital Signs"),
}


class Ids:
    """Stable ``urn:uuid:`` full URLs, derived from our ids within this deployment."""

    def __init__(self, base_url: str) -> None:
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, base_url)

    def __call__(self, *parts: object) -> str:
        return f"urn:uuid:{uuid.uuid5(self.namespace, '/'.join(str(part) for part in parts))}"


QUESTIONNAIRE_ID = "symptom-diary"


def questionnaire_url(base_url: str) -> str:
    """The canonical URL of our diary questionnaire; the FHIR API answers it (pwa/fhir/)."""
    return f"{base_url}/fhir/Questionnaire/{QUESTIONNAIRE_ID}"


def answer_system(base_url: str, key: str) -> str:
    return f"{base_url}/fhir/CodeSystem/diary-{key}"


def visit_kind_system(base_url: str) -> str:
    """The code system of the admin's kinds of visit (their keys never change): what
    Appointment's serviceType carries, and what the EHR may send back when it books a visit."""
    return f"{base_url}/fhir/CodeSystem/visit-kind"


def level_system(base_url: str) -> str:
    return f"{base_url}/fhir/CodeSystem/red-flag-level"


def bundle(record: ChildRecord, *, base_url: str, patient_number_system: str) -> dict[str, Any]:
    base_url = base_url.rstrip("/")
    ids = Ids(base_url)
    patient_url = ids("Patient", record.child.id)
    entries: list[dict[str, Any]] = [
        {"fullUrl": patient_url, "resource": patient(record.child, patient_number_system)}
    ]
    for visit in record.visits:
        entries.append(
            {
                "fullUrl": ids("Appointment", visit.uid),
                "resource": appointment(visit, patient_url, base_url),
            }
        )
    by_uuid = {exported.report.client_uuid: exported for exported in record.reports}

    def observation_urls(report: Report) -> list[str]:
        return [
            ids("Observation", report.client_uuid, key) for key in MEASURED if key in report.items
        ]

    for exported in record.reports:
        report = exported.report
        response_url = ids("QuestionnaireResponse", report.client_uuid)
        corrected = None
        if report.corrects_uuid:
            corrected = revisions.reference_to_report(
                report.corrects_uuid,
                ids("QuestionnaireResponse", report.corrects_uuid),
                report.corrects_uuid in by_uuid,
            )
        entries.append(
            {
                "fullUrl": response_url,
                "resource": questionnaire_response(exported, patient_url, base_url, corrected),
            }
        )
        for key, measured in MEASURED.items():
            if key in report.items:
                entries.append(
                    {
                        "fullUrl": ids("Observation", report.client_uuid, key),
                        "resource": observation(exported, key, measured, patient_url, response_url),
                    }
                )
        if corrected is not None:
            old = by_uuid.get(report.corrects_uuid or "")
            old_observations = [
                {"reference": url, "type": "Observation"}
                for url in (observation_urls(old.report) if old else [])
            ]
            entries.append(
                {
                    "fullUrl": ids("Provenance", report.client_uuid),
                    "resource": revisions.provenance(
                        exported,
                        [response_url, *observation_urls(report)],
                        [corrected, *old_observations],
                    ),
                }
            )
    per_slot = doses.records_per_slot(record.doses)
    for dose in record.doses:
        entries.append(
            {
                "fullUrl": ids("MedicationAdministration", dose.client_uuid),
                "resource": doses.administration(
                    dose,
                    record.medicines.get(dose.medicine_id or 0),
                    patient_url=patient_url,
                    base_url=base_url,
                    records_for_slot=per_slot[dose.slot],
                ),
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": local_iso(record.made_at),
        "entry": entries,
    }


def patient(child: Child, patient_number_system: str) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient"}
    if child.hospital_number:
        patient["identifier"] = [
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
                "system": patient_number_system,
                "value": child.hospital_number,
            }
        ]
    # The app knows a first name or nickname only (data minimisation, docs/privacy.md).
    patient["name"] = [{"use": "nickname", "text": child.nickname, "given": [child.nickname]}]
    patient["birthDate"] = child.birth_date.isoformat()
    return patient


def appointment(visit: Visit, patient_url: str, base_url: str) -> dict[str, Any]:
    kind = str(kind_label(visit))
    participants: list[dict[str, Any]] = [
        {"actor": {"reference": patient_url, "type": "Patient"}, "status": "accepted"}
    ]
    if visit.location:
        participants.append(
            {"actor": {"type": "Location", "display": visit.location}, "status": "accepted"}
        )
    return {
        "resourceType": "Appointment",
        "status": APPOINTMENT_STATUS[visit.status],
        "serviceType": [
            {
                "coding": [
                    {"system": visit_kind_system(base_url), "code": visit.kind, "display": kind}
                ],
                "text": kind,
            }
        ],
        "description": summary(visit),
        "start": visit.starts_at.isoformat(timespec="seconds"),
        "end": visit.ends_at.isoformat(timespec="seconds"),
        "participant": participants,
    }


def _answer(key: str, value: Any, base_url: str) -> dict[str, Any]:
    item = BY_KEY.get(key)
    if item is None:
        return {"valueString": str(value)}
    if item.kind == "scale":
        return {"valueInteger": int(value)}
    if item.kind == "number":
        return {"valueDecimal": float(value)}
    return {
        "valueCoding": {
            "system": answer_system(base_url, key),
            "code": str(value),
            "display": str(dict(item.choices).get(value, value)),
        }
    }


def questionnaire_response(
    exported: ExportedReport,
    patient_url: str,
    base_url: str,
    corrected: dict[str, Any] | None,
) -> dict[str, Any]:
    report = exported.report
    items: list[dict[str, Any]] = []
    for key, value in report.items.items():
        item = BY_KEY.get(key)
        items.append(
            {
                "linkId": key,
                "text": str(item.label) if item else key,
                "answer": [_answer(key, value, base_url)],
            }
        )
    if report.note:
        items.append({"linkId": "note", "answer": [{"valueString": report.note}]})
    items.append(
        {
            "linkId": "level",
            "answer": [{"valueCoding": {"system": level_system(base_url), "code": report.level}}],
        }
    )
    if corrected is not None:
        items.append({"linkId": "corrects", "answer": [{"valueReference": corrected}]})
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": revisions.RFC_3986, "value": f"urn:uuid:{report.client_uuid}"},
        "questionnaire": questionnaire_url(base_url),
        "status": revisions.response_status(exported),
        "subject": {"reference": patient_url, "type": "Patient"},
        "authored": local_iso(report.observed_at),
        "item": items,
    }
    if report.author_name:
        response["author"] = {"type": "RelatedPerson", "display": report.author_name}
    return response


def observation(
    exported: ExportedReport, key: str, measured: Measured, patient_url: str, response_url: str
) -> dict[str, Any]:
    report = exported.report
    value = report.items[key]
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "status": revisions.observation_status(exported),
        "category": [
            {
                "coding": [
                    {
                        "system": CATEGORY_SYSTEM,
                        "code": measured.category,
                        "display": measured.category_display,
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": LOINC, "code": measured.loinc, "display": measured.display}],
            "text": measured.display,
        },
        "subject": {"reference": patient_url, "type": "Patient"},
        "effectiveDateTime": local_iso(report.observed_at),
        "issued": local_iso(report.received_at),
        "valueQuantity": {
            "value": int(value) if key == "pain" else float(value),
            "unit": measured.unit,
            "system": UCUM,
            "code": measured.unit,
        },
        "derivedFrom": [{"reference": response_url, "type": "QuestionnaireResponse"}],
    }
    note = revisions.superseded_note(exported)
    if note:
        observation["note"] = note
    return observation


def operation_outcome(message: str) -> dict[str, Any]:
    """A FHIR error body, for a request the export cannot answer."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": message}],
    }
