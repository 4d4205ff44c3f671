"""Family schedule pages: the timeline, one visit, and acknowledging changes."""

from __future__ import annotations

from quart import g, redirect, url_for
from quart.typing import ResponseReturnValue

from ..accounts.forms import PlainForm
from ..clock import utcnow
from ..db import get_db
from ..families.context import family_context
from ..rendering import render_template
from ..security import Access, access, not_found_unless, require_csrf
from ..shell.pages import offline_page
from . import blueprint, overview, store


@blueprint.route("/schedule")
@access(Access.FAMILY)
@offline_page
async def schedule() -> ResponseReturnValue:
    _, child = await family_context()
    now = utcnow()
    view = await overview.for_family(get_db(), g.account.id, child.id, now) if child else None
    return await render_template("plans/schedule.html", view=view, now=now, form=PlainForm())


@blueprint.route("/schedule/visits/<int:visit_id>")
@access(Access.FAMILY)
async def visit(visit_id: int) -> ResponseReturnValue:
    found = await store.select_visit_for_caregiver(get_db(), visit_id, g.account.id)
    not_found_unless(found)
    await family_context()
    return await render_template("plans/visit.html", visit=found, now=utcnow())


@blueprint.route("/schedule/seen", methods=["POST"])
@access(Access.FAMILY)
async def seen() -> ResponseReturnValue:
    """The family has read the change banner: stop showing those changes."""
    await require_csrf(await PlainForm.from_request())
    _, child = await family_context()
    not_found_unless(child)
    async with get_db().transaction() as tx:
        await store.mark_seen(tx, g.account.id, child.id)  # type: ignore[union-attr]
    return redirect(url_for("plans.schedule"))
