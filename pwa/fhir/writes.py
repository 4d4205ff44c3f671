"""FHIR writes: the EHR books, moves and cancels visits with Appointment, by conditional
update (``PUT /fhir/Appointment?identifier=<system>|<value>``) or in a transaction Bundle
(``POST /fhir``). Either is one database transaction: all of it, or nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from quart import request
from quart.typing import ResponseReturnValue

from ..db import get_db
from ..plans import kinds
from ..plans import store as plans
from ..security import Access, access
from . import appointments, blueprint, guard, resources, search
from .outcomes import FhirError, fhir_response

MAX_ENTRIES = 500


async def _body() -> Any:
    if request.mimetype not in {"application/fhir+json", "application/json"}:
        raise FhirError(415, "not-supported", "Send application/fhir+json.")
    body = await request.get_json(force=True, silent=True)
    if body is None:
        raise FhirError(400, "structure", "The body is not JSON.")
    return body


def _conditional_identifier(query: str) -> tuple[str, str]:
    """``identifier=<system>|<value>`` of a conditional URL (system required)."""
    if not query.startswith("identifier="):
        raise FhirError(400, "invalid", "Name the Appointment by identifier=<system>|<value>.")
    system, value = search.token(query.removeprefix("identifier="))
    if not system or not value:
        raise FhirError(400, "invalid", "The identifier needs a system and a value.")
    return system, value


async def _import_all(
    items: list[tuple[tuple[str, str], Any]],
) -> list[appointments.Imported]:
    """Every Appointment in one transaction; a refused conflict is then audited alone."""
    writer = guard.require_write("Appointment")
    db = get_db()
    known = {kind.key for kind in await kinds.select_all(db) if kind.active}
    checked = [
        appointments.read_appointment(resource, guard.base_url(), known, identifier)
        for identifier, resource in items
    ]
    current: appointments.Incoming | None = None
    try:
        async with db.transaction() as tx:
            done = []
            for incoming in checked:
                current = incoming
                done.append(
                    await appointments.apply(
                        tx,
                        incoming,
                        client_id=writer.client_id,
                        own_system=guard.number_system(),
                        own_visit_system=resources.visit_identifier_system(guard.base_url()),
                    )
                )
            return done
    except FhirError as error:
        if error.status == 409 and current is not None:
            async with db.transaction() as tx:
                await appointments.record_refusal(
                    tx, current, error, client_id=writer.client_id, own_system=guard.number_system()
                )
        raise


async def _appointment(visit_id: int) -> dict[str, Any]:
    db = get_db()
    visit = await plans.select_visit(db, visit_id)
    assert visit is not None
    imported = await appointments.select_identifiers(db, [visit_id])
    return resources.appointment(visit, guard.base_url(), imported.get(visit_id))


@blueprint.route("/Appointment", methods=["PUT"])
@access(Access.SYSTEM)
async def conditional_update() -> ResponseReturnValue:
    """Create or update the visit the EHR knows by this identifier."""
    query = request.query_string.decode()
    identifier = _conditional_identifier(_unquoted(query))
    body = await _body()
    [result] = await _import_all([(identifier, body)])
    response = fhir_response(await _appointment(result.visit_id), result.status)
    response.headers["Location"] = f"{guard.base_url()}/fhir/Appointment/{result.visit_id}"
    return response


def _unquoted(query: str) -> str:
    return unquote(query.replace("+", " "))


def _entries(bundle: Any) -> list[tuple[tuple[str, str], Any]]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirError(422, "invalid", "POST /fhir takes a Bundle.")
    if bundle.get("type") != "transaction":
        raise FhirError(422, "not-supported", "Only Bundles of type transaction are accepted.")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list) or len(entries) > MAX_ENTRIES:
        raise FhirError(422, "invalid", f"A Bundle may hold up to {MAX_ENTRIES} entries.")
    found = []
    for entry in entries:
        call = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(call, dict) or call.get("method") != "PUT":
            raise FhirError(
                422,
                "not-supported",
                "Each entry must be PUT Appointment?identifier=<system>|<value>.",
            )
        kind, _, query = str(call.get("url", "")).partition("?")
        if kind.rstrip("/") != "Appointment":
            raise FhirError(422, "not-supported", "Only Appointment can be written.")
        found.append((_conditional_identifier(_unquoted(query)), entry.get("resource")))
    return found


@blueprint.route("", methods=["POST"])
@access(Access.SYSTEM)
async def transaction() -> ResponseReturnValue:
    """A transaction Bundle of conditional Appointment updates, all or nothing."""
    results = await _import_all(_entries(await _body()))
    status_text = {201: "201 Created", 200: "200 OK"}
    return fhir_response(
        {
            "resourceType": "Bundle",
            "type": "transaction-response",
            "entry": [
                {
                    "resource": await _appointment(result.visit_id),
                    "response": {
                        "status": status_text[result.status],
                        "location": f"Appointment/{result.visit_id}",
                    },
                }
                for result in results
            ],
        }
    )
