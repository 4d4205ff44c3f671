"""The caregiver's children and the one the session is looking at, for every family page."""

from __future__ import annotations

from quart import g

from ..db import get_db
from . import store
from .store import Child


async def family_context() -> tuple[list[Child], Child | None]:
    """This caregiver's children and the one the session is looking at."""
    children = await store.select_children_of_caregiver(get_db(), g.account.id)
    current = next((child for child in children if child.id == g.session_row.child_id), None)
    if current is None and children:
        current = children[0]
    g.children = children
    g.child = current
    return children, current
