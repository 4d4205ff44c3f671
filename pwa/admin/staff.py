"""Admin pages for nurse and admin accounts: list, create with a one-time set-up code,
disable (signed out at once), enable, change role, and reset the second factor."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from quart import current_app, flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from .. import audit
from ..accounts import codes, second_factor, staff
from ..accounts import store as accounts
from ..accounts.forms import PlainForm
from ..accounts.passwords import hash_password_in_thread
from ..clock import utcnow
from ..db import Transaction, get_db
from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..rendering import render_template
from ..security import Access, CsrfForm, access, not_found_unless, require_csrf
from . import blueprint


def _roles() -> list[SelectChoice]:
    return [SelectChoice("nurse", _l("Nurse")), SelectChoice("admin", _l("Admin"))]


class NewStaffForm(CsrfForm):
    display_name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Please fill this in.")), Length(max=80)],
        description=_l("As colleagues and families will see it, for example Nurse Anna de Vries."),
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(message=_l("Please fill this in.")),
            Email(
                message=_l("Enter an e-mail address like name@example.org."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
        render_kw={"autocomplete": "off", "inputmode": "email", "spellcheck": "false"},
    )
    role = SelectField(_l("Role"), choices=_roles, default="nurse")


class RoleForm(CsrfForm):
    role = SelectField(_l("Role"), choices=_roles)


async def _render(
    *,
    form: NewStaffForm | None = None,
    error: str | None = None,
    new_code: dict[str, Any] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    members = await staff.select_staff(get_db())
    page = await render_template(
        "admin/accounts.html",
        members=members,
        form=form or NewStaffForm(),
        plain_form=PlainForm(),
        role_forms={member.id: RoleForm(role=member.role) for member in members},
        error=error,
        new_code=new_code,
    )
    return page, status


async def _insert_set_up_code(tx: Transaction, account_id: int) -> tuple[str, datetime]:
    """A one-time reset code for a colleague: it sets their password, then the second
    factor is enrolled at their first sign-in. Only its hash is stored."""
    code = codes.new_code()
    expires = utcnow() + timedelta(hours=current_app.config["RESET_HOURS"])
    await accounts.insert_access_code(
        tx,
        kind="reset",
        code_hash=codes.code_hash(code),
        account_id=account_id,
        created_by=g.account.id,
        expires_at=expires,
    )
    await audit.record(
        tx, actor_id=g.account.id, action="reset.created", detail=f"account {account_id}"
    )
    return code, expires


def _code_card(code: str, expires: datetime, name: str) -> dict[str, Any]:
    """What the page shows of a new code, this once."""
    link = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/reset/{code}"
    return {
        "name": name,
        "code": codes.grouped(code),
        "link": link,
        "qr": second_factor.qr_data_uri(link),
        "expires": expires,
    }


@blueprint.route("/accounts", methods=["GET", "POST"])
@access(Access.ADMIN)
async def accounts_page() -> ResponseReturnValue:
    form = await NewStaffForm.from_request()
    if request.method != "POST":
        return await _render(form=form)
    if not form.validate():
        return await _render(form=form, status=400)
    db = get_db()
    taken = gettext("There is already an account with this e-mail address.")
    if await accounts.select_account_by_email(db, form.email.data):
        form.email.errors = [taken]
        return await _render(form=form, status=400)
    # Nobody knows this password: the colleague chooses their own with the set-up code.
    unusable = await hash_password_in_thread(secrets.token_urlsafe(32))
    try:
        async with db.transaction() as tx:
            account_id = await accounts.insert_account(
                tx,
                email=form.email.data,
                display_name=form.display_name.data,
                role=form.role.data,
                password_hash=unusable,
            )
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="account.created",
                detail=f"account {account_id} ({form.role.data})",
            )
            code, expires = await _insert_set_up_code(tx, account_id)
    except sqlite3.IntegrityError:
        # Created by someone else a moment ago.
        form.email.errors = [taken]
        return await _render(form=form, status=400)
    return await _render(new_code=_code_card(code, expires, form.display_name.data.strip()))


async def _member_or_404(account_id: int) -> staff.StaffMember:
    member = await staff.select_staff_member(get_db(), account_id)
    not_found_unless(member)
    assert member is not None
    return member


@blueprint.route("/accounts/<int:account_id>/disable", methods=["POST"])
@access(Access.ADMIN)
async def disable(account_id: int) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    member = await _member_or_404(account_id)
    if member.id == g.account.id:
        error = gettext("You cannot disable your own account. Ask another admin to do it.")
        return await _render(error=error, status=400)
    async with get_db().transaction() as tx:
        if await staff.disable(tx, member.id):
            # In the same transaction: the moment the account is off, so are its sessions.
            await accounts.revoke_sessions_of(tx, member.id)
            await staff.revoke_reset_codes(tx, member.id)
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="account.disabled",
                detail=f"account {member.id}",
            )
    await flash(
        gettext("%(name)s can no longer sign in and was signed out.", name=member.display_name)
    )
    return redirect(url_for("admin.accounts_page"))


@blueprint.route("/accounts/<int:account_id>/enable", methods=["POST"])
@access(Access.ADMIN)
async def enable(account_id: int) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    member = await _member_or_404(account_id)
    async with get_db().transaction() as tx:
        if await staff.enable(tx, member.id):
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="account.enabled",
                detail=f"account {member.id}",
            )
    await flash(gettext("%(name)s can sign in again.", name=member.display_name))
    return redirect(url_for("admin.accounts_page"))


@blueprint.route("/accounts/<int:account_id>/second-factor/reset", methods=["POST"])
@access(Access.ADMIN)
async def reset_second_factor(account_id: int) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    member = await _member_or_404(account_id)
    if member.id == g.account.id:
        error = gettext("You cannot reset your own second step. Ask another admin to do it.")
        return await _render(error=error, status=400)
    async with get_db().transaction() as tx:
        await staff.clear_second_factor(tx, member.id)
        # A session that passed the old authenticator must not outlive it.
        await accounts.revoke_sessions_of(tx, member.id)
        await audit.record(
            tx,
            actor_id=g.account.id,
            action="account.second_factor_reset",
            detail=f"account {member.id}",
        )
    await flash(
        gettext(
            "%(name)s was signed out and sets up a new authenticator at the next sign-in.",
            name=member.display_name,
        )
    )
    return redirect(url_for("admin.accounts_page"))


@blueprint.route("/accounts/<int:account_id>/role", methods=["POST"])
@access(Access.ADMIN)
async def change_role(account_id: int) -> ResponseReturnValue:
    form = await RoleForm.from_request()
    await require_csrf(form)
    member = await _member_or_404(account_id)
    if member.id == g.account.id:
        error = gettext("You cannot change your own role. Ask another admin to do it.")
        return await _render(error=error, status=400)
    async with get_db().transaction() as tx:
        if await staff.change_role(tx, member.id, form.role.data):
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="account.role_changed",
                detail=f"account {member.id}: {member.role} -> {form.role.data}",
            )
    await flash(gettext("The role of %(name)s is saved.", name=member.display_name))
    return redirect(url_for("admin.accounts_page"))


@blueprint.route("/accounts/<int:account_id>/set-up-code", methods=["POST"])
@access(Access.ADMIN)
async def set_up_code(account_id: int) -> ResponseReturnValue:
    """A new one-time code, for a colleague who lost theirs or forgot their password."""
    await require_csrf(await PlainForm.from_request())
    member = await _member_or_404(account_id)
    if member.disabled:
        error = gettext("Enable this account first: a disabled account cannot use a code.")
        return await _render(error=error, status=400)
    async with get_db().transaction() as tx:
        code, expires = await _insert_set_up_code(tx, member.id)
    return await _render(new_code=_code_card(code, expires, member.display_name))
