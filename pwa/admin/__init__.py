"""The hospital admin's area: settings that shape every family's plan and pages."""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import (
        audit_views,  # noqa: F401
        checkins,  # noqa: F401
        clinical,  # noqa: F401
        fhir_clients,  # noqa: F401
        hospital_views,  # noqa: F401
        medicines,  # noqa: F401
        records,  # noqa: F401
        reminders,  # noqa: F401
        staff,  # noqa: F401
        views,  # noqa: F401
        visit_kinds,  # noqa: F401
    )

    app.register_blueprint(blueprint)
