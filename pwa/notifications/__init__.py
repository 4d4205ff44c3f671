"""Push notifications: VAPID keys, subscriptions, the job outbox, quiet hours, the sender."""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("notifications", __name__)


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import views  # noqa: F401

    app.register_blueprint(blueprint)
