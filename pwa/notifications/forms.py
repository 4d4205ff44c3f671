"""The reminder preferences forms: one for families, one for nurses and admins."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from typing import Any

from wtforms import BooleanField, SelectChoice, SelectField
from wtforms.fields import TimeField
from wtforms.validators import InputRequired, Optional, ValidationError

from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm
from .store import Preference

OFF = "off"
# The check-in reminder's times to choose from: every half hour of the day a family is up.
CHECKIN_TIMES = [time(hour, minute) for hour in range(7, 23) for minute in (0, 30)][:-1]


def _checkin_choices() -> list[SelectChoice]:
    return [SelectChoice(OFF, _l("Off: no check-in reminder"))] + [
        SelectChoice(at.strftime("%H:%M"), at.strftime("%H:%M")) for at in CHECKIN_TIMES
    ]


def _time_field(label: Any, *, required: bool, description: Any = None) -> TimeField:
    validators = (
        [InputRequired(message=_l("Enter a time like 21:30."))] if required else [Optional()]
    )
    return TimeField(
        label,
        validators=validators,
        format="%H:%M",
        description=description,
        render_kw={"step": "60"},
    )


class FamilyPreferenceForm(CsrfForm):
    reminders_enabled = BooleanField(_l("Send reminders to my devices"))
    quiet_start = _time_field(
        _l("Quiet from"),
        required=True,
        description=_l(
            "No reminders arrive between these times; they wait until the morning. Only a "
            "reminder at one of your child's dose times sounds at that time."
        ),
    )
    quiet_end = _time_field(_l("Quiet until"), required=True)
    reminder_time = _time_field(
        _l("Reminders the day before a visit come at (optional)"),
        required=False,
        description=_l(
            "Empty: at the hospital's time, usually 18:00. A time in your quiet time waits "
            "until the morning."
        ),
    )
    dose_reminders = BooleanField(
        _l("Remind me at my child's dose times"),
        description=_l(
            "During a home-medication period, a reminder at each dose time your family "
            "chose, even in your quiet time. The reminder does not name the medicine."
        ),
    )
    checkin_time = SelectField(
        _l("Check-in reminder on check-in days"),
        choices=_checkin_choices(),
        # Checked below: a form without the field (an older page) keeps the saved choice.
        validate_choice=False,
        description=_l(
            "On the days the hospital asks for a report (the first days after a stay, "
            "some medication weeks), one reminder at this time if nobody has sent a report "
            "that day yet. A time in your quiet time means no reminder."
        ),
    )
    # Removed from the form by the view when the hospital has no mail relay.
    email_reminders = BooleanField(
        _l("Also send me reminders by e-mail"),
        description=_l(
            "Visit reminders, and dose reminders if you chose them above. For a phone that "
            "cannot show reminders, such as an iPhone without the app on its Home Screen. "
            "The e-mail says only when, with a link to the app: never your child's name, "
            "a medicine or anything about their health."
        ),
    )

    def validate_checkin_time(self, field: SelectField) -> None:
        if field.data and field.data not in {choice.value for choice in _checkin_choices()}:
            raise ValidationError(gettext("Choose a time from the list, or off."))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.quiet_start.data, self.quiet_end.data
        if start and end and start == end:
            self.quiet_end.errors.append(
                gettext("The quiet time must end at another time than it starts.")
            )
            return False
        return bool(valid)

    def to_preference(self, current: Preference) -> Preference:
        return replace(
            current,
            reminders_enabled=bool(self.reminders_enabled.data),
            quiet_start=self.quiet_start.data,
            quiet_end=self.quiet_end.data,
            dose_reminders=bool(self.dose_reminders.data),
            checkin_time=self._checkin_time(current),
            reminder_time=self.reminder_time.data,
            email_reminders=(
                bool(self.email_reminders.data)
                if "email_reminders" in self
                else current.email_reminders
            ),
        )

    def _checkin_time(self, current: Preference) -> time | None:
        chosen = self.checkin_time.data
        if not chosen:
            return current.checkin_time
        return None if chosen == OFF else time.fromisoformat(str(chosen))

    @staticmethod
    def data_from(preference: Preference) -> dict[str, Any]:
        return {
            "reminders_enabled": preference.reminders_enabled,
            "quiet_start": preference.quiet_start,
            "quiet_end": preference.quiet_end,
            "dose_reminders": preference.dose_reminders,
            "checkin_time": (
                preference.checkin_time.strftime("%H:%M") if preference.checkin_time else OFF
            ),
            "reminder_time": preference.reminder_time,
            "email_reminders": preference.email_reminders,
        }


class StaffPreferenceForm(CsrfForm):
    red_alerts = BooleanField(_l("Alert my devices when a family sends a red report"))

    def to_preference(self, current: Preference) -> Preference:
        return replace(current, red_alerts=bool(self.red_alerts.data))

    @staticmethod
    def data_from(preference: Preference) -> dict[str, Any]:
        return {"red_alerts": preference.red_alerts}
