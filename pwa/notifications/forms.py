"""The reminder preferences forms: one for families, one for nurses and admins."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from wtforms import BooleanField
from wtforms.fields import TimeField
from wtforms.validators import InputRequired, Optional

from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm
from .store import Preference


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
    # Removed from the form by the view when the hospital has no mail relay.
    email_reminders = BooleanField(
        _l("Also send me visit reminders by e-mail"),
        description=_l(
            "For a phone that cannot show reminders, such as an iPhone without the app on "
            "its Home Screen. The e-mail says only when the visit is, with a link to the "
            "app: never your child's name or anything about their health."
        ),
    )

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
            reminder_time=self.reminder_time.data,
            email_reminders=(
                bool(self.email_reminders.data)
                if "email_reminders" in self
                else current.email_reminders
            ),
        )

    @staticmethod
    def data_from(preference: Preference) -> dict[str, Any]:
        return {
            "reminders_enabled": preference.reminders_enabled,
            "quiet_start": preference.quiet_start,
            "quiet_end": preference.quiet_end,
            "dose_reminders": preference.dose_reminders,
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
