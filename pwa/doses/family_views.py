"""The family's doses: the list of doses of each period, choosing the dose times, the plain
form that records one dose without JavaScript, and the outbox's batch upload."""

from __future__ import annotations

import uuid
from datetime import timedelta

from quart import flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import clock
from ..accounts.forms import PlainForm
from ..clock import utcnow
from ..db import get_db
from ..families.context import family_context
from ..families.store import Child
from ..i18n import gettext
from ..ids import parse_id
from ..json_bodies import batch, checks_text_per_item
from ..notifications import quiet
from ..notifications import store as notifications
from ..rendering import render_template
from ..security import Access, access, not_found_unless, require_csrf
from . import blueprint, choosing, slots, sync
from .forms import DoseTimesForm
from .labels import outcome_label


async def _child() -> Child | None:
    _, child = await family_context()
    return child


@blueprint.route("/doses")
@access(Access.FAMILY)
async def overview() -> ResponseReturnValue:
    """Every dose of each period so far, with who recorded what."""
    child = await _child()
    if child is None:
        return redirect(url_for("families.home"))
    return await _render_overview(child)


async def _render_overview(child: Child, errors: list[str] | None = None) -> str:
    db = get_db()
    now = utcnow()
    today = clock.today(now)
    periods = [p for p in await slots.load(db, child.id) if p.period.first_date <= today]
    return await render_template(
        "doses/overview.html",
        child=child,
        periods=list(reversed(periods)),
        now=now,
        today=today,
        errors=errors or [],
    )


def _upcoming(periods: list[slots.PeriodDoses]) -> list[slots.PeriodDoses]:
    """One entry per medicine of the periods not over yet, the first period of each."""
    seen: set[int] = set()
    found = []
    for entry in periods:
        if entry.medicine.id not in seen:
            seen.add(entry.medicine.id)
            found.append(entry)
    return found


@blueprint.route("/doses/times", methods=["GET", "POST"])
@access(Access.FAMILY)
async def dose_times() -> ResponseReturnValue:
    """The dose times of each medicine of the child's periods to come: chosen once, for the
    whole family."""
    child = await _child()
    if child is None:
        return redirect(url_for("families.home"))
    db = get_db()
    today = clock.today()
    medicines = _upcoming(await slots.load(db, child.id, today))
    preference = await notifications.select_preference(db, g.account.id)
    if request.method == "POST":
        form = await DoseTimesForm.from_request()
        known = {str(entry.medicine.id): entry for entry in medicines}
        if form.validate() and set(form.chosen()) <= set(known):
            async with db.transaction() as tx:
                starts = [
                    await choosing.choose(
                        tx,
                        child_id=child.id,
                        medicine_id=known[key].medicine.id,
                        chosen=chosen,
                        caregiver_id=g.account.id,
                        today=today,
                    )
                    for key, chosen in form.chosen().items()
                ]
                await choosing.save_reminders(tx, g.account.id, bool(form.remind.data))
            if today + timedelta(days=1) in starts:
                await flash(
                    gettext(
                        "The dose times are saved. They apply from tomorrow, because a dose "
                        "was already noted today."
                    )
                )
            else:
                await flash(gettext("The dose times are saved."))
            return redirect(url_for("doses.dose_times"))
    else:
        form = DoseTimesForm(
            data=DoseTimesForm.data_from(
                [(entry.medicine.id, entry.schedule.on(today)) for entry in medicines],
                preference.dose_reminders or not any(e.schedule.chosen for e in medicines),
            )
        )
    quiet_times = sorted(
        {
            at
            for entry in medicines
            for at in entry.schedule.on(today)
            if quiet.in_quiet_time(at, preference.quiet_start, preference.quiet_end)
        }
    )
    return await render_template(
        "doses/times.html",
        child=child,
        form=form,
        entries=list(zip(form.medicines, medicines, strict=False)),
        preference=preference,
        quiet_times=quiet_times,
    )


@blueprint.route("/doses", methods=["POST"])
@access(Access.FAMILY)
async def record() -> ResponseReturnValue:
    """One dose recorded without JavaScript (the home card's buttons as a plain form)."""
    posted = await request.form
    await require_csrf(PlainForm(formdata=posted))  # a button's form: 400, as for the others
    children, _ = await family_context()
    child_id = parse_id(posted.get("child_id"))
    child = next((c for c in children if c.id == child_id), None)
    not_found_unless(child)  # another family's child looks like no child at all
    assert child is not None
    raw = {
        "id": posted.get("dose_id") or str(uuid.uuid4()),
        "child_id": child.id,
        "period_id": parse_id(posted.get("period_id")),
        "day": posted.get("day"),
        "time": posted.get("time"),
        "outcome": posted.get("outcome"),
        "note": posted.get("note", ""),
        "recorded_at": utcnow().isoformat(),
    }
    [result] = await sync.submit(get_db(), g.account.id, [raw])
    if result.status not in {"stored", "duplicate"}:
        return await _render_overview(child, list(result.errors.values())), (
            409 if result.status == "conflict" else 400
        )
    await flash(
        gettext(
            "Noted: %(outcome)s, %(time)s.",
            outcome=outcome_label(str(raw["outcome"])),
            time=str(raw["time"]),
        )
    )
    for dose in result.earlier:
        await flash(
            gettext(
                "%(name)s had already noted this dose: %(outcome)s.",
                name=dose.recorded_by or gettext("Someone"),
                outcome=outcome_label(dose.outcome),
            )
        )
    return redirect(url_for("families.home", _anchor="doses"))


@blueprint.route("/api/doses", methods=["POST"])
@access(Access.FAMILY)
@checks_text_per_item
async def sync_doses() -> ResponseReturnValue:
    """The outbox's batch upload: one result per dose, in order (docs/api.md)."""
    results = await sync.submit(get_db(), g.account.id, await batch("doses", sync.MAX_BATCH))
    return {"results": [result.as_json() for result in results]}
