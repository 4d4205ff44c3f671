"""The fuzz bench, small and bounded: every JSON endpoint of the served app gets 200
generated cases (bench/fuzz.py; the full run is in docs/reliability.md), and the bench
itself is shown to count a 500, a hang, an unknown endpoint and stored garbage."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bench.common import make_families
from bench.fuzz import FuzzResult, run_fuzz
from bench.fuzzing.cases import generate
from bench.fuzzing.garbage import stored_garbage
from bench.fuzzing.runner import run_cases
from bench.fuzzing.targets import KNOWN, Context, Target, UnknownEndpoint, app_rules, discover
from tests.helpers.served import Server

CASES = 200


async def test_every_json_endpoint_answers_generated_cases_without_5xx_hang_or_garbage(
    tmp_path: Path,
) -> None:
    result = await run_fuzz(tmp_path, cases=CASES, seed=14, big=1)
    assert result.ok, "\n".join(result.lines())
    assert {tally.endpoint for tally in result.tallies} == {
        f"{method} {rule}" for method, rule in KNOWN
    }
    for tally in result.tallies:
        assert tally.cases == CASES, tally.endpoint
        # The cases reached the views, not only the sign-in and same-origin checks.
        assert tally.reached > CASES // 2, tally.endpoint
        assert any(status.startswith("2") for status in tally.statuses), tally.statuses_text()
        assert any(status.startswith("4") for status in tally.statuses), tally.statuses_text()


def test_every_api_route_of_the_app_is_a_target_and_an_unknown_one_is_an_error() -> None:
    targets = discover(app_rules())
    assert {(target.method, target.rule) for target in targets} == set(KNOWN)
    with pytest.raises(UnknownEndpoint):
        discover([*app_rules(), ("/api/reports/<client_uuid>", {"PATCH", "HEAD"})])


async def test_a_route_that_raises_counts_as_5xx_and_one_that_stalls_as_a_hang(
    tmp_path: Path,
) -> None:
    server = Server(tmp_path / "instance")
    server.start(command=("-m", "tests.helpers.fuzz_broken_app"))
    context = Context.make(1, 2, [])
    try:
        broken = Target("POST", "/api/broken", "json")
        cases = generate(broken, context, 12, 14, big=0)
        failing = await run_cases(server.url, "", broken.name, cases, hang_after=5, concurrency=4)
        slow = Target("POST", "/api/slow", "json")
        stalled = generate(slow, context, 3, 14, big=0)
        hanging = await run_cases(server.url, "", slow.name, stalled, hang_after=0.5, concurrency=3)
    finally:
        server.stop()
    assert failing.statuses == {"500": 12} and failing.five_xx == 12
    assert len(failing.server_errors) == 5, "the first few are listed to reproduce"
    assert not FuzzResult(14, [failing]).ok
    assert len(hanging.hangs) == 3 and hanging.statuses == {"hang": 3}
    assert not FuzzResult(14, [hanging]).ok
    assert FuzzResult(14, []).ok, "the same result without them passes"


async def test_stored_control_characters_and_foreign_rows_are_garbage(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    family, other = await make_families(instance, 2)
    database = str(instance / "immuno.sqlite3")
    assert (
        stored_garbage(
            database, account_id=family.account_id, child_id=family.child_id, photos=tmp_path
        )
        == []
    )
    connection = sqlite3.connect(database)
    with connection:
        connection.execute(
            "INSERT INTO report (client_uuid, child_id, author_id, observed_at, received_at,"
            " items, note, level, content_hash) VALUES (?, ?, ?, ?, ?, '{}', ?, 'green', 'x')",
            (
                "0e5b3c7a-6b1f-4d0e-9f3a-2c1d5e6f7a8b",
                other.child_id,
                other.account_id,
                "2026-12-01T10:00:00+00:00",
                "2026-12-01T10:00:00+00:00",
                "fever\x1b[2J",
            ),
        )
    connection.close()
    found = stored_garbage(
        database, account_id=family.account_id, child_id=family.child_id, photos=tmp_path
    )
    assert any("control character" in problem for problem in found), found
    assert any("not the fuzzed family's" in problem for problem in found), found
    assert any("note" in problem for problem in found), found
