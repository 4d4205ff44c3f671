"""Visits booked, moved and cancelled by the EHR through FHIR Appointment.

The integration engine owns a visit by its own Appointment.identifier (``visit_import``).
Each import goes through the same plan changes as a nurse's edit (pwa/plans/changes.py):
the family's change banner, the reminders and the course's medication periods follow.

- **Idempotent.** An Appointment that says what the visit already is changes nothing: no
  plan revision, no calendar sequence, no second banner.
- **A nurse's hand edit wins.** When a visit was changed in the app since its last import
  (its calendar sequence moved on), a differing import is refused with 409 and recorded
  in the audit log for the nurses; the visit stays as the nurse left it until the EHR
  sends what the nurse set, and then imports of it resume (hazard H29, docs/api.md).
- **All or nothing.** A Bundle's Appointments are imported in the caller's one
  transaction; any refusal raises ``FhirError`` and the transaction writes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .. import audit
from ..clock import HOSPITAL_ZONE_NAME
from ..db import Reader, Transaction, from_db, now_text
from ..exports import fhir as export
from ..families.store import Child
from ..plans import changes
from ..plans import store as plans
from ..plans.schedule import from_local_text, to_local_text
from .outcomes import FhirError
from .patients import children_by_number

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
# The EHR's visit status -> ours. The active ones do not overwrite the app's own
# planned / confirmed / changed (see ``_status``).
STATUSES = {
    "proposed": "planned",
    "pending": "planned",
    "booked": "confirmed",
    "arrived": "confirmed",
    "checked-in": "confirmed",
    "fulfilled": "completed",
    "cancelled": "cancelled",
    "noshow": "cancelled",
    "entered-in-error": "cancelled",
}
ACTIVE = {"planned", "confirmed", "changed"}
MAX_TEXT = 200


def visit_kind(
    system: str | None, code: str | None, base_url: str, known: Collection[str]
) -> str | None:
    """The app's visit kind for one coding of Appointment.appointmentType or serviceType.

    The one place that maps the EHR's codes: our own code system (what the API sends
    out), with ``known`` the keys of the admin's active kinds (pwa/plans/kinds.py, a scan
    or a hearing test too), and the encounter classes of HL7 v3 ActCode (inpatient,
    ambulatory, home health).
    """
    if system == export.visit_kind_system(base_url) and code in known:
        return code
    if system == ACT_CODE:
        return {"IMP": "admission", "AMB": "day_visit", "HH": "home_infusion"}.get(code or "")
    return None


@dataclass(frozen=True)
class Imported:
    """One Appointment's outcome: the visit and what happened to it."""

    visit_id: int
    outcome: str  # "created", "updated" or "unchanged"

    @property
    def status(self) -> int:
        return 201 if self.outcome == "created" else 200


@dataclass(frozen=True)
class Incoming:
    """What an Appointment says, checked: whose visit, which kind, when, in what state."""

    identifier: tuple[str, str]
    number: tuple[str | None, str]  # the patient's hospital number (system, value)
    kind: str
    starts: datetime  # aware
    ends: datetime
    status: str


# --- the visit_import rows ----------------------------------------------------------


async def select_identifiers(db: Reader, visit_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The EHR's identifier of each of these visits that it booked."""
    if not visit_ids:
        return {}
    rows = await db.fetch_all(
        "SELECT visit_id, identifier_system, identifier_value FROM visit_import "
        "WHERE visit_id IN (SELECT value FROM json_each(:ids))",
        {"ids": "[" + ",".join(str(int(visit_id)) for visit_id in visit_ids) + "]"},
    )
    return {row["visit_id"]: (row["identifier_system"], row["identifier_value"]) for row in rows}


async def _import_row(db: Reader, system: str, value: str) -> sqlite3.Row | None:
    return await db.fetch_one(
        "SELECT visit_id, sequence FROM visit_import "
        "WHERE identifier_system = :system AND identifier_value = :value",
        {"system": system, "value": value},
    )


async def select_by_identifier(db: Reader, system: str | None, value: str) -> plans.Visit | None:
    if system is None:
        return None
    row = await _import_row(db, system, value)
    return await plans.select_visit(db, row["visit_id"]) if row else None


async def _remember(
    tx: Transaction, visit_id: int, identifier: tuple[str, str], client_id: int
) -> None:
    """Note the visit's sequence now: a later hand edit moves it on (a conflict)."""
    await tx.execute(
        """
        INSERT INTO visit_import (visit_id, identifier_system, identifier_value, client_id,
                                  sequence, imported_at)
        VALUES (:visit_id, :system, :value, :client_id,
                (SELECT sequence FROM visit WHERE id = :visit_id), :now)
        ON CONFLICT (visit_id) DO UPDATE
           SET sequence = excluded.sequence, imported_at = excluded.imported_at,
               client_id = excluded.client_id, refused_at = NULL, refused_start = NULL
        """,
        {
            "visit_id": visit_id,
            "system": identifier[0],
            "value": identifier[1],
            "client_id": client_id,
            "now": now_text(),
        },
    )


# --- reading an Appointment ---------------------------------------------------------


def _invalid(message: str) -> FhirError:
    return FhirError(422, "invalid", message)


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise _invalid(f"{name} must be a text of 1 to {MAX_TEXT} characters.")
    return value.strip()


def _moment(value: object, name: str) -> datetime:
    text = _text(value, name)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f"{name} must be an instant such as 2027-03-01T09:00:00+01:00.") from None
    if moment.tzinfo is None:
        raise _invalid(f"{name} must carry its offset from UTC.")
    return moment


def _identifier(appointment: dict[str, Any], wanted: tuple[str, str] | None) -> tuple[str, str]:
    """The EHR's identifier: the one the conditional URL names, else the first with both parts."""
    found = [
        (
            _text(item.get("system"), "Appointment.identifier.system"),
            _text(item.get("value"), "Appointment.identifier.value"),
        )
        for item in appointment.get("identifier") or []
        if isinstance(item, dict) and item.get("system") and item.get("value")
    ]
    if wanted is not None:
        if found and wanted not in found:
            raise FhirError(
                400, "invalid", "The Appointment's identifier differs from the one in the URL."
            )
        return wanted
    if not found:
        raise _invalid("The Appointment needs an identifier with a system and a value.")
    return found[0]


def _patient_number(appointment: dict[str, Any]) -> tuple[str | None, str]:
    """The patient's hospital number, from a participant's actor: a logical reference
    (``identifier``) or a conditional one (``Patient?identifier=system|value``)."""
    for participant in appointment.get("participant") or []:
        actor = participant.get("actor") if isinstance(participant, dict) else None
        if not isinstance(actor, dict):
            continue
        reference = actor.get("reference")
        identifier = actor.get("identifier")
        is_patient = actor.get("type") in (None, "Patient")
        if isinstance(identifier, dict) and is_patient and identifier.get("value"):
            system = identifier.get("system")
            return (str(system) if system else None), _text(identifier["value"], "identifier")
        if isinstance(reference, str) and reference.startswith("Patient?identifier="):
            raw = reference.removeprefix("Patient?identifier=")
            system, _, value = raw.rpartition("|")
            return (system or None), _text(value, "Patient identifier")
    raise _invalid(
        "Name the patient by hospital number: a participant whose actor has an identifier, "
        "or the reference Patient?identifier=<system>|<number>."
    )


def _kind(appointment: dict[str, Any], base_url: str, known: Collection[str]) -> str:
    concepts = [appointment.get("appointmentType"), *(appointment.get("serviceType") or [])]
    for concept in concepts:
        if not isinstance(concept, dict):
            continue
        for coding in concept.get("coding") or []:
            if isinstance(coding, dict):
                kind = visit_kind(coding.get("system"), coding.get("code"), base_url, known)
                if kind is not None:
                    return kind
    raise FhirError(
        422,
        "code-invalid",
        "Unknown visit kind: give appointmentType or serviceType a coding of "
        f"{export.visit_kind_system(base_url)} ({', '.join(sorted(known))}) or of {ACT_CODE}.",
    )


def read_appointment(
    appointment: object,
    base_url: str,
    known: Collection[str],
    wanted: tuple[str, str] | None = None,
) -> Incoming:
    """Check an Appointment resource and take what the visit needs from it; ``known`` are
    the keys of the visit kinds the admin keeps active."""
    if not isinstance(appointment, dict) or appointment.get("resourceType") != "Appointment":
        raise _invalid("The resource must be an Appointment.")
    status = appointment.get("status")
    if status not in STATUSES:
        raise _invalid(f"Appointment.status must be one of {', '.join(STATUSES)}.")
    starts = _moment(appointment.get("start"), "Appointment.start")
    ends = _moment(appointment.get("end"), "Appointment.end")
    if ends <= starts:
        raise _invalid("Appointment.end must be after its start.")
    return Incoming(
        identifier=_identifier(appointment, wanted),
        number=_patient_number(appointment),
        kind=_kind(appointment, base_url, known),
        starts=starts,
        ends=ends,
        status=STATUSES[str(status)],
    )


# --- applying it ----------------------------------------------------------------------


async def _child(tx: Transaction, number: tuple[str | None, str], own_system: str) -> Child:
    found = await children_by_number(tx, number[0], number[1], own_system)
    if not found:
        raise FhirError(422, "not-found", "No open record has this hospital number.")
    if len(found) > 1:
        raise FhirError(422, "multiple-matches", "More than one open record has this number.")
    return found[0]


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _status(incoming: str, current: str | None) -> str:
    """An active EHR status keeps the app's own active one (a move makes it "changed")."""
    if current in ACTIVE and incoming in ACTIVE:
        return current
    return incoming


def _course(visits: list[plans.Visit], starts: datetime) -> int:
    """A new visit joins the course of the latest active visit starting before it."""
    before = [v for v in visits if not v.cancelled and v.starts_at <= starts]
    if before:
        return max(before, key=lambda visit: visit.starts_at).course_number
    active = [v for v in visits if not v.cancelled]
    return min((v.course_number for v in active), default=1)


def _draft(
    incoming: Incoming, visit: plans.Visit | None, *, course: int, location: str
) -> changes.VisitDraft:
    zone = visit.time_zone if visit else HOSPITAL_ZONE_NAME
    return changes.VisitDraft(
        course_number=visit.course_number if visit else course,
        kind=incoming.kind,
        starts=_local(incoming.starts, zone),
        ends=_local(incoming.ends, zone),
        time_zone=zone,
        # The EHR's location is not taken: a department's name ("kinderoncologie") would
        # reach the family's calendar feed, which never names the illness (docs/privacy.md).
        location=location,
        family_note=visit.family_note if visit else "",
        status=_status(incoming.status, visit.status if visit else None),
    )


def _same(visit: plans.Visit, draft: changes.VisitDraft) -> bool:
    return (
        visit.kind == draft.kind
        and visit.starts == draft.starts
        and visit.ends == draft.ends
        and visit.location == draft.location
        and visit.status == draft.status
    )


async def apply(
    tx: Transaction,
    incoming: Incoming,
    *,
    client_id: int,
    own_system: str,
    own_visit_system: str,
) -> Imported:
    """Create, move or cancel the visit an Appointment names, as a nurse's edit would."""
    child = await _child(tx, incoming.number, own_system)
    plan = await plans.select_plan(tx, child.id)
    if plan is None:
        raise FhirError(422, "processing", "This patient has no treatment plan in the app yet.")
    row = await _import_row(tx, *incoming.identifier)
    visit = await plans.select_visit(tx, row["visit_id"]) if row else None
    if visit is None and incoming.identifier[0] == own_visit_system:
        # A visit the app planned, named by the identifier the API gave it: the EHR takes
        # it over from now on (its first import has no earlier one to conflict with).
        visit = await plans.select_visit_by_uid(tx, incoming.identifier[1])
        if visit is None:
            raise FhirError(422, "not-found", "No visit has this identifier of ours.")
    if visit is None:
        template = await plans.select_template(tx)
        visits = await plans.select_visits(tx, plan.id)
        draft = _draft(
            incoming,
            None,
            course=_course(visits, incoming.starts),
            location=template.location,
        )
        visit_id = await changes.add_visit(tx, plan, draft, None, client_id=client_id)
        await _remember(tx, visit_id, incoming.identifier, client_id)
        return Imported(visit_id, "created")
    if visit.child_id != child.id:
        raise FhirError(
            422, "processing", "This Appointment identifier belongs to another patient."
        )
    draft = _draft(incoming, visit, course=visit.course_number, location=visit.location)
    baseline = row["sequence"] if row else visit.sequence
    if _same(visit, draft):
        if visit.sequence != baseline or row is None:
            # The EHR now says what the nurse set: the two agree again, imports resume.
            await _remember(tx, visit.id, incoming.identifier, client_id)
        return Imported(visit.id, "unchanged")
    if visit.sequence != baseline:
        raise FhirError(
            409,
            "conflict",
            "A nurse changed this visit in the app after its last import; the app keeps the "
            "nurse's version. Ask the ward to settle it.",
        )
    await changes.change_visit(tx, visit, draft, None, client_id=client_id)
    await _remember(tx, visit.id, incoming.identifier, client_id)
    return Imported(visit.id, "updated")


async def record_refusal(
    tx: Transaction, incoming: Incoming, error: FhirError, *, client_id: int, own_system: str
) -> None:
    """A refused conflict: in the audit log of the child it concerns, and marked on the
    visit for the nurses' plan page (with the start the EHR wanted) until they agree."""
    found = await children_by_number(tx, incoming.number[0], incoming.number[1], own_system)
    row = await _import_row(tx, *incoming.identifier)
    if row is not None:
        await tx.execute(
            """
            UPDATE visit_import SET refused_at = :now, refused_start = :start
             WHERE visit_id = :visit_id
            """,
            {
                "visit_id": row["visit_id"],
                "now": now_text(),
                "start": to_local_text(_local(incoming.starts, HOSPITAL_ZONE_NAME)),
            },
        )
    await audit.record(
        tx,
        actor_id=None,
        action="visit.import_refused",
        child_id=found[0].id if len(found) == 1 else None,
        detail=f"{incoming.identifier[0]}|{incoming.identifier[1]}: {error.diagnostics}",
        client_id=client_id,
    )


@dataclass(frozen=True)
class Held:
    """A visit whose last import was refused: what the EHR wanted, for the nurses."""

    visit_id: int
    client_name: str | None
    refused_at: datetime
    wanted_start: datetime | None


async def select_held(db: Reader, plan_id: int) -> dict[int, Held]:
    """The plan's visits the EHR tried to change after a nurse's hand edit."""
    rows = await db.fetch_all(
        """
        SELECT visit_import.visit_id, fhir_client.name, visit_import.refused_at,
               visit_import.refused_start
          FROM visit_import
          JOIN visit ON visit.id = visit_import.visit_id
          LEFT JOIN fhir_client ON fhir_client.id = visit_import.client_id
         WHERE visit.plan_id = :plan_id AND visit_import.refused_at IS NOT NULL
        """,
        {"plan_id": plan_id},
    )
    return {
        row["visit_id"]: Held(
            row["visit_id"],
            row["name"],
            from_db(row["refused_at"]),
            from_local_text(row["refused_start"]) if row["refused_start"] else None,
        )
        for row in rows
    }


async def select_imported_ids(db: Reader, plan_id: int) -> set[int]:
    """The plan's visits the EHR owns (booked or took over through the FHIR API)."""
    rows = await db.fetch_all(
        "SELECT visit_import.visit_id FROM visit_import JOIN visit ON visit.id = visit_import.visit_id "
        "WHERE visit.plan_id = :plan_id",
        {"plan_id": plan_id},
    )
    return {row["visit_id"] for row in rows}
