"""The hospital settings page: name, phone numbers, staffed hours and review targets.

They drive the "when to call us" card, the report form's reading hours, the offline page
(whose content is part of the service worker's version, so phones pick a change up) and
the review queue's deadlines.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from babel.dates import get_day_names
from email_validator import EmailNotValidError, validate_email
from quart import flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.fields import TimeField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from .. import audit, hospital, hospital_texts
from ..db import get_db
from ..hospital import HospitalSettings, save_hospital_settings
from ..i18n import current_locale, gettext
from ..i18n import lazy_gettext as _l
from ..phone_numbers import check_phone_number
from ..rendering import render_template
from ..security import Access, CsrfForm, access
from . import blueprint
from .forms import WholeNumberField
from .language_fields import (
    add_language_fields,
    check_other_languages,
    language_data,
    language_texts,
    others_unchanged,
    written_in_field,
)

RED_MINUTES = (5, 240)
GREEN_DAYS = (1, 14)
ADMIN_MINUTES = (5, 480)


def _required() -> InputRequired:
    return InputRequired(message=_l("Please fill this in."))


def _weekdays() -> list[SelectChoice]:
    """Monday to Sunday in the page's language, as ISO weekday numbers."""
    names = get_day_names("wide", locale=current_locale())
    return [SelectChoice(str(number), names[number - 1]) for number in range(1, 8)]


def check_email_address(form: Any, field: Any) -> None:
    """A deliverable-looking address (syntax only: the ward's inbox may be internal)."""
    try:
        validate_email(field.data.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError(
            gettext("Enter an e-mail address like ward@hospital.example.")
        ) from error


def _between(low: int, high: int) -> NumberRange:
    return NumberRange(low, high, message=_l("Enter a number from %(min)s to %(max)s."))


class HospitalForm(CsrfForm):
    name = StringField(
        _l("Name of the ward or hospital"),
        validators=[DataRequired(message=_l("Please fill this in.")), Length(max=120)],
        description=_l("Shown under the phone numbers, so families know who answers."),
    )
    name_language = written_in_field(_l("Language of the name"))
    phone_daytime = StringField(
        _l("Phone number during staffed hours"),
        validators=[_required(), Length(max=40), check_phone_number],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    phone_out_of_hours = StringField(
        _l("Phone number for evenings, nights and weekends"),
        validators=[_required(), Length(max=40), check_phone_number],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    first_day = SelectField(_l("First staffed day of the week"), choices=_weekdays)
    last_day = SelectField(_l("Last staffed day of the week"), choices=_weekdays)
    staffed_from = TimeField(
        _l("Reports are read from"),
        validators=[_required()],
        format="%H:%M",
        render_kw={"step": "60"},
    )
    staffed_until = TimeField(
        _l("Until"), validators=[_required()], format="%H:%M", render_kw={"step": "60"}
    )
    review_red_minutes = WholeNumberField(
        _l("Red reports: reviewed within how many minutes"),
        validators=[_required(), _between(*RED_MINUTES)],
        description=_l(
            "Counted from when the report reached the hospital, or from the next opening when it came in outside staffed hours."
        ),
    )
    review_green_days = WholeNumberField(
        _l("Green reports: reviewed within how many days"),
        validators=[_required(), _between(*GREEN_DAYS)],
    )
    ward_email = StringField(
        _l("The ward's shared e-mail address"),
        validators=[Optional(), Length(max=254), check_email_address],
        description=_l(
            "Told when a red report has not been taken up by its target. Leave empty to alert nurses' phones only."
        ),
        render_kw={"inputmode": "email", "autocomplete": "off"},
    )
    escalate_admins_minutes = WholeNumberField(
        _l("Still not taken up after how many more minutes: tell the admins"),
        validators=[_required(), _between(*ADMIN_MINUTES)],
    )
    escalate_out_of_hours = BooleanField(
        _l("Also escalate outside staffed hours"),
        description=_l(
            "Only if someone watches the app at night. Otherwise families are told to call, and escalation waits for the next opening."
        ),
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        days_chosen = not (self.first_day.errors or self.last_day.errors)
        if days_chosen and int(self.last_day.data) < int(self.first_day.data):
            self.last_day.errors.append(
                gettext("The last staffed day cannot be before the first one.")
            )
            valid = False
        start, end = self.staffed_from.data, self.staffed_until.data
        if start and end and end <= start:
            self.staffed_until.errors.append(gettext("The end must be after the start."))
            valid = False
        return bool(valid)

    def to_settings(self) -> HospitalSettings:
        return HospitalSettings(
            name=self.name.data.strip(),
            name_language=self.name_language.data,
            phone_daytime=" ".join(self.phone_daytime.data.split()),
            phone_out_of_hours=" ".join(self.phone_out_of_hours.data.split()),
            staffed_days=f"{self.first_day.data}-{self.last_day.data}",
            staffed_from=f"{self.staffed_from.data:%H:%M}",
            staffed_until=f"{self.staffed_until.data:%H:%M}",
            review_red_minutes=str(self.review_red_minutes.data),
            review_green_days=str(self.review_green_days.data),
            ward_email=(self.ward_email.data or "").strip(),
            escalate_admins_minutes=str(self.escalate_admins_minutes.data),
            escalate_out_of_hours="yes" if self.escalate_out_of_hours.data else "no",
        )

    @staticmethod
    def data_from(settings: HospitalSettings) -> dict[str, Any]:
        days = settings.staffed_weekdays
        return {
            "name": settings.name,
            "name_language": settings.name_language,
            "phone_daytime": settings.phone_daytime,
            "phone_out_of_hours": settings.phone_out_of_hours,
            "first_day": str(days[0]),
            "last_day": str(days[-1]),
            "staffed_from": time.fromisoformat(settings.staffed_from),
            "staffed_until": time.fromisoformat(settings.staffed_until),
            "review_red_minutes": int(settings.review_red_minutes),
            "review_green_days": int(settings.review_green_days),
            "ward_email": settings.ward_email,
            "escalate_admins_minutes": int(settings.escalate_admins_minutes),
            "escalate_out_of_hours": settings.escalate_out_of_hours == "yes",
            **language_data("name", settings.name_texts),
        }


# The ward's name in the family languages: families see it under the phone numbers.
add_language_fields(HospitalForm, "name", max_length=120)


def _summary(settings: HospitalSettings) -> str:
    """The saved values for the audit log: the hospital's own details, nothing personal."""
    return (
        f"{settings.name} ({settings.name_language}); day {settings.phone_daytime}; out of hours "
        f"{settings.phone_out_of_hours}; days {settings.staffed_days} "
        f"{settings.staffed_from}-{settings.staffed_until}; red {settings.review_red_minutes} "
        f"min, green {settings.review_green_days} d; escalation to "
        f"{settings.ward_email or 'phones only'}, admins after {settings.escalate_admins_minutes} "
        f"min, out of hours {settings.escalate_out_of_hours}"
    )


@blueprint.route("/hospital", methods=["GET", "POST"])
@access(Access.ADMIN)
async def hospital_settings() -> ResponseReturnValue:
    db = get_db()
    current = await hospital.hospital_settings(db)
    if request.method == "POST":
        form = await HospitalForm.from_request()
        if form.validate():
            saved = form.to_settings()
            names = language_texts(form, "name")
            async with db.transaction() as tx:
                await save_hospital_settings(tx, saved)
                await hospital_texts.save(tx, "ward_name", hospital_texts.WARD, names)
                given = ", ".join(f"{code}: {words}" for code, words in names.items() if words)
                await audit.record(
                    tx,
                    actor_id=g.account.id,
                    action="hospital.updated",
                    detail=_summary(saved) + (f"; name also {given}" if given else ""),
                )
            await flash(
                gettext(
                    "The settings are saved. Families see them the next time their app is online."
                )
            )
            renamed = saved.name != current.name
            if others_unchanged(current.name_texts, names, source_changed=renamed):
                await flash(check_other_languages())
            return redirect(url_for("admin.hospital_settings"))
        status = 400
    else:
        form = HospitalForm(data=HospitalForm.data_from(current))
        status = 200
    page = await render_template(
        "admin/hospital.html", form=form, is_example=current == HospitalSettings()
    )
    return page, status
