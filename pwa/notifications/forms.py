"""The reminder preferences forms: one for families, one for nurses and admins."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from typing import Any

from wtforms import BooleanField
from wtforms.fields import TimeField
from wtforms.validators import InputRequired, Optional

from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm
from . import quiet
from .store import Preference

MEDICATION_TIMES = 2


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


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M")


class FamilyPreferenceForm(CsrfForm):
    reminders_enabled = BooleanField(_l("Send reminders to my devices"))
    quiet_start = _time_field(
        _l("Quiet from"),
        required=True,
        description=_l(
            "No reminders arrive between these times; they wait until the morning. Only a "
            "medicine reminder at a time you chose below sounds at that time."
        ),
    )
    quiet_end = _time_field(_l("Quiet until"), required=True)
    medication_time_1 = _time_field(
        _l("Home medication reminder (optional)"),
        required=False,
        description=_l(
            "During a home-medication period, a daily reminder at this time. It sounds at this "
            "time even in your quiet time. Leave empty for none."
        ),
    )
    medication_time_2 = _time_field(_l("Second daily reminder (optional)"), required=False)
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
        first, second = self.medication_time_1.data, self.medication_time_2.data
        if first and second and first == second:
            self.medication_time_2.errors.append(
                gettext("Choose two different times, or only one.")
            )
            valid = False
        return bool(valid)

    def to_preference(self, current: Preference) -> Preference:
        times = sorted(t for t in (self.medication_time_1.data, self.medication_time_2.data) if t)
        return replace(
            current,
            reminders_enabled=bool(self.reminders_enabled.data),
            quiet_start=self.quiet_start.data,
            quiet_end=self.quiet_end.data,
            medication_times=tuple(times),
            email_reminders=(
                bool(self.email_reminders.data)
                if "email_reminders" in self
                else current.email_reminders
            ),
        )

    def quiet_time_notes(self) -> list[str]:
        """For each chosen medicine time inside quiet time: that it will sound anyway."""
        start, end = self.quiet_start.data, self.quiet_end.data
        if not (start and end):
            return []
        return [
            gettext(
                "%(time)s is in your quiet time (%(start)s-%(end)s). This medicine reminder "
                "will still sound at %(time)s, because you chose that time; other reminders "
                "wait until the quiet time is over.",
                time=_clock(moment),
                start=_clock(start),
                end=_clock(end),
            )
            for moment in (self.medication_time_1.data, self.medication_time_2.data)
            if moment and quiet.in_quiet_time(moment, start, end)
        ]

    @staticmethod
    def data_from(preference: Preference) -> dict[str, Any]:
        times = list(preference.medication_times) + [None] * MEDICATION_TIMES
        return {
            "reminders_enabled": preference.reminders_enabled,
            "quiet_start": preference.quiet_start,
            "quiet_end": preference.quiet_end,
            "medication_time_1": times[0],
            "medication_time_2": times[1],
            "email_reminders": preference.email_reminders,
        }


class StaffPreferenceForm(CsrfForm):
    red_alerts = BooleanField(_l("Alert my devices when a family sends a red report"))

    def to_preference(self, current: Preference) -> Preference:
        return replace(current, red_alerts=bool(self.red_alerts.data))

    @staticmethod
    def data_from(preference: Preference) -> dict[str, Any]:
        return {"red_alerts": preference.red_alerts}
