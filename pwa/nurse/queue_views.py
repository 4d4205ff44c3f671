"""Nurse pages for reports: the review queue, one report, reviewing and replying."""

from __future__ import annotations

from quart import Blueprint, g, redirect, request, url_for
from quart.typing import ResponseReturnValue
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length

from .. import audit
from ..accounts.forms import PlainForm
from ..db import get_db, utcnow
from ..diary import photos as report_photos
from ..diary import reviews
from ..diary import store as diary
from ..diary.views import answer_label, item_label, reasons_for
from ..families import store as families
from ..hospital import hospital_settings
from ..i18n import lazy_gettext as _l
from ..rendering import render_template
from ..security import Access, CsrfForm, access, not_found_unless, require_csrf
from . import queue

blueprint = Blueprint("queue", __name__, url_prefix="/nurse")


def _outcomes() -> list[SelectChoice]:
    return [
        SelectChoice("reviewed", _l("Reviewed, no action needed")),
        SelectChoice("phoned", _l("Phoned the family")),
        SelectChoice("come_in", _l("Asked the family to come in")),
    ]


class ReviewForm(CsrfForm):
    outcome = SelectField(_l("Outcome"), choices=_outcomes, default="reviewed")
    reply = TextAreaField(
        _l("Reply to the family (optional)"),
        validators=[Length(max=queue.REPLY_MAX)],
        description=_l(
            "The family sees this in the app; their phone only says that the care team replied."
        ),
    )


@blueprint.route("/queue")
@access(Access.STAFF)
async def review_queue() -> ResponseReturnValue:
    db = get_db()
    now = utcnow()
    items = await queue.select_queue(db, now, await hospital_settings(db))
    total = await queue.count_queue(db) if len(items) >= queue.QUEUE_PAGE else len(items)
    template = (
        "nurse/_queue_list.html"
        if request.headers.get("X-Background-Refresh")
        else "nurse/queue.html"
    )
    return await render_template(template, items=items, total=total, now=now, form=PlainForm())


@blueprint.route("/queue/review-green", methods=["POST"])
@access(Access.STAFF)
async def review_green() -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    ids = [int(value) for value in (await request.form).getlist("report_id") if value.isdigit()]
    async with get_db().transaction() as connection:
        await queue.review_all_green(connection, g.account.id, ids)
    return redirect(url_for("queue.review_queue"))


async def _report(client_uuid: str) -> diary.Report:
    found = await diary.select_report(get_db(), client_uuid)
    not_found_unless(found)
    assert found is not None
    return found


@blueprint.route("/reports/<client_uuid>", methods=["GET", "POST"])
@access(Access.STAFF)
async def report(client_uuid: str) -> ResponseReturnValue:
    db = get_db()
    found = await _report(client_uuid)
    form = await ReviewForm.from_request()
    if request.method == "POST" and form.validate():
        text = (form.reply.data or "").strip()
        async with db.transaction() as connection:
            done = await queue.review(connection, found, g.account.id, form.outcome.data)
            if text:
                await queue.reply(connection, found, g.account.id, text)
        del done  # reviewed by a colleague meanwhile: the reply still goes out
        return redirect(url_for("queue.review_queue"))
    async with db.transaction() as connection:
        await queue.claim(connection, found.id, g.account.id)
        await audit.record(
            connection,
            actor_id=g.account.id,
            action="report.viewed",
            child_id=found.child_id,
            detail=found.client_uuid,
        )
    child = await families.select_child(db, found.child_id)
    return await render_template(
        "nurse/report.html",
        report=found,
        child=child,
        state=await reviews.select_state(db, found.id),
        reasons=await reasons_for(found),
        history=await diary.select_reports_for_child(db, found.child_id, limit=10),
        photos=await report_photos.select_photos(db, found.id),
        form=form,
        item_label=item_label,
        answer_label=answer_label,
    )
