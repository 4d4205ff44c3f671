"""Diary pages and the sync API: the report form, advice, history and one report."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from quart import g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from ..clock import HOSPITAL_ZONE, utcnow
from ..db import get_db
from ..families.context import family_context
from ..hospital import HospitalSettings, hospital_settings, staffed_at, staffed_hours_data
from ..json_bodies import batch, checks_text_per_item
from ..plans import store as plans
from ..redflags import reasons
from ..redflags import store as redflag_store
from ..redflags.rules import strongest_per_item
from ..rendering import render_template
from ..reviews import replies
from ..reviews import store as reviews
from ..security import Access, access, not_found_unless
from ..shell.pages import offline_page
from . import blueprint, photo_views, store, sync
from .forms import report_form_class
from .history import Corrections
from .items import ITEMS, Item
from .trends import TrendChart, chosen_days, trend_charts

# The outbox (static/js/outbox.js) packs its batches to the server's limits, read from the page.


async def items_shown_now(child_id: int) -> list[Item]:
    """Enabled items; home-medication items only while that medication period runs."""
    db = get_db()
    enabled = await store.select_enabled_items(db)
    plan = await plans.select_plan(db, child_id)
    today = utcnow().astimezone(HOSPITAL_ZONE).date()
    running = set()
    if plan is not None:
        running = {
            m.name
            for m in await plans.select_medications(db, plan.id)
            if m.first_date <= today <= m.last_date
        }
    return [
        item
        for item in ITEMS
        if item.key in enabled and (item.medication is None or item.medication in running)
    ]


async def _browser_context(child_id: int, hospital: HospitalSettings) -> dict[str, Any]:
    """What the page's script needs offline: rules, recent values and the staffed hours.

    Each rule carries its reason as this reader gets it (``shown``: their language, else
    Dutch, else English, with the language and the mark the page shows next to it), so
    the advice the phone shows follows the same fallback as the server's pages."""
    db = get_db()
    rules = await redflag_store.select_rules(db)
    since = utcnow() - timedelta(hours=max([r.within_hours for r in rules], default=24))
    return {
        "rules": [{**rule.as_json(), "shown": rule.shown_reason().as_json()} for rule in rules],
        "recent": await store.select_recent_values(db, child_id, since),
        "child_id": child_id,
        "hours": staffed_hours_data(hospital),
    }


@blueprint.route("/diary/new", methods=["GET", "POST"])
@access(Access.FAMILY)
@offline_page
async def new_report() -> ResponseReturnValue:
    _, child = await family_context()
    if child is None:
        return redirect(url_for("families.home"))
    db = get_db()
    form_class = report_form_class(await items_shown_now(child.id))
    corrected = None
    corrects = request.args.get("corrects") or (await request.form).get("corrects")
    if corrects:
        corrected = await store.select_report_for_caregiver(db, corrects, g.account.id)
        not_found_unless(corrected and corrected.child_id == child.id)
    if request.method == "GET":
        # A correction starts from the old report: its answers, note and time.
        when = (corrected.observed_at if corrected else utcnow()).astimezone(HOSPITAL_ZONE)
        initial: dict[str, Any] = dict(corrected.items) if corrected else {}
        if corrected:
            initial["note"] = corrected.note
        form = form_class(
            observed_date=when.date(),
            observed_time=when.time().replace(second=0, microsecond=0),
            client_uuid=str(uuid.uuid4()),
            corrects=corrected.client_uuid if corrected else "",
            **initial,
        )
    else:
        form = await form_class.from_request()
    problem = None
    if request.method == "POST" and form.validate():
        raw = {
            "id": form.client_uuid.data or str(uuid.uuid4()),
            "child_id": child.id,
            "observed_at": form.observed_at().isoformat(),
            "items": form.answers(),
            "note": form.note.data or "",
            "corrects": form.corrects.data or None,
        }
        result = (await sync.submit(db, g.account.id, [raw]))[0]
        if result.status in {"stored", "duplicate"}:
            return redirect(url_for("diary.report", client_uuid=result.id, saved=1))
        problem = next(iter(result.errors.values()), None)
        for key, message in result.errors.items():
            if key in form:
                form[key].errors = [*form[key].errors, message]
    hospital = await hospital_settings(db)
    return await render_template(
        "diary/new.html",
        form=form,
        corrected=corrected,
        problem=problem,
        hospital=hospital,
        staffed=staffed_at(hospital, utcnow()),
        browser=await _browser_context(child.id, hospital),
    )


@blueprint.route("/diary")
@access(Access.FAMILY)
async def history() -> ResponseReturnValue:
    """Reports newest first with their state, or (``?view=trends``) the charts."""
    _, child = await family_context()
    db = get_db()
    view = "trends" if request.args.get("view") == "trends" else "reports"
    days = chosen_days(request.args.get("days"))
    reports: list[store.Report] = []
    links: list[store.CorrectionLink] = []
    states: dict[int, reviews.ReviewState] = {}
    charts: list[TrendChart] = []
    if child is not None and view == "reports":
        reports = await store.select_reports_for_child(db, child.id)
        links = await store.select_correction_links(db, child.id)
        states = await reviews.select_review_states(db, child.id)
    elif child is not None:
        today = utcnow().astimezone(HOSPITAL_ZONE).date()
        charts = await trend_charts(db, child.id, today=today, days=days)
    return await render_template(
        "diary/history.html",
        reports=reports,
        corrections=Corrections.from_links(links),
        states=states,
        view=view,
        days=days,
        trends=charts,
    )


@blueprint.route("/diary/<client_uuid>")
@access(Access.FAMILY)
async def report(client_uuid: str) -> ResponseReturnValue:
    db = get_db()
    found = await store.select_report_for_caregiver(db, client_uuid, g.account.id)
    not_found_unless(found)
    assert found is not None
    await family_context()
    links = await store.select_correction_links(db, found.child_id)
    state = await reviews.select_state(db, found.id)
    if any(reply.read_at is None for reply in state.replies):
        # The family has now seen the care team's answer; the nurse sees "read".
        async with db.transaction() as tx:
            await replies.mark_replies_read(tx, found.id)
    hospital = await hospital_settings(db)
    fired = await reasons.fired_rules(db, found.matched_rules)
    return await render_template(
        "diary/report.html",
        report=found,
        corrections=Corrections.from_links(links),
        state=state,
        reasons=reasons.in_language(strongest_per_item(fired)),
        emergency=any(rule.emergency for rule in fired),
        # The full advice belongs to the moment of saving. Later only when the server
        # rated the report higher than the phone did and no nurse has looked yet: the
        # family never saw that advice.
        show_advice=bool(request.args.get("saved"))
        or (found.server_raised_level and not state.reviewed_at and not state.replies),
        hospital=hospital,
        staffed=staffed_at(hospital, utcnow()),
        **await photo_views.report_page_photos(found),
    )


@blueprint.route("/api/reports", methods=["POST"])
@access(Access.FAMILY)
@checks_text_per_item
async def sync_reports() -> ResponseReturnValue:
    """The outbox's batch upload: one result per report, in order (docs/api.md)."""
    results = await sync.submit(get_db(), g.account.id, await batch("reports", sync.MAX_BATCH))
    return {"results": [result.as_json() for result in results]}
