"""Sign in (with a second factor for staff), sign out, join by invite, reset, settings."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from datetime import datetime
from typing import Any

from quart import abort, current_app, flash, g, redirect, request, session, url_for
from quart.typing import ResponseReturnValue

from .. import audit, security_events
from ..clock import utcnow
from ..config import plain_http_development
from ..db import Database, get_db
from ..families import store as families
from ..hospital import hospital_settings
from ..i18n import gettext, language_cookie_name, locales_for
from ..limits import (
    code_limits,
    credential_limits,
    failures_counted,
    password_change_limits,
    rate_limit,
)
from ..notifications import planner as reminders
from ..rendering import render_template
from ..security import Access, access, require_csrf
from . import blueprint, codes, enrolment, lockout, oidc, second_factor, sessions, store
from .forms import (
    ChangePasswordForm,
    CodeForm,
    InviteCodeForm,
    JoinForm,
    LinkChildForm,
    LoginForm,
    PlainForm,
    ResetForm,
)
from .oidc import sign_on_settings
from .passwords import hash_password_in_thread, verify_password_in_thread
from .redirects import safe_next

PRIVACY_VERSION = "2026-11"


@blueprint.route("/login", methods=["GET", "POST"])
@access(Access.PUBLIC)
@rate_limit(limits=credential_limits())
@failures_counted
async def login() -> ResponseReturnValue:
    if g.account is not None:
        return redirect(safe_next())
    form = await LoginForm.from_request()
    if request.method == "GET" and not form.email.data:
        # Coming from an invite just filled in (see _join).
        form.email.data = session.get("join_email")
    error = None
    if request.method == "POST" and form.validate():
        db = get_db()
        account = await store.select_account_by_email(db, form.email.data)
        tried = lockout.attempt(form.email.data, account)
        await lockout.check(db, tried)
        usable = account is not None and not account.disabled
        if await verify_password_in_thread(
            account.password_hash if usable and account else None, form.password.data
        ):
            assert account is not None
            if _staff_without_passwords(account):
                # Staff sign in through the hospital's provider only (docs/access.md).
                security_events.record("sign_in.staff_password_refused", account_id=account.id)
                form.password.data = ""
                return await _login_page(
                    form,
                    gettext(
                        "Hospital staff sign in with the hospital's sign-in button, "
                        "not with a password."
                    ),
                )
            if account.is_staff:
                # Not signed in yet: the count is cleared only after the second factor.
                return await _ask_second_factor(db, account, safe_next())
            await lockout.succeeded(db, account)
            children = await families.select_children_of_caregiver(db, account.id)
            await sessions.start(db, account, children[0].id if children else None)
            return redirect(safe_next())
        await lockout.record_failure(db, tried)
        error = gettext("The e-mail address or password is not correct.")
    if g.get("session_expired") or request.args.get("expired"):
        error = gettext("You were signed out because the session ended. Please sign in again.")
    form.password.data = ""
    return await _login_page(form, error)


async def _login_page(form: LoginForm, error: str | None) -> ResponseReturnValue:
    """The sign-in page: the password form, and the hospital's sign-in button for staff
    when single sign-on is set up (the password form is then "for families" when staff
    passwords are switched off)."""
    settings = sign_on_settings()
    name = settings.name or (await hospital_settings(get_db())).name
    return await render_template(
        "accounts/login.html",
        form=form,
        error=error,
        sign_on_name=name if settings.configured else None,
        staff_passwords=settings.local_staff_login,
    )


async def _ask_second_factor(
    db: Database, account: store.Account, next_path: str
) -> ResponseReturnValue:
    """After a correct password, staff go on to their code, or set up an authenticator."""
    session.clear()
    session["mfa_account_id"] = account.id
    session["mfa_started"] = time.time()
    if account.totp_secret is None:
        # The new key stays on the server; the cookie carries only a handle to it.
        session["mfa_enrolment"] = await enrolment.start(db, account.id)
        return redirect(url_for("accounts.enrol_second_factor", next=next_path))
    return redirect(url_for("accounts.second_factor_code", next=next_path))


async def _pending_staff_account() -> store.Account | None:
    """The staff member who gave a correct password in the last few minutes, if any."""
    account_id = session.get("mfa_account_id")
    started = session.get("mfa_started")
    if account_id is None or started is None:
        return None
    if time.time() - float(started) > enrolment.WINDOW.total_seconds():
        session.clear()
        return None
    account = await store.select_account(get_db(), int(account_id))
    if account is None or account.disabled or not account.is_staff:
        return None
    return account


@blueprint.route("/login/code", methods=["GET", "POST"])
@access(Access.PUBLIC)
@rate_limit(limits=credential_limits())
@failures_counted
async def second_factor_code() -> ResponseReturnValue:
    account = await _pending_staff_account()
    if account is None or account.totp_secret is None:
        return redirect(url_for("accounts.login"))
    form = await CodeForm.from_request()
    error = None
    if request.method == "POST" and form.validate():
        db = get_db()
        tried = lockout.attempt(account.email, account)
        await lockout.check(db, tried)
        step = second_factor.matching_step(account.totp_secret, form.code.data)
        if step is not None:
            async with db.transaction() as tx:
                fresh = await store.claim_totp_step(tx, account.id, step)
            if fresh:
                await lockout.succeeded(db, account)
                await sessions.start(db, account)
                return redirect(safe_next())
        await lockout.record_failure(db, tried)
        error = gettext(
            "That code is not right, or was used already. Wait for the next code and try again."
        )
    form.code.data = ""
    return await render_template("accounts/second_factor.html", form=form, error=error)


@blueprint.route("/login/enrol", methods=["GET", "POST"])
@access(Access.PUBLIC)
@rate_limit(limits=credential_limits())
@failures_counted
async def enrol_second_factor() -> ResponseReturnValue:
    account = await _pending_staff_account()
    if account is None or account.totp_secret is not None:
        return redirect(url_for("accounts.login"))
    secret = await enrolment.pending_secret(get_db(), account.id, session.get("mfa_enrolment"))
    if secret is None:
        return redirect(url_for("accounts.login"))
    form = await CodeForm.from_request()
    error = None
    if request.method == "POST" and form.validate():
        db = get_db()
        tried = lockout.attempt(account.email, account)
        await lockout.check(db, tried)
        step = second_factor.matching_step(secret, form.code.data)
        if step is not None:
            async with db.transaction() as tx:
                await store.set_totp_secret(tx, account.id, secret, step)
                await enrolment.forget(tx, account.id)
                await audit.record(tx, actor_id=account.id, action="account.second_factor_enrolled")
            await lockout.succeeded(db, account)
            await sessions.start(db, account)
            return redirect(safe_next())
        await lockout.record_failure(db, tried)
        error = gettext(
            "That code is not right. Check the time on your phone and try the next code."
        )
    uri = second_factor.provisioning_uri(secret, account.email)
    form.code.data = ""
    return await render_template(
        "accounts/enrol.html",
        form=form,
        error=error,
        qr=second_factor.qr_data_uri(uri),
        secret=secret,
    )


@blueprint.route("/logout", methods=["POST"])
@access(Access.PUBLIC)
async def logout() -> ResponseReturnValue:
    if g.account is not None:
        await require_csrf(await PlainForm.from_request())
    db = get_db()
    session_row = g.get("session_row")
    id_token = await store.select_provider_id_token(db, session_row.id) if session_row else None
    await sessions.end(db)
    settings = sign_on_settings()
    if id_token and settings.configured:
        # Signed in through the hospital's provider: end its session too, where it can.
        provider_logout = await oidc.logout_url(settings, id_token)
        if provider_logout:
            return redirect(provider_logout)
    return redirect(url_for("accounts.login", signed_out=1))


@blueprint.route("/invite", methods=["GET", "POST"])
@access(Access.PUBLIC)
@rate_limit(limits=code_limits())
async def enter_invite() -> ResponseReturnValue:
    form = await InviteCodeForm.from_request()
    if request.method == "POST" and form.validate():
        return redirect(url_for("accounts.invite", code=codes.normalise(form.code.data)))
    return await render_template("accounts/enter_invite.html", form=form)


@blueprint.route("/invite/<code>", methods=["GET", "POST"])
@access(Access.PUBLIC)
@rate_limit(limits=code_limits())
async def invite(code: str) -> ResponseReturnValue:
    db = get_db()
    invite = await store.select_access_code(db, "invite", codes.code_hash(code))
    now = utcnow()
    account = g.account
    if invite is not None and account is not None and invite.used_by == account.id:
        # Joined a moment ago and then signed in (see _join): the invite is theirs.
        child = await families.select_child(db, invite.child_id) if invite.child_id else None
        if child is not None:
            await flash(
                gettext("Welcome! Your account is linked to %(name)s.", name=child.nickname)
            )
        return redirect(url_for("families.home"))
    if invite is None or not invite.usable_at(now) or invite.child_id is None:
        return await render_template("accounts/code_not_valid.html", kind="invite"), 404
    child = await families.select_child(db, invite.child_id)
    if child is None or child.closed:
        return await render_template("accounts/code_not_valid.html", kind="invite"), 404
    if account is not None and account.role != "caregiver":
        return await render_template("accounts/code_not_valid.html", kind="staff"), 403
    form = await (LinkChildForm if account else JoinForm).from_request()
    if account is None:
        form.known_words = await _known_words(None)
    if request.method == "POST" and form.validate():
        if account is None:
            return await _join(db, invite, form, code, now)
        await _redeem(db, invite, account, form, "", now)
        await flash(gettext("Welcome! Your account is linked to %(name)s.", name=child.nickname))
        return redirect(url_for("families.home"))
    if hasattr(form, "password"):
        form.password.data = ""
        form.confirm.data = ""
    return await render_template(
        "accounts/invite.html", form=form, child=child, error=None, privacy_version=PRIVACY_VERSION
    )


async def _join(
    db: Database, invite: store.AccessCode, form: Any, code: str, now: datetime
) -> ResponseReturnValue:
    """Join by invite, answering alike whether or not the address has an account already.

    A new address gets its account and the child; a known one gets nothing (its owner
    signs in and accepts the invite then). Both hash the password (the slow step), both
    send the person to sign in with this invite as the next page, with the same words:
    the status, the page and the time do not tell whether the address was known.
    """
    # Hash before taking the write lock: argon2 is slow on purpose.
    password_hash = await hash_password_in_thread(form.password.data)
    if await store.select_account_by_email(db, form.email.data) is None:
        # IntegrityError: the same address joined through another invite a moment ago.
        with contextlib.suppress(sqlite3.IntegrityError):
            await _redeem(db, invite, None, form, password_hash, now)
    session["join_email"] = form.email.data
    await flash(
        gettext(
            "Almost done: sign in with this e-mail address to open the invite. If you had an "
            "account with this address already, use its password and accept the invite there."
        )
    )
    return redirect(url_for("accounts.login", next=url_for("accounts.invite", code=code)))


async def _known_words(account: store.Account | None) -> list[str]:
    """The account's own words and the hospital's name, which a new password must not lean on."""
    words = [(await hospital_settings(get_db())).name]
    if account is not None:
        words += [account.email, account.display_name]
    return words


async def _redeem(
    db: Database,
    invite: store.AccessCode,
    account: store.Account | None,
    form: Any,
    password_hash: str,
    now: datetime,
) -> int:
    """Create or reuse the caregiver, use the code and link the child, all in one transaction."""
    assert invite.child_id is not None
    async with db.transaction() as tx:
        if account is None:
            caregiver_id = await store.insert_account(
                tx,
                email=form.email.data,
                display_name=form.display_name.data,
                role="caregiver",
                password_hash=password_hash,
                locale=g.locale,
                privacy_version=PRIVACY_VERSION,
            )
        else:
            caregiver_id = account.id
        used = await store.use_access_code(tx, invite.id, caregiver_id, now)
        if not used:
            # Someone redeemed it a moment ago: undo everything.
            raise _CodeGone()
        await families.link_caregiver(tx, caregiver_id, invite.child_id)
        await reminders.plan_for_child(tx, invite.child_id)
        await audit.record(
            tx, actor_id=caregiver_id, action="invite.redeemed", child_id=invite.child_id
        )
        if account is not None:
            await store.set_session_child(tx, g.session_row.id, invite.child_id)
    return caregiver_id


class _CodeGone(Exception):
    """The code was used or revoked between reading and redeeming it."""


@blueprint.route("/reset/<code>", methods=["GET", "POST"])
@access(Access.PUBLIC)
@rate_limit(limits=code_limits())
async def reset(code: str) -> ResponseReturnValue:
    db = get_db()
    reset_code = await store.select_access_code(db, "reset", codes.code_hash(code))
    now = utcnow()
    if reset_code is None or not reset_code.usable_at(now) or reset_code.account_id is None:
        return await render_template("accounts/code_not_valid.html", kind="reset"), 404
    account = await store.select_account(db, reset_code.account_id)
    if account is None or account.disabled or _staff_without_passwords(account):
        return await render_template("accounts/code_not_valid.html", kind="reset"), 404
    form = await ResetForm.from_request()
    form.known_words = await _known_words(account)
    if request.method == "POST" and form.validate():
        password_hash = await hash_password_in_thread(form.password.data)
        async with db.transaction() as tx:
            if not await store.use_access_code(tx, reset_code.id, account.id, now):
                raise _CodeGone()
            await store.update_password(tx, account.id, password_hash)
            await store.revoke_sessions_of(tx, account.id)
            await store.revoke_reset_codes(tx, account.id)
            await audit.record(tx, actor_id=account.id, action="account.password_reset")
        if g.account is not None:
            await sessions.end(db)
        if account.is_staff:
            # A reset code proves the password step only: staff still need their second
            # factor (a new colleague sets it up here, after their first password).
            response = await _ask_second_factor(db, account, "/")
            await flash(gettext("Your new password is set."))
            return response
        # A reset code from the team proves the account is theirs, as a sign-in does.
        await lockout.succeeded(db, account)
        children = await families.select_children_of_caregiver(db, account.id)
        await sessions.start(db, account, children[0].id if children else None)
        await flash(gettext("Your new password is set."))
        return redirect(url_for("families.home"))
    form.password.data = ""
    form.confirm.data = ""
    return await render_template("accounts/reset.html", form=form, account=account)


def _staff_without_passwords(account: store.Account) -> bool:
    """Staff passwords are switched off: staff sign in through the hospital's provider."""
    return account.is_staff and not sign_on_settings().local_staff_login


@blueprint.route("/settings", methods=["GET"])
@access(Access.SIGNED_IN)
async def settings() -> ResponseReturnValue:
    phone = None if g.account.is_staff else await families.select_phone(get_db(), g.account.id)
    return await render_template("accounts/settings.html", form=PlainForm(), phone=phone)


@blueprint.route("/settings/password", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@rate_limit(limits=password_change_limits())
async def change_password() -> ResponseReturnValue:
    form = await ChangePasswordForm.from_request()
    form.known_words = await _known_words(g.account)
    if request.method == "POST" and form.validate():
        db = get_db()
        if await verify_password_in_thread(g.account.password_hash, form.current.data):
            password_hash = await hash_password_in_thread(form.password.data)
            async with db.transaction() as tx:
                await store.update_password(tx, g.account.id, password_hash)
                await store.revoke_sessions_of(tx, g.account.id, keep=g.session_row.id)
                await store.revoke_reset_codes(tx, g.account.id)
                await audit.record(tx, actor_id=g.account.id, action="account.password_changed")
            await flash(gettext("Your password is changed. Other devices were signed out."))
            return redirect(url_for("accounts.settings"))
        form.current.errors = [gettext("This is not your current password.")]
    for field in (form.current, form.password, form.confirm):
        field.data = ""
    return await render_template("accounts/change_password.html", form=form)


@blueprint.route("/settings/language", methods=["POST"])
@access(Access.PUBLIC)
async def choose_language() -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    chosen = (await request.form).get("lang", "")
    if chosen not in locales_for(g.account is not None and g.account.is_staff):
        abort(400)
    if g.account is not None:
        async with get_db().transaction() as tx:
            await store.update_locale(tx, g.account.id, chosen)
    response = redirect(safe_next())
    response.set_cookie(
        language_cookie_name(),
        chosen,
        max_age=60 * 60 * 24 * 365,
        secure=not plain_http_development(current_app.config),
        httponly=True,
        samesite="Lax",
        path="/",
    )
    return response


@blueprint.route("/privacy")
@access(Access.PUBLIC)
async def privacy() -> ResponseReturnValue:
    return await render_template("accounts/privacy.html", privacy_version=PRIVACY_VERSION)


@blueprint.app_errorhandler(_CodeGone)
async def code_gone(_: _CodeGone) -> ResponseReturnValue:
    """A code used or revoked a moment ago looks like any other code that no longer works."""
    return await render_template("accounts/code_not_valid.html", kind="invite"), 409
