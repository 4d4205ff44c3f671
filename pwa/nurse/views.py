"""Nurse pages for children: the list, enrolment, one child, invites and reset codes."""

from __future__ import annotations

from datetime import timedelta

from quart import current_app, flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import audit, clock
from ..accounts import codes, second_factor
from ..accounts import store as accounts
from ..accounts.forms import PlainForm
from ..checkins import windows as checkins
from ..clock import utcnow
from ..db import get_db
from ..diary import store as diary
from ..diary.history import Corrections
from ..diary.trends import trend_charts
from ..doses import rules as dose_rules
from ..doses import slots as doses
from ..families import card_store
from ..families import store as families
from ..families.card_store import CardFields
from ..i18n import gettext
from ..notifications import coverage
from ..plans import overview
from ..plans import store as plans
from ..rendering import render_template
from ..reviews.store import select_review_states
from ..security import Access, access, not_found_unless, require_csrf
from ..text_input import single_line
from . import blueprint
from .forms import CardForm, ChildForm, HospitalNumberForm, InviteForm


@blueprint.route("/children", methods=["GET", "POST"])
@access(Access.STAFF)
async def children() -> ResponseReturnValue:
    form = await ChildForm.from_request()
    db = get_db()
    if request.method == "POST" and form.validate():
        async with db.transaction() as tx:
            child_id = await families.insert_child(
                tx,
                nickname=form.nickname.data,
                birth_date=form.birth_date.data,
                hospital_number=form.hospital_number.data,
                created_by=g.account.id,
            )
            await audit.record(tx, actor_id=g.account.id, action="child.created", child_id=child_id)
        return redirect(url_for("nurse.child", child_id=child_id))
    everyone = await families.select_all_children(db)
    today = clock.today()
    next_visits = await plans.select_next_visit_per_child(db, today)
    dose_rule = await dose_rules.select_rule(db)
    checking_in = await checkins.children_on(db, today)
    reported = await checkins.reported_on(db, checking_in, today)
    only_missing = request.args.get("checkin") == "missing"
    if only_missing:
        everyone = [c for c in everyone if c.id in checking_in and c.id not in reported]
    return await render_template(
        "nurse/children.html",
        form=form,
        children=everyone,
        checking_in=checking_in,
        checked_in=reported,
        only_missing=only_missing,
        next_visits=next_visits,
        reached=await coverage.children_with_working_reminders(db),
        dose_flags=await dose_rules.flagged_children(db, dose_rule, today),
        dose_rule=dose_rule,
    )


async def _child_or_404(child_id: int) -> families.Child:
    child = await families.select_child(get_db(), child_id)
    not_found_unless(child)
    assert child is not None
    return child


async def _render_child(child_id: int, **extra: object) -> str:
    db = get_db()
    child = await _child_or_404(child_id)
    await audit.record_read(db, actor_id=g.account.id, action="child.viewed", child_id=child.id)
    now = utcnow()
    today = clock.today(now)
    dose_periods = [
        entry for entry in await doses.load(db, child.id) if entry.period.first_date <= today
    ]
    dose_rule = await dose_rules.select_rule(db)
    flagged = await dose_rules.flagged_children(db, dose_rule, today)
    card = await card_store.select_card(db, child.id)
    return await render_template(
        "nurse/child.html",
        card=card,
        card_form=extra.pop("card_form", None)
        or CardForm.of(card.fields if card else CardFields()),
        dose_periods=list(reversed(dose_periods)),
        dose_flag=flagged.get(child.id, 0),
        dose_rule=dose_rule,
        checkin_days=await checkins.days_with_reports(db, child.id, today),
        today=today,
        child=child,
        plan_view=await overview.for_staff(db, child.id, now),
        reports=await diary.select_reports_for_child(db, child.id, limit=30),
        states=await select_review_states(db, child.id),
        corrections=Corrections.from_links(await diary.select_correction_links(db, child.id)),
        trends=await trend_charts(db, child.id, today=today, days=14),
        caregivers=await families.select_caregivers(db, child.id),
        working_devices=await coverage.working_devices_per_caregiver(db, child.id),
        invites=await accounts.select_invites_for_child(db, child.id),
        now=utcnow(),
        invite_form=extra.pop("invite_form", None) or InviteForm(),
        number_form=extra.pop("number_form", None)
        or HospitalNumberForm(hospital_number=child.hospital_number or ""),
        plain_form=PlainForm(),
        **extra,
    )


@blueprint.route("/children/<int:child_id>")
@access(Access.STAFF)
async def child(child_id: int) -> ResponseReturnValue:
    return await _render_child(child_id)


@blueprint.route("/children/<int:child_id>/invites", methods=["POST"])
@access(Access.STAFF)
async def create_invite(child_id: int) -> ResponseReturnValue:
    child = await _child_or_404(child_id)
    form = await InviteForm.from_request()
    if not form.validate():
        return await _render_child(child.id, invite_form=form), 400
    code = codes.new_code()
    expires = utcnow() + timedelta(days=current_app.config["INVITE_DAYS"])
    async with get_db().transaction() as tx:
        invite_id = await accounts.insert_access_code(
            tx,
            kind="invite",
            code_hash=codes.code_hash(code),
            child_id=child.id,
            created_by=g.account.id,
            expires_at=expires,
            note=form.note.data or "",
        )
        await audit.record(
            tx,
            actor_id=g.account.id,
            action="invite.created",
            child_id=child.id,
            detail=f"invite {invite_id}",
        )
    link = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/invite/{code}"
    # The code is shown this once: only its hash is stored, so a lost one is replaced.
    return await _render_child(
        child.id,
        new_code={
            "code": codes.grouped(code),
            "link": link,
            "qr": second_factor.qr_data_uri(link),
            "expires": expires,
        },
    )


@blueprint.route("/children/<int:child_id>/invites/<int:invite_id>/revoke", methods=["POST"])
@access(Access.STAFF)
async def revoke_invite(child_id: int, invite_id: int) -> ResponseReturnValue:
    child = await _child_or_404(child_id)
    await require_csrf(await PlainForm.from_request())
    async with get_db().transaction() as tx:
        revoked = await accounts.revoke_invite(tx, invite_id, child.id)
        if revoked:
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="invite.revoked",
                child_id=child.id,
                detail=f"invite {invite_id}",
            )
    not_found_unless(revoked)
    return redirect(url_for("nurse.child", child_id=child.id))


@blueprint.route("/children/<int:child_id>/caregivers/<int:caregiver_id>/reset", methods=["POST"])
@access(Access.STAFF)
async def create_reset(child_id: int, caregiver_id: int) -> ResponseReturnValue:
    child = await _child_or_404(child_id)
    await require_csrf(await PlainForm.from_request())
    db = get_db()
    not_found_unless(await families.is_caregiver_of(db, caregiver_id, child.id))
    code = codes.new_code()
    expires = utcnow() + timedelta(hours=current_app.config["RESET_HOURS"])
    async with db.transaction() as tx:
        await accounts.insert_access_code(
            tx,
            kind="reset",
            code_hash=codes.code_hash(code),
            account_id=caregiver_id,
            created_by=g.account.id,
            expires_at=expires,
        )
        await audit.record(
            tx,
            actor_id=g.account.id,
            action="reset.created",
            child_id=child.id,
            detail=f"caregiver {caregiver_id}",
        )
    link = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/reset/{code}"
    return await _render_child(
        child.id,
        reset_code={
            "caregiver_id": caregiver_id,
            "code": codes.grouped(code),
            "link": link,
            "qr": second_factor.qr_data_uri(link),
            "expires": expires,
        },
    )


@blueprint.route("/children/<int:child_id>/card", methods=["POST"])
@access(Access.STAFF)
async def update_card(child_id: int) -> ResponseReturnValue:
    """Save the emergency card's clinical fields; the audit row names the fields changed,
    never their values."""
    child = await _child_or_404(child_id)
    form = await CardForm.from_request()
    if not form.validate():
        return await _render_child(child.id, card_form=form), 400
    filled_in = form.card_fields()
    async with get_db().transaction() as tx:
        stored = await card_store.select_card(tx, child.id)
        changed = filled_in.changed_from(stored.fields if stored else CardFields())
        if changed:
            await card_store.save_card(tx, child.id, filled_in, g.account.id)
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="card.updated",
                child_id=child.id,
                detail=", ".join(changed),
            )
    await flash(
        gettext("The emergency card is saved.")
        if changed
        else gettext("Nothing changed on the emergency card.")
    )
    return redirect(url_for("nurse.child", child_id=child.id, _anchor="card"))


@blueprint.route("/children/<int:child_id>/hospital-number", methods=["POST"])
@access(Access.STAFF)
async def update_hospital_number(child_id: int) -> ResponseReturnValue:
    """Set the patient number the EHR's systems use to find this record (pwa/fhir/)."""
    child = await _child_or_404(child_id)
    form = await HospitalNumberForm.from_request()
    db = get_db()
    if form.validate():
        number = single_line(form.hospital_number.data or "").strip()
        if number and await families.number_taken(db, number, child.id):
            form.hospital_number.errors = [
                gettext("Another open record already has this patient number.")
            ]
        else:
            async with db.transaction() as tx:
                await families.update_hospital_number(tx, child.id, number)
                await audit.record(
                    tx,
                    actor_id=g.account.id,
                    action="child.number_changed",
                    child_id=child.id,
                    detail="set" if number else "removed",
                )
            await flash(gettext("The patient number is saved."))
            return redirect(url_for("nurse.child", child_id=child.id, _anchor="number"))
    return await _render_child(child.id, number_form=form), 400
