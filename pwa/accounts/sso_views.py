"""Staff sign-in through the hospital's OpenID provider: /login/oidc and its callback.

The flow is pwa/accounts/oidc.py, who the person is pwa/accounts/identities.py; here the
pre-sign-in cookie keeps state, nonce and PKCE verifier between the two requests, and a
sign-in ends in the same server-side session as a password sign-in (sessions.start: a new
token, the staff idle and absolute limits). The provider did the second factor, so the
app's own authenticator code is not asked. Without PWA_OIDC_ISSUER these routes are 404.
"""

from __future__ import annotations

from quart import abort, g, redirect, request, session, url_for
from quart.typing import ResponseReturnValue

from .. import security_events
from ..db import get_db
from ..limits import credential_limits, rate_limit
from ..rendering import render_template
from ..security import Access, access
from . import blueprint, identities, lockout, oidc, sessions
from .redirects import safe_next

PENDING_KEY = "sign_on"


def _configured_settings() -> oidc.SignOnSettings:
    settings = oidc.sign_on_settings()
    if not settings.configured:
        abort(404)
    return settings


async def _unavailable(error: Exception) -> ResponseReturnValue:
    security_events.record("sign_on.provider_unavailable", detail=type(error).__name__)
    return await render_template("accounts/sign_on_refused.html", reason="unavailable"), 503


@blueprint.route("/login/oidc")
@access(Access.PUBLIC)
@rate_limit(limits=credential_limits())
async def sign_on() -> ResponseReturnValue:
    """Off to the provider's sign-in page, with a fresh state, nonce and PKCE challenge."""
    settings = _configured_settings()
    if g.account is not None:
        return redirect(safe_next())
    try:
        url, pending = await oidc.begin(settings, safe_next())
    except oidc.ProviderUnavailable as error:
        return await _unavailable(error)
    session[PENDING_KEY] = pending.as_dict()
    session.permanent = True
    return redirect(url)


@blueprint.route("/login/oidc/callback")
@access(Access.PUBLIC)
@rate_limit(limits=credential_limits())
async def sign_on_callback() -> ResponseReturnValue:
    """Back from the provider: check everything, then sign in as the matching staff member."""
    settings = _configured_settings()
    # Used once: a second visit to the same callback URL finds nothing to match.
    pending = oidc.Pending.from_dict(session.pop(PENDING_KEY, None))
    try:
        person = await oidc.finish(settings, pending, request.args)
    except oidc.SignOnRefused as refusal:
        security_events.record("sign_on.refused", reason=refusal.reason)
        return await render_template("accounts/sign_on_refused.html", reason="failed"), 400
    except oidc.ProviderUnavailable as error:
        return await _unavailable(error)
    db = get_db()
    async with db.transaction() as tx:
        outcome = await identities.staff_for(tx, person)
    if isinstance(outcome, identities.Refusal):
        security_events.record("sign_on.refused", reason=str(outcome))
        return await render_template("accounts/sign_on_refused.html", reason=str(outcome)), 403
    await lockout.succeeded(db, outcome)
    await sessions.start(db, outcome, provider_id_token=person.id_token)
    assert pending is not None
    return redirect(pending.next_path)


@blueprint.route("/login/oidc/signed-out")
@access(Access.PUBLIC)
async def signed_out() -> ResponseReturnValue:
    """Where the provider sends the browser after ending its own session too."""
    _configured_settings()
    return redirect(url_for("accounts.login", signed_out=1))
