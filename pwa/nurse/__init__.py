"""The nurse workspace: children, enrolment, invites and reset codes."""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("nurse", __name__, url_prefix="/nurse")


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import (
        exports,  # noqa: F401
        medication_views,  # noqa: F401
        planning,  # noqa: F401
        queue_views,  # noqa: F401
        views,  # noqa: F401
    )

    app.register_blueprint(blueprint)
