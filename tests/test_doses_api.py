"""The dose sync contract: exactly once under retries and concurrent posts, per-item
answers, two caregivers on one dose time, access and same-origin rules."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from quart import Quart

from pwa.db import Database
from tests.conftest import People, make_plan, sign_in
from tests.helpers.doses import (
    NOW,
    PLAN_START,
    TODAY,
    dose,
    period_id,
    post_doses,
    second_parent,
)
from tests.helpers.rows import count

DOSES = "SELECT COUNT(*) FROM dose"


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
async def family(app: Quart, db: Database, people: People, frozen: None) -> Any:
    """The parent of a child on day 4 of its isotretinoin at home, signed in."""
    await make_plan(db, people.child_id, PLAN_START)
    client = app.test_client()
    await sign_in(client, "parent@example.org")
    return client


async def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, await response.get_data(as_text=True)
    return list((await response.get_json())["results"])


async def test_stores_each_dose_and_answers_in_order(
    family: Any, db: Database, people: People
) -> None:
    period = await period_id(db, people.child_id)
    morning = dose(people.child_id, period, TODAY, "08:00")
    yesterday = dose(
        people.child_id,
        period,
        TODAY - timedelta(days=1),
        "20:00",
        outcome="vomited",
        note="  after 10 min\r\n",
    )
    answers = await results(await post_doses(family, morning, yesterday))
    assert [(a["id"], a["status"]) for a in answers] == [
        (morning["id"], "stored"),
        (yesterday["id"], "stored"),
    ]
    row = await db.fetch_one(
        "SELECT child_id, medication_period_id, slot_day, slot_time, outcome, note, recorded_by "
        "FROM dose WHERE client_uuid = ?",
        (yesterday["id"],),
    )
    assert row is not None
    assert tuple(row) == (
        people.child_id,
        period,
        "2027-01-31",
        "20:00",
        "vomited",
        "after 10 min",
        people.parent_id,
    )


async def test_resending_is_a_duplicate_and_one_row(
    family: Any, db: Database, people: People
) -> None:
    body = dose(people.child_id, await period_id(db, people.child_id), TODAY)
    await post_doses(family, body)
    for _ in range(3):
        [again] = await results(await post_doses(family, body))
        assert again["status"] == "duplicate"
    assert await count(db, DOSES) == 1


async def test_concurrent_posts_of_one_batch_store_each_dose_once(
    family: Any, db: Database, people: People
) -> None:
    period = await period_id(db, people.child_id)
    batch = [dose(people.child_id, period, TODAY - timedelta(days=n), "08:00") for n in range(3)]
    responses = await asyncio.gather(*(post_doses(family, *batch) for _ in range(20)))
    statuses = [answer["status"] for r in responses for answer in await results(r)]
    assert statuses.count("stored") == 3 and statuses.count("duplicate") == 57
    assert await count(db, DOSES) == 3


async def test_same_id_other_content_is_a_conflict_and_keeps_the_first(
    family: Any, db: Database, people: People
) -> None:
    body = dose(people.child_id, await period_id(db, people.child_id), TODAY)
    await post_doses(family, body)
    [answer] = await results(await post_doses(family, {**body, "outcome": "refused"}))
    assert answer["status"] == "conflict"
    row = await db.fetch_one("SELECT outcome FROM dose WHERE client_uuid = ?", (body["id"],))
    assert row is not None and row["outcome"] == "given"


async def test_one_invalid_dose_never_blocks_the_others(
    family: Any, db: Database, people: People
) -> None:
    period = await period_id(db, people.child_id)
    other_period = await period_id(db, people.child_id, course=2)

    def good(**extra: Any) -> dict[str, Any]:
        return {**dose(people.child_id, period, TODAY), **extra}

    bad = [
        good(id="not-a-uuid"),
        good(outcome="forgot"),
        good(time="8:00"),
        good(day="2027-02-30"),
        good(note="x" * 501),
        good(recorded_at="yesterday"),
        good(recorded_at=(NOW + timedelta(hours=1)).isoformat()),
        good(period_id=2**70),
        good(child_id=True),
        dose(people.child_id, period, TODAY, "20:00"),  # not due until this evening
        dose(people.child_id, period, TODAY + timedelta(days=11)),  # after the period
        dose(people.child_id, other_period, TODAY),  # course 2's period is not today
        dose(people.other_child_id, period, TODAY),  # another family's child
        "not an object",
    ]
    first, last = good(), good(time="09:30")
    answers = await results(await post_doses(family, first, *bad, last))
    assert [a["status"] for a in answers] == ["stored", *["invalid"] * len(bad), "stored"]
    assert all(a["errors"] for a in answers[1:-1])
    assert await count(db, DOSES) == 2


async def test_a_family_cannot_note_a_dose_of_another_familys_child(
    app: Quart, family: Any, db: Database, people: People
) -> None:
    """The other family's own period, with their child: refused for this parent."""
    await make_plan(db, people.other_child_id, PLAN_START)
    theirs = dose(people.other_child_id, await period_id(db, people.other_child_id), TODAY)
    [answer] = await results(await post_doses(family, theirs))
    assert answer["status"] == "invalid" and "child_id" in answer["errors"]
    assert await count(db, DOSES) == 0
    other = app.test_client()
    await sign_in(other, "other@example.org")
    [answer] = await results(await post_doses(other, theirs))
    assert answer["status"] == "stored"


async def test_two_caregivers_noting_one_dose_are_both_kept_and_told(
    app: Quart, family: Any, db: Database, people: People
) -> None:
    """Hazard H25: the second parent's record is stored too, and the answer names who
    noted that dose before, so the phone can say so."""
    await second_parent(db, app, people.child_id)
    dad = app.test_client()
    await sign_in(dad, "dad@example.org")
    period = await period_id(db, people.child_id)
    [mine] = await results(await post_doses(family, dose(people.child_id, period, TODAY)))
    assert mine["status"] == "stored" and "earlier" not in mine
    [his] = await results(await post_doses(dad, dose(people.child_id, period, TODAY)))
    assert his["status"] == "stored"
    assert [(e["by"], e["outcome"]) for e in his["earlier"]] == [("Parent", "given")]
    assert await count(db, DOSES) == 2


async def test_staff_may_not_post_family_doses(
    app: Quart, family: Any, db: Database, people: People
) -> None:
    nurse = app.test_client()
    await sign_in(nurse, "nurse@example.org", staff=True)
    body = dose(people.child_id, await period_id(db, people.child_id), TODAY)
    assert (await post_doses(nurse, body)).status_code == 403
    assert await count(db, DOSES) == 0


async def test_a_foreign_origin_a_form_post_or_no_session_is_refused(
    app: Quart, family: Any, db: Database, people: People
) -> None:
    body = dose(people.child_id, await period_id(db, people.child_id), TODAY)
    foreign = await post_doses(family, body, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    form = await family.post(
        "/api/doses", form={"doses": "[]"}, headers={"Origin": "https://localhost"}
    )
    assert form.status_code == 415
    assert (await post_doses(app.test_client(), body)).status_code == 401
    assert await count(db, DOSES) == 0


async def test_a_batch_too_long_or_not_a_list_is_refused_whole(
    family: Any, db: Database, people: People
) -> None:
    period = await period_id(db, people.child_id)
    too_many = [dose(people.child_id, period, TODAY) for _ in range(51)]
    assert (await post_doses(family, *too_many)).status_code == 413
    wrong = await family.post(
        "/api/doses", json={"doses": {}}, headers={"Origin": "https://localhost"}
    )
    assert wrong.status_code == 400
    assert await count(db, DOSES) == 0
