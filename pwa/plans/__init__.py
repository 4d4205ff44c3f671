"""Treatment plans: the template, visits, home-medication periods and calendar feeds."""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("plans", __name__)


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import (
        calendar_views,  # noqa: F401
        views,  # noqa: F401
    )

    app.register_blueprint(blueprint)
