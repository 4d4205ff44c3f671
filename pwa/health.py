"""Liveness for the hospital's monitoring: is the database answering?"""

from __future__ import annotations

from quart import Blueprint
from quart.typing import ResponseReturnValue

from .db import get_db
from .limits import rate_exempt
from .security import Access, access

blueprint = Blueprint("health", __name__)


@blueprint.route("/healthz")
@access(Access.PUBLIC)
@rate_exempt
async def healthz() -> ResponseReturnValue:
    try:
        row = await get_db().fetch_one("SELECT COUNT(*) AS n FROM schema_migration")
    except Exception:  # any database failure means "not healthy"
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok", "migrations": row["n"] if row else 0}
