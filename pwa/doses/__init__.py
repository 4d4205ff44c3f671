"""Doses at home: the admin's list of home medicines, the family's dose times, each dose
the family records (also offline, through the outbox, exactly once), adherence for the
nurses and the rule that flags a child on their list."""

from __future__ import annotations

from quart import Blueprint, Quart

blueprint = Blueprint("doses", __name__)


def init_app(app: Quart) -> None:
    """Attach every route module's routes to the package's blueprint, then register it."""
    from . import family_views  # noqa: F401

    app.register_blueprint(blueprint)
