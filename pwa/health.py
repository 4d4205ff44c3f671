"""Liveness for the hospital's monitoring: is the database answering, is the sender running?"""

from __future__ import annotations

from quart import Blueprint, current_app
from quart.typing import ResponseReturnValue

from .clock import utcnow
from .db import get_db
from .limits import rate_exempt
from .notifications.status import sender_health
from .security import Access, access

blueprint = Blueprint("health", __name__)


@blueprint.route("/healthz")
@access(Access.PUBLIC)
@rate_exempt
async def healthz() -> ResponseReturnValue:
    db = get_db()
    try:
        row = await db.fetch_one("SELECT COUNT(*) AS n FROM schema_migration")
        sender = await sender_health(db, current_app.config, utcnow())
    except Exception:  # any database failure means "not healthy"
        return {"status": "error", "database": "unreachable"}, 503
    # A stopped sender is reported, not failed: the pages (and the next visit on them)
    # still work, and a 503 would take them away from families too (docs/api.md).
    return {
        "status": "ok" if sender.state != "stale" else "degraded",
        "database": "ok",
        "migrations": row["n"] if row else 0,
        "sender": sender.state,
    }
