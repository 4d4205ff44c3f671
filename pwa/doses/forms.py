"""The family's dose times form: up to six times a day for each medicine, and whether this
caregiver wants a reminder at them."""

from __future__ import annotations

from datetime import time
from typing import Any

from wtforms import BooleanField, FieldList, Form, FormField, HiddenField
from wtforms.fields import TimeField
from wtforms.validators import Optional

from ..i18n import current_locale, gettext
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm
from .times import MAX_TIMES


def _time_field(number: int) -> TimeField:
    return TimeField(
        _l("Dose %(number)s", number=number),
        validators=[Optional()],
        format="%H:%M",
        render_kw={"step": "60"},
    )


class MedicineTimesForm(Form):
    """One medicine's dose times; empty boxes are ignored."""

    class Meta:
        @property
        def locales(self) -> list[str]:
            return [current_locale()]

    medicine_id = HiddenField()
    time_1 = _time_field(1)
    time_2 = _time_field(2)
    time_3 = _time_field(3)
    time_4 = _time_field(4)
    time_5 = _time_field(5)
    time_6 = _time_field(6)

    @property
    def time_fields(self) -> list[Any]:
        return [self[f"time_{number}"] for number in range(1, MAX_TIMES + 1)]

    @property
    def times(self) -> tuple[time, ...]:
        return tuple(sorted(field.data for field in self.time_fields if field.data))

    def check_twice(self) -> bool:
        """The same time twice is a mistake the family should see, not a silent merge."""
        seen: set[time] = set()
        valid = True
        for field in self.time_fields:
            if field.data in seen:
                field.errors = [*field.errors, gettext("This time is already in the list.")]
                valid = False
            if field.data:
                seen.add(field.data)
        return valid


class DoseTimesForm(CsrfForm):
    medicines = FieldList(FormField(MedicineTimesForm))
    remind = BooleanField(
        _l("Remind me on my devices at these times"),
        description=_l(
            "The reminder does not name the medicine. It sounds at these times even in "
            "your quiet time."
        ),
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for entry in self.medicines:
            valid = entry.form.check_twice() and valid
        return bool(valid)

    def chosen(self) -> dict[str, tuple[time, ...]]:
        """The times typed for each medicine, by the medicine id the form carried."""
        return {entry.form.medicine_id.data: entry.form.times for entry in self.medicines}

    @staticmethod
    def data_from(times: list[tuple[int, tuple[time, ...]]], remind: bool) -> dict[str, Any]:
        return {
            "medicines": [
                {"medicine_id": str(medicine_id), **{f"time_{n}": at for n, at in enumerate(t, 1)}}
                for medicine_id, t in times
            ],
            "remind": remind,
        }
