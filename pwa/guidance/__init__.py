"""The hospital's own guidance pages for families (what happens in a course, pain at home,
when to call), written by admins in Markdown and kept on the phone for offline reading."""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("guidance", __name__)


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import (
        admin_views,  # noqa: F401
        family_views,  # noqa: F401
    )

    app.register_blueprint(blueprint)
