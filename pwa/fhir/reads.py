"""What the FHIR API reads: the matching resources of open records, each with the child
it is about (every read is audited per child). Closed records are not served.

Searches return every match; the view pages them (pwa/fhir/search.py). A ward's records
are small enough for that, and a search then needs no second query per page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from ..db import Reader
from ..diary import store as diary
from ..exports import fhir as export
from ..exports.record import DateRange, ExportedReport, load_record
from ..families.store import Child
from ..plans import store as plans
from . import appointments, resources, search
from .outcomes import FhirError
from .patients import children_by_number, open_child

UUID_LENGTH = 36


@dataclass(frozen=True)
class Found:
    """One resource and the child it is about (None for the Questionnaire)."""

    child_id: int | None
    resource: dict[str, Any]


@dataclass(frozen=True)
class Context:
    base_url: str
    number_system: str


def _row_id(raw: str) -> int | None:
    """A logical id that is one of our row ids (Patient, Appointment), else None."""
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63 else None


def _required_patient(args: MultiDict[str, str], resource_type: str) -> int:
    child_id = search.patient_id(args)
    if child_id is None and "_id" not in args:
        raise FhirError(
            400, "required", f"Search {resource_type} by patient (patient=Patient/<id>)."
        )
    return child_id or 0


async def patients(db: Reader, args: MultiDict[str, str], ctx: Context) -> list[Found]:
    if "_id" in args:
        row_id = _row_id(args["_id"])
        child = await open_child(db, row_id) if row_id else None
        found = [child] if child else []
    elif "identifier" in args:
        system, value = search.token(args["identifier"])
        found = await children_by_number(db, system, value, ctx.number_system)
    else:
        raise FhirError(400, "required", "Search Patient by identifier (system|hospital number).")
    return [Found(child.id, resources.patient(child, ctx.number_system)) for child in found]


async def _visits(db: Reader, child: Child) -> list[plans.Visit]:
    plan = await plans.select_plan(db, child.id)
    return await plans.select_visits(db, plan.id) if plan else []


async def appointments_found(db: Reader, args: MultiDict[str, str], ctx: Context) -> list[Found]:
    if "identifier" in args and search.patient_id(args) is None:
        system, value = search.token(args["identifier"])
        if system == resources.visit_identifier_system(ctx.base_url):
            visit = await plans.select_visit_by_uid(db, value)  # our own identifier
        else:
            visit = await appointments.select_by_identifier(db, system, value)
        visits = [visit] if visit else []
    elif "_id" in args:
        row_id = _row_id(args["_id"])
        visit = await plans.select_visit(db, row_id) if row_id else None
        visits = [visit] if visit else []
    else:
        child = await open_child(db, _required_patient(args, "Appointment"))
        dates = search.date_range(args.getlist("date"), "date")
        visits = [
            visit
            for visit in (await _visits(db, child) if child else [])
            if dates.overlaps(visit.starts_at, visit.ends_at)
        ]
    open_ids = {v.child_id for v in visits if await open_child(db, v.child_id)}
    visits = [visit for visit in visits if visit.child_id in open_ids]
    imported = await appointments.select_identifiers(db, [visit.id for visit in visits])
    return [
        Found(visit.child_id, resources.appointment(visit, ctx.base_url, imported.get(visit.id)))
        for visit in visits
    ]


async def _reports(db: Reader, args: MultiDict[str, str], date_name: str) -> list[ExportedReport]:
    """The reports a QuestionnaireResponse or Observation search or read is about."""
    if "_id" in args:
        report = await diary.select_report(db, args["_id"][:UUID_LENGTH])
        child = await open_child(db, report.child_id) if report else None
        if report is None or child is None:
            return []
        record = await load_record(db, child, DateRange())
        return [item for item in record.reports if item.report.id == report.id]
    child = await open_child(db, _required_patient(args, "this resource"))
    if child is None:
        return []
    record = await load_record(db, child, search.date_range(args.getlist(date_name), date_name))
    return record.reports


async def questionnaire_responses(
    db: Reader, args: MultiDict[str, str], ctx: Context
) -> list[Found]:
    return [
        Found(item.report.child_id, resources.questionnaire_response(item, ctx.base_url))
        for item in await _reports(db, args, "authored")
        if "_id" not in args or item.report.client_uuid == args["_id"]
    ]


def _code_matches(resource: dict[str, Any], wanted: list[tuple[str | None, str]]) -> bool:
    codings = resource["code"]["coding"]
    return not wanted or any(
        (system is None or coding["system"] == system) and coding["code"] == code
        for system, code in wanted
        for coding in codings
    )


async def observations(db: Reader, args: MultiDict[str, str], ctx: Context) -> list[Found]:
    wanted = [search.token(part) for value in args.getlist("code") for part in value.split(",")]
    found = []
    for item in await _reports(db, args, "date"):
        for resource in resources.observations(item):
            if "_id" in args and resource["id"] != args["_id"]:
                continue
            if _code_matches(resource, wanted):
                found.append(Found(item.report.child_id, resource))
    return found


async def flags(db: Reader, args: MultiDict[str, str], ctx: Context) -> list[Found]:
    """Red and amber reports of open records that no nurse has reviewed yet (the queue)."""
    if "_id" in args:
        report = await diary.select_report(db, args["_id"])
        if report is None or report.level not in {"red", "amber"}:
            return []
        if await open_child(db, report.child_id) is None:
            return []
        waiting = await db.fetch_one(
            "SELECT 1 FROM report_queue WHERE report_id = :id", {"id": report.id}
        )
        return [Found(report.child_id, resources.flag(report, ctx.base_url, waiting=bool(waiting)))]
    status = args.get("status", "active")
    child_id = search.patient_id(args)
    if status != "active":
        return []
    rows = await db.scan(
        diary.REPORT_SELECT
        + """
          JOIN report_queue ON report_queue.report_id = report.id
          JOIN child ON child.id = report.child_id
         WHERE child.closed_at IS NULL AND report.level IN ('red', 'amber')
           AND (:child_id IS NULL OR report.child_id = :child_id)
         ORDER BY report.received_at, report.id
        """,
        {"child_id": child_id},
    )
    reports = [diary.Report.from_row(row) for row in rows]
    return [Found(r.child_id, resources.flag(r, ctx.base_url, waiting=True)) for r in reports]


async def questionnaires(db: Reader, args: MultiDict[str, str], ctx: Context) -> list[Found]:
    wanted_id = args.get("_id")
    wanted_url = args.get("url")
    if wanted_id not in (None, export.QUESTIONNAIRE_ID):
        return []
    if wanted_url not in (None, export.questionnaire_url(ctx.base_url)):
        return []
    return [Found(None, resources.questionnaire(ctx.base_url))]


Search = Callable[[Reader, MultiDict[str, str], Context], Any]
SEARCHES: dict[str, Search] = {
    "Patient": patients,
    "Appointment": appointments_found,
    "QuestionnaireResponse": questionnaire_responses,
    "Observation": observations,
    "Flag": flags,
    "Questionnaire": questionnaires,
}
