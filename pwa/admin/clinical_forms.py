"""Admin forms for the clinical settings: which diary items the form asks, and the
red-flag rules (docs/clinical.md). Both ship as examples for the hospital's team to confirm."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..diary.items import BY_KEY, ITEMS, Item
from ..i18n import format_region, gettext
from ..i18n import lazy_gettext as _l
from ..redflags.rules import Rule, RuleError
from ..security import CsrfForm
from .forms import WholeNumberField
from .language_fields import add_language_fields, language_data, language_texts

MAX_REASON = 200
MAX_COUNT = 10
# A week: look-back rules read this far into the past for every report.
MAX_WITHIN_HOURS = 168
COMPARISONS = (">=", ">", "<=", "<", "==")
# How a comparison reads in a sentence; the symbols need no translation.
SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


def _between(low: int, high: int) -> NumberRange:
    return NumberRange(low, high, message=_l("Enter a number from %(min)s to %(max)s."))


# --- diary items ------------------------------------------------------------------------

ITEM_GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (_l("Pain, temperature and weight"), ("pain", "pain_where", "temperature", "weight")),
    (
        _l("Signs to watch"),
        tuple(
            item.key
            for item in ITEMS
            if item.medication is None
            and item.key not in ("pain", "pain_where", "temperature", "weight")
        ),
    ),
    (
        _l("Isotretinoin weeks (asked only during a home-medication period)"),
        tuple(item.key for item in ITEMS if item.medication == "isotretinoin"),
    ),
)


class BaseDiaryItemsForm(CsrfForm):
    """A switch per diary item; the free-text note is always asked."""

    def enabled(self) -> set[str]:
        return {item.key for item in ITEMS if self[item.key].data}

    def group_fields(self) -> list[tuple[Any, list[Any]]]:
        return [(title, [self[key] for key in keys]) for title, keys in ITEM_GROUPS]


DiaryItemsForm: type[BaseDiaryItemsForm] = type(
    "DiaryItemsForm",
    (BaseDiaryItemsForm,),
    {item.key: BooleanField(item.label) for item in ITEMS},
)


# --- red-flag rules ----------------------------------------------------------------------


def _shown(value: float | None, item: Item) -> str:
    """A bound or value as the admin's language writes it: '38,5' in Dutch, every decimal
    kept (the form reads a comma or a point)."""
    pattern = "0.0##" if item.kind == "number" else "0.##"
    return str(format_decimal(value or 0, pattern, locale=format_region()))


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


class RuleForm(CsrfForm):
    item = SelectField(
        _l("Question"),
        choices=[SelectChoice(item.key, item.label) for item in ITEMS],
        validators=[InputRequired(message=_l("Choose a question."))],
        invalid_choice_message=_l("Choose a question from the list."),
    )
    op = SelectField(
        _l("The answer is"),
        choices=[
            SelectChoice(">=", _l("at least")),
            SelectChoice(">", _l("more than")),
            SelectChoice("<=", _l("at most")),
            SelectChoice("<", _l("less than")),
            SelectChoice("==", _l("exactly")),
        ],
        validate_choice=False,  # checked in validate(), only where the question takes a number
    )
    value = StringField(_l("Value"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    answers = SelectMultipleField(
        _l("Any of these answers"),
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        # A function: WTForms calls a callable message with the number of wrong answers.
        invalid_choice_message=lambda _count: gettext("Tick only answers of this question."),
    )
    count = WholeNumberField(
        _l("How many times (optional)"),
        validators=[Optional(), _between(1, MAX_COUNT)],
        description=_l(
            "For example 2: the rule fires on the second such value within the hours below."
        ),
    )
    within_hours = WholeNumberField(
        _l("Within how many hours"),
        validators=[Optional(), _between(1, MAX_WITHIN_HOURS)],
        description=_l("Only with a number of times of 2 or more."),
    )
    level = SelectField(
        _l("Level"),
        choices=[
            SelectChoice("amber", _l("Amber: tell the team today (two ambers make red)")),
            SelectChoice("red", _l("Red: call the hospital now")),
        ],
        validators=[InputRequired(message=_l("Choose a level."))],
        invalid_choice_message=_l("Choose amber or red."),
    )
    emergency = BooleanField(
        _l("Life-threatening sign: the advice shows “Call 112” first (red rules only)")
    )
    reason_en = StringField(
        _l("Reason shown to the family, in English"),
        validators=[
            InputRequired(message=_l("Please fill this in.")),
            Length(max=MAX_REASON, message=_l("Keep it under %(max)s characters.")),
        ],
        render_kw={"lang": "en"},
    )
    reason_nl = StringField(
        _l("Reason shown to the family, in Dutch"),
        validators=[
            InputRequired(message=_l("Please fill this in.")),
            Length(max=MAX_REASON, message=_l("Keep it under %(max)s characters.")),
        ],
        render_kw={"lang": "nl"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problem: str | None = None
        # The answers to tick are the chosen question's own.
        item = self.chosen_item()
        self.answers.choices = [SelectChoice(key, label) for key, label in item.choices]
        if item.kind != "choice":
            self.value.description = _l(
                "Between %(low)s and %(high)s %(unit)s.",
                low=_shown(item.low, item),
                high=_shown(item.high, item),
                unit=item.unit,
            )

    def chosen_item(self) -> Item:
        return BY_KEY.get(self.item.data or "", ITEMS[0])

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        item = self.chosen_item()
        if item.kind == "choice":
            if not self.answers.data and not self.answers.errors:
                self.answers.errors = [gettext("Tick at least one answer.")]
                valid = False
        else:
            valid = self._check_comparison(item) and valid
        count = self.count.data
        if not self.count.errors and not self.within_hours.errors:
            if count is not None and count > 1 and self.within_hours.data is None:
                self.within_hours.errors.append(gettext("Enter within how many hours."))
                valid = False
            elif self.within_hours.data is not None and (count is None or count < 2):
                self.count.errors.append(
                    gettext("Enter how many times (2 or more), or leave the hours empty.")
                )
                valid = False
        if self.emergency.data and self.level.data != "red":
            self.emergency.errors = [gettext("Only a red rule can be life-threatening.")]
            valid = False
        if valid:
            try:
                Rule.parse(self.definition("check"))
            except RuleError:
                self.problem = gettext(
                    "This rule cannot be checked. Look at the condition and the value."
                )
                valid = False
        return bool(valid)

    def _check_comparison(self, item: Item) -> bool:
        if self.op.data not in COMPARISONS:
            self.op.errors = [gettext("Choose how the answer compares.")]
            return False
        number = _decimal(self.value.data or "")
        assert item.low is not None and item.high is not None
        if number is None:
            self.value.errors = [gettext("Enter a number.")]
            return False
        if not Decimal(str(item.low)) <= number <= Decimal(str(item.high)):
            self.value.errors = [
                gettext(
                    "Enter a value between %(low)s and %(high)s %(unit)s.",
                    low=_shown(item.low, item),
                    high=_shown(item.high, item),
                    unit=item.unit,
                )
            ]
            return False
        if item.kind == "scale" and number != number.to_integral_value():
            self.value.errors = [gettext("Choose a whole number from 0 to 10.")]
            return False
        return True

    def definition(self, rule_id: str) -> dict[str, Any]:
        """The rule in the shared JSON format (pwa/redflags/rules.py)."""
        item = self.chosen_item()
        data: dict[str, Any] = {"id": rule_id, "level": self.level.data, "item": item.key}
        if item.kind == "choice":
            data.update(op="in", value=list(self.answers.data or []))
        else:
            number = _decimal(self.value.data or "")
            assert number is not None
            value: int | float = int(number) if item.kind == "scale" else float(number)
            data.update(op=self.op.data, value=value)
        if self.count.data is not None and self.count.data > 1:
            data.update(count=self.count.data, within_hours=self.within_hours.data)
        if self.level.data == "red" and self.emergency.data:
            data["emergency"] = True
        # The reason's family languages travel in the rule too (pwa/redflags/rules.py):
        # only those given, so a reader without one gets the Dutch reason, marked.
        others = {code: words for code, words in language_texts(self, "reason").items() if words}
        data["reason"] = {
            "en": (self.reason_en.data or "").strip(),
            "nl": (self.reason_nl.data or "").strip(),
            **others,
        }
        return data

    @staticmethod
    def data_from(rule: Rule) -> dict[str, Any]:
        item = BY_KEY.get(rule.item)
        is_choice = item is not None and item.kind == "choice"
        return {
            "item": rule.item,
            "op": rule.op if not is_choice else ">=",
            "value": "" if is_choice or item is None else _shown(rule.value, item),
            "answers": list(rule.value) if is_choice else [],
            "count": rule.count if rule.count > 1 else None,
            "within_hours": rule.within_hours if rule.count > 1 else None,
            "level": rule.level,
            "emergency": rule.emergency,
            "reason_en": rule.reason.get("en", ""),
            "reason_nl": rule.reason.get("nl", ""),
            **language_data("reason", rule.reason),
        }


add_language_fields(RuleForm, "reason", max_length=MAX_REASON)


def new_rule_id(item_key: str, taken: set[str]) -> str:
    """An id from the question and a short random suffix, e.g. "temperature-3fa2c1"."""
    while True:
        candidate = f"{item_key}-{secrets.token_hex(3)}"
        if candidate not in taken:
            return candidate
