"""Who is calling the FHIR API: the bearer token's grant, checked before every view that
needs one, and each read written to the audit log as that hospital system."""

from __future__ import annotations

from collections.abc import Iterable

from quart import current_app, g, request

from .. import audit
from ..db import get_db
from ..security import Access, access_of
from . import tokens
from .outcomes import FhirError
from .tokens import Grant


async def load_grant() -> None:
    """Before each FHIR view: a live token, or 401. A session cookie never counts."""
    g.fhir_grant = None
    if access_of(request.endpoint) is not Access.SYSTEM:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise FhirError(401, "login", "Send an access token: Authorization: Bearer <token>.")
    grant = await tokens.select_grant(get_db(), token.strip())
    if grant is None:
        raise FhirError(401, "login", "The access token is unknown or has expired.")
    g.fhir_grant = grant


def grant() -> Grant:
    found: Grant | None = g.get("fhir_grant")
    assert found is not None, "a SYSTEM view runs only after load_grant"
    return found


def require_read(resource_type: str) -> Grant:
    current = grant()
    if not current.allows_read(resource_type):
        raise FhirError(
            403, "forbidden", f"The token's scopes do not allow reading {resource_type}."
        )
    return current


def require_write(resource_type: str) -> Grant:
    current = grant()
    if not current.allows_write(resource_type):
        raise FhirError(
            403, "forbidden", f"The token's scopes do not allow writing {resource_type}."
        )
    return current


def base_url() -> str:
    return str(current_app.config["PUBLIC_URL"]).rstrip("/")


def number_system() -> str:
    return str(current_app.config["FHIR_PATIENT_NUMBER_SYSTEM"])


async def audit_reads(reader: Grant, child_ids: Iterable[int | None], detail: str) -> None:
    """One audit row per child whose data the hospital system read (NEN 7513)."""
    children = sorted({child_id for child_id in child_ids if child_id is not None})
    if not children:
        return
    async with get_db().transaction() as tx:
        for child_id in children:
            await audit.record(
                tx,
                actor_id=None,
                action="fhir.viewed",
                child_id=child_id,
                detail=detail,
                client_id=reader.client_id,
            )
