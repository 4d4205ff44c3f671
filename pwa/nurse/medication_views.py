"""The nurse's page for one home-medication period: its days, its medicine and the
prescription's text as written on it (shown to the family exactly as typed)."""

from __future__ import annotations

from quart import g, redirect, request, url_for
from quart.typing import ResponseReturnValue
from wtforms import SelectChoice

from ..db import get_db
from ..doses import medicines
from ..families import store as families
from ..i18n import gettext
from ..ids import parse_id
from ..plans import changes, course_store
from ..plans import store as plans
from ..rendering import render_template
from ..security import Access, access, not_found_unless
from ..text_input import single_line
from . import blueprint
from .planning_forms import MedicationForm


@blueprint.route("/children/<int:child_id>/medications/<int:period_id>", methods=["GET", "POST"])
@access(Access.STAFF)
async def edit_medication(child_id: int, period_id: int) -> ResponseReturnValue:
    """Change the days of one home-medication period of a course, its medicine and the
    prescription's text."""
    db = get_db()
    child = await families.select_child(db, child_id)
    not_found_unless(child)
    assert child is not None
    current_plan = await plans.select_plan(db, child.id)
    period = await course_store.select_medication(db, period_id)
    not_found_unless(current_plan and period and period.plan_id == current_plan.id)
    assert period is not None
    choices = [SelectChoice("", gettext("Not in the list"))] + [
        SelectChoice(str(medicine.id), medicine.name())
        for medicine in await medicines.select_all(db)
    ]
    if request.method == "GET":
        form = MedicationForm(
            first_date=period.first_date,
            last_date=period.last_date,
            medicine_id=str(period.medicine_id or ""),
            prescription=period.prescription,
        )
        form.medicine_id.choices = choices
    else:
        form = await MedicationForm.from_request()
        form.medicine_id.choices = choices
        if form.validate():
            await _save_medication(period, form, child.id)
            return redirect(url_for("nurse.plan", child_id=child.id))
    course_visit = await plans.select_visit(db, period.visit_id) if period.visit_id else None
    return await render_template(
        "nurse/medication_form.html",
        child=child,
        form=form,
        period=period,
        course_visit=course_visit,
    )


async def _save_medication(
    period: plans.MedicationPeriod, form: MedicationForm, child_id: int
) -> None:
    """New days (the family is told), and the medicine and prescription when they changed."""
    medicine_id = (
        parse_id(form.medicine_id.data) if form.posted("medicine_id") else period.medicine_id
    )
    prescription = (
        single_line(form.prescription.data or "").strip()
        if form.posted("prescription")
        else period.prescription
    )
    prescribed = (medicine_id, prescription) != (period.medicine_id, period.prescription)
    moved = (form.first_date.data, form.last_date.data) != (period.first_date, period.last_date)
    async with get_db().transaction() as tx:
        if moved or not prescribed:
            await changes.edit_medication(
                tx,
                period,
                form.first_date.data,
                form.last_date.data,
                g.account.id,
                child_id=child_id,
            )
        if prescribed:
            await changes.prescribe(
                tx, period, medicine_id, prescription, g.account.id, child_id=child_id
            )
