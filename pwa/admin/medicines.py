"""Admin pages for doses at home: the list of home medicines nurses choose from, and the
rule that flags a child on the nurses' list (docs/clinical.md, "Doses at home")."""

from __future__ import annotations

from quart import flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import audit
from ..db import get_db
from ..doses import medicines, rules
from ..i18n import gettext
from ..rendering import render_template
from ..security import Access, access, not_found_unless
from . import blueprint
from .language_fields import check_other_languages, language_data, others_unchanged
from .medicine_forms import DoseFlagForm, MedicineForm


def _also(texts: dict[str, str]) -> str:
    """The name in the family languages, for the audit log ("; ar: ..., tr: ...")."""
    given = [f"{code}: {words}" for code, words in texts.items() if words]
    return f"; {', '.join(given)}" if given else ""


@blueprint.route("/medicines", methods=["GET", "POST"])
@access(Access.ADMIN)
async def medicines_page() -> ResponseReturnValue:
    """The list, and a form to add one."""
    db = get_db()
    form = await MedicineForm.from_request()
    if request.method == "POST" and form.validate():
        name_nl, name_en = form.names()
        texts = form.texts()
        async with db.transaction() as tx:
            medicine_id = await medicines.insert(
                tx,
                name_nl=name_nl,
                name_en=name_en,
                example=bool(form.example.data),
                texts=texts,
            )
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="medicines.updated",
                detail=f"added {medicine_id}: {name_nl} / {name_en}{_also(texts)}",
            )
        await flash(gettext("The medicine is added."))
        return redirect(url_for("admin.medicines_page"))
    return await render_template(
        "admin/medicines.html", medicines=await medicines.select_all(db), form=form
    )


@blueprint.route("/medicines/<int:medicine_id>", methods=["GET", "POST"])
@access(Access.ADMIN)
async def medicine_page(medicine_id: int) -> ResponseReturnValue:
    """Change a medicine's names, or take off its example mark."""
    db = get_db()
    medicine = await medicines.select_one(db, medicine_id)
    not_found_unless(medicine)
    assert medicine is not None
    if request.method == "GET":
        form = MedicineForm(
            name_nl=medicine.name_nl,
            name_en=medicine.name_en,
            example=medicine.example,
            **language_data("name", medicine.texts),
        )
    else:
        form = await MedicineForm.from_request()
        if form.validate():
            name_nl, name_en = form.names()
            texts = form.texts()
            async with db.transaction() as tx:
                await medicines.update(
                    tx,
                    medicine.id,
                    name_nl=name_nl,
                    name_en=name_en,
                    example=bool(form.example.data),
                    texts=texts,
                )
                await audit.record(
                    tx,
                    actor_id=g.account.id,
                    action="medicines.updated",
                    detail=f"changed {medicine.id}: {name_nl} / {name_en}{_also(texts)}"
                    + ("; example" if form.example.data else ""),
                )
            await flash(gettext("The medicine is saved."))
            renamed = (medicine.name_nl, medicine.name_en) != (name_nl, name_en)
            if others_unchanged(medicine.texts, texts, source_changed=renamed):
                await flash(check_other_languages())
            return redirect(url_for("admin.medicines_page"))
    return await render_template("admin/medicine.html", medicine=medicine, form=form)


@blueprint.route("/dose-flag", methods=["GET", "POST"])
@access(Access.ADMIN)
async def dose_flag() -> ResponseReturnValue:
    db = get_db()
    current = await rules.select_rule(db)
    if request.method == "POST":
        form = await DoseFlagForm.from_request()
        if form.validate():
            rule = form.to_rule()
            async with db.transaction() as tx:
                await rules.save_rule(tx, rule)
                await audit.record(
                    tx,
                    actor_id=g.account.id,
                    action="dose_flag.updated",
                    detail=(
                        f"{'on' if rule.enabled else 'off'}: {rule.min_count} in "
                        f"{rule.within_days} days; {', '.join(rule.outcomes)}"
                    ),
                )
            await flash(gettext("The rule is saved."))
            return redirect(url_for("admin.dose_flag"))
    else:
        form = DoseFlagForm(data=DoseFlagForm.data_from(current))
    return await render_template("admin/dose_flag.html", form=form, rule=current)
