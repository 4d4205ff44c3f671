"""Closing a child's record at the end of treatment (admin only)."""

from __future__ import annotations

from quart import current_app, flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from ..accounts.forms import PlainForm
from ..db import get_db
from ..families import retention
from ..families import store as families
from ..i18n import gettext
from ..rendering import render_template
from ..security import Access, access, not_found_unless, require_csrf
from . import blueprint


@blueprint.route("/children/<int:child_id>/close", methods=["GET", "POST"])
@access(Access.ADMIN)
async def close_record(child_id: int) -> ResponseReturnValue:
    db = get_db()
    child = await families.select_child(db, child_id)
    not_found_unless(child and not child.closed)
    assert child is not None
    if request.method == "POST":
        await require_csrf(await PlainForm.from_request())
        async with db.transaction() as tx:
            await retention.close_record(tx, child.id, g.account.id)
        await flash(
            gettext(
                "The record of %(name)s is closed. The family no longer has access.",
                name=child.nickname,
            )
        )
        return redirect(url_for("nurse.child", child_id=child.id))
    return await render_template(
        "admin/close_record.html",
        child=child,
        form=PlainForm(),
        retention_days=current_app.config["RETENTION_DAYS"],
    )
