"""Red-flag rules on the server: the shared case table, the rule format, bad rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pwa.db import Database
from pwa.diary import store
from pwa.redflags.rules import Earlier, Rule, RuleError, evaluate

CASES = json.loads((Path(__file__).parent / "redflag_cases.json").read_text(encoding="utf-8"))[
    "cases"
]
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


def run_case(rules: list[Rule], case: dict[str, Any]) -> Any:
    earlier = [
        Earlier(NOW - timedelta(hours=float(entry["hours_before"])), entry["items"])
        for entry in case.get("earlier", [])
    ]
    return evaluate(rules, case["items"], NOW, earlier)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
async def test_default_rules_give_the_expected_level(db: Database, case: dict[str, Any]) -> None:
    verdict = run_case(await store.select_rules(db), case)
    assert verdict.level == case["level"]
    if "matched" in case:
        assert sorted(verdict.matched) == sorted(case["matched"])


async def test_every_default_rule_is_exercised_by_a_case(db: Database) -> None:
    rules = await store.select_rules(db)
    fired = {rule_id for case in CASES for rule_id in run_case(rules, case).matched}
    assert fired == {rule.id for rule in rules}


async def test_every_default_rule_has_both_languages_and_round_trips(db: Database) -> None:
    for rule in await store.select_rules(db):
        assert rule.reason.get("en") and rule.reason.get("nl"), rule.id
        assert Rule.parse(rule.as_json()) == rule


@pytest.mark.parametrize(
    "definition",
    [
        {"id": "x", "level": "purple", "item": "pain", "op": ">=", "value": 4},
        {"id": "x", "level": "red", "item": "pain", "op": "~", "value": 4},
        {"id": "x", "level": "red", "item": "pain", "op": "in", "value": 4},
        {"id": "x", "level": "red", "item": "pain", "op": ">=", "value": "four"},
        {"id": "x", "level": "red", "item": "pain", "op": ">=", "value": 4, "count": 0},
        {"level": "red", "item": "pain", "op": ">=", "value": 4},
    ],
)
def test_broken_rules_are_refused(definition: dict[str, Any]) -> None:
    with pytest.raises(RuleError):
        Rule.parse(definition)


def test_answers_of_the_wrong_type_never_match() -> None:
    rule = Rule.parse({"id": "t", "level": "red", "item": "temperature", "op": ">=", "value": 38.5})
    assert evaluate([rule], {"temperature": "39"}, NOW).level == "green"
    assert evaluate([rule], {"temperature": True}, NOW).level == "green"
    assert evaluate([rule], {"temperature": 39.0}, NOW).level == "red"
