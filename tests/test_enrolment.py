"""A staff member's not-yet-confirmed authenticator key stays on the
server; the pre-sign-in cookie carries only a handle to it, good for five minutes
(docs/security.md, "Sessions and the second factor")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import time_machine
from quart import Quart
from quart.typing import TestClientProtocol as Client

from pwa.accounts import store as accounts
from pwa.accounts.passwords import hash_password
from pwa.accounts.sessions import COOKIE_NAME, PRE_LOGIN_COOKIE_NAME
from pwa.db import Database
from tests.conftest import PASSWORD, csrf_from, enrolment_key, post_form

EMAIL = "new.nurse@example.org"


async def new_nurse(app: Quart, db: Database) -> int:
    async with app.app_context():
        password_hash = hash_password(PASSWORD)
    async with db.transaction() as connection:
        return await accounts.insert_account(
            connection,
            email=EMAIL,
            display_name="New Nurse",
            role="nurse",
            password_hash=password_hash,
        )


async def password_step(client: Client) -> str:
    """Sign in with the password; the enrolment page's address."""
    token = csrf_from(await (await client.get("/login")).get_data(as_text=True))
    response = await client.post(
        "/login", form={"csrf_token": token, "email": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 302 and response.location.startswith("/login/enrol")
    return str(response.location)


def pre_sign_in_state(app: Quart, client: Client) -> tuple[str, dict[str, Any]]:
    """The pre-sign-in cookie as sent, and what it holds once its signature is checked."""
    assert client.cookie_jar is not None
    raw = next(c.value for c in client.cookie_jar if c.name == PRE_LOGIN_COOKIE_NAME)
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return raw, dict(serializer.loads(raw))


async def pending_rows(db: Database) -> list[dict[str, Any]]:
    return [dict(row) for row in await db.fetch_all("SELECT * FROM pending_second_factor")]


def later() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


async def test_the_new_key_is_on_the_server_not_in_the_cookie(app: Quart, db: Database) -> None:
    staff_id = await new_nurse(app, db)
    with time_machine.travel(later(), tick=False):
        client = app.test_client()
        enrol = await password_step(client)
        page = await client.get(enrol)
        match = enrolment_key(await page.get_data(as_text=True))
        assert match, "the key to type in by hand is shown"
        secret = match

        raw, state = pre_sign_in_state(app, client)
        assert secret not in raw and secret not in repr(state)
        # Who gave the password, when, a random handle and the form's CSRF secret.
        assert {"mfa_account_id", "mfa_started", "mfa_enrolment"} <= set(state)
        assert set(state) <= {
            "mfa_account_id",
            "mfa_started",
            "mfa_enrolment",
            "csrf",
            "_permanent",
        }
        rows = await pending_rows(db)
        assert [(row["account_id"], row["secret"]) for row in rows] == [(staff_id, secret)]
        assert state["mfa_enrolment"].encode() not in rows[0]["handle_hash"]

        done = await post_form(client, enrol, {"code": pyotp.TOTP(secret).now()})
        assert done.status_code == 302 and done.location == "/"
        assert (await client.get("/nurse/children")).status_code == 200
        stored = await db.fetch_one("SELECT totp_secret FROM account WHERE id = ?", (staff_id,))
        assert stored is not None and stored["totp_secret"] == secret
        # Confirmed: the pending row is gone.
        assert await pending_rows(db) == []


async def test_a_new_sign_in_replaces_the_pending_key_and_it_lasts_five_minutes(
    app: Quart, db: Database
) -> None:
    await new_nurse(app, db)
    start = later()
    with time_machine.travel(start, tick=False) as clock:
        client = app.test_client()
        enrol = await password_step(client)
        secret = enrolment_key(await (await client.get(enrol)).get_data(as_text=True))
        assert secret
        # A second sign-in (another tab, another computer) makes a new key; the first
        # browser's handle no longer opens anything.
        other = app.test_client()
        await password_step(other)
        assert len(await pending_rows(db)) == 1
        stale = await client.get(enrol)
        assert stale.status_code == 302 and stale.location == "/login"

        newest = app.test_client()
        enrol = await password_step(newest)
        key = enrolment_key(await (await newest.get(enrol)).get_data(as_text=True))
        assert key
        clock.shift(timedelta(minutes=5, seconds=1))
        late = await newest.get(enrol)
        assert late.status_code == 302 and late.location == "/login"
        assert COOKIE_NAME not in {c.name for c in newest.cookie_jar or []}
