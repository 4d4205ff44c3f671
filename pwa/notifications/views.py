"""Reminders on this phone: the push API the page calls, and the reminders settings page.

The page (static/js/push.js) subscribes only from a tap, posts the browser's subscription
here, and on every app open checks that the server still knows it under the current key.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from datetime import timedelta
from typing import Any

import aiohttp
from quart import (
    Quart,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    url_for,
)
from quart.typing import ResponseReturnValue
from quart_rate_limiter import RateLimit

from .. import audit, clock
from ..accounts.forms import PlainForm
from ..db import Transaction, get_db
from ..families import store as families
from ..i18n import gettext
from ..limits import by_account, rate_limit
from ..rendering import render_template
from ..security import Access, access, not_found_unless, require_csrf
from . import blueprint, devices, jobs, planner, status, store
from .endpoints import EndpointPolicy, EndpointRefused
from .forms import FamilyPreferenceForm, StaffPreferenceForm
from .keys import VapidKeys
from .sender import Sender

# A test notification is a tap away; a stuck finger must not flood the push service.
TEST_LIMIT = RateLimit(6, timedelta(minutes=10), by_account)
KICK_LOCK = "reminders.kick_lock"
# Every body of the push API is a small JSON object: far less than this.
MAX_BODY = 8 * 1024


def _keys() -> VapidKeys:
    keys: VapidKeys = current_app.extensions["vapid"]
    return keys


def _endpoints() -> EndpointPolicy:
    policy: EndpointPolicy = current_app.extensions["push_endpoints"]
    return policy


async def _json_body() -> Any:
    """The request's JSON, or 413 past MAX_BODY (a subscription is well under 1 KB)."""
    declared = request.content_length or 0
    if declared > MAX_BODY or len(await request.get_data(cache=True)) > MAX_BODY:
        abort(413)
    return await request.get_json(silent=True)


# --- the JSON API ------------------------------------------------------------------


@blueprint.route("/api/push/public-key")
@access(Access.SIGNED_IN)
async def public_key() -> ResponseReturnValue:
    """The key to subscribe with, and which of the caller's devices the server knows
    (as endpoint digests, so no endpoint ever travels back to a page)."""
    known = await store.select_subscriptions(get_db(), g.account.id)
    return {
        "publicKey": _keys().public_key,
        "devices": [devices.endpoint_digest(device.endpoint) for device in known],
    }


@blueprint.route("/api/push/subscriptions", methods=["POST"])
@access(Access.SIGNED_IN)
async def subscribe() -> ResponseReturnValue:
    body = await _json_body()
    try:
        device = devices.parse(
            body,
            endpoints=_endpoints(),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except devices.InvalidSubscription as error:
        return {"error": "Bad Request", "detail": str(error)}, 400
    async with get_db().transaction() as tx:
        subscription_id = await store.upsert_subscription(
            tx,
            account_id=g.account.id,
            endpoint=device.endpoint,
            p256dh=device.p256dh,
            auth=device.auth,
            vapid_public_key=_keys().public_key,
            device_label=device.label,
        )
        if g.account.is_staff:
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="push.device_added",
                detail=f"device {subscription_id}",
            )
    return {"status": "saved"}, 201


@blueprint.route("/api/push/subscriptions", methods=["DELETE"])
@access(Access.SIGNED_IN)
async def unsubscribe() -> ResponseReturnValue:
    body = await _json_body()
    endpoint = body.get("endpoint") if isinstance(body, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        return {"error": "Bad Request", "detail": "endpoint"}, 400
    with contextlib.suppress(EndpointRefused):
        endpoint = _endpoints().check(endpoint)  # as it was stored; else as sent (older rows)
    async with get_db().transaction() as tx:
        removed = await store.delete_subscription_of(tx, g.account.id, endpoint)
        if removed and g.account.is_staff:
            await audit.record(tx, actor_id=g.account.id, action="push.device_removed")
    not_found_unless(removed)
    return "", 204


@blueprint.route("/api/push/test", methods=["POST"])
@access(Access.SIGNED_IN)
@rate_limit(limits=[TEST_LIMIT])
async def send_test() -> ResponseReturnValue:
    """Plan a test notification for all the caller's devices and send it right away when
    the sender runs in this process (else the next `pwa send-reminders` run sends it)."""
    await _json_body()  # nothing is read from it, but a large one is refused all the same
    async with get_db().transaction() as tx:
        await planner.plan_test(tx, g.account.id, secrets.token_urlsafe(12))
    known = await store.select_subscriptions(get_db(), g.account.id)
    sending_now = status.sender_in_app(current_app.config)
    if sending_now:
        current_app.add_background_task(send_now, current_app._get_current_object())  # type: ignore[attr-defined]
    return {"status": "queued", "devices": len(known), "sendingNow": sending_now}, 202


async def send_now(app: Quart) -> None:
    """One extra sender run, so a test notification arrives in seconds rather than at the
    loop's next turn. Claims are atomic, so running beside the loop sends nothing twice;
    if another extra run is busy already, the loop picks the job up instead."""
    lock: asyncio.Lock = app.extensions.setdefault(KICK_LOCK, asyncio.Lock())
    if lock.locked():
        return
    async with lock, aiohttp.ClientSession() as session:
        await Sender.for_app(app, app.extensions["db"]).run_once(session)


# --- the settings page ---------------------------------------------------------------


async def _replan_family(
    tx: Transaction, account_id: int, saved: store.Preference, child_ids: list[int]
) -> None:
    """A channel switched off: nothing pending goes out over it. Then every child's visits
    are planned again for the channels that are on (jobs cancelled earlier come back).
    Medication jobs are always dropped and planned again by the sender's next run, so a
    changed time takes effect; today's check-in reminder is planned again at once."""
    await jobs.cancel_jobs_for_recipient(tx, account_id, "medication")
    await jobs.cancel_jobs_for_recipient(tx, account_id, planner.CHECKIN_KIND)
    if not saved.reminders_enabled:
        await jobs.cancel_jobs_for_recipient(tx, account_id, "visit", jobs.PUSH)
    if not saved.email_reminders:
        await jobs.cancel_jobs_for_recipient(tx, account_id, "visit", jobs.EMAIL)
    for child_id in child_ids:
        await planner.plan_for_child(tx, child_id)
    # Today's check-in reminder at the new time (or none); one already sent stays the one.
    await planner.plan_checkin_reminders(tx, clock.today(), recipient_id=account_id)


@blueprint.route("/settings/reminders", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
async def settings() -> ResponseReturnValue:
    db = get_db()
    account = g.account
    current = await store.select_preference(db, account.id)
    form_class = StaffPreferenceForm if account.is_staff else FamilyPreferenceForm
    mail_on = current_app.extensions.get("mail") is not None
    if request.method == "POST":
        form = _without_mail(await form_class.from_request(), mail_on)
        if form.validate():
            saved = form.to_preference(current)
            children = (
                []
                if account.is_staff
                else await families.select_children_of_caregiver(db, account.id)
            )
            async with db.transaction() as tx:
                await store.save_preference(tx, account.id, saved)
                if account.is_staff:
                    await audit.record(
                        tx,
                        actor_id=account.id,
                        action="reminders.preferences_updated",
                        detail=f"red alerts {'on' if saved.red_alerts else 'off'}",
                    )
                else:
                    await _replan_family(tx, account.id, saved, [child.id for child in children])
            await flash(gettext("Your reminder settings are saved."))
            return redirect(url_for("notifications.settings"))
    else:
        form = _without_mail(form_class(data=form_class.data_from(current)), mail_on)
    known = await store.select_subscriptions(db, account.id)
    return await render_template(
        "notifications/settings.html",
        form=form,
        devices=[(device, devices.endpoint_digest(device.endpoint)) for device in known],
        plain_form=PlainForm(),
        preference=current,
        push_in_trouble=not account.is_staff and await store.push_in_trouble(db, account.id),
    )


def _without_mail(form: Any, mail_on: bool) -> Any:
    """Without a mail relay there is no e-mail to offer: the choice is left as it was."""
    if not mail_on and "email_reminders" in form:
        del form.email_reminders
    return form


@blueprint.route("/settings/reminders/devices/<int:subscription_id>/remove", methods=["POST"])
@access(Access.SIGNED_IN)
async def remove_device(subscription_id: int) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    async with get_db().transaction() as tx:
        removed = await store.delete_device_of(tx, g.account.id, subscription_id)
        if removed and g.account.is_staff:
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="push.device_removed",
                detail=f"device {subscription_id}",
            )
    not_found_unless(removed)
    await flash(gettext("The device is removed. It gets no more reminders from this app."))
    return redirect(url_for("notifications.settings"))
