"""Forms nurses use to enrol a child and hand out codes."""

from __future__ import annotations

from typing import Any

from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .. import clock
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm


def _not_in_future(form: Any, field: Any) -> None:
    if field.data and field.data > clock.today():
        raise ValidationError(str(_l("The date of birth cannot be in the future.")))


class ChildForm(CsrfForm):
    nickname = StringField(
        _l("First name or nickname"),
        validators=[DataRequired(message=_l("Please fill this in.")), Length(max=60)],
        description=_l("Only what the family calls the child; no surname needed."),
    )
    birth_date = DateField(
        _l("Date of birth"),
        validators=[DataRequired(message=_l("Enter a date like 2019-05-31.")), _not_in_future],
    )
    hospital_number = StringField(
        _l("Hospital patient number (optional)"),
        validators=[Optional(), Length(max=40)],
        description=_l("Shown to staff only, to match exports with the medical record."),
    )


class InviteForm(CsrfForm):
    note = StringField(
        _l("Who is this invite for? (optional)"),
        validators=[Optional(), Length(max=60)],
        description=_l("For example: mother, father, grandmother."),
    )
