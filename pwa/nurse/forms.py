"""Forms nurses use to enrol a child, hand out codes and fill in the emergency card."""

from __future__ import annotations

from typing import Any

from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .. import clock
from ..diary.items import BY_KEY, check_answer
from ..families.card import CENTRAL_LINE_LABELS, kilograms
from ..families.card_store import UNKNOWN, CardFields
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm

# Room for several allergies and what happened, and still one printed page.
MAX_ALLERGIES = 500


def _not_in_future(form: Any, field: Any) -> None:
    if field.data and field.data > clock.today():
        raise ValidationError(str(_l("The date of birth cannot be in the future.")))


def _not_in_future_weighing(form: Any, field: Any) -> None:
    if field.data and field.data > clock.today():
        raise ValidationError(str(_l("The day of weighing cannot be in the future.")))


class ChildForm(CsrfForm):
    nickname = StringField(
        _l("First name or nickname"),
        validators=[DataRequired(message=_l("Please fill this in.")), Length(max=60)],
        description=_l("Only what the family calls the child; no surname needed."),
    )
    birth_date = DateField(
        _l("Date of birth"),
        validators=[DataRequired(message=_l("Enter a date like 2019-05-31.")), _not_in_future],
    )
    hospital_number = StringField(
        _l("Hospital patient number (optional)"),
        validators=[Optional(), Length(max=40)],
        description=_l("Shown to staff only, to match exports with the medical record."),
    )


class HospitalNumberForm(CsrfForm):
    hospital_number = StringField(
        _l("Hospital patient number"),
        validators=[Optional(), Length(max=40)],
        description=_l(
            "As in the hospital's record system: its systems find this child by it. Empty "
            "removes it."
        ),
    )


class InviteForm(CsrfForm):
    note = StringField(
        _l("Who is this invite for? (optional)"),
        validators=[Optional(), Length(max=60)],
        description=_l("For example: mother, father, grandmother."),
    )


class CardForm(CsrfForm):
    """The emergency card's clinical fields; anything left empty reads "not filled in"."""

    central_line = SelectField(
        _l("Central line"),
        choices=[
            SelectChoice(UNKNOWN, _l("Not known yet")),
            *(SelectChoice(kind, label) for kind, label in CENTRAL_LINE_LABELS.items()),
        ],
        default=UNKNOWN,
    )
    allergies = TextAreaField(
        _l("Allergies and reactions"),
        validators=[Optional(), Length(max=MAX_ALLERGIES)],
        description=_l(
            "Allergies and reactions the team knows of, for example to a medicine or during "
            "an infusion. Write “none known” once the team has checked; left empty, the card "
            "says it is not filled in yet."
        ),
    )
    weight = StringField(
        _l("Weight in kg (optional)"),
        description=_l(
            "As the team weighed the child. The card shows it, or a newer weight the family reported."
        ),
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    weighed_on = DateField(_l("Weighed on"), validators=[Optional(), _not_in_future_weighing])

    def _typed_weight(self) -> tuple[float | None, str | None]:
        """(kilograms, problem) from the weight field, checked as the diary checks it;
        (None, None) when it is empty."""
        if not (self.weight.data or "").strip():
            return None, None
        value, problem = check_answer(BY_KEY["weight"], self.weight.data)
        return (None, problem) if problem else (float(value), None)

    def validate_weight(self, field: Any) -> None:
        _, problem = self._typed_weight()
        if problem:
            raise ValidationError(problem)

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields one by one, then: a weight needs the day it was weighed."""
        valid = bool(super().validate(extra_validators))
        kilograms_typed, _ = self._typed_weight()
        if valid and kilograms_typed is not None and self.weighed_on.data is None:
            self.weighed_on.errors = [str(_l("Enter the day the child was weighed."))]
            return False
        return valid

    @classmethod
    def of(cls, card: CardFields) -> CardForm:
        """The form filled in with what the card holds now."""
        weight = kilograms(card.weight_kg) if card.weight_kg is not None else ""
        return cls(
            central_line=card.central_line,
            allergies=card.allergies,
            weight=weight,
            weighed_on=card.weighed_on or clock.today(),
        )

    def card_fields(self) -> CardFields:
        """What a valid form says, as the card stores it (no weight: no day either)."""
        kilograms_typed, _ = self._typed_weight()
        return CardFields(
            central_line=self.central_line.data or UNKNOWN,
            allergies=(self.allergies.data or "").strip(),
            weight_kg=kilograms_typed,
            weighed_on=self.weighed_on.data if kilograms_typed is not None else None,
        )
