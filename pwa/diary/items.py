"""The diary items a report can answer (docs/clinical.md), their answers and their checks.

Item keys are the sync contract's (docs/api.md); the admin switches items on or off, but a
report queued on a phone before an item was switched off is still accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal
from babel.support import LazyProxy

from ..i18n import format_region
from ..i18n import lazy_gettext as _l
from ..text_input import decimal_text

NOTE_MAX = 2000


@dataclass(frozen=True)
class Item:
    key: str
    kind: str  # "scale", "number" or "choice"
    label: LazyProxy
    hint: LazyProxy | None = None
    choices: tuple[tuple[str, LazyProxy], ...] = ()
    low: float | None = None
    high: float | None = None
    unit: str = ""
    medication: str | None = None  # shown only during this home-medication period
    default_on: bool = True

    @property
    def choice_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.choices)


_AMOUNT = (("none", _l("None")), ("some", _l("Some")), ("a_lot", _l("A lot")))

ITEMS: tuple[Item, ...] = (
    Item(
        "pain",
        "scale",
        _l("Pain"),
        _l("0 = no pain, 10 = the worst pain possible. For a young child, your best estimate."),
        low=0,
        high=10,
    ),
    Item(
        "pain_where",
        "choice",
        _l("Where is the pain?"),
        choices=(
            ("belly", _l("Belly")),
            ("legs", _l("Legs")),
            ("back", _l("Back")),
            ("head", _l("Head")),
            ("chest", _l("Chest")),
            ("other", _l("Elsewhere")),
        ),
    ),
    Item(
        "temperature",
        "number",
        _l("Temperature"),
        _l("In °C, one decimal, measured in the ear or under the arm. Never in the bottom."),
        low=34.0,
        high=43.0,
        unit="°C",
    ),
    Item(
        "weight", "number", _l("Weight"), _l("In kg, one decimal."), low=1.0, high=150.0, unit="kg"
    ),
    Item(
        "swelling",
        "choice",
        _l("Swelling"),
        choices=(
            ("none", _l("None")),
            ("face", _l("Face, eyes or lips")),
            ("legs", _l("Legs")),
            ("body", _l("Whole body")),
        ),
    ),
    Item("rash", "choice", _l("Rash, itching or hives"), choices=_AMOUNT),
    Item(
        "breathing",
        "choice",
        _l("Breathing"),
        choices=(
            ("normal", _l("Normal")),
            ("fast", _l("Fast or noisy")),
            ("hard", _l("Hard to breathe")),
        ),
    ),
    Item(
        "urine",
        "choice",
        _l("Urine (wee)"),
        choices=(
            ("normal", _l("Normal")),
            ("less", _l("Less than usual")),
            ("none_6h", _l("None for 6 hours or more")),
        ),
    ),
    Item("vomiting", "choice", _l("Vomiting"), choices=_AMOUNT),
    Item("diarrhoea", "choice", _l("Diarrhoea"), choices=_AMOUNT),
    Item("constipation", "choice", _l("Constipation"), choices=_AMOUNT),
    Item(
        "eyes",
        "choice",
        _l("Eyes"),
        choices=(
            ("normal", _l("Normal")),
            ("pupils", _l("Big pupils")),
            ("blurred", _l("Blurred vision")),
            ("light", _l("Light hurts")),
        ),
    ),
    Item(
        "nerves",
        "choice",
        _l("Feeling and alertness"),
        choices=(
            ("normal", _l("Normal")),
            ("tingling", _l("Tingling or numbness")),
            ("weakness", _l("Weakness")),
            ("headache", _l("Headache")),
            ("confused", _l("Confused, very sleepy or a seizure")),
        ),
    ),
    Item(
        "line",
        "choice",
        _l("Central line or pump"),
        choices=(
            ("fine", _l("Fine")),
            ("red", _l("Red or painful site")),
            ("leaking", _l("Leaking")),
            ("alarm", _l("Alarm or disconnected")),
        ),
    ),
    Item(
        "isotretinoin_taken",
        "choice",
        _l("Isotretinoin capsules taken today"),
        choices=(("yes", _l("Yes")), ("no", _l("No"))),
        medication="isotretinoin",
    ),
    Item(
        "lips_skin",
        "choice",
        _l("Lips and skin"),
        choices=(
            ("normal", _l("Normal")),
            ("dry", _l("Dry")),
            ("cracked", _l("Cracked or bleeding")),
        ),
        medication="isotretinoin",
    ),
    Item(
        "mood",
        "choice",
        _l("Mood"),
        choices=(
            ("usual", _l("As usual")),
            ("low", _l("Low or tearful")),
            ("irritable", _l("Irritable or angry")),
        ),
        medication="isotretinoin",
    ),
)
BY_KEY: Mapping[str, Item] = {item.key: item for item in ITEMS}


def check_answer(item: Item, raw: Any) -> tuple[Any, str | None]:
    """(clean value, translated problem) for one answer; the problem is None when fine."""
    if item.kind == "choice":
        if raw in item.choice_keys:
            return raw, None
        return None, str(_l("Choose one of the answers."))
    if isinstance(raw, bool):
        return None, str(_l("Enter a number."))
    try:
        number = Decimal(decimal_text(str(raw)))
    except (InvalidOperation, ValueError):
        return None, str(_l("Enter a number."))
    if not number.is_finite():
        return None, str(_l("Enter a number."))
    assert item.low is not None and item.high is not None
    if item.kind == "scale":
        if number != number.to_integral_value() or not item.low <= number <= item.high:
            return None, str(_l("Choose a whole number from 0 to 10."))
        return int(number), None
    if not Decimal(str(item.low)) <= number <= Decimal(str(item.high)):
        return None, range_message(item)
    return float(number.quantize(Decimal("0.1"))), None


def range_message(item: Item) -> str:
    """The translated out-of-range error; the form's script shows the same words."""
    assert item.low is not None and item.high is not None
    return str(
        _l(
            "Enter a value between %(low)s and %(high)s %(unit)s.",
            low=format_decimal(item.low, "0.0", locale=format_region()),
            high=format_decimal(item.high, "0.0", locale=format_region()),
            unit=item.unit,
        )
    )


def check_items(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean answers and per-item problems for a whole report's items."""
    clean: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key, value in raw.items():
        item = BY_KEY.get(key)
        if item is None:
            problems[str(key)[:40]] = str(_l("This question is not known."))
            continue
        if value is None or value == "":
            continue
        answer, problem = check_answer(item, value)
        if problem:
            problems[key] = problem
        else:
            clean[key] = answer
    return clean, problems
