"""Family pages: home, the "when to call us" card, and the child switcher."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from quart import current_app, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import clock, pagecache
from ..accounts import store as accounts
from ..accounts.forms import PlainForm
from ..accounts.redirects import safe_next
from ..checkins import windows as checkins
from ..clock import utcnow
from ..db import get_db
from ..doses import slots as doses
from ..hospital import hospital_settings, next_staffed_change, staffed_at
from ..ids import parse_id
from ..notifications import store as notification_store
from ..plans import overview
from ..plans import store as plan_store
from ..rendering import render_template
from ..reviews import replies, waiting
from ..security import Access, access, not_found_unless, require_csrf
from ..shell.pages import offline_page
from . import blueprint, store
from .context import family_context


@blueprint.route("/")
@access(Access.SIGNED_IN)
@offline_page
async def home() -> ResponseReturnValue:
    if g.account.is_staff:
        return redirect(url_for("nurse.review_queue"))
    return await pagecache.serve("home", _render_home)


async def _render_home() -> tuple[str, datetime]:
    """The home page and the moment it starts to read differently (a midnight, a stay's
    start or end)."""
    db = get_db()
    now = utcnow()
    hospital = await hospital_settings(db)
    # Which promise a waiting report shows first; the phone decides again (call-card.js),
    # and the kept page goes when the ward opens or closes.
    staffed = staffed_at(hospital, now)
    children, child = await family_context()
    view = await overview.for_family(db, g.account.id, child.id, now) if child else None
    today = clock.today(now)
    dose_card = await _dose_card(child.id, view, today) if child and view else []
    page = await render_template(
        "families/home.html",
        children=children,
        child=child,
        view=view,
        packing=await plan_store.select_packing_items(db),
        replies=await replies.select_unread_replies(db, g.account.id),
        waiting=await waiting.select_waiting(db, child.id) if child else [],
        hospital=hospital,
        staffed=staffed,
        form=PlainForm(),
        now=now,
        dose_card=dose_card,
        dose_today=today,
        checkin=await checkins.today_for_child(db, child.id, today) if child else None,
        push_trouble=await _push_trouble(g.account.id),
        mail_on=current_app.extensions.get("mail") is not None,
    )
    changes = (
        view.next_change(now)
        if view is not None
        else overview.next_change(now, [clock.HOSPITAL_ZONE_NAME], [])
    )
    return page, min(changes, next_staffed_change(hospital, now))


async def _dose_card(
    child_id: int, view: overview.Overview, today: date
) -> list[doses.PeriodDoses]:
    """The doses of home's card: yesterday's, today's and tomorrow's, so the phone shows
    the right day's on a kept copy; nothing to read when no medicine period is near."""
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    if not any(
        p.medicine_id and p.first_date <= tomorrow and p.last_date >= yesterday
        for p in view.medications
    ):
        return []
    return [
        entry
        for entry in await doses.load(get_db(), child_id, yesterday, tomorrow, view.medications)
        if entry.period.last_date >= today or entry.open_on(yesterday)
    ]


async def _push_trouble(account_id: int) -> bool:
    """Whether home says that reminders stopped reaching the phone: not once the caregiver
    gets them by e-mail."""
    db = get_db()
    if not await notification_store.push_in_trouble(db, account_id):
        return False
    return not (await notification_store.select_preference(db, account_id)).email_reminders


@blueprint.route("/call")
@access(Access.PUBLIC)
@offline_page
async def call_us() -> ResponseReturnValue:
    """The "when to call us" card: public, so it also helps when signed out or offline."""
    if g.account is not None and not g.account.is_staff:
        await family_context()
    hospital = await hospital_settings(get_db())
    return await render_template(
        "families/call.html", hospital=hospital, staffed=staffed_at(hospital, utcnow())
    )


@blueprint.route("/children/switch", methods=["POST"])
@access(Access.FAMILY)
async def switch_child() -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    child_id = parse_id((await request.form).get("child_id"))
    not_found_unless(child_id)
    assert child_id is not None
    db = get_db()
    not_found_unless(await store.is_caregiver_of(db, g.account.id, child_id))
    async with db.transaction() as tx:
        await accounts.set_session_child(tx, g.session_row.id, child_id)
    return redirect(safe_next())
