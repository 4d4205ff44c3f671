"""Admin pages for the kinds of visit: list, add, change, switch off, delete an unused one.

A kind in use (by a visit or the plan template) cannot be deleted, only switched off:
nurses no longer choose it and the visits that have it keep it. Saving re-plans every
open plan's reminders, since a kind's reminders may have changed.
"""

from __future__ import annotations

from quart import flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import audit
from ..accounts.forms import PlainForm
from ..db import get_db
from ..i18n import gettext
from ..plans import kinds
from ..rendering import render_template
from ..security import Access, access, not_found_unless, require_csrf
from . import blueprint
from .language_fields import check_other_languages, others_unchanged
from .reminders import replan_open_plans
from .visit_kind_forms import VisitKindForm


def _summary(kind: kinds.VisitKind) -> str:
    """The saved values in a few words, for the audit log."""
    reminders = (
        "hospital's"
        if kind.reminders is None
        else ", ".join(f"{days}@{at:%H:%M}" for days, at in kind.reminders) or "none"
    )
    languages = ", ".join(code for code, words in kind.texts.items() if words)
    return (
        f"{kind.key}: stay {int(kind.is_stay)}, minutes {kind.default_minutes}, "
        f"reminders {reminders}, active {int(kind.active)}"
        + (f", also named in {languages}" if languages else "")
    )


async def _save(kind: kinds.VisitKind, *, action: str) -> None:
    async with get_db().transaction() as tx:
        await kinds.save_kind(tx, kind)
        await replan_open_plans(tx)
        await audit.record(tx, actor_id=g.account.id, action=action, detail=_summary(kind))


@blueprint.route("/visit-kinds", methods=["GET", "POST"])
@access(Access.ADMIN)
async def visit_kinds() -> ResponseReturnValue:
    db = get_db()
    form = await VisitKindForm.from_request()
    if request.method == "POST" and form.validate():
        key = form.key.data.strip()
        if await kinds.select_kind(db, key) is None:
            await _save(form.to_kind(key), action="visit_kind.added")
            await flash(gettext("The kind of visit is added."))
            return redirect(url_for("admin.visit_kinds"))
        form.key.errors = [gettext("There is a kind with this key already.")]
    return await render_template(
        "admin/visit_kinds.html", kinds=await kinds.select_all(db), form=form
    )


@blueprint.route("/visit-kinds/<key>", methods=["GET", "POST"])
@access(Access.ADMIN)
async def visit_kind(key: str) -> ResponseReturnValue:
    db = get_db()
    kind = await kinds.select_kind(db, key)
    not_found_unless(kind)
    assert kind is not None
    if request.method == "POST":
        form = await VisitKindForm.from_request()
        del form.key
        if form.validate():
            saved = form.to_kind(kind.key)
            await _save(saved, action="visit_kind.changed")
            await flash(gettext("The kind of visit is saved."))
            renamed = (kind.name_en, kind.name_nl) != (saved.name_en, saved.name_nl)
            if others_unchanged(kind.texts, saved.texts, source_changed=renamed):
                await flash(check_other_languages())
            return redirect(url_for("admin.visit_kinds"))
    else:
        form = VisitKindForm(data=VisitKindForm.data_from(kind))
        del form.key
    return await render_template(
        "admin/visit_kind.html",
        kind=kind,
        form=form,
        in_use=await kinds.in_use(db, kind.key),
        delete_form=PlainForm(),
    )


@blueprint.route("/visit-kinds/<key>/delete", methods=["POST"])
@access(Access.ADMIN)
async def delete_visit_kind(key: str) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    db = get_db()
    not_found_unless(await kinds.select_kind(db, key))
    async with db.transaction() as tx:
        deleted = await kinds.delete_kind(tx, key)
        if deleted:
            await audit.record(tx, actor_id=g.account.id, action="visit_kind.deleted", detail=key)
    if not deleted:
        await flash(gettext("This kind is in use, so it cannot be deleted. Switch it off instead."))
        return redirect(url_for("admin.visit_kind", key=key))
    await flash(gettext("The kind of visit is deleted."))
    return redirect(url_for("admin.visit_kinds"))
