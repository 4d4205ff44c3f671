"""The symptom diary: the report form, the sync API, photos, history and trends."""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("diary", __name__)


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import (
        photo_views,  # noqa: F401
        views,  # noqa: F401
    )

    app.register_blueprint(blueprint)
