"""The FHIR R4 API for the hospital's integration engine, under /fhir: the
CapabilityStatement, the SMART configuration and token endpoint (Backend Services),
reads and searches of the child's record, and Appointments written by the EHR.

Hospital systems authenticate with bearer tokens only; no cookie counts here, and CSRF
forms do not apply. Every answer is application/fhir+json, every refusal an
OperationOutcome. docs/api.md ("FHIR API") is the contract.
"""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("fhir", __name__, url_prefix="/fhir")


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import (
        views,  # noqa: F401
        writes,  # noqa: F401
    )

    app.register_blueprint(blueprint)
