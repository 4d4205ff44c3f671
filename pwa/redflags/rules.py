"""The red-flag rule format and its evaluation. static/js/redflags.js is the same logic
for the browser; tests/redflag_cases.json runs through both.

A rule: ``{"id", "level": "red"|"amber", "item", "op": ">="|">"|"<="|"<"|"=="|"in",
"value", "count"?, "within_hours"?, "reason": {"en", "nl", ...}}``. The reason is what
the family reads, in any of the app's languages (pwa/i18n.py ``LOCALES``) and no other;
a reader without theirs gets the Dutch one, then the English one (pwa/hospital_texts.py). With ``count`` the rule
fires when this report and earlier ones within ``within_hours`` before it match at least
``count`` times ("38.0 °C twice within 24 hours"). Two amber rules in one report make red.
``"emergency": true`` marks a red rule's sign as life-threatening: the advice then puts
"Call 112" before the hospital's number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..hospital_texts import Shown, pick
from ..i18n import LOCALES

LEVELS = ("green", "amber", "red")
OPERATORS = (">=", ">", "<=", "<", "==", "in")
AMBERS_MAKING_RED = 2


class RuleError(ValueError):
    """A rule definition that cannot be evaluated."""


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    item: str
    op: str
    value: Any
    count: int = 1
    within_hours: int = 24
    reason: Mapping[str, str] = field(default_factory=dict)
    emergency: bool = False

    @classmethod
    def parse(cls, definition: Mapping[str, Any]) -> Rule:
        try:
            rule = cls(
                id=str(definition["id"]),
                level=str(definition["level"]),
                item=str(definition["item"]),
                op=str(definition["op"]),
                value=definition["value"],
                count=int(definition.get("count", 1)),
                within_hours=int(definition.get("within_hours", 24)),
                reason=dict(definition.get("reason", {})),
                emergency=definition.get("emergency", False),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise RuleError(f"incomplete rule: {error}") from error
        if rule.level not in ("amber", "red"):
            raise RuleError("level must be amber or red")
        if rule.op not in OPERATORS:
            raise RuleError(f"unknown operator {rule.op}")
        if rule.op == "in" and not isinstance(rule.value, list):
            raise RuleError("'in' needs a list of answers")
        if rule.op != "in" and not isinstance(rule.value, int | float):
            raise RuleError("comparisons need a number")
        if rule.count < 1 or rule.within_hours < 1:
            raise RuleError("count and within_hours must be positive")
        if not all(
            language in LOCALES and isinstance(text, str) and text.strip()
            for language, text in rule.reason.items()
        ):
            raise RuleError(f"a reason is words in one of {', '.join(LOCALES)}")
        if not isinstance(rule.emergency, bool):
            raise RuleError("emergency must be true or false")
        if rule.emergency and rule.level != "red":
            raise RuleError("only a red rule can be an emergency")
        return rule

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "level": self.level,
            "item": self.item,
            "op": self.op,
            "value": self.value,
        }
        if self.count > 1:
            data["count"] = self.count
            data["within_hours"] = self.within_hours
        if self.emergency:
            data["emergency"] = True
        data["reason"] = dict(self.reason)
        return data

    def shown_reason(self, reader: str | None = None) -> Shown:
        """The reason in the reader's language, else Dutch, else English (else the id)."""
        shown = pick(self.reason, reader)
        return shown if shown else Shown(self.id, "en", shown.reader)

    @property
    def strength(self) -> int:
        """How loud this rule's advice is: an emergency, then red, then amber."""
        return 2 if self.emergency else 1 if self.level == "red" else 0

    def matches(self, answer: Any) -> bool:
        if answer is None:
            return False
        if self.op == "in":
            return answer in self.value
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            return False
        if self.op == ">=":
            return bool(answer >= self.value)
        if self.op == ">":
            return bool(answer > self.value)
        if self.op == "<=":
            return bool(answer <= self.value)
        if self.op == "<":
            return bool(answer < self.value)
        return bool(answer == self.value)


@dataclass(frozen=True)
class Earlier:
    """An earlier report of the same child, as far as look-back rules need it."""

    observed_at: datetime
    items: Mapping[str, Any]


@dataclass(frozen=True)
class Verdict:
    level: str
    matched: tuple[str, ...]
    reasons: tuple[Rule, ...]

    @property
    def emergency(self) -> bool:
        """A life-threatening sign fired: "Call 112" comes first."""
        return any(rule.emergency for rule in self.reasons)


def strongest_per_item(fired: Sequence[Rule]) -> tuple[Rule, ...]:
    """The reasons to show, strongest first: one per question (the first of equals).

    A temperature of 39 fires "38.5 or higher" and "38.0 or higher"; the family reads only
    the first. The level is still judged on every rule that fired.
    """
    best: dict[str, Rule] = {}
    for rule in fired:
        if rule.item not in best or rule.strength > best[rule.item].strength:
            best[rule.item] = rule
    return tuple(sorted(best.values(), key=lambda rule: (-rule.strength, fired.index(rule))))


def evaluate(
    rules: Sequence[Rule],
    items: Mapping[str, Any],
    observed_at: datetime,
    earlier: Sequence[Earlier] = (),
) -> Verdict:
    """The level of one report: red if any red rule fires or two amber rules do."""
    fired: list[Rule] = []
    for rule in rules:
        if not rule.matches(items.get(rule.item)):
            continue
        if rule.count > 1:
            since = observed_at - timedelta(hours=rule.within_hours)
            hits = 1 + sum(
                1
                for report in earlier
                if since <= report.observed_at < observed_at
                and rule.matches(report.items.get(rule.item))
            )
            if hits < rule.count:
                continue
        fired.append(rule)
    ambers = [rule for rule in fired if rule.level == "amber"]
    if any(rule.level == "red" for rule in fired) or len(ambers) >= AMBERS_MAKING_RED:
        level = "red"
    elif ambers:
        level = "amber"
    else:
        level = "green"
    return Verdict(level, tuple(rule.id for rule in fired), tuple(fired))


def higher(first: str, second: str) -> str:
    return first if LEVELS.index(first) >= LEVELS.index(second) else second
