"""Admin forms for doses at home: one home medicine, and the rule that flags a child."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, IntegerField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from ..doses.medicines import NAME_MAX
from ..doses.rules import COUNTABLE, FlagRule
from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm
from ..text_input import single_line
from .language_fields import add_language_fields, language_texts


class MedicineForm(CsrfForm):
    name_nl = StringField(_l("Name in Dutch"), validators=[Length(max=NAME_MAX)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=NAME_MAX)])
    example = BooleanField(
        _l("Example — to be confirmed by the hospital"),
        description=_l("Nurses see the mark next to the name until you take it off."),
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.names()[0] or self.names()[1]):
            self.name_nl.errors = [
                *self.name_nl.errors,
                gettext("Give the medicine a name in Dutch, in English or both."),
            ]
            valid = False
        return bool(valid)

    def names(self) -> tuple[str, str]:
        return single_line(self.name_nl.data or "").strip(), single_line(
            self.name_en.data or ""
        ).strip()

    def texts(self) -> dict[str, str]:
        """The name in the family languages (empty: not in that language)."""
        return language_texts(self, "name")


add_language_fields(MedicineForm, "name", max_length=NAME_MAX)


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DoseFlagForm(CsrfForm):
    enabled = BooleanField(_l("Flag children on the nurses' list"))
    min_count = IntegerField(
        _l("At least this many doses"),
        validators=[
            InputRequired(message=_l("Please fill this in.")),
            NumberRange(1, 20, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
    )
    within_days = IntegerField(
        _l("In the last this many days (today included)"),
        validators=[
            InputRequired(message=_l("Please fill this in.")),
            NumberRange(1, 14, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
    )
    outcomes = _Checkboxes(
        _l("Noted as"),
        choices=[
            SelectChoice("partly", _l("Partly taken")),
            SelectChoice("vomited", _l("Vomited within 30 minutes")),
            SelectChoice("refused", _l("Refused")),
            SelectChoice("missed", _l("Missed")),
        ],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.outcomes.data:
            self.outcomes.errors = [*self.outcomes.errors, gettext("Choose at least one.")]
            valid = False
        return bool(valid)

    def to_rule(self) -> FlagRule:
        return FlagRule(
            enabled=bool(self.enabled.data),
            min_count=int(self.min_count.data),
            within_days=int(self.within_days.data),
            outcomes=tuple(o for o in COUNTABLE if o in (self.outcomes.data or [])),
        )

    @staticmethod
    def data_from(rule: FlagRule) -> dict[str, Any]:
        return {
            "enabled": rule.enabled,
            "min_count": rule.min_count,
            "within_days": rule.within_days,
            "outcomes": list(rule.outcomes),
        }
