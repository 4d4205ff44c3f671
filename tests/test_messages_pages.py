"""The conversation pages: what the composer always says, reading and answering, "read by"
on both sides, the unread counts in the menu (also on a kept home page), the care team's
replies to reports in the thread, the shared claim, and who may open what."""

from __future__ import annotations

import re
from typing import Any

from quart import Quart

from pwa.db import Database
from tests.conftest import People, csrf_from, sign_in
from tests.helpers.messages import message, post_messages
from tests.helpers.pages import plain
from tests.helpers.reports import add_report


async def _text(client: Any, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, path
    return str(await response.get_data(as_text=True))


async def _nurse_answers(client: Any, child_id: int, body: str, **extra: str) -> Any:
    page = await _text(client, f"/nurse/messages/{child_id}")
    message_id = re.search(r'name="message_id" type="hidden" value="([^"]+)"', page)
    assert message_id
    return await client.post(
        f"/nurse/messages/{child_id}",
        form={
            "csrf_token": csrf_from(page),
            "message_id": message_id.group(1),
            "body": body,
            **extra,
        },
    )


async def test_the_composer_says_when_messages_are_read_whom_to_call_and_not_for_emergencies(
    family_client: Any, people: People
) -> None:
    """Hazard H21: the composer says when the ward reads, whom to call, and not for emergencies."""
    page = await _text(family_client, "/messages")
    assert "The ward reads messages Monday to Friday, 08:00-17:00" in plain(page)
    assert "This app is not for emergencies" in page
    assert "tel:+31300000000" in page and "tel:+31300000001" in page
    assert "112" in page
    assert 'name="urgent"' in page
    assert "If it cannot wait, call the ward now" in page


async def test_a_plain_form_post_stores_once_and_an_urgent_one_repeats_call(
    family_client: Any, db: Database, people: People
) -> None:
    """Hazard H21: an urgent message is stored as urgent and the family is told to call."""
    page = await _text(family_client, "/messages")
    form = {
        "csrf_token": csrf_from(page),
        "message_id": "6f1b8a1e-2d1c-4c51-9f8e-0c8f1b2a3d4e",
        "body": "Her temperature is 38.4",
        "urgent": "y",
    }
    first = await family_client.post(f"/messages/{people.child_id}", form=form)
    again = await family_client.post(f"/messages/{people.child_id}", form=form)
    assert first.status_code == again.status_code == 302
    rows = await db.fetch_all("SELECT urgent, body FROM message")
    assert [(r["urgent"], r["body"]) for r in rows] == [(1, "Her temperature is 38.4")]
    shown = await _text(family_client, "/messages")
    assert "If it cannot wait, call the ward now." in shown
    assert "Her temperature is 38.4" in shown and "Not read by the ward yet" in shown


async def test_nurse_reads_answers_and_each_side_sees_read_by_the_other(
    family_client: Any, nurse_client: Any, db: Database, people: People
) -> None:
    await post_messages(
        family_client, message(people.child_id, body="Can we shower with the line?", urgent=True)
    )
    queue = await _text(nurse_client, "/nurse/messages")
    assert "Sam" in queue and "Can we shower with the line?" in queue and "Urgent" in queue
    assert "Messages, 1 unread" in queue  # the menu's count for staff
    conversation = await _text(nurse_client, f"/nurse/messages/{people.child_id}")
    assert "Can we shower with the line?" in conversation
    row = await db.fetch_one("SELECT read_at, read_by FROM message WHERE from_ward = 0")
    assert row is not None and row["read_at"] and row["read_by"] == people.nurse_id
    audit = await db.fetch_all(
        "SELECT actor_id, child_id FROM audit_log WHERE action = 'conversation.viewed'"
    )
    assert [(r["actor_id"], r["child_id"]) for r in audit] == [(people.nurse_id, people.child_id)]
    assert "Messages, 1 unread" not in await _text(nurse_client, "/nurse/messages")

    answered = await _nurse_answers(nurse_client, people.child_id, "Yes, cover it with the film.")
    assert answered.status_code == 302
    assert "Not read by the family yet" in await _text(
        nurse_client, f"/nurse/messages/{people.child_id}"
    )
    home = await _text(family_client, "/")
    assert "Messages, 1 unread" in home
    family_page = await _text(family_client, "/messages")
    assert "Yes, cover it with the film." in family_page
    assert "Read by the ward," in family_page
    assert "Messages, 1 unread" not in await _text(family_client, "/")
    assert "Read by the family," in await _text(nurse_client, f"/nurse/messages/{people.child_id}")


async def test_the_kept_home_page_counts_a_ward_message_at_once(
    family_client: Any, nurse_client: Any, people: People
) -> None:
    first = await _text(family_client, "/")
    assert "unread" not in first
    assert first == await _text(family_client, "/")  # kept
    await _nurse_answers(nurse_client, people.child_id, "We moved your visit, see Dates.")
    assert "Messages, 1 unread" in await _text(family_client, "/")


async def test_a_reply_to_a_report_shows_in_the_conversation_on_both_sides(
    family_client: Any, nurse_client: Any, db: Database, people: People
) -> None:
    uid = await add_report(db, people, {"pain": 4})
    page = await _text(nurse_client, f"/nurse/reports/{uid}")
    response = await nurse_client.post(
        f"/nurse/reports/{uid}/reply",
        form={"csrf_token": csrf_from(page), "reply": "Give paracetamol and call at 5."},
    )
    assert response.status_code == 302
    family_page = await _text(family_client, "/messages")
    assert "Give paracetamol and call at 5." in family_page
    assert f'href="/diary/{uid}"' in family_page
    nurse_page = await _text(nurse_client, f"/nurse/messages/{people.child_id}")
    assert "Give paracetamol and call at 5." in nurse_page
    assert f'href="/nurse/reports/{uid}"' in nurse_page
    assert "Read by the family," in nurse_page


async def test_a_colleagues_claim_is_shown_and_taken_over_only_after_confirming(
    app: Quart, nurse_client: Any, db: Database, people: People
) -> None:
    page = await _text(nurse_client, f"/nurse/messages/{people.child_id}")
    claimed = await nurse_client.post(
        f"/nurse/messages/{people.child_id}/claim", form={"csrf_token": csrf_from(page)}
    )
    assert claimed.status_code == 302
    colleague = app.test_client()
    await sign_in(colleague, "admin@example.org", staff=True)
    seen = await _text(colleague, f"/nurse/messages/{people.child_id}")
    assert "Being handled by Nurse" in seen
    asked = await _nurse_answers(colleague, people.child_id, "I will call you.")
    assert asked.status_code == 409
    assert await db.fetch_all("SELECT 1 FROM message") == []
    confirmed = await _nurse_answers(
        colleague, people.child_id, "I will call you.", take_over_from=str(people.nurse_id)
    )
    assert confirmed.status_code == 302
    holder = await db.fetch_one("SELECT nurse_id FROM conversation_claim")
    assert holder is not None and holder["nurse_id"] == people.admin_id
    actions = [
        r["action"]
        for r in await db.fetch_all(
            "SELECT action FROM audit_log WHERE action LIKE 'conversation.claim%' ORDER BY id"
        )
    ]
    assert actions == ["conversation.claimed", "conversation.claim_taken_over"]


async def test_families_never_reach_nurse_pages_and_unknown_children_are_not_found(
    family_client: Any, nurse_client: Any, people: People
) -> None:
    assert (await family_client.get("/nurse/messages")).status_code == 403
    assert (await family_client.get(f"/nurse/messages/{people.child_id}")).status_code == 403
    assert (await nurse_client.get("/messages")).status_code == 403
    assert (await nurse_client.get("/nurse/messages/999")).status_code == 404


async def test_only_the_holder_hands_a_conversation_back(
    app: Quart, nurse_client: Any, db: Database, people: People
) -> None:
    page = await _text(nurse_client, f"/nurse/messages/{people.child_id}")
    await nurse_client.post(
        f"/nurse/messages/{people.child_id}/claim", form={"csrf_token": csrf_from(page)}
    )
    colleague = app.test_client()
    await sign_in(colleague, "admin@example.org", staff=True)
    theirs = await _text(colleague, f"/nurse/messages/{people.child_id}")
    await colleague.post(
        f"/nurse/messages/{people.child_id}/release", form={"csrf_token": csrf_from(theirs)}
    )
    assert await db.fetch_all("SELECT 1 FROM conversation_claim") != []
    page = await _text(nurse_client, f"/nurse/messages/{people.child_id}")
    released = await nurse_client.post(
        f"/nurse/messages/{people.child_id}/release", form={"csrf_token": csrf_from(page)}
    )
    assert released.status_code == 302
    assert await db.fetch_all("SELECT 1 FROM conversation_claim") == []
