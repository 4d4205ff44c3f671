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

from ..admin.forms import WholeNumberField
from ..admin.language_fields import add_language_fields, language_fields, written_in_field
from ..clock import HOSPITAL_ZONE_NAME
from ..hospital_texts import language_label
from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..plans.kinds import VisitKind
from ..plans.schedule import VISIT_STATUSES
from ..security import CsrfForm

_ZONES = available_timezones()


def kind_choices(
    kinds: list[VisitKind], locale: str, *, short: bool, keep: str | None = None
) -> list[SelectChoice]:
    """The admin's active kinds for one form (short visits, or visits planned by dates),
    plus the kind a visit has now even if the admin switched it off since."""
    return [
        SelectChoice(kind.key, kind.name(locale))
        for kind in kinds
        if kind.short == short and (kind.active or kind.key == keep)
    ]


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


NOTE_MAX = 1000
NOTE = "family_note"


class FamilyNoteLanguages(CsrfForm):
    """The note for the family in the language the nurse wrote it in, and in the languages
    its caregivers read (fields ``family_note_ar`` ...): the view keeps only those
    (``keep_note_languages``)."""

    family_note_language = written_in_field(_l("Language of the note"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in language_fields(self, NOTE):
            code = field.name.rsplit("_", 1)[1]
            field.label.text = language_label(gettext("Note for the family in %(language)s"), code)
            field.description = gettext(
                "Caregivers who read this language see these words instead of the note above. "
                "Empty: they see the note above."
            )

    def keep_note_languages(self, languages: set[str]) -> None:
        """Only the languages the child's caregivers read; the others are not asked."""
        for field in language_fields(self, NOTE):
            if field.name.rsplit("_", 1)[1] not in languages:
                del self[field.name]

    def family_notes(self) -> dict[str, str]:
        """{language: note} for the languages asked (empty: no note in that language)."""
        return {
            field.name.rsplit("_", 1)[1]: (field.data or "").strip()
            for field in language_fields(self, NOTE)
        }

    def check_note_languages(self) -> bool:
        """A note in another language translates the note itself, so that comes first."""
        if (self[NOTE].data or "").strip() or not any(self.family_notes().values()):
            return True
        self[NOTE].errors = [
            *self[NOTE].errors,
            gettext("Write the note here first: the other languages say the same."),
        ]
        return False


class PlanForm(CsrfForm):
    start_date = DateField(
        _l("First day of course 1"),
        validators=[DataRequired(message=_l("Enter a date like 2027-01-12."))],
    )


class VisitForm(FamilyNoteLanguages):
    course_number = IntegerField(
        _l("Course"),
        validators=[
            DataRequired(message=_l("Enter the course number.")),
            NumberRange(min=1, max=20),
        ],
    )
    # Choices are the admin's kinds of visit planned by dates, set by the view.
    kind = SelectField(_l("Kind of visit"), choices=[], validate_choice=False)
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
        validators=[Length(max=NOTE_MAX)],
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
        valid = super().validate(extra_validators)
        valid = self.check_note_languages() and valid
        if not (_listed_kind(self) and valid):
            return False
        if self.ends <= self.starts:
            self.end_date.errors = [
                *self.end_date.errors,
                str(_l("The end must be after the start.")),
            ]
            return False
        return True


def _listed_kind(form: Any) -> bool:
    """The posted kind is one the form offers (a kind switched off meanwhile is not)."""
    if form.kind.data in {choice.value for choice in form.kind.choices}:
        return True
    form.kind.errors = [str(_l("Choose a kind of visit from the list."))]
    return False


MIN_MINUTES, MAX_MINUTES = 5, 720  # as the visit_kind table allows


class ShortVisitForm(FamilyNoteLanguages):
    """A short visit on one day: a scan, a hearing test, a check at the outpatient clinic."""

    # Choices are the admin's active kinds of short visit, set by the view.
    kind = SelectField(_l("Kind of visit"), choices=[], validate_choice=False)
    title = StringField(
        _l("Title (optional)"),
        validators=[Length(max=80)],
        description=_l(
            "For example “MIBG scan”. Empty: the kind's name. The family sees it in the app; "
            "calendars show only the kind."
        ),
    )
    location = StringField(_l("Where (department, hospital)"), validators=[Length(max=120)])
    start_date = DateField(
        _l("Date"), validators=[DataRequired(message=_l("Enter a date like 2027-01-12."))]
    )
    start_time = TimeField(
        _l("Start time"), validators=[DataRequired(message=_l("Enter a time like 09:00."))]
    )
    duration = WholeNumberField(
        _l("How long, in minutes (optional)"),
        validators=[
            Optional(),
            NumberRange(
                min=MIN_MINUTES,
                max=MAX_MINUTES,
                message=_l("Enter a number of minutes from %(min)s to %(max)s."),
            ),
        ],
        description=_l("Empty: the usual length of this kind of visit."),
    )
    time_zone = StringField(_l("Time zone"), default=HOSPITAL_ZONE_NAME, validators=[_valid_zone])
    family_note = TextAreaField(
        _l("Note for the family"),
        validators=[Length(max=NOTE_MAX)],
        description=_l("Shown to the family. No medical details in calendar feeds."),
    )
    status = SelectField(_l("Status"), choices=_status_choices, default="planned")

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.start_date.data, self.start_time.data)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        valid = self.check_note_languages() and valid
        return _listed_kind(self) and bool(valid)


for _form in (VisitForm, ShortVisitForm):
    # Several lines, like the note itself.
    add_language_fields(_form, NOTE, max_length=NOTE_MAX, rows=3)


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
