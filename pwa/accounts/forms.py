"""Forms for signing in, joining with an invite, and changing a password."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..i18n import lazy_gettext as _l
from ..security import CsrfForm
from .passwords import MAX_LENGTH, password_problem


class NewPassword:
    """Validator: the password rules, with the form's other entries as guessable words."""

    def __init__(self, *personal_fields: str) -> None:
        self.personal_fields = personal_fields

    def __call__(self, form: Any, field: Any) -> None:
        personal = [str(form[name].data or "") for name in self.personal_fields if name in form]
        # Words the view knows (the account's e-mail and name, the hospital's name).
        personal.extend(getattr(form, "known_words", ()))
        problem = password_problem(field.data or "", personal)
        if problem:
            raise ValidationError(problem)


def _required() -> DataRequired:
    return DataRequired(message=_l("Please fill this in."))


def _email_field() -> EmailField:
    return EmailField(
        _l("E-mail address"),
        validators=[
            _required(),
            Email(
                message=_l("Enter an e-mail address like name@example.org."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
        render_kw={"autocomplete": "username", "inputmode": "email", "spellcheck": "false"},
    )


class LoginForm(CsrfForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[_required(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(CsrfForm):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[_required(), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"},
    )


class InviteCodeForm(CsrfForm):
    code = StringField(
        _l("Invite code"),
        validators=[_required(), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class JoinForm(CsrfForm):
    display_name = StringField(
        _l("Your name (as the nurses may call you)"),
        validators=[_required(), Length(max=80)],
        render_kw={"autocomplete": "name"},
    )
    email = _email_field()
    password = PasswordField(
        _l("Choose a password"),
        validators=[_required(), NewPassword("email", "display_name")],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 8 characters. A few unrelated words together work well."),
    )
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[
            _required(),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    accept_privacy = BooleanField(
        _l("I have read the privacy notice and agree to it"),
        validators=[
            DataRequired(message=_l("Please read and accept the privacy notice to continue."))
        ],
    )


class LinkChildForm(CsrfForm):
    """A caregiver who is already signed in accepts an invite for another child."""

    accept_privacy = BooleanField(
        _l("I have read the privacy notice and agree to it"),
        validators=[
            DataRequired(message=_l("Please read and accept the privacy notice to continue."))
        ],
    )


class ResetForm(CsrfForm):
    password = PasswordField(
        _l("New password"),
        validators=[_required(), NewPassword()],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 8 characters. A few unrelated words together work well."),
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[
            _required(),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(CsrfForm):
    current = PasswordField(
        _l("Current password"),
        validators=[_required(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    password = ResetForm.password
    confirm = ResetForm.confirm


class PlainForm(CsrfForm):
    """A form with nothing but its CSRF token: sign out, revoke, and other buttons."""
