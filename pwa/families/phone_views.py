"""A caregiver's own phone number (optional), asked in the settings, so a nurse triaging a
report can phone the family back with one tap (hazard H15). Only the care team sees it."""

from __future__ import annotations

from quart import flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue
from wtforms import StringField
from wtforms.validators import Length, Optional

from .. import audit
from ..db import get_db
from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..phone_numbers import check_phone_number
from ..rendering import render_template
from ..security import Access, CsrfForm, access
from . import blueprint, store


class PhoneForm(CsrfForm):
    phone = StringField(
        _l("Your phone number (optional)"),
        validators=[Optional(), Length(max=40), check_phone_number],
        description=_l(
            "The hospital's nurses see it next to your name, to phone you about a report. "
            "Other families never see it. Leave it empty to remove it."
        ),
        render_kw={"autocomplete": "tel", "inputmode": "tel", "type": "tel"},
    )


@blueprint.route("/settings/phone", methods=["GET", "POST"])
@access(Access.FAMILY)
async def phone() -> ResponseReturnValue:
    db = get_db()
    current = await store.select_phone(db, g.account.id)
    if request.method == "GET":
        form = PhoneForm(phone=current or "")
    else:
        form = await PhoneForm.from_request()
    if request.method == "POST" and form.validate():
        number = " ".join((form.phone.data or "").split()) or None
        if number != current:
            async with db.transaction() as tx:
                await store.update_phone(tx, g.account.id, number)
                # The number itself stays out of the log: what changed is enough.
                await audit.record(
                    tx,
                    actor_id=g.account.id,
                    action="account.phone_changed",
                    detail="removed"
                    if number is None
                    else "added"
                    if current is None
                    else "changed",
                )
        await flash(
            gettext("Your phone number is saved.") if number else gettext("No phone number saved.")
        )
        return redirect(url_for("accounts.settings"))
    return await render_template("families/phone.html", form=form), 400 if form.errors else 200
