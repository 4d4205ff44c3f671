"""The family's emergency card: one page per child to show or print for a doctor who has
never seen a child on this treatment. Kept on the phone, so it opens offline too."""

from __future__ import annotations

from quart import redirect, url_for
from quart.typing import ResponseReturnValue

from .. import dates
from ..clock import utcnow
from ..db import get_db
from ..rendering import render_template
from ..security import Access, access, not_found_unless
from ..shell.pages import offline_page
from . import blueprint
from .card import build_card
from .context import family_context
from .store import Child


async def _render(child: Child) -> str:
    # Printed, the card outlives the year: every date on it says its year.
    dates.with_years()
    now = utcnow()
    return await render_template(
        "families/card.html", card=await build_card(get_db(), child, now), now=now
    )


@blueprint.route("/card")
@access(Access.FAMILY)
@offline_page
async def card() -> ResponseReturnValue:
    """The card of the child the session is looking at (the menu's link)."""
    _, child = await family_context()
    if child is None:
        return redirect(url_for("families.home"))
    return await _render(child)


@blueprint.route("/card/<int:child_id>")
@access(Access.FAMILY)
@offline_page
async def child_card(child_id: int) -> ResponseReturnValue:
    """One child's card by its own address, so a phone keeps each child's card."""
    children, _ = await family_context()
    child = next((child for child in children if child.id == child_id), None)
    not_found_unless(child)  # another family's child looks like no child at all
    assert child is not None
    return await _render(child)
