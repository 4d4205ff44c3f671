"""The admin's reminder offsets: "N days before the visit, at HH:MM", up to four rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any

from wtforms import FieldList, Form, FormField
from wtforms.fields import TimeField
from wtforms.validators import NumberRange, Optional

from ..i18n import current_locale, gettext
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm
from .forms import WholeNumberField, _typed

OFFSET_ROWS = 4
MAX_DAYS_BEFORE = 60  # as the reminder_offset table allows


class OffsetRowForm(Form):
    """One reminder; a row left blank is ignored."""

    class Meta:
        @property
        def locales(self) -> list[str]:
            return [current_locale()]

    days_before = WholeNumberField(
        _l("Days before the visit"),
        validators=[
            Optional(),
            NumberRange(0, MAX_DAYS_BEFORE, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
    )
    at_time = TimeField(_l("At"), validators=[Optional()], format="%H:%M", render_kw={"step": "60"})

    def is_blank(self) -> bool:
        return not any(_typed(field) for field in (self.days_before, self.at_time))


def check_offset_rows(offsets: Any, *, require_one: bool) -> bool:
    """Each filled row has both its days and its time, no reminder twice, and (when
    ``require_one``) at least one row filled; errors go on the rows' fields."""
    valid = True
    seen: set[tuple[int, time]] = set()
    filled = 0
    for entry in offsets:
        row: OffsetRowForm = entry.form
        if row.is_blank():
            continue
        filled += 1
        for field in (row.days_before, row.at_time):
            if field.data is None and not field.errors:
                field.errors.append(gettext("Please fill this in."))
                valid = False
        if row.days_before.data is not None and row.at_time.data is not None:
            key = (row.days_before.data, row.at_time.data)
            if key in seen:
                row.at_time.errors.append(gettext("This reminder is in the list already."))
                valid = False
            seen.add(key)
    if require_one and filled == 0:
        offsets.entries[0].form.days_before.errors.append(
            gettext("Keep at least one reminder: families rely on it.")
        )
        valid = False
    # FieldList gathered its rows' errors before the checks above added theirs.
    row_errors = [entry.errors for entry in offsets]
    offsets.errors = row_errors if any(row_errors) else []
    return valid


def offsets_of(offsets: Any) -> list[tuple[int, time]]:
    """The filled rows as (days before, time), the earliest reminder first."""
    rows = [entry.form for entry in offsets if not entry.form.is_blank()]
    return sorted(
        ((row.days_before.data, row.at_time.data) for row in rows),
        key=lambda offset: (-offset[0], offset[1]),
    )


def offset_rows(offsets: Sequence[tuple[int, time]]) -> list[dict[str, Any]]:
    """What the rows show for saved reminders (with empty rows to fill in)."""
    rows: list[dict[str, Any]] = [
        {"days_before": days, "at_time": at} for days, at in offsets[:OFFSET_ROWS]
    ]
    return rows + [{"days_before": None, "at_time": None}] * (OFFSET_ROWS - len(rows))


class OffsetsForm(CsrfForm):
    offsets = FieldList(FormField(OffsetRowForm), min_entries=OFFSET_ROWS, max_entries=OFFSET_ROWS)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return check_offset_rows(self.offsets, require_one=True) and bool(valid)

    def to_offsets(self) -> list[tuple[int, time]]:
        return offsets_of(self.offsets)

    @staticmethod
    def data_from(offsets: list[tuple[int, time]]) -> dict[str, Any]:
        return {"offsets": offset_rows(offsets)}
