"""Accounts: people who sign in, their sessions, passwords, second factor and codes."""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("accounts", __name__)


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import sso_views, views  # noqa: F401

    app.register_blueprint(blueprint)
