"""Why a report was red or amber, in the reader's language, from the rules it matched."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..db import Reader
from ..hospital_texts import Shown
from .rules import Rule
from .store import select_rules


async def fired_rules(db: Reader, matched: Iterable[str]) -> list[Rule]:
    """The rules a report matched, as they are now (rules since removed are left out)."""
    rules = {rule.id: rule for rule in await select_rules(db)}
    return [rules[rule_id] for rule_id in matched if rule_id in rules]


def in_language(rules: Sequence[Rule]) -> list[Shown]:
    """The rules' reasons in the reader's language, or marked in the one they are in."""
    return [rule.shown_reason() for rule in rules]


async def reasons_for(db: Reader, matched: Iterable[str]) -> list[Shown]:
    """Every matched rule's reason, for the nurse's view of a report."""
    return in_language(await fired_rules(db, matched))
