"""The security event log (OWASP ASVS 5.0 V16.3): sign-ins, refusals and session ends
are written to the ``pwa.security`` logger as one JSON line each, with when, where and
who, and never the password, code, token or e-mail address that was sent."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import pytest
from quart.typing import TestClientProtocol as Client

from pwa.accounts import second_factor
from pwa.security_events import LOGGER_NAME
from tests.conftest import PASSWORD, TOTP_SECRET, People, csrf_from, get_csrf, post_form

WRONG = "Correct-Horse-Typed-Into-Email"


@pytest.fixture
def events(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    return caplog


def logged(caplog: pytest.LogCaptureFixture, event: str | None = None) -> list[dict[str, Any]]:
    """The security events logged so far (each a JSON object), optionally of one kind."""
    found = [
        json.loads(record.getMessage()) for record in caplog.records if record.name == LOGGER_NAME
    ]
    return [entry for entry in found if event is None or entry["event"] == event]


def assert_no_secrets(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in secrets:
        assert secret not in text


async def test_a_wrong_password_is_logged_with_who_and_where_but_not_what_was_typed(
    client: Client, people: People, events: pytest.LogCaptureFixture
) -> None:
    response = await post_form(client, "/login", {"email": "parent@example.org", "password": WRONG})
    assert response.status_code == 200
    [entry] = logged(events, "sign_in.failed")
    assert entry["account"] == people.parent_id
    assert entry["method"] == "POST" and entry["path"] == "/login"
    assert entry["client"]
    assert datetime.fromisoformat(entry["at"]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert_no_secrets(events, WRONG, "parent@example.org")


async def test_an_unknown_address_is_logged_without_the_address(
    client: Client, people: People, events: pytest.LogCaptureFixture
) -> None:
    # An address is personal data, and may be a password typed into the wrong field.
    await post_form(client, "/login", {"email": "nobody@example.org", "password": PASSWORD})
    [entry] = logged(events, "sign_in.failed")
    assert entry["account"] is None
    assert_no_secrets(events, "nobody", PASSWORD)


async def test_staff_sign_in_logs_the_wrong_code_and_then_the_success(
    client: Client, people: People, events: pytest.LogCaptureFixture
) -> None:
    response = await post_form(
        client, "/login", {"email": "nurse@example.org", "password": PASSWORD}
    )
    assert response.location.startswith("/login/code")
    assert logged(events, "sign_in.succeeded") == []  # a password alone is no sign-in
    right = second_factor.current_code(TOTP_SECRET)
    wrong = "000000" if right != "000000" else "111111"
    await post_form(client, "/login/code", {"code": wrong})
    [failed] = logged(events, "sign_in.failed")
    assert failed["account"] == people.nurse_id and failed["path"] == "/login/code"
    response = await post_form(client, "/login/code", {"code": right})
    assert response.status_code == 302
    [succeeded] = logged(events, "sign_in.succeeded")
    assert succeeded["account"] == people.nurse_id
    assert_no_secrets(events, PASSWORD, wrong, right, TOTP_SECRET)


async def test_a_paused_sign_in_is_logged_once_with_its_wait(
    client: Client, people: People, events: pytest.LogCaptureFixture
) -> None:
    for _ in range(5):
        await post_form(client, "/login", {"email": "parent@example.org", "password": WRONG})
    response = await post_form(client, "/login", {"email": "parent@example.org", "password": WRONG})
    assert response.status_code == 429
    [paused] = logged(events, "sign_in.paused")
    assert paused["account"] == people.parent_id and paused["retry_after"] > 0
    assert logged(events, "rate_limited") == []  # not twice


async def test_a_missing_csrf_token_is_logged(
    family_client: Client, people: People, events: pytest.LogCaptureFixture
) -> None:
    response = await family_client.post("/logout", form={})
    assert response.status_code == 400
    [entry] = logged(events, "csrf.refused")
    assert entry["account"] == people.parent_id and entry["path"] == "/logout"


async def test_access_denied_and_a_foreign_origin_are_logged(
    family_client: Client, people: People, events: pytest.LogCaptureFixture
) -> None:
    assert (await family_client.get("/admin/")).status_code == 403
    response = await family_client.post(
        "/api/reports", json={"reports": []}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    denied = logged(events, "access.denied")
    assert [(entry["path"], entry["status"]) for entry in denied] == [
        ("/admin/", 403),
        ("/api/reports", 403),
    ]
    assert all(entry["account"] == people.parent_id for entry in denied)


async def test_sign_out_and_revoked_sessions_are_logged(
    family_client: Client, people: People, events: pytest.LogCaptureFixture
) -> None:
    token = await get_csrf(family_client, "/settings/password")
    await family_client.post(
        "/settings/password",
        form={
            "csrf_token": token,
            "current": PASSWORD,
            "password": "another-quiet-lighthouse-evening",
            "confirm": "another-quiet-lighthouse-evening",
        },
    )
    [revoked] = logged(events, "sessions.revoked")
    assert revoked["target"] == people.parent_id and revoked["kept_current"] is True
    page = await family_client.get("/settings")
    await family_client.post(
        "/logout", form={"csrf_token": csrf_from(await page.get_data(as_text=True))}
    )
    [ended] = logged(events, "session.ended")
    assert ended["account"] == people.parent_id
    assert_no_secrets(events, PASSWORD, "another-quiet-lighthouse-evening")


async def test_a_token_path_and_a_forged_line_break_stay_inside_one_line(
    client: Client, family_client: Client, events: pytest.LogCaptureFixture
) -> None:
    token = "Zm9yZ2VkLXRva2VuLXRoYXQtbXVzdC1ub3QtbGVhaw"
    await client.get(f"/calendar/{token}.ics")
    forged = "x%0d%0a%7B%22event%22%3A%22sign_in.succeeded%22%7D"
    response = await family_client.get(f"/nurse/reports/{forged}/photos/y")
    assert response.status_code == 403
    messages = [record.getMessage() for record in events.records if record.name == LOGGER_NAME]
    assert messages and all("\n" not in message and "\r" not in message for message in messages)
    assert logged(events, "sign_in.succeeded") == []
    assert_no_secrets(events, token)
    [failed] = logged(events, "calendar.failed")
    assert failed["path"] == "/calendar/[redacted]"
    [denied] = logged(events, "access.denied")
    assert denied["path"].startswith("/nurse/reports/x\r\n{")
