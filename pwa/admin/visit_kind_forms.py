"""The admin's form for one kind of visit: its key (once), names (English and Dutch, and
optionally the family languages), stay or not, usual length and reminders."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, FieldList, FormField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from ..i18n import lazy_gettext as _l
from ..plans.kinds import KEY_PATTERN, VisitKind
from ..security import CsrfForm
from .forms import WholeNumberField
from .language_fields import add_language_fields, language_data, language_texts
from .reminder_forms import OFFSET_ROWS, OffsetRowForm, check_offset_rows, offset_rows, offsets_of

MIN_MINUTES, MAX_MINUTES = 5, 720  # as the visit_kind table allows


class VisitKindForm(CsrfForm):
    # Only on a new kind: the view removes it when editing (a key never changes).
    key = StringField(
        _l("Key"),
        validators=[
            InputRequired(message=_l("Please fill this in.")),
            Regexp(
                KEY_PATTERN,
                message=_l(
                    "Use 2 to 40 small letters, digits or _, starting with a letter, "
                    "like hearing_test."
                ),
            ),
        ],
        description=_l(
            "A short fixed name other systems use for this kind. It cannot be changed later."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    name_en = StringField(
        _l("Name in English"),
        validators=[InputRequired(message=_l("Please fill this in.")), Length(max=60)],
        description=_l("Calendars and reminders show this name: never an illness or a medicine."),
    )
    name_nl = StringField(
        _l("Name in Dutch"),
        validators=[InputRequired(message=_l("Please fill this in.")), Length(max=60)],
    )
    is_stay = BooleanField(_l("A stay in hospital (the home page counts its days)"))
    default_minutes = WholeNumberField(
        _l("Usual length in minutes (empty: planned with a first and a last day)"),
        validators=[
            Optional(),
            NumberRange(
                MIN_MINUTES, MAX_MINUTES, message=_l("Enter a number from %(min)s to %(max)s.")
            ),
        ],
        description=_l("A number makes it a short visit on one day, such as a scan."),
    )
    own_reminders = BooleanField(
        _l("Reminders of its own (else the hospital's times on the Reminders page)")
    )
    reminders = FieldList(
        FormField(OffsetRowForm), min_entries=OFFSET_ROWS, max_entries=OFFSET_ROWS
    )
    active = BooleanField(_l("Nurses can choose it"), default=True)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return check_offset_rows(self.reminders, require_one=False) and bool(valid)

    def to_kind(self, key: str) -> VisitKind:
        return VisitKind(
            key=key,
            name_en=self.name_en.data.strip(),
            name_nl=self.name_nl.data.strip(),
            is_stay=bool(self.is_stay.data),
            default_minutes=self.default_minutes.data,
            reminders=tuple(offsets_of(self.reminders)) if self.own_reminders.data else None,
            active=bool(self.active.data),
            texts=language_texts(self, "name"),
        )

    @staticmethod
    def data_from(kind: VisitKind) -> dict[str, Any]:
        return {
            "name_en": kind.name_en,
            "name_nl": kind.name_nl,
            "is_stay": kind.is_stay,
            "default_minutes": kind.default_minutes,
            "own_reminders": kind.reminders is not None,
            "reminders": offset_rows(kind.reminders or ()),
            "active": kind.active,
            **language_data("name", kind.texts),
        }


# The name in the family languages, for the family's pages and calendar events.
add_language_fields(VisitKindForm, "name", max_length=60)
