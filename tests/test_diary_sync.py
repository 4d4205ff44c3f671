"""The report sync contract: exactly once, per-item results, and no 500 for any input."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quart import Quart

from pwa.clock import utcnow
from pwa.db import Database
from pwa.diary import sync
from tests.conftest import People, choose_language, csrf_from
from tests.helpers.reports import SAME_ORIGIN, post, report
from tests.helpers.rows import count


async def test_stores_and_answers_one_result_per_report_in_order(
    family_client: Any, db: Database, people: People
) -> None:
    first, second = report(people.child_id), report(people.child_id, items={"pain": 8})
    response = await post(family_client, first, second)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    results = (await response.get_json())["results"]
    assert [r["id"] for r in results] == [first["id"], second["id"]]
    assert [(r["status"], r["level"]) for r in results] == [("stored", "green"), ("stored", "red")]
    row = await db.fetch_one(
        "SELECT author_id, level, note FROM report WHERE client_uuid = ?", (second["id"],)
    )
    assert row is not None and row["author_id"] == people.parent_id and row["level"] == "red"


async def test_same_uuid_twice_is_one_row_and_a_duplicate(
    family_client: Any, db: Database, people: People
) -> None:
    body = report(people.child_id)
    await post(family_client, body)
    again = (await (await post(family_client, body)).get_json())["results"][0]
    assert again["status"] == "duplicate" and again["level"] == "green"
    assert await count(db) == 1


async def test_a_lost_response_then_retry_stores_once(
    family_client: Any, db: Database, people: People
) -> None:
    """The server committed but the phone never heard: the outbox sends it again."""
    body = report(people.child_id)
    draft, _ = sync.parse(body)
    assert draft is not None
    await sync.store_draft(db, draft, people.parent_id)  # committed; the response is "lost"
    retried = (await (await post(family_client, body)).get_json())["results"][0]
    assert retried["status"] == "duplicate"
    assert await count(db) == 1


async def test_fifty_concurrent_posts_of_one_uuid_give_one_row(
    app: Quart, family_client: Any, db: Database, people: People
) -> None:
    body = report(people.child_id)
    responses = await asyncio.gather(*(post(family_client, body) for _ in range(50)))
    statuses = [(await r.get_json())["results"][0]["status"] for r in responses]
    assert statuses.count("stored") == 1 and statuses.count("duplicate") == 49
    assert await count(db) == 1


async def test_same_uuid_other_content_is_a_conflict(
    family_client: Any, db: Database, people: People
) -> None:
    body = report(people.child_id)
    await post(family_client, body)
    changed = {**body, "items": {"pain": 9}}
    result = (await (await post(family_client, changed)).get_json())["results"][0]
    assert result["status"] == "conflict"
    row = await db.fetch_one("SELECT items FROM report WHERE client_uuid = ?", (body["id"],))
    assert row is not None and '"pain": 3' in row["items"]


async def test_equivalent_times_are_the_same_content(
    family_client: Any, db: Database, people: People
) -> None:
    """The canonical form compares moments, not how the phone wrote them."""
    moment = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    body = report(people.child_id, observed_at=moment.isoformat())
    await post(family_client, body)
    amsterdam = {**body, "observed_at": "2026-11-27T05:00:00+01:00"}
    assert (await (await post(family_client, amsterdam)).get_json())["results"][0][
        "status"
    ] == "duplicate"


async def test_another_familys_child_is_invalid_and_does_not_block_the_rest(
    family_client: Any, db: Database, people: People
) -> None:
    foreign, own = report(people.other_child_id), report(people.child_id)
    results = (await (await post(family_client, foreign, own)).get_json())["results"]
    assert results[0]["status"] == "invalid" and "child_id" in results[0]["errors"]
    assert results[1]["status"] == "stored"
    assert (
        await count(db, "SELECT COUNT(*) FROM report WHERE child_id = ?", (people.other_child_id,))
        == 0
    )


async def test_invalid_values_get_translated_errors(family_client: Any, people: People) -> None:
    bad = report(
        people.child_id,
        items={"temperature": 45, "pain": 11, "breathing": "sometimes", "unknown": 1},
    )
    results = (await (await post(family_client, bad)).get_json())["results"]
    errors = results[0]["errors"]
    assert results[0]["status"] == "invalid"
    assert errors["temperature"] == "Enter a value between 34.0 and 43.0 °C."
    assert errors["pain"] == "Choose a whole number from 0 to 10."
    assert set(errors) == {"temperature", "pain", "breathing", "unknown"}


async def test_empty_future_and_ancient_reports_are_invalid(
    family_client: Any, people: People
) -> None:
    cases = [
        report(people.child_id, items={}, note=""),
        report(people.child_id, observed_at=(utcnow() + timedelta(hours=2)).isoformat()),
        report(people.child_id, observed_at=(utcnow() - timedelta(days=120)).isoformat()),
        report(people.child_id, observed_at="2026-11-27T10:00:00"),  # no offset: ambiguous
        report(people.child_id, id="not-a-uuid"),
        report(people.child_id, note="x" * 2001),
    ]
    results = (await (await post(family_client, *cases)).get_json())["results"]
    assert [r["status"] for r in results] == ["invalid"] * len(cases)


async def test_malformed_bodies_are_refused(family_client: Any) -> None:
    not_json = await family_client.post(
        "/api/reports", data="{", headers={**SAME_ORIGIN, "Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    wrong_shape = await family_client.post("/api/reports", json={"report": []}, headers=SAME_ORIGIN)
    assert wrong_shape.status_code == 400
    form = await family_client.post("/api/reports", form={"reports": "x"}, headers=SAME_ORIGIN)
    assert form.status_code == 415
    too_many = await family_client.post(
        "/api/reports", json={"reports": [{}] * 51}, headers=SAME_ORIGIN
    )
    assert too_many.status_code == 413
    huge = await family_client.post(
        "/api/reports", json={"reports": [{"note": "x" * 300_000}]}, headers=SAME_ORIGIN
    )
    assert huge.status_code == 413


async def test_server_level_higher_than_the_phones_is_shown_to_the_family(
    family_client: Any, db: Database, people: People
) -> None:
    """Two readings of 38.2 within 24 h (e.g. by both parents) make red on the server."""
    await post(
        family_client,
        report(
            people.child_id,
            items={"temperature": 38.2},
            observed_at=(utcnow() - timedelta(hours=5)).isoformat(),
        ),
    )
    second = report(people.child_id, items={"temperature": 38.2}, client_level="amber")
    result = (await (await post(family_client, second)).get_json())["results"][0]
    assert result["level"] == "red"
    page = await (await family_client.get(f"/diary/{second['id']}")).get_data(as_text=True)
    assert "Call the hospital now" in page
    assert "rate this report higher than your phone did" in page


# --- the plain form ---------------------------------------------------------------


async def test_form_out_of_range_keeps_what_was_typed(family_client: Any, db: Database) -> None:
    token = csrf_from(await (await family_client.get("/diary/new")).get_data(as_text=True))
    today = utcnow().date().isoformat()
    response = await family_client.post(
        "/diary/new",
        form={
            "csrf_token": token,
            "temperature": "44,2",
            "weight": "18,3",
            "note": "hot and tired",
            "observed_date": today,
            "observed_time": "00:01",
            "pain": "3",
        },
    )
    text = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a value between 34.0 and 43.0 °C." in text
    assert 'value="44,2"' in text and 'value="18,3"' in text and "hot and tired" in text
    assert '<input checked id="pain-3" name="pain" type="radio" value="3">' in text
    assert await count(db) == 0


async def test_form_red_report_shows_the_call_now_advice(family_client: Any, db: Database) -> None:
    token = csrf_from(await (await family_client.get("/diary/new")).get_data(as_text=True))
    response = await family_client.post(
        "/diary/new",
        form={
            "csrf_token": token,
            "breathing": "hard",
            "observed_date": "2026-11-27",
            "observed_time": "00:00",
            "client_uuid": str(uuid.uuid4()),
        },
        follow_redirects=True,
    )
    text = await response.get_data(as_text=True)
    # Trouble breathing is a life-threatening sign: 112 first (Hazard H3).
    assert "Call 112 now" in text and 'href="tel:112"' in text
    assert "Difficulty breathing" in text
    assert await count(db, "SELECT COUNT(*) FROM report WHERE level = 'red'") == 1


# --- properties ---------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=st.one_of(
        json_values,
        st.fixed_dictionaries({"reports": st.lists(json_values, max_size=3)}),
        st.fixed_dictionaries(
            {
                "reports": st.lists(
                    st.fixed_dictionaries(
                        {
                            "id": st.one_of(st.uuids().map(str), st.text(max_size=5)),
                            "child_id": st.one_of(st.integers(), st.text(max_size=3), st.none()),
                            "observed_at": st.one_of(
                                st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
                                st.text(max_size=12),
                            ),
                            "items": st.dictionaries(
                                st.sampled_from(["pain", "temperature", "weight", "rash", "x"]),
                                json_values,
                                max_size=4,
                            ),
                            "note": st.one_of(st.text(max_size=30), json_values),
                        }
                    ),
                    max_size=3,
                )
            }
        ),
    )
)
async def test_any_json_body_gets_an_answer_never_a_500(family_client: Any, payload: Any) -> None:
    response = await family_client.post("/api/reports", json=payload, headers=SAME_ORIGIN)
    assert response.status_code in {200, 400, 413}
    if response.status_code == 200:
        body = await response.get_json()
        assert len(body["results"]) == len(payload["reports"])
        assert all(
            r["status"] in {"stored", "duplicate", "conflict", "invalid"} for r in body["results"]
        )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "pain",
                "temperature",
                "weight",
                "rash",
                "breathing",
                "note",
                "observed_date",
                "observed_time",
            ]
        ),
        st.text(max_size=25),
        max_size=6,
    )
)
async def test_any_form_input_gets_a_page_never_a_500(
    family_client: Any, fields: dict[str, str]
) -> None:
    token = csrf_from(await (await family_client.get("/diary/new")).get_data(as_text=True))
    response = await family_client.post("/diary/new", form={"csrf_token": token, **fields})
    assert response.status_code in {200, 302}


async def test_range_errors_write_numbers_the_dutch_way_in_dutch(
    family_client: Any, people: People
) -> None:
    await choose_language(family_client, "nl")
    bad = report(people.child_id, items={"temperature": 45})
    errors = (await (await post(family_client, bad)).get_json())["results"][0]["errors"]
    assert "34,0" in errors["temperature"] and "43,0" in errors["temperature"]
