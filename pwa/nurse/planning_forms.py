"""Forms for planning: a new plan from the template, and one visit."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import available_timezones

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..clock import HOSPITAL_ZONE_NAME
from ..i18n import lazy_gettext as _l
from ..plans.schedule import VISIT_KINDS, VISIT_STATUSES
from ..security import CsrfForm

_ZONES = available_timezones()


def _kind_choices() -> list[SelectChoice]:
    labels = {
        "admission": _l("Hospital stay"),
        "day_visit": _l("Day visit"),
        "home_infusion": _l("Home infusion"),
    }
    return [SelectChoice(kind, labels[kind]) for kind in VISIT_KINDS]


def _status_choices() -> list[SelectChoice]:
    labels = {
        "planned": _l("Planned"),
        "confirmed": _l("Confirmed"),
        "changed": _l("Changed"),
        "completed": _l("Done"),
        "cancelled": _l("Cancelled"),
    }
    return [SelectChoice(status, labels[status]) for status in VISIT_STATUSES]


def _valid_zone(form: Any, field: Any) -> None:
    if field.data not in _ZONES:
        raise ValidationError(str(_l("Use a time zone name like Europe/Amsterdam.")))


class PlanForm(CsrfForm):
    start_date = DateField(
        _l("First day of course 1"),
        validators=[DataRequired(message=_l("Enter a date like 2027-01-12."))],
    )


class VisitForm(CsrfForm):
    course_number = IntegerField(
        _l("Course"),
        validators=[
            DataRequired(message=_l("Enter the course number.")),
            NumberRange(min=1, max=20),
        ],
    )
    kind = SelectField(_l("Kind of visit"), choices=_kind_choices)
    start_date = DateField(
        _l("Start date"), validators=[DataRequired(message=_l("Enter a date like 2027-01-12."))]
    )
    start_time = TimeField(
        _l("Start time"), validators=[DataRequired(message=_l("Enter a time like 09:00."))]
    )
    end_date = DateField(
        _l("End date"), validators=[DataRequired(message=_l("Enter a date like 2027-01-18."))]
    )
    end_time = TimeField(
        _l("End time"), validators=[DataRequired(message=_l("Enter a time like 17:00."))]
    )
    time_zone = StringField(_l("Time zone"), default=HOSPITAL_ZONE_NAME, validators=[_valid_zone])
    location = StringField(_l("Where (ward, room)"), validators=[Length(max=120)])
    family_note = TextAreaField(
        _l("Note for the family"),
        validators=[Length(max=1000)],
        description=_l("Shown to the family. No medical details in calendar feeds."),
    )
    status = SelectField(_l("Status"), choices=_status_choices, default="planned")
    confirm_overlap = BooleanField(_l("Save even though it overlaps another visit"))
    # The nurse's answer to the spacing warning (one of its two buttons), and the move in
    # days that answer was about: a different move asks again.
    later = HiddenField(validators=[Optional(), AnyOf(["move", "keep"])])
    shift_days = HiddenField()

    def answered_spacing(self, days: int) -> bool:
        return self.later.data in {"move", "keep"} and self.shift_days.data == str(days)

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.start_date.data, self.start_time.data)

    @property
    def ends(self) -> datetime:
        return datetime.combine(self.end_date.data, self.end_time.data)

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.ends <= self.starts:
            self.end_date.errors = [
                *self.end_date.errors,
                str(_l("The end must be after the start.")),
            ]
            return False
        return True


PRESCRIPTION_MAX = 300


class MedicationForm(CsrfForm):
    """One home-medication period: its days, its medicine and the prescription's words."""

    first_date = DateField(
        _l("First day"), validators=[DataRequired(message=_l("Enter a date like 2027-01-29."))]
    )
    last_date = DateField(
        _l("Last day"), validators=[DataRequired(message=_l("Enter a date like 2027-02-11."))]
    )
    # Choices are the admin's list of home medicines, set by the view.
    medicine_id = SelectField(_l("Medicine"), choices=[], validate_choice=False)
    prescription = TextAreaField(
        _l("Prescription, as written on it"),
        validators=[Length(max=PRESCRIPTION_MAX)],
        description=_l(
            "For example “20 mg twice a day with food”. The family sees exactly this text; "
            "the app never works out a dose."
        ),
        render_kw={"rows": 2},
    )

    def posted(self, name: str) -> bool:
        """Whether the request carried this field (an older form may not)."""
        return bool(self[name].raw_data)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        listed = {choice.value for choice in self.medicine_id.choices}
        if self.posted("medicine_id") and self.medicine_id.data not in listed:
            self.medicine_id.errors = [str(_l("Choose a medicine from the list."))]
            valid = False
        first, last = self.first_date.data, self.last_date.data
        if first and last and last < first:
            self.last_date.errors = [
                *self.last_date.errors,
                str(_l("The last day cannot be before the first day.")),
            ]
            valid = False
        return bool(valid)
