"""Calendar pages: make or revoke the secret feed link, the feed itself, one-visit files."""

from __future__ import annotations

from quart import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    request,
    url_for,
)
from quart.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from .. import audit
from ..accounts import codes, lockout
from ..accounts.forms import PlainForm
from ..db import get_db
from ..families.context import family_context
from ..i18n import LOCALES, gettext
from ..limits import PER_CLIENT, failures_counted
from ..rendering import render_template
from ..security import Access, access, not_found_unless, require_csrf
from . import blueprint, feeds, store
from .calendar import build_calendar

CALENDAR_MIMETYPE = "text/calendar"
# Unknown or revoked tokens from one client address in 15 minutes. Good ones never
# count: a calendar service fetches many families' feeds from one address.
FAILED_TOKENS_PER_CLIENT = PER_CLIENT * 2


def _public_url(path: str) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}{path}"


def visit_url(visit_id: int) -> str:
    """Where a calendar entry leads back to in the app (no token: it needs a sign-in).

    Written out rather than built with url_for: the URL map in docs/api.md keeps it stable.
    """
    return _public_url(f"/schedule/visits/{visit_id}")


def feed_links(token: str) -> dict[str, str]:
    """The feed as an https URL (Android, Google, Outlook) and as webcal:// (Apple)."""
    https = _public_url(url_for("plans.calendar_feed", token=token))
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


def _calendar_response(body: bytes, filename: str | None = None) -> Response:
    response = Response(body, mimetype=CALENDAR_MIMETYPE)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.route("/settings/calendar", methods=["GET", "POST"])
@access(Access.FAMILY)
async def calendar_settings() -> ResponseReturnValue:
    _, child = await family_context()
    db = get_db()
    links = None
    if request.method == "POST":
        await require_csrf(await PlainForm.from_request())
        not_found_unless(child)
        assert child is not None
        token = codes.new_code()
        async with db.transaction() as tx:
            feed_id = await feeds.replace_feed(
                tx,
                caregiver_id=g.account.id,
                child_id=child.id,
                token_hash=codes.code_hash(token),
            )
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="calendar_feed.created",
                child_id=child.id,
                detail=f"feed {feed_id}",
            )
        # Shown this once: only the token's hash is kept, so a lost link is replaced.
        links = feed_links(token)
    feed = await feeds.select_live_feed(db, g.account.id, child.id) if child else None
    return await render_template(
        "plans/calendar_settings.html", feed=feed, links=links, form=PlainForm()
    )


@blueprint.route("/settings/calendar/revoke", methods=["POST"])
@access(Access.FAMILY)
async def revoke_calendar() -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    _, child = await family_context()
    not_found_unless(child)
    assert child is not None
    async with get_db().transaction() as tx:
        revoked = await feeds.revoke_feeds(tx, caregiver_id=g.account.id, child_id=child.id)
        if revoked:
            await audit.record(
                tx, actor_id=g.account.id, action="calendar_feed.revoked", child_id=child.id
            )
    if revoked:
        await flash(
            gettext("The calendar link no longer works. Calendars that used it stop updating.")
        )
    return redirect(url_for("plans.calendar_settings"))


@blueprint.route("/calendar/<token>.ics")
@access(Access.PUBLIC)
@failures_counted
async def calendar_feed(token: str) -> ResponseReturnValue:
    """The secret feed: whoever holds the link may read it, until it is revoked.

    A good link is always answered, even from an address over its limit: a calendar
    service fetches many families' feeds from one address, and a few bogus links
    subscribed there must not stop the others. The limit keeps scanners' load down;
    the link's 130 random bits are what make guessing hopeless.
    """
    db = get_db()
    owner = await feeds.select_feed_owner(db, codes.code_hash(token))
    if owner is None:
        guesses = lockout.client_only("calendar", FAILED_TOKENS_PER_CLIENT)
        await lockout.check(db, guesses)
        await lockout.record_failure(db, guesses)
        raise NotFound()
    if owner.locale in LOCALES:
        g.locale = owner.locale  # calendar apps send no language of their own
    items = await feeds.select_calendar_visits(db, owner.child_id)
    return _calendar_response(
        build_calendar(items, name=gettext("Hospital visits"), visit_url=visit_url)
    )


@blueprint.route("/schedule/visits/<int:visit_id>.ics")
@access(Access.FAMILY)
async def visit_file(visit_id: int) -> ResponseReturnValue:
    """One visit as a file to add to any calendar by hand."""
    db = get_db()
    not_found_unless(await store.select_visit_for_caregiver(db, visit_id, g.account.id))
    item = await feeds.select_calendar_visit(db, visit_id)
    not_found_unless(item)
    assert item is not None
    body = build_calendar([item], name=gettext("Hospital visits"), visit_url=visit_url)
    return _calendar_response(body, filename=f"visit-{item.visit.starts:%Y-%m-%d}.ics")
