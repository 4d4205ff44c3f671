"""The FHIR API's resources: the export's own builders (pwa/exports/fhir.py), each given a
server id and references between resources as ``Type/id``, plus what only the API has:
Flag (a red or amber report not yet reviewed), the diary Questionnaire, the
CapabilityStatement and the SMART configuration.

Ids: Patient is the child's id, Appointment the visit's id, QuestionnaireResponse and Flag
the report's UUID, Observation the report's UUID and the item (``<uuid>-temperature``).
"""

from __future__ import annotations

from typing import Any

from ..diary.items import ITEMS
from ..diary.store import Report
from ..exports import fhir as export
from ..exports import revisions
from ..exports.record import ExportedReport, local_iso
from ..families.store import Child
from ..i18n import gettext
from ..plans.store import Visit
from ..redflags.rules import LEVELS
from . import clients

FHIR_VERSION = "4.0.1"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"
READ_TYPES = (
    "Patient",
    "Appointment",
    "QuestionnaireResponse",
    "Observation",
    "Flag",
    "Questionnaire",
)
QUESTION_TYPES = {"scale": "integer", "number": "decimal", "choice": "choice"}


def reference(resource_type: str, id: object) -> str:
    return f"{resource_type}/{id}"


def patient(child: Child, number_system: str) -> dict[str, Any]:
    return {**export.patient(child, number_system), "id": str(child.id)}


def visit_identifier_system(base_url: str) -> str:
    """Our own identifier of a visit (its calendar UID)."""
    return f"{base_url}/fhir/sid/visit"


def appointment(
    visit: Visit, base_url: str, imported: tuple[str, str] | None = None
) -> dict[str, Any]:
    """A visit; ``imported`` is the EHR's own identifier (system, value) when it booked it."""
    identifiers = [{"system": visit_identifier_system(base_url), "value": visit.uid}]
    if imported is not None:
        identifiers.insert(0, {"system": imported[0], "value": imported[1]})
    resource = export.appointment(visit, reference("Patient", visit.child_id), base_url)
    return {**resource, "id": str(visit.id), "identifier": identifiers}


def questionnaire_response(exported: ExportedReport, base_url: str) -> dict[str, Any]:
    report = exported.report
    corrected = None
    if report.corrects_uuid:
        corrected = revisions.reference_to_report(
            report.corrects_uuid, reference("QuestionnaireResponse", report.corrects_uuid), True
        )
    resource = export.questionnaire_response(
        exported, reference("Patient", report.child_id), base_url, corrected
    )
    return {**resource, "id": report.client_uuid}


def observation_id(report: Report, key: str) -> str:
    return f"{report.client_uuid}-{key}"


def observations(exported: ExportedReport) -> list[dict[str, Any]]:
    """The report's measured values (temperature, pain, weight), one Observation each."""
    report = exported.report
    return [
        {
            **export.observation(
                exported,
                key,
                measured,
                reference("Patient", report.child_id),
                reference("QuestionnaireResponse", report.client_uuid),
            ),
            "id": observation_id(report, key),
        }
        for key, measured in export.MEASURED.items()
        if key in report.items
    ]


def flag(report: Report, base_url: str, *, waiting: bool) -> dict[str, Any]:
    """A red or amber report: ``active`` while no nurse has reviewed it."""
    words = {
        "red": gettext("Red report from the family, not yet reviewed"),
        "amber": gettext("Amber report from the family, not yet reviewed"),
    }
    return {
        "resourceType": "Flag",
        "id": report.client_uuid,
        "extension": [
            {
                "url": FLAG_DETAIL,
                "valueReference": {
                    "reference": reference("QuestionnaireResponse", report.client_uuid),
                    "type": "QuestionnaireResponse",
                },
            }
        ],
        "identifier": [{"system": revisions.RFC_3986, "value": f"urn:uuid:{report.client_uuid}"}],
        "status": "active" if waiting else "inactive",
        "category": [
            {"coding": [{"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}]}
        ],
        "code": {
            "coding": [{"system": export.level_system(base_url), "code": report.level}],
            "text": words.get(report.level, report.level),
        },
        "subject": {"reference": reference("Patient", report.child_id), "type": "Patient"},
        "period": {"start": local_iso(report.received_at)},
    }


def questionnaire(base_url: str) -> dict[str, Any]:
    """The diary as a Questionnaire, at the canonical URL every QuestionnaireResponse cites."""
    items: list[dict[str, Any]] = []
    for item in ITEMS:
        question: dict[str, Any] = {
            "linkId": item.key,
            "text": str(item.label),
            "type": QUESTION_TYPES[item.kind],
        }
        if item.kind == "choice":
            question["answerOption"] = [
                {
                    "valueCoding": {
                        "system": export.answer_system(base_url, item.key),
                        "code": key,
                        "display": str(label),
                    }
                }
                for key, label in item.choices
            ]
        items.append(question)
    items.append({"linkId": "note", "text": gettext("Anything else"), "type": "text"})
    items.append(
        {
            "linkId": "level",
            "text": gettext("Level the red-flag rules gave the report"),
            "type": "choice",
            "readOnly": True,
            "answerOption": [
                {"valueCoding": {"system": export.level_system(base_url), "code": level}}
                for level in LEVELS
            ],
        }
    )
    items.append(
        {
            "linkId": "corrects",
            "text": gettext("The report this one corrects"),
            "type": "reference",
            "readOnly": True,
        }
    )
    return {
        "resourceType": "Questionnaire",
        "id": export.QUESTIONNAIRE_ID,
        "url": export.questionnaire_url(base_url),
        "name": "SymptomDiary",
        "title": gettext("Symptom diary"),
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }


def _searches(*names: str) -> list[dict[str, str]]:
    kinds = {
        "identifier": "token",
        "patient": "reference",
        "subject": "reference",
        "date": "date",
        "authored": "date",
        "code": "token",
        "status": "token",
        "url": "uri",
        "_id": "token",
        "_count": "number",
    }
    return [{"name": name, "type": kinds[name]} for name in names]


SEARCH_PARAMETERS = {
    "Patient": ("_id", "identifier"),
    "Appointment": ("_id", "patient", "date", "identifier"),
    "QuestionnaireResponse": ("_id", "patient", "subject", "authored"),
    "Observation": ("_id", "patient", "subject", "date", "code"),
    "Flag": ("_id", "patient", "status"),
    "Questionnaire": ("_id", "url"),
}


def capability_statement(base_url: str, software_version: str, now: str) -> dict[str, Any]:
    """What this server answers (no token needed to read it)."""
    resources: list[dict[str, Any]] = []
    for resource_type in READ_TYPES:
        interactions = [{"code": "read"}, {"code": "search-type"}]
        if resource_type == "Appointment":
            interactions.append({"code": "update"})
        entry: dict[str, Any] = {
            "type": resource_type,
            "interaction": interactions,
            "searchParam": _searches(*SEARCH_PARAMETERS[resource_type]),
        }
        if resource_type == "Appointment":
            entry["conditionalUpdate"] = True
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": now,
        "kind": "instance",
        "software": {"name": "Immuno Companion", "version": software_version},
        "implementation": {"description": "Immuno Companion FHIR API", "url": f"{base_url}/fhir"},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                            "extension": [
                                {"url": "token", "valueUri": token_url(base_url)},
                            ],
                        }
                    ],
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}],
            }
        ],
    }


def token_url(base_url: str) -> str:
    return f"{base_url}/fhir/auth/token"


def smart_configuration(base_url: str) -> dict[str, Any]:
    """/.well-known/smart-configuration for backend services (SMART App Launch 2.x)."""
    return {
        "token_endpoint": token_url(base_url),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": list(clients.SCOPES),
        "capabilities": ["client-confidential-asymmetric"],
    }
