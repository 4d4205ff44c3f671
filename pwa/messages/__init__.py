"""Messages between a family and the ward: one conversation per child, written offline
through the outbox like reports, read and answered by nurses."""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("messages", __name__)


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import (
        family_views,  # noqa: F401
        nurse_views,  # noqa: F401
        photo_views,  # noqa: F401
    )

    app.register_blueprint(blueprint)
