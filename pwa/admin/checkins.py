"""The admin's page for check-in days: which days of each plan ask the family for a
report (docs/clinical.md, "Daily check-ins"). Saving changes every child's days at once:
they are worked out from the plans, never stored (pwa/checkins/windows.py)."""

from __future__ import annotations

from quart import flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import audit
from ..checkins import rule as checkin_rule
from ..db import get_db
from ..doses import medicines
from ..i18n import gettext
from ..rendering import render_template
from ..security import Access, access
from . import blueprint
from .checkin_forms import CheckinRuleForm


@blueprint.route("/checkins", methods=["GET", "POST"])
@access(Access.ADMIN)
async def checkins() -> ResponseReturnValue:
    db = get_db()
    current = await checkin_rule.select_rule(db)
    listed = await medicines.select_all(db)
    if request.method == "POST":
        form = (await CheckinRuleForm.from_request()).with_medicines(listed)
        if form.validate():
            saved = form.to_rule()
            async with db.transaction() as tx:
                await checkin_rule.save_rule(tx, saved)
                await audit.record(
                    tx,
                    actor_id=g.account.id,
                    action="checkins.updated",
                    detail=(
                        f"{saved.after_stay_days} days after each stay; medicines "
                        f"{', '.join(map(str, saved.medicine_ids)) or 'none'}"
                    ),
                )
            await flash(gettext("The check-in days are saved. Every plan follows them now."))
            return redirect(url_for("admin.checkins"))
        status = 400
    else:
        form = CheckinRuleForm(data=CheckinRuleForm.data_from(current)).with_medicines(listed)
        status = 200
    page = await render_template(
        "admin/checkins.html",
        form=form,
        is_example=await checkin_rule.is_shipped_example(db, current),
    )
    return page, status
