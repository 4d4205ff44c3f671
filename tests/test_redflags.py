"""Red-flag rules on the server: the shared case table, the rule format, bad rules."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pwa.db import Database
from pwa.redflags import store as redflag_store
from pwa.redflags.rules import Earlier, Rule, RuleError, evaluate, strongest_per_item

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
    """Hazard H3, H17: the shared cases' level, 112-first mark and shown reasons on the server."""
    verdict = run_case(await redflag_store.select_rules(db), case)
    assert verdict.level == case["level"]
    if "matched" in case:
        assert sorted(verdict.matched) == sorted(case["matched"])
    if "emergency" in case:
        assert verdict.emergency is case["emergency"]
    if "shown" in case:
        assert [rule.id for rule in strongest_per_item(verdict.reasons)] == case["shown"]


async def test_every_default_rule_is_exercised_by_a_case(db: Database) -> None:
    rules = await redflag_store.select_rules(db)
    fired = {rule_id for case in CASES for rule_id in run_case(rules, case).matched}
    assert fired == {rule.id for rule in rules}


async def test_every_default_rule_has_both_languages_and_round_trips(db: Database) -> None:
    for rule in await redflag_store.select_rules(db):
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
        {"id": "x", "level": "red", "item": "pain", "op": ">=", "value": 4, "emergency": "yes"},
        {"id": "x", "level": "amber", "item": "pain", "op": ">=", "value": 4, "emergency": True},
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


def test_the_shipped_pain_rule_says_what_it_checks(tmp_path: Path) -> None:
    """Migration 0009: "4 or more" (it fires at 7 too), unless an admin changed the rule."""
    from importlib import resources

    from pwa.schema import migrate

    path = str(tmp_path / "rules.sqlite3")
    migrate(path)
    fix = (resources.files("pwa.migrations") / "0009_pain_rule_reason.sql").read_text()
    shipped = (
        '{"id": "pain-moderate", "level": "amber", "item": "pain", "op": ">=", "value": 4, '
        '"reason": {"en": "Pain of 4 to 6", "nl": "Pijn van 4 tot 6"}}'
    )
    edited = shipped.replace(">=", ">").replace('"value": 4', '"value": 5')
    connection = sqlite3.connect(path)
    try:

        def reason() -> dict[str, str]:
            (definition,) = connection.execute(
                "SELECT definition FROM red_flag_rule WHERE definition LIKE '%pain-moderate%'"
            ).fetchone()
            return dict(json.loads(definition)["reason"])

        # (Migration 0030 adds the family languages; English and Dutch are 0009's.)
        assert {language: reason()[language] for language in ("en", "nl")} == {
            "en": "Pain of 4 or more",
            "nl": "Pijn van 4 of meer",
        }
        for before, expected_en in ((shipped, "Pain of 4 or more"), (edited, "Pain of 4 to 6")):
            connection.execute(
                "UPDATE red_flag_rule SET definition = ? WHERE definition LIKE '%pain-moderate%'",
                (before,),
            )
            connection.executescript(fix)
            assert reason()["en"] == expected_en
    finally:
        connection.close()


def test_the_emergency_mark_is_optional_and_round_trips() -> None:
    """Hazard H3: a rule marked as a life-threatening sign keeps its mark through the format."""
    plain = {"id": "b", "level": "red", "item": "breathing", "op": "in", "value": ["hard"]}
    assert Rule.parse(plain).emergency is False
    assert "emergency" not in Rule.parse(plain).as_json()
    marked = Rule.parse({**plain, "emergency": True})
    assert marked.emergency is True
    assert marked.as_json()["emergency"] is True
    assert Rule.parse(marked.as_json()) == marked
    assert evaluate([marked], {"breathing": "hard"}, NOW).emergency is True
    assert evaluate([Rule.parse(plain)], {"breathing": "hard"}, NOW).emergency is False


async def test_the_shipped_life_threatening_signs_are_emergencies(db: Database) -> None:
    """Hazard H3: breathing trouble, a swollen face and a seizure or not waking up put 112 first."""
    marked = {rule.id for rule in await redflag_store.select_rules(db) if rule.emergency}
    assert marked == {"breathing-hard", "swelling-face", "nerves-confused"}


def test_migration_0012_marks_shipped_rules_by_id_and_only_red_ones(tmp_path: Path) -> None:
    """Hazard H3: existing installs get the emergency mark on the shipped rules they keep."""
    from importlib import resources

    from pwa.schema import migrate

    path = str(tmp_path / "rules.sqlite3")
    migrate(path)
    fix = (resources.files("pwa.migrations") / "0012_emergency_rules.sql").read_text()
    reworded = {
        "id": "breathing-hard",
        "level": "red",
        "item": "breathing",
        "op": "in",
        "value": ["hard"],
        "reason": {"en": "Struggling to breathe", "nl": "Benauwd"},
    }
    made_amber = {**reworded, "id": "swelling-face", "level": "amber", "item": "swelling"}
    made_amber["value"] = ["face"]
    connection = sqlite3.connect(path)
    try:
        for definition in (reworded, made_amber):
            connection.execute(
                "UPDATE red_flag_rule SET definition = ? WHERE definition LIKE ?",
                (json.dumps(definition), f'%"{definition["id"]}"%'),
            )
        connection.executescript(fix)
        stored = {
            rule["id"]: rule
            for rule in (
                json.loads(row[0])
                for row in connection.execute("SELECT definition FROM red_flag_rule")
            )
        }
    finally:
        connection.close()
    assert stored["breathing-hard"]["emergency"] is True
    assert stored["breathing-hard"]["reason"]["en"] == "Struggling to breathe"
    assert "emergency" not in stored["swelling-face"]
    assert stored["nerves-confused"]["emergency"] is True
    assert "emergency" not in stored["pain-severe"]
    for definition in stored.values():
        Rule.parse(definition)
