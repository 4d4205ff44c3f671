"""A family downloads everything the app holds about their child (GDPR access and
portability): the same FHIR Bundle and CSV the hospital exports, without the hospital's
internal patient number, which is for staff only; the Bundle also holds the downloading
caregiver's own contact details (name, e-mail, the optional phone number)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from quart import current_app, g
from quart.typing import ResponseReturnValue

from .. import audit
from ..db import get_db
from ..exports import doses as dose_exports
from ..exports import fhir
from ..exports.record import DateRange, csv_bytes, load_record
from ..rendering import render_template
from ..security import Access, access, not_found_unless
from . import blueprint
from . import store as families
from .context import family_context


async def _record(action: str):  # type: ignore[no-untyped-def]
    _, child = await family_context()
    not_found_unless(child)
    assert child is not None
    private = dataclasses.replace(child, hospital_number=None)
    db = get_db()
    record = await load_record(db, private, DateRange())
    await audit.record_read(db, actor_id=g.account.id, action=action, child_id=child.id)
    return record


def _download(name: str, media_type: str) -> dict[str, str]:
    return {
        "Content-Type": f"{media_type}; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    }


async def _contact() -> dict[str, str]:
    """The signed-in caregiver's own contact details, as the app holds them."""
    contact = {"name": g.account.display_name, "email": g.account.email}
    phone = await families.select_phone(get_db(), g.account.id)
    if phone:
        contact["phone"] = phone
    return contact


def _related_person(contact: dict[str, str], patient_url: str) -> dict[str, Any]:
    """The caregiver as a FHIR RelatedPerson of the child, with their own telecom."""
    telecom = [{"system": "email", "value": contact["email"]}]
    if "phone" in contact:
        telecom.insert(0, {"system": "phone", "value": contact["phone"]})
    return {
        "resourceType": "RelatedPerson",
        "active": True,
        "patient": {"reference": patient_url, "type": "Patient"},
        "name": [{"text": contact["name"]}],
        "telecom": telecom,
    }


@blueprint.route("/settings/data")
@access(Access.FAMILY)
async def data_page() -> ResponseReturnValue:
    await family_context()
    return await render_template("families/data.html", contact=await _contact())


@blueprint.route("/settings/data/export.fhir.json")
@access(Access.FAMILY)
async def fhir_download() -> ResponseReturnValue:
    record = await _record("family_export.fhir")
    document = fhir.bundle(
        record,
        base_url=current_app.config["PUBLIC_URL"],
        patient_number_system=current_app.config["FHIR_PATIENT_NUMBER_SYSTEM"],
    )
    patient_url = document["entry"][0]["fullUrl"]
    document["entry"].append(
        {
            "fullUrl": fhir.Ids(current_app.config["PUBLIC_URL"].rstrip("/"))(
                "RelatedPerson", g.account.id
            ),
            "resource": _related_person(await _contact(), patient_url),
        }
    )
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return body, 200, _download("immuno-companion-our-data.fhir.json", fhir.MEDIA_TYPE)


@blueprint.route("/settings/data/export.csv")
@access(Access.FAMILY)
async def csv_download() -> ResponseReturnValue:
    record = await _record("family_export.csv")
    return csv_bytes(record), 200, _download("immuno-companion-our-data.csv", "text/csv")


@blueprint.route("/settings/data/export.doses.csv")
@access(Access.FAMILY)
async def doses_csv_download() -> ResponseReturnValue:
    record = await _record("family_export.doses_csv")
    body = dose_exports.csv_bytes("", record.child.nickname, record.doses, record.medicines)
    return body, 200, _download("immuno-companion-our-doses.csv", "text/csv")
