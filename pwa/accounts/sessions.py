"""Server-side sessions: the cookie carries a random token, the row carries the state.

Idle and absolute timeouts depend on the role (nurses 30 minutes / 12 hours by default,
families longer: see docs/access.md), and so does the cookie: a family's persists for the
absolute lifetime, staff's ends with the browser. ``last_seen_at`` is written at most once
a minute, and background refreshes (a queue polling itself) do not count as activity.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from quart import Quart, current_app, g, request, session
from quart_auth import AuthUser, QuartAuth, current_user, login_user, logout_user

from .. import security_events
from ..clock import utcnow
from ..config import plain_http_development
from ..db import Database
from ..i18n import for_staff, language_cookie_name
from ..shared_names import BACKGROUND_HEADER
from . import store
from .store import Account

COOKIE_NAME = "__Host-session"
PRE_LOGIN_COOKIE_NAME = "__Host-pre"
# Development over plain http: names without the __Host- prefix, which demands Secure.
HTTP_COOKIE_NAME = "ic_session"
HTTP_PRE_LOGIN_COOKIE_NAME = "ic_pre"
TOUCH_INTERVAL = timedelta(minutes=1)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def lifetimes(account: Account) -> tuple[timedelta, timedelta]:
    """(idle, absolute) session limits for this account's role."""
    config = current_app.config
    if account.is_staff:
        return (
            timedelta(minutes=config["NURSE_IDLE_MINUTES"]),
            timedelta(hours=config["NURSE_ABSOLUTE_HOURS"]),
        )
    return timedelta(days=config["FAMILY_IDLE_DAYS"]), timedelta(
        days=config["FAMILY_ABSOLUTE_DAYS"]
    )


async def start(
    db: Database,
    account: Account,
    child_id: int | None = None,
    *,
    provider_id_token: str | None = None,
) -> None:
    """Sign in: a new token (never reuse a pre-login id), a new CSRF secret.

    A single sign-on session keeps the provider's ID token, for sign-out to end the
    provider's session too (pwa/accounts/sso_views.py).
    """
    token = secrets.token_urlsafe(32)
    async with db.transaction() as tx:
        await store.insert_session(
            tx,
            token_hash=token_hash(token),
            account_id=account.id,
            csrf_secret=secrets.token_hex(32),
            child_id=child_id,
            provider_id_token=provider_id_token,
        )
    session.clear()
    # A family's cookie outlives a browser restart (an installed app that forgot its
    # sign-in would strand the reports in its outbox): Max-Age is QuartAuth's duration,
    # the family session's absolute lifetime. Staff keep a browser-session cookie, gone
    # when the browser on a shared ward computer closes.
    login_user(AuthUser(token), remember=not account.is_staff)


async def end(db: Database) -> None:
    """Sign out: revoke the row, so a replayed cookie is refused, and drop the cookie."""
    session_row = g.get("session_row")
    if session_row is not None:
        async with db.transaction() as tx:
            await store.revoke_session(tx, session_row.id)
        security_events.record("session.ended", level=logging.INFO)
    g.session_row = None
    g.account = None
    logout_user()


async def load_current() -> None:
    """Before each request: resolve the cookie to a live session, or to nobody."""
    g.account = None
    g.session_row = None
    token = current_user.auth_id
    if not token:
        return
    db: Database = current_app.extensions["db"]
    found = await store.select_session(db, token_hash(token))
    if found is None:
        logout_user()
        return
    session_row, account = found
    idle, absolute = lifetimes(account)
    now = utcnow()
    if now - session_row.last_seen_at > idle or now - session_row.created_at > absolute:
        async with db.transaction() as tx:
            await store.revoke_session(tx, session_row.id)
        security_events.record("session.expired", level=logging.INFO, account_id=account.id)
        g.session_expired = True
        logout_user()
        return
    g.account = account
    g.session_row = session_row
    g.session_lifetime = absolute
    if account.locale and language_cookie_name() not in request.cookies:
        g.locale = account.locale
    if account.is_staff:
        g.locale = for_staff(g.locale)
    if (
        now - session_row.last_seen_at >= TOUCH_INTERVAL
        and BACKGROUND_HEADER not in request.headers
    ):
        async with db.transaction() as tx:
            await store.touch_session(tx, session_row.id, now)


def cookie_names(config: Mapping[str, Any]) -> tuple[str, str]:
    """(session, pre-sign-in) cookie names: __Host- and Secure unless plain http development."""
    if plain_http_development(config):
        return HTTP_COOKIE_NAME, HTTP_PRE_LOGIN_COOKIE_NAME
    return COOKIE_NAME, PRE_LOGIN_COOKIE_NAME


def init_app(app: Quart) -> None:
    secure = not plain_http_development(app.config)
    session_cookie, pre_login_cookie = cookie_names(app.config)
    auth = QuartAuth(
        cookie_name=session_cookie,
        cookie_secure=secure,
        cookie_http_only=True,
        cookie_samesite="Lax",
        cookie_path="/",
        # A family cookie's Max-Age, and the signature's age limit as a backstop: the
        # row's idle and absolute timeouts decide.
        duration=int(timedelta(days=app.config["FAMILY_ABSOLUTE_DAYS"]).total_seconds()),
    )
    auth.init_app(app)
    app.config.update(
        SESSION_COOKIE_NAME=pre_login_cookie,
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=app.config["PRE_LOGIN_MINUTES"]),
        # Send the pre-sign-in cookie only when it changes: refreshed on every response,
        # a stale copy from a parallel request (the service worker's precache) would
        # overwrite a second-factor step in progress, and cacheable static files would
        # carry a Set-Cookie.
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    app.before_request(load_current)
