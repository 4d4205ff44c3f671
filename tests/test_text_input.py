"""Control characters never reach the database: a note keeps its lines and tabs, a device
name is one line, and the report is stored all the same (found by bench/fuzz.py)."""

from __future__ import annotations

from typing import Any

from quart.typing import TestClientProtocol as Client

from pwa.db import Database
from pwa.text_input import is_clean, multiline, single_line
from tests.conftest import People
from tests.helpers.push import SUBSCRIPTIONS, browser_subscription
from tests.helpers.push_service import PushService
from tests.helpers.reports import SAME_ORIGIN, post, report

DIRTY_NOTE = "fever\x00 at night\x1b[2J\r\nslept\tbadly\rate \x7fa little\x85\x9b"


def test_cleaning_removes_controls_and_keeps_lines_and_tabs_in_notes() -> None:
    assert multiline(DIRTY_NOTE) == "fever at night[2J\nslept\tbadly\nate a little"
    assert single_line(" Kitchen\x00\ttablet\r\n\x1b ") == "Kitchen tablet"
    for text in [DIRTY_NOTE, "a\x00b", "x\ry"]:
        assert not is_clean(text, lines=True)
        assert is_clean(multiline(text), lines=True)
    assert is_clean("Huilde 😢\n\tnu rustiger", lines=True)
    assert not is_clean("two\nlines", lines=False)


async def test_a_note_with_control_characters_is_stored_without_them(
    family_client: Any, db: Database, people: People
) -> None:
    dirty = report(people.child_id, note=DIRTY_NOTE)
    only_controls = report(people.child_id, items={}, note="\x00\x01\x1b")
    response = await post(family_client, dirty, only_controls)
    first, second = (await response.get_json())["results"]
    assert first["status"] == "stored"
    assert second["status"] == "invalid" and "items" in second["errors"]
    row = await db.fetch_one("SELECT note FROM report WHERE client_uuid = ?", (dirty["id"],))
    assert row is not None and row["note"] == "fever at night[2J\nslept\tbadly\nate a little"
    again = (await (await post(family_client, dirty)).get_json())["results"][0]
    assert again["status"] == "duplicate", "a resend of the same report is the same content"


async def test_a_device_name_with_control_characters_is_stored_without_them(
    db: Database, people: People, family_client: Client, push_service: PushService
) -> None:
    subscription = browser_subscription(push_service, label="Kitchen\x00\x1b[31m tablet\x07")
    response = await family_client.post(SUBSCRIPTIONS, json=subscription, headers=SAME_ORIGIN)
    assert response.status_code == 201
    row = await db.fetch_one("SELECT device_label FROM push_subscription")
    assert row is not None and row["device_label"] == "Kitchen[31m tablet"
