"""Nurse pages for reports: the review queue, one report, claiming, reviewing, changing an
outcome and replying. Opening a report changes nothing but the access log; every write
asks before it takes a report over from a colleague (hazards H8, H9)."""

from __future__ import annotations

from typing import Any

from quart import g, redirect, request, url_for
from quart.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import audit
from ..accounts.forms import PlainForm
from ..clock import utcnow
from ..db import Transaction, get_db
from ..diary import photos as report_photos
from ..diary import store as diary
from ..diary.history import Corrections
from ..families import store as families
from ..hospital import hospital_settings
from ..i18n import lazy_gettext as _l
from ..ids import parse_id
from ..notifications import escalation
from ..redflags import store as redflag_store
from ..redflags.reasons import reasons_for
from ..rendering import render_template
from ..reviews import claims, replies
from ..reviews import store as reviews
from ..reviews.outcomes import outcome_choices
from ..security import Access, CsrfForm, access, not_found_unless, require_csrf
from ..shared_names import BACKGROUND_HEADER
from . import blueprint, queue
from .summary import symptom_summary


def _reply_field(required: bool) -> TextAreaField:
    checks = [Length(max=replies.REPLY_MAX)]
    if required:
        checks.insert(0, DataRequired(message=_l("Write the reply first.")))
    return TextAreaField(
        _l("Reply to the family") if required else _l("Reply to the family (optional)"),
        validators=checks,
        description=_l(
            "The family sees this in the app; their phone only says that the care team replied."
        ),
    )


class ActionForm(CsrfForm):
    # The colleague's account id, sent only from the "take over?" page: the nurse saw who
    # held the report and chose to take it over from exactly them.
    take_over_from = HiddenField()


class ReviewForm(ActionForm):
    outcome = SelectField(_l("Outcome"), choices=outcome_choices, default="reviewed")
    reply = _reply_field(required=False)


class ReplyForm(ActionForm):
    reply = _reply_field(required=True)


class OutcomeForm(ActionForm):
    outcome = SelectField(_l("New outcome"), choices=outcome_choices)


@blueprint.route("/queue")
@access(Access.STAFF)
async def review_queue() -> ResponseReturnValue:
    db = get_db()
    now = utcnow()
    items = await queue.select_queue(db, now, await hospital_settings(db))
    total = await queue.count_queue(db) if len(items) >= queue.QUEUE_PAGE else len(items)
    rules = await redflag_store.select_rules(db)
    summaries = {item.report.id: symptom_summary(item.report, rules) for item in items}
    template = (
        "nurse/_queue_list.html" if request.headers.get(BACKGROUND_HEADER) else "nurse/queue.html"
    )
    return await render_template(
        template, items=items, total=total, now=now, form=PlainForm(), summaries=summaries
    )


@blueprint.route("/queue/review-green", methods=["POST"])
@access(Access.STAFF)
async def review_green() -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    found = (parse_id(value) for value in (await request.form).getlist("report_id"))
    ids = [report_id for report_id in found if report_id is not None]
    async with get_db().transaction() as tx:
        await reviews.review_all_green(tx, g.account.id, ids)
    return redirect(url_for("nurse.review_queue"))


async def _report(client_uuid: str) -> diary.Report:
    found = await diary.select_report(get_db(), client_uuid)
    not_found_unless(found)
    assert found is not None
    return found


async def _render_report(found: diary.Report, **extra: Any) -> str:
    db = get_db()
    state = await reviews.select_state(db, found.id)
    return await render_template(
        "nurse/report.html",
        report=found,
        child=await families.select_child(db, found.child_id),
        caregivers=await families.select_caregivers(db, found.child_id),
        state=state,
        claim=await claims.select_claim(db, found.id),
        told=await escalation.select_told(db, found.id),
        review_history=await reviews.select_history(db, found.id),
        reasons=await reasons_for(db, found.matched_rules),
        history=await diary.select_reports_for_child(db, found.child_id, limit=10),
        corrections=Corrections.from_links(await diary.select_correction_links(db, found.child_id)),
        photos=await report_photos.select_photos(db, found.id),
        form=extra.pop("form", None) or ReviewForm(),
        reply_form=extra.pop("reply_form", None) or ReplyForm(),
        outcome_form=extra.pop("outcome_form", None) or OutcomeForm(outcome=state.outcome),
        claim_form=ActionForm(),
        **extra,
    )


async def _ask_first(
    found: diary.Report, holder: claims.Claim, form: ActionForm, action: str
) -> ResponseReturnValue:
    """The "take over?" page: nothing is saved until the nurse confirms (works without JS)."""
    fields = {
        name: field.data
        for name, field in form._fields.items()
        if name not in ("csrf_token", "take_over_from") and field.data
    }
    return await render_template(
        "nurse/take_over.html",
        report=found,
        child=await families.select_child(get_db(), found.child_id),
        holder=holder,
        action=action,
        fields=fields,
        form=form,
    ), 409


@blueprint.route("/reports/<client_uuid>", methods=["GET", "POST"])
@access(Access.STAFF)
async def report(client_uuid: str) -> ResponseReturnValue:
    """GET shows the report and only logs the look; POST saves a first review (and reply)."""
    db = get_db()
    found = await _report(client_uuid)
    if request.method == "GET":
        await audit.record_read(
            db,
            actor_id=g.account.id,
            action="report.viewed",
            child_id=found.child_id,
            detail=found.client_uuid,
        )
        return await _render_report(found)
    form = await ReviewForm.from_request()
    if not form.validate():
        return await _render_report(found, form=form), 400
    text = (form.reply.data or "").strip()
    async with db.transaction() as tx:
        holder = await claims.current_claim(tx, found.id)
        confirm = _needs_confirmation(holder, form)
        recorded = None if confirm else await reviews.recorded_outcome(tx, found.id)
        # A colleague recorded another outcome meanwhile: nothing is dropped silently.
        conflict = recorded is not None and recorded != form.outcome.data
        if not confirm and not conflict:
            await _claim_for_write(tx, found, holder)
            await reviews.review(tx, found, g.account.id, form.outcome.data)
            if text:
                await replies.reply(tx, found, g.account.id, text)
    if confirm:
        assert holder is not None
        return await _ask_first(
            found, holder, form, url_for("nurse.report", client_uuid=found.client_uuid)
        )
    if conflict:
        return await _render_report(
            found,
            reply_form=ReplyForm(reply=text),
            outcome_form=OutcomeForm(outcome=form.outcome.data),
            outcome_conflict=True,
        ), 409
    return redirect(url_for("nurse.review_queue"))


def _needs_confirmation(holder: claims.Claim | None, form: ActionForm) -> bool:
    """A colleague holds the report and the nurse has not confirmed taking it from them."""
    return claims.held_by_other(holder, g.account.id) and form.take_over_from.data != str(
        holder.nurse_id if holder else ""
    )


async def _claim_for_write(
    tx: Transaction, found: diary.Report, holder: claims.Claim | None
) -> None:
    """Saving claims the report for its writer, unless they hold it already."""
    if holder is None or holder.nurse_id != g.account.id:
        await claims.claim(tx, found, g.account.id, holder)


@blueprint.route("/reports/<client_uuid>/claim", methods=["POST"])
@access(Access.STAFF)
async def claim(client_uuid: str) -> ResponseReturnValue:
    return await _write(client_uuid, ActionForm, None)


@blueprint.route("/reports/<client_uuid>/reply", methods=["POST"])
@access(Access.STAFF)
async def reply(client_uuid: str) -> ResponseReturnValue:
    return await _write(client_uuid, ReplyForm, "reply_form")


@blueprint.route("/reports/<client_uuid>/outcome", methods=["POST"])
@access(Access.STAFF)
async def change_outcome(client_uuid: str) -> ResponseReturnValue:
    return await _write(client_uuid, OutcomeForm, "outcome_form")


async def _write(
    client_uuid: str, form_class: type[ActionForm], slot: str | None
) -> ResponseReturnValue:
    """Claim, reply or change the outcome: each asks first when a colleague holds the report."""
    found = await _report(client_uuid)
    form = await form_class.from_request()
    if not form.validate():
        if slot is None:
            raise BadRequest()
        return await _render_report(found, **{slot: form}), 400
    async with get_db().transaction() as tx:
        holder = await claims.current_claim(tx, found.id)
        confirm = _needs_confirmation(holder, form)
        if not confirm:
            await _claim_for_write(tx, found, holder)
            if isinstance(form, ReplyForm):
                await replies.reply(tx, found, g.account.id, form.reply.data.strip())
            elif isinstance(form, OutcomeForm):
                await reviews.change_outcome(tx, found, g.account.id, form.outcome.data)
    if confirm:
        assert holder is not None
        return await _ask_first(found, holder, form, request.path)
    return redirect(url_for("nurse.report", client_uuid=found.client_uuid))


@blueprint.route("/reports/<client_uuid>/release", methods=["POST"])
@access(Access.STAFF)
async def release(client_uuid: str) -> ResponseReturnValue:
    found = await _report(client_uuid)
    await require_csrf(await PlainForm.from_request())
    async with get_db().transaction() as tx:
        await claims.release(tx, found, g.account.id)
    return redirect(url_for("nurse.report", client_uuid=found.client_uuid))
