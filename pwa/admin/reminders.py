"""Admin pages for push reminders: when reminders go out, and whether they do.

``/admin/reminders`` sets the offsets ("1 day before at 18:00") and re-plans every open
plan's future visits in the same transaction; ``/admin/status`` shows what needs a
person: a stopped sender, problems the push services reported, jobs piling up.
"""

from __future__ import annotations

from datetime import time

from quart import current_app, flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import audit
from ..clock import utcnow
from ..db import Transaction, get_db
from ..i18n import gettext
from ..notifications import jobs, planner, status, store
from ..rendering import render_template
from ..security import Access, access
from . import blueprint
from .reminder_forms import OffsetsForm

# What the app ships with (migration 0005): examples for the clinical team to confirm.
SHIPPED_OFFSETS = "7@18:00, 1@18:00"


def _summary(offsets: list[tuple[int, time]]) -> str:
    return ", ".join(f"{days}@{at:%H:%M}" for days, at in offsets)


async def replan_open_plans(tx: Transaction) -> int:
    """Plan every open plan's visit reminders again; how many plans."""
    child_ids = [
        int(row[0])
        for row in await tx.fetch_all(
            """
        SELECT treatment_plan.child_id
          FROM treatment_plan JOIN child ON child.id = treatment_plan.child_id
         WHERE child.closed_at IS NULL
        """
        )
    ]
    for child_id in child_ids:
        await planner.plan_for_child(tx, child_id)
    return len(child_ids)


@blueprint.route("/reminders", methods=["GET", "POST"])
@access(Access.ADMIN)
async def reminder_offsets() -> ResponseReturnValue:
    db = get_db()
    current = await store.select_offsets(db)
    if request.method == "POST":
        form = await OffsetsForm.from_request()
        if form.validate():
            saved = form.to_offsets()
            async with db.transaction() as tx:
                await store.replace_offsets(tx, saved)
                # Every future visit is planned again: reminders of removed offsets are
                # dropped, new ones planned (a reminder whose time has passed is not).
                plans = await replan_open_plans(tx)
                await audit.record(
                    tx,
                    actor_id=g.account.id,
                    action="reminders.offsets_updated",
                    detail=f"{_summary(saved)}; {plans} plans re-planned",
                )
            await flash(
                gettext("The reminders are saved and planned again for every future visit.")
            )
            return redirect(url_for("admin.reminder_offsets"))
    else:
        form = OffsetsForm(data=OffsetsForm.data_from(current))
    return await render_template(
        "admin/reminders.html", form=form, is_example=_summary(current) == SHIPPED_OFFSETS
    )


@blueprint.route("/status")
@access(Access.ADMIN)
async def sender_status() -> ResponseReturnValue:
    db = get_db()
    now = utcnow()
    return await render_template(
        "admin/status.html",
        health=await status.sender_health(db, current_app.config, now),
        problems=await status.recent_problems(db),
        counts=await jobs.counts(db, now),
        now=now,
        interval=current_app.config["SENDER_INTERVAL_SECONDS"],
    )
