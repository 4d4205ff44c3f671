"""The message sync contract: exactly once, per-item results, access and same-origin rules."""

from __future__ import annotations

import asyncio
from typing import Any

from pwa.db import Database
from tests.conftest import People
from tests.helpers.messages import message, post_messages


async def _count(db: Database) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM message")
    assert row is not None
    return int(row[0])


async def test_stores_each_message_and_answers_in_order(
    family_client: Any, db: Database, people: People
) -> None:
    first, second = message(people.child_id), message(people.child_id, urgent=True, body="Fever?")
    response = await post_messages(family_client, first, second)
    assert response.status_code == 200
    results = (await response.get_json())["results"]
    assert [(r["id"], r["status"]) for r in results] == [
        (first["id"], "stored"),
        (second["id"], "stored"),
    ]
    row = await db.fetch_one(
        "SELECT author_id, from_ward, urgent, body FROM message WHERE client_uuid = ?",
        (second["id"],),
    )
    assert row is not None
    assert (row["author_id"], row["from_ward"], row["urgent"], row["body"]) == (
        people.parent_id,
        0,
        1,
        "Fever?",
    )


async def test_resending_is_a_duplicate_and_one_row(
    family_client: Any, db: Database, people: People
) -> None:
    body = message(people.child_id)
    await post_messages(family_client, body)
    again = (await (await post_messages(family_client, body)).get_json())["results"][0]
    assert again["status"] == "duplicate"
    assert await _count(db) == 1


async def test_concurrent_posts_of_one_batch_store_each_message_once(
    family_client: Any, db: Database, people: People
) -> None:
    batch = [message(people.child_id, body=f"question {n}") for n in range(3)]
    responses = await asyncio.gather(*(post_messages(family_client, *batch) for _ in range(20)))
    statuses = [result["status"] for r in responses for result in (await r.get_json())["results"]]
    assert statuses.count("stored") == 3 and statuses.count("duplicate") == 57
    assert await _count(db) == 3


async def test_same_id_other_text_is_a_conflict_and_keeps_the_first(
    family_client: Any, db: Database, people: People
) -> None:
    body = message(people.child_id)
    await post_messages(family_client, body)
    changed = {**body, "body": "something else"}
    result = (await (await post_messages(family_client, changed)).get_json())["results"][0]
    assert result["status"] == "conflict"
    row = await db.fetch_one("SELECT body FROM message WHERE client_uuid = ?", (body["id"],))
    assert row is not None and row["body"] == body["body"]


async def test_one_invalid_message_never_blocks_the_others(
    family_client: Any, db: Database, people: People
) -> None:
    good_before, good_after = message(people.child_id), message(people.child_id)
    bad = [
        message(people.child_id, body=""),
        message(people.child_id, body="x" * 2001),
        message(people.child_id, id="not-a-uuid"),
        message(people.child_id, urgent="yes"),
        message(2**70),
        message(people.other_child_id),
        "not an object",
    ]
    response = await post_messages(family_client, good_before, *bad, good_after)
    results = (await response.get_json())["results"]
    assert [r["status"] for r in results] == ["stored", *["invalid"] * len(bad), "stored"]
    assert all(r["errors"] for r in results[1:-1])
    assert await _count(db) == 2


async def test_control_characters_are_removed_and_line_breaks_kept(
    family_client: Any, db: Database, people: People
) -> None:
    body = message(people.child_id, body="  line one\r\nline\x1b[31m two\x00  ")
    await post_messages(family_client, body)
    row = await db.fetch_one("SELECT body FROM message WHERE client_uuid = ?", (body["id"],))
    assert row is not None and row["body"] == "line one\nline[31m two"


async def test_another_familys_conversation_is_not_found(
    family_client: Any, db: Database, people: People
) -> None:
    own = await family_client.get(f"/messages/{people.child_id}")
    assert own.status_code == 200
    for method in ("get", "post"):
        response = await getattr(family_client, method)(f"/messages/{people.other_child_id}")
        assert response.status_code == 404


async def test_staff_may_not_post_family_messages(
    nurse_client: Any, db: Database, people: People
) -> None:
    response = await post_messages(nurse_client, message(people.child_id))
    assert response.status_code == 403
    assert await _count(db) == 0


async def test_a_foreign_origin_or_a_form_post_is_refused(
    family_client: Any, db: Database, people: People
) -> None:
    foreign = await post_messages(
        family_client, message(people.child_id), headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    form = await family_client.post(
        "/api/messages",
        form={"messages": "[]"},
        headers={"Origin": "https://localhost"},
    )
    assert form.status_code == 415
    assert await _count(db) == 0


async def test_signed_out_is_401(app: Any, db: Database, people: People) -> None:
    response = await post_messages(app.test_client(), message(people.child_id))
    assert response.status_code == 401


async def test_a_batch_too_long_or_not_a_list_is_refused_whole(
    family_client: Any, db: Database, people: People
) -> None:
    too_many = [message(people.child_id) for _ in range(51)]
    assert (await post_messages(family_client, *too_many)).status_code == 413
    wrong = await family_client.post(
        "/api/messages", json={"messages": {}}, headers={"Origin": "https://localhost"}
    )
    assert wrong.status_code == 400
    assert await _count(db) == 0
