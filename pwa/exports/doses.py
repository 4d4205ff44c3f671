"""Doses noted at home, for the medical record: a CSV of their own, and one FHIR R4
``MedicationAdministration`` per noted dose in the child's Bundle.

Mapping (FHIR R4 MedicationAdministration): given, partly taken and vomited are
``completed`` (the medicine was given; the note says how it went, as R4 has no status for
"part of it" or "brought up again"); refused and missed are ``not-done`` with a ``statusReason``
from the R4 example value set of reasons a medication was not given (SNOMED CT: drug
declined by patient; drug not taken). ``effectiveDateTime`` is the dose time the family
noted it for; the note says who noted it and when. ``dosage.text`` is the prescription as
the nurse wrote it when the dose was noted: the app never calculates a dose.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime
from typing import Any

from ..clock import HOSPITAL_ZONE
from ..doses.labels import outcome_label
from ..doses.medicines import Medicine
from ..doses.store import Dose
from ..i18n import gettext
from .record import local_iso, safe_cell
from .revisions import RFC_3986

SNOMED = "http://snomed.info/sct"
NOT_DONE_REASONS = {
    "refused": ("182895007", "Drug declined by patient"),
    "missed": ("242990004", "Drug not taken/completed"),
}


def scheduled_for(dose: Dose) -> datetime:
    return datetime.combine(dose.day, dose.time, tzinfo=HOSPITAL_ZONE)


def medicine_system(base_url: str) -> str:
    return f"{base_url}/fhir/CodeSystem/home-medicine"


def records_per_slot(doses: list[Dose]) -> Counter[tuple[int, Any, Any]]:
    """How many records each dose time has: two means two people noted one dose."""
    return Counter(dose.slot for dose in doses)


CSV_HEADER = (
    "patient_number",
    "child",
    "dose_id",
    "medicine",
    "prescription",
    "dose_time",
    "outcome",
    "outcome_words",
    "note",
    "noted_by",
    "noted_at",
    "received_at",
    "records_for_this_dose_time",
)


def csv_bytes(
    patient_number: str, nickname: str, doses: list[Dose], medicines: dict[int, Medicine]
) -> bytes:
    """One row per noted dose, oldest dose time first; UTF-8 with a byte order mark."""
    per_slot = records_per_slot(doses)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for dose in doses:
        medicine = medicines.get(dose.medicine_id or 0)
        cells = [
            patient_number,
            nickname,
            dose.client_uuid,
            medicine.name() if medicine else "",
            dose.prescription,
            local_iso(scheduled_for(dose)),
            dose.outcome,
            outcome_label(dose.outcome),
            dose.note,
            dose.recorded_by,
            local_iso(dose.recorded_at),
            local_iso(dose.received_at),
            str(per_slot[dose.slot]),
        ]
        writer.writerow([safe_cell(cell) for cell in cells])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def administration(
    dose: Dose,
    medicine: Medicine | None,
    *,
    patient_url: str,
    base_url: str,
    records_for_slot: int,
) -> dict[str, Any]:
    """One noted dose as a MedicationAdministration (R4)."""
    name = medicine.name() if medicine else gettext("Home medicine")
    concept: dict[str, Any] = {"text": name}
    if medicine:
        concept["coding"] = [
            {"system": medicine_system(base_url), "code": medicine.key, "display": name}
        ]
    # Who noted it and when, with what they chose: for partly taken and vomited the only
    # place R4 has for how a completed dose went.
    notes = [
        {
            "authorString": dose.recorded_by or gettext("someone"),
            "time": local_iso(dose.recorded_at),
            "text": outcome_label(dose.outcome),
        }
    ]
    if records_for_slot > 1:
        notes.append(
            {
                "text": gettext(
                    "%(count)s records were noted for this dose time.", count=records_for_slot
                )
            }
        )
    if dose.note:
        notes.append({"text": dose.note})
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "identifier": [{"system": RFC_3986, "value": f"urn:uuid:{dose.client_uuid}"}],
        "status": "not-done" if dose.outcome in NOT_DONE_REASONS else "completed",
        "medicationCodeableConcept": concept,
        "subject": {"reference": patient_url, "type": "Patient"},
        "effectiveDateTime": local_iso(scheduled_for(dose)),
        "note": notes,
    }
    if dose.outcome in NOT_DONE_REASONS:
        code, display = NOT_DONE_REASONS[dose.outcome]
        resource["statusReason"] = [
            {
                "coding": [{"system": SNOMED, "code": code, "display": display}],
                "text": outcome_label(dose.outcome),
            }
        ]
    else:
        resource["performer"] = [
            {"actor": {"type": "RelatedPerson", "display": dose.recorded_by or gettext("someone")}}
        ]
    if dose.prescription:
        resource["dosage"] = {"text": dose.prescription}
    return resource
