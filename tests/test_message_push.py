"""Pushes about messages: the other side hears that one is waiting, never who or what; a
family's quiet hours hold the ward's message until morning."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from quart import Quart

from pwa.db import Database, from_db
from pwa.i18n import translate
from pwa.messages import sync
from pwa.notifications import payloads
from tests.conftest import People
from tests.helpers.messages import message, post_messages
from tests.helpers.push import run_sender, subscribe
from tests.helpers.push_service import PushService
from tests.helpers.rows import jobs

AMS = ZoneInfo("Europe/Amsterdam")
SECRET_WORDS = "Fever again since this morning"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


async def _locale(db: Database, account_id: int) -> str:
    row = await db.fetch_one("SELECT locale FROM account WHERE id = ?", (account_id,))
    return row["locale"] if row and row["locale"] in ("en", "nl") else "nl"


async def test_a_family_message_tells_every_nurse_with_push_and_names_nobody(
    app: Quart, db: Database, people: People, push_service: PushService, family_client: Any
) -> None:
    nurse_phone, admin_phone = push_service.new_device(), push_service.new_device()
    await subscribe(db, app, people.nurse_id, nurse_phone)
    await subscribe(db, app, people.admin_id, admin_phone)
    sent = message(people.child_id, body=SECRET_WORDS, urgent=True)
    await post_messages(family_client, sent)
    # A resend plans nothing more.
    await post_messages(family_client, sent)
    await run_sender(app, db)
    assert push_service.rejected == []
    for account_id, phone in ((people.nurse_id, nurse_phone), (people.admin_id, admin_phone)):
        [delivery] = push_service.for_device(phone)
        body = delivery.notification["body"]
        assert body == translate(await _locale(db, account_id), payloads.FAMILY_MESSAGE)
        assert delivery.notification["navigate"].endswith(f"/nurse/messages/{people.child_id}")
        assert "Sam" not in str(delivery.payload) and "Fever" not in str(delivery.payload)
    # The family's own phones are not told about their own message.
    assert await jobs(db, f"recipient_id = {people.parent_id}") == []


async def test_a_ward_message_tells_the_familys_caregivers_only(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    parent_phone, other_phone = push_service.new_device(), push_service.new_device()
    await subscribe(db, app, people.parent_id, parent_phone)
    await subscribe(db, app, people.other_parent_id, other_phone)
    draft, _ = sync.parse(message(people.child_id, body=SECRET_WORDS))
    assert draft is not None
    with time_machine.travel(local("2027-01-11T10:00:00"), tick=False):
        assert (await sync.store_from_ward(db, draft, people.nurse_id)).status == "stored"
        await run_sender(app, db)
    [delivery] = push_service.for_device(parent_phone)
    assert delivery.notification["body"] == translate(
        await _locale(db, people.parent_id), payloads.WARD_MESSAGE
    )
    assert delivery.notification["navigate"].endswith("/messages")
    assert "Sam" not in str(delivery.payload) and "Fever" not in str(delivery.payload)
    assert push_service.for_device(other_phone) == []


async def test_a_ward_message_at_night_waits_for_the_end_of_quiet_hours(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    phone = push_service.new_device()
    await subscribe(db, app, people.parent_id, phone)
    draft, _ = sync.parse(message(people.child_id))
    assert draft is not None
    with time_machine.travel(local("2027-01-11T23:00:00"), tick=False):
        await sync.store_from_ward(db, draft, people.nurse_id)
        summary = await run_sender(app, db)
    assert push_service.for_device(phone) == [] and summary.deferred == 1
    [job] = await jobs(db, "kind = 'ward_message'")
    assert from_db(job["next_attempt_at"]).astimezone(AMS) == local("2027-01-12T08:00:00")
    with time_machine.travel(local("2027-01-12T08:00:30"), tick=False):
        await run_sender(app, db)
    assert len(push_service.for_device(phone)) == 1
