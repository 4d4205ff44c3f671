"""Families: children, the caregivers linked to them, and the child switcher."""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("families", __name__)


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import (
        access_log,  # noqa: F401
        card_views,  # noqa: F401
        data_views,  # noqa: F401
        phone_views,  # noqa: F401
        views,  # noqa: F401
    )

    app.register_blueprint(blueprint)
