"""Exports of one child's record for the medical record: CSV, a printable page (the
browser's "Save as PDF" makes the PDF) and a FHIR R4 Bundle. Staff only; every export
writes an audit row (``export.csv``, ``export.print``, ``export.fhir``)."""

from __future__ import annotations

import json

from quart import current_app, g, request
from quart.typing import ResponseReturnValue

from .. import audit
from ..dates import with_years
from ..db import get_db
from ..exports import doses as dose_exports
from ..exports import fhir
from ..exports.record import (
    BadRange,
    ChildRecord,
    DateRange,
    csv_bytes,
    file_stem,
    home_time,
    load_record,
    parse_range,
)
from ..families import store as families
from ..rendering import render_template
from ..security import Access, access, not_found_unless
from . import blueprint


async def _child(child_id: int) -> families.Child:
    child = await families.select_child(get_db(), child_id)
    not_found_unless(child)
    assert child is not None
    return child


async def _record(child: families.Child, dates: DateRange, action: str) -> ChildRecord:
    db = get_db()
    record = await load_record(db, child, dates)
    await audit.record_read(
        db,
        actor_id=g.account.id,
        action=action,
        child_id=child.id,
        detail=f"{dates.describe()}; {len(record.reports)} reports, {len(record.doses)} doses",
    )
    return record


def _attachment(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


async def _bad_range(child: families.Child, error: BadRange) -> ResponseReturnValue:
    page = await render_template("nurse/export_error.html", child=child, message=str(error))
    return page, 400


@blueprint.route("/children/<int:child_id>/export.csv")
@access(Access.STAFF)
async def csv_export(child_id: int) -> ResponseReturnValue:
    child = await _child(child_id)
    try:
        dates = parse_range(request.args)
    except BadRange as error:
        return await _bad_range(child, error)
    record = await _record(child, dates, "export.csv")
    headers = {
        "Content-Type": "text/csv; charset=utf-8",
        **_attachment(f"{file_stem(child, dates)}.csv"),
    }
    return csv_bytes(record), 200, headers


@blueprint.route("/children/<int:child_id>/export.doses.csv")
@access(Access.STAFF)
async def doses_csv_export(child_id: int) -> ResponseReturnValue:
    """The doses the family noted at home, one row each (a table of its own)."""
    child = await _child(child_id)
    try:
        dates = parse_range(request.args)
    except BadRange as error:
        return await _bad_range(child, error)
    record = await _record(child, dates, "export.doses_csv")
    body = dose_exports.csv_bytes(
        child.hospital_number or "", child.nickname, record.doses, record.medicines
    )
    headers = {
        "Content-Type": "text/csv; charset=utf-8",
        **_attachment(f"{file_stem(child, dates)}-doses.csv"),
    }
    return body, 200, headers


@blueprint.route("/children/<int:child_id>/export.fhir.json")
@access(Access.STAFF)
async def fhir_export(child_id: int) -> ResponseReturnValue:
    child = await _child(child_id)
    try:
        dates = parse_range(request.args)
    except BadRange as error:
        body = json.dumps(fhir.operation_outcome(str(error)), ensure_ascii=False)
        return body, 400, {"Content-Type": f"{fhir.MEDIA_TYPE}; charset=utf-8"}
    record = await _record(child, dates, "export.fhir")
    document = fhir.bundle(
        record,
        base_url=current_app.config["PUBLIC_URL"],
        patient_number_system=current_app.config["FHIR_PATIENT_NUMBER_SYSTEM"],
    )
    headers = {
        "Content-Type": f"{fhir.MEDIA_TYPE}; charset=utf-8",
        **_attachment(f"{file_stem(child, dates)}.fhir.json"),
    }
    return json.dumps(document, ensure_ascii=False, indent=2), 200, headers


@blueprint.route("/children/<int:child_id>/print")
@access(Access.STAFF)
async def print_report(child_id: int) -> ResponseReturnValue:
    child = await _child(child_id)
    try:
        dates = parse_range(request.args)
    except BadRange as error:
        return await _bad_range(child, error)
    record = await _record(child, dates, "export.print")
    with_years()
    return await render_template(
        "nurse/print.html",
        record=record,
        child=child,
        home_time=home_time,
    )
