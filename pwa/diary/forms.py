"""The report form, built from the items the admin switched on (works without JavaScript)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from wtforms import (
    DateField,
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from ..clock import HOSPITAL_ZONE
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm
from .items import NOTE_MAX, Item, check_answer, range_message


class ItemAnswer:
    """Validator: an optional answer that must pass the item's own check."""

    def __init__(self, item: Item) -> None:
        self.item = item

    def __call__(self, form: Any, field: Any) -> None:
        if field.data in (None, ""):
            return
        _, problem = check_answer(self.item, field.data)
        if problem:
            raise ValidationError(problem)


class BaseReportForm(CsrfForm):
    observed_date = DateField(
        _l("Date"), validators=[DataRequired(message=_l("Enter a date like 2027-01-12."))]
    )
    observed_time = TimeField(
        _l("Time"), validators=[DataRequired(message=_l("Enter a time like 14:30."))]
    )
    note = TextAreaField(
        _l("Anything else?"),
        validators=[
            Length(
                max=NOTE_MAX,
                message=_l("Keep the note under %(count)s characters.", count=NOTE_MAX),
            )
        ],
        description=_l("In your own words. Up to 2,000 characters."),
    )
    client_uuid = HiddenField()
    corrects = HiddenField()

    item_keys: tuple[str, ...] = ()

    def observed_at(self) -> datetime:
        return datetime.combine(
            self.observed_date.data, self.observed_time.data, tzinfo=HOSPITAL_ZONE
        )

    def answers(self) -> dict[str, Any]:
        return {key: self[key].data for key in self.item_keys if self[key].data not in (None, "")}

    def item_fields(self) -> list[Field]:
        return [self[key] for key in self.item_keys]


def _field_for(item: Item) -> Field:
    validators = [ItemAnswer(item)]
    if item.kind == "scale":
        choices = [SelectChoice(str(value), str(value)) for value in range(11)]
        return RadioField(
            item.label,
            choices=choices,
            validators=validators,
            description=item.hint,
            validate_choice=False,
        )
    if item.kind == "number":
        return StringField(
            item.label,
            validators=validators,
            description=item.hint,
            render_kw={
                "inputmode": "decimal",
                "autocomplete": "off",
                "data-unit": item.unit,
                # static/js/diary.js checks the range before a report goes to the outbox.
                "data-low": item.low,
                "data-high": item.high,
                "data-range-message": range_message(item),
            },
        )
    options = [SelectChoice(key, label) for key, label in item.choices]
    return RadioField(item.label, choices=options, validators=validators, validate_choice=False)


def report_form_class(items: Iterable[Item]) -> type[BaseReportForm]:
    """A form class with a field per item shown now, in the order of docs/clinical.md."""
    shown = list(items)
    fields: dict[str, Any] = {item.key: _field_for(item) for item in shown}
    fields["item_keys"] = tuple(item.key for item in shown)
    return type("ReportForm", (BaseReportForm,), fields)
