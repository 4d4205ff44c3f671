"""The installable, offline app shell: manifest, service worker, offline page."""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("shell", __name__)


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import views  # noqa: F401

    app.register_blueprint(blueprint)
