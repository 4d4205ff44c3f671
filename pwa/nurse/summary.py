"""A report in one line for the queue ("Temperature 38.9 °C · Pain 7/10 (Legs) · …"), so
a nurse triaging a call sees what was reported without opening it (hazard H15): the
answers that made a report red or amber come first, answers that say "all is well" are
left out."""

from __future__ import annotations

from collections.abc import Iterable

from ..diary.items import BY_KEY, ITEMS
from ..diary.labels import answer_label, item_label
from ..diary.store import Report
from ..i18n import gettext
from ..redflags.rules import Rule

# Answers that mean nothing is wrong; the summary lists only what a nurse needs to see.
UNREMARKABLE = frozenset({"none", "normal", "fine", "usual", "yes"})
_LEVEL_ORDER = {"red": 0, "amber": 1}
NBSP = "\u00a0"


def _firing_items(report: Report, rules: Iterable[Rule]) -> list[str]:
    """The items of the rules this report matched, those of red rules first."""
    matched = [rule for rule in rules if rule.id in report.matched_rules]
    matched.sort(key=lambda rule: _LEVEL_ORDER.get(rule.level, 2))
    keys: list[str] = []
    for rule in matched:
        if rule.item not in keys:
            keys.append(rule.item)
    return keys


def _part(report: Report, key: str) -> str | None:
    item = BY_KEY.get(key)
    value = report.items.get(key)
    if item is None or value is None or key == "pain_where":
        return None
    if item.kind == "choice":
        if value in UNREMARKABLE:
            return None
        return gettext(
            "%(question)s: %(answer)s", question=item_label(key), answer=answer_label(key, value)
        )
    if item.kind == "scale":
        if value == 0:
            return None
        where = report.items.get("pain_where") if key == "pain" else None
        text = gettext("%(question)s %(value)s/10", question=item_label(key), value=value)
        if where:
            text = gettext(
                "%(text)s (%(where)s)", text=text, where=answer_label("pain_where", where)
            )
        return text
    # A no-break space keeps "37.4 °C" together when the line wraps.
    return f"{item_label(key)} {answer_label(key, value).replace(' ', NBSP)}"


def symptom_summary(report: Report, rules: Iterable[Rule]) -> str:
    """The report's notable answers in the reader's language, joined by " · "."""
    firing = _firing_items(report, rules)
    order = firing + [item.key for item in ITEMS if item.key not in firing]
    parts = [part for key in order if (part := _part(report, key))]
    if not parts:
        return gettext("Nothing unusual reported")
    return " · ".join(parts)
