"""Finding a patient: an open record by id or by hospital number (closed records are not
served to hospital systems)."""

from __future__ import annotations

from ..db import Reader
from ..families import store as families
from ..families.store import Child


async def open_child(db: Reader, child_id: int) -> Child | None:
    child = await families.select_child(db, child_id)
    return child if child is not None and not child.closed else None


async def children_by_number(db: Reader, system: str | None, value: str, own: str) -> list[Child]:
    """Open records with this hospital number (the system, when given, must be ours)."""
    if (system is not None and system != own) or not value:
        return []
    rows = await db.fetch_all(
        f"SELECT {families.CHILD_COLUMNS} FROM child "  # noqa: S608  # nosec B608  # fixed column list; the value is bound
        "WHERE hospital_number = :value AND closed_at IS NULL ORDER BY id",
        {"value": value},
    )
    return [Child.from_row(row) for row in rows]
