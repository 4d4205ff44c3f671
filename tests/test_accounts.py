"""Signing in (with the second factor for staff), rate limits, sessions and their timeouts,
password change, and the demo data.

All through the real pages against a fresh SQLite database per test. Time-dependent
tests freeze the clock with time-machine *after* the real-time moments the fixtures used:
the rate limiter remembers those, so travelling into the past would look like a flood.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
import time_machine
from quart import Quart
from quart.typing import TestClientProtocol as Client
from quart.wrappers import Response
from werkzeug.datastructures import Headers

from pwa import cli, demo
from pwa.accounts import second_factor
from pwa.accounts import store as accounts
from pwa.accounts.passwords import hash_password
from pwa.accounts.sessions import COOKIE_NAME, PRE_LOGIN_COOKIE_NAME
from pwa.app import create_app
from pwa.config import DEMO_TOTP_SECRET
from pwa.db import Database, from_db
from pwa.shared_names import BACKGROUND_HEADER
from tests.conftest import (
    PASSWORD,
    TOTP_SECRET,
    People,
    csrf_from,
    enrolment_key,
    post_form,
    sign_in,
)
from tests.conftest import test_config as make_config

NEW_PASSWORD = "violet-harbour-lantern-seven"
WRONG_LOGIN = "The e-mail address or password is not correct."
WRONG_CODE = "That code is not right, or was used already."
WEAK_PASSWORD_MESSAGE = (
    "This password is too easy to guess. A few unrelated words together work well."
)


async def text(response: Response) -> str:
    return await response.get_data(as_text=True)


def later() -> datetime:
    """A moment after everything the fixtures did in real time."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


def cookie(client: Client, name: str) -> str | None:
    assert client.cookie_jar is not None
    return next((c.value for c in client.cookie_jar if c.name == name), None)


def set_cookie(response: Response, name: str) -> str | None:
    """The Set-Cookie header for this cookie name, if the response sets one."""
    return next(
        (h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")), None
    )


def cookie_attributes(header: str) -> dict[str, str]:
    attributes = {}
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return attributes


async def login(client: Client, email: str, password: str = PASSWORD, **request: Any) -> Response:
    """Post the sign-in form like a browser; ``request`` goes to both requests."""
    page = await client.get("/login", **request)
    token = csrf_from(await text(page))
    return await client.post(
        "/login", form={"csrf_token": token, "email": email, "password": password}, **request
    )


async def signed_in(app: Quart, email: str, *, staff: bool = False) -> Client:
    client = app.test_client()
    await sign_in(client, email, staff=staff)
    return client


async def sign_out(client: Client) -> Response:
    token = csrf_from(await text(await client.get("/settings")))
    return await client.post("/logout", form={"csrf_token": token})


def valid_codes(secret: str, moment: datetime) -> set[str]:
    totp = pyotp.TOTP(secret)
    return {totp.at(moment + timedelta(seconds=30 * step)) for step in (-1, 0, 1)}


def a_wrong_code(secret: str, moment: datetime) -> str:
    valid = valid_codes(secret, moment)
    return next(code for code in ("000000", "123456", "999999") if code not in valid)


async def sessions_of(db: Database, account_id: int) -> list[dict[str, Any]]:
    rows = await db.fetch_all(
        "SELECT * FROM account_session WHERE account_id = :id ORDER BY id", {"id": account_id}
    )
    return [dict(row) for row in rows]


async def is_signed_out(client: Client, path: str = "/") -> bool:
    response = await client.get(path)
    return response.status_code == 302 and response.location.startswith("/login?")


# --- signing in ----------------------------------------------------------------------------


async def test_wrong_password_shows_an_error_and_starts_no_session(
    app: Quart, db: Database, people: People
) -> None:
    client = app.test_client()
    response = await login(client, "parent@example.org", "not-the-right-password")
    html = await text(response)
    assert response.status_code == 200
    assert WRONG_LOGIN in html
    assert 'value="parent@example.org"' in html  # the e-mail stays filled in
    assert "not-the-right-password" not in html
    assert set_cookie(response, COOKIE_NAME) is None
    assert cookie(client, COOKIE_NAME) is None
    # An unknown address gets the very same answer: no account enumeration.
    unknown = await login(client, "nobody@example.org", "not-the-right-password")
    assert unknown.status_code == 200 and WRONG_LOGIN in await text(unknown)
    assert await is_signed_out(client)
    assert await sessions_of(db, people.parent_id) == []


async def test_right_password_signs_a_caregiver_in(app: Quart, people: People) -> None:
    client = app.test_client()
    response = await login(client, "parent@example.org")
    assert response.status_code == 302 and response.location == "/"
    home = await client.get("/")
    assert home.status_code == 200
    assert "You are following Sam." in await text(home)


async def test_disabled_account_cannot_sign_in_and_loses_its_sessions(
    app: Quart, db: Database, people: People, family_client: Client
) -> None:
    assert (await family_client.get("/")).status_code == 200
    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE account SET disabled_at = '2026-01-01T00:00:00.000000Z' WHERE id = :id",
            {"id": people.parent_id},
        )
    assert await is_signed_out(family_client)
    client = app.test_client()
    response = await login(client, "parent@example.org")
    assert response.status_code == 200
    assert WRONG_LOGIN in await text(response)
    assert cookie(client, COOKIE_NAME) is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/settings", "/settings"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        # Browsers drop tabs and newlines from URLs: "/\t/x" is "//x", another site.
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
    ],
)
async def test_sign_in_only_returns_to_pages_of_this_site(
    app: Quart, people: People, target: str, expected: str
) -> None:
    client = app.test_client()
    response = await login(client, "parent@example.org", query_string={"next": target})
    assert response.status_code == 302
    assert response.location == expected


# --- rate limits -----------------------------------------------------------------------------


def assert_too_many(response: Response) -> None:
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60


async def test_too_many_attempts_from_one_client_get_429(app: Quart, people: People) -> None:
    client = app.test_client()
    # Without trusted proxies X-Forwarded-For is ignored: changing it changes nothing.
    for number in range(10):
        response = await login(
            client,
            f"guess{number}@example.org",
            "wrong-password-guess",
            headers={"X-Forwarded-For": f"10.0.0.{number}"},
        )
        assert response.status_code == 200, number
    blocked = await login(client, "parent@example.org", headers={"X-Forwarded-For": "10.9.9.9"})
    assert_too_many(blocked)
    assert cookie(client, COOKIE_NAME) is None
    # Someone at another address is not locked out by it.
    elsewhere = app.test_client()
    response = await login(elsewhere, "parent@example.org", scope_base={"client": ("192.0.2.7", 1)})
    assert response.status_code == 302


async def test_code_links_are_rate_limited_per_client_including_lookups(app: Quart) -> None:
    client = app.test_client()
    for number in range(20):
        response = await client.get(f"/invite/GUESS{number:021d}")
        assert response.status_code == 404, number
    assert_too_many(await client.get("/invite/ANOTHERGUESS"))
    elsewhere = app.test_client()
    response = await elsewhere.get("/invite/ANOTHERGUESS", scope_base={"client": ("192.0.2.7", 1)})
    assert response.status_code == 404


class TestBehindOneTrustedProxy:
    """Deployed behind one reverse proxy that appends the peer it saw to X-Forwarded-For."""

    @pytest.fixture
    def config(self, tmp_path: Path) -> dict[str, Any]:
        return make_config(tmp_path, TRUSTED_PROXIES=1)

    async def test_per_account_limit_holds_across_addresses(
        self, app: Quart, people: People
    ) -> None:
        assert app.config["TRUSTED_PROXIES"] == 1
        for number in range(5):
            response = await login(
                app.test_client(),
                "parent@example.org",
                "wrong-password-guess",
                headers={"X-Forwarded-For": f"198.51.100.{number}"},
            )
            assert response.status_code == 200, number
        # Even the right password, from yet another address, in other letter case.
        for email in ("parent@example.org", "Parent@Example.ORG"):
            blocked = await login(
                app.test_client(), email, headers={"X-Forwarded-For": "198.51.100.99"}
            )
            assert_too_many(blocked)
        other = await login(
            app.test_client(), "other@example.org", headers={"X-Forwarded-For": "198.51.100.98"}
        )
        assert other.status_code == 302

    async def test_forged_forwarded_for_does_not_escape_the_client_limit(
        self, app: Quart, people: People
    ) -> None:
        real = "203.0.113.9"  # what the proxy appends; the client controls what comes before
        client = app.test_client()
        for number in range(10):
            response = await login(
                client,
                f"guess{number}@example.org",
                "wrong-password-guess",
                headers={"X-Forwarded-For": f"10.0.{number}.1, {real}"},
            )
            assert response.status_code == 200, number
        blocked = await login(
            client,
            "parent@example.org",
            headers={"X-Forwarded-For": f"192.0.2.1, 10.1.1.1, {real}"},
        )
        assert_too_many(blocked)
        # The limit follows the address the proxy saw: another real client gets in.
        response = await login(
            app.test_client(), "parent@example.org", headers={"X-Forwarded-For": "203.0.113.10"}
        )
        assert response.status_code == 302

    async def test_a_forged_header_line_before_the_proxys_does_not_escape_the_limit(
        self, app: Quart, people: People
    ) -> None:
        # Some proxies (HAProxy's `option forwardfor`) add their own X-Forwarded-For line
        # instead of appending to the client's; both lines together are one list.
        real = "203.0.113.9"
        client = app.test_client()
        for number in range(10):
            headers = Headers([("X-Forwarded-For", f"10.0.{number}.1"), ("X-Forwarded-For", real)])
            response = await login(
                client, f"guess{number}@example.org", "wrong-password-guess", headers=headers
            )
            assert response.status_code == 200, number
        headers = Headers([("X-Forwarded-For", "192.0.2.1"), ("X-Forwarded-For", real)])
        assert_too_many(await login(client, "parent@example.org", headers=headers))


# --- the second factor -----------------------------------------------------------------------


async def test_nurse_needs_the_second_factor(app: Quart, people: People) -> None:
    for email in ("nurse@example.org", "admin@example.org"):
        client = app.test_client()
        response = await login(client, email)
        assert response.status_code == 302
        assert response.location.startswith("/login/code")
        assert set_cookie(response, COOKIE_NAME) is None
        assert cookie(client, COOKIE_NAME) is None
        assert await is_signed_out(client, "/nurse/children")
        page = await client.get(response.location)
        assert page.status_code == 200
        assert "6-digit code from your authenticator app" in await text(page)


async def test_a_totp_code_works_once(app: Quart, db: Database, people: People) -> None:
    with time_machine.travel(later(), tick=False) as traveller:
        code = second_factor.current_code(TOTP_SECRET)
        first = app.test_client()
        await login(first, "nurse@example.org")
        response = await post_form(first, "/login/code", {"code": code})
        assert response.status_code == 302 and response.location == "/"
        assert (await first.get("/nurse/children")).status_code == 200

        second = app.test_client()
        await login(second, "nurse@example.org")
        replay = await post_form(second, "/login/code", {"code": code})
        assert replay.status_code == 200
        assert WRONG_CODE in await text(replay)
        assert cookie(second, COOKIE_NAME) is None
        assert await is_signed_out(second, "/nurse/children")

        # Once a code is used, the one before it (still inside the window) is dead too.
        previous = pyotp.TOTP(TOTP_SECRET).at(datetime.now(UTC) - timedelta(seconds=30))
        older = await post_form(second, "/login/code", {"code": previous})
        assert older.status_code == 200 and WRONG_CODE in await text(older)

        traveller.shift(timedelta(seconds=30))
        fresh = await post_form(
            second, "/login/code", {"code": second_factor.current_code(TOTP_SECRET)}
        )
        assert fresh.status_code == 302 and fresh.location == "/"
        assert len(await sessions_of(db, people.nurse_id)) == 2


async def test_a_wrong_code_is_refused(app: Quart, db: Database, people: People) -> None:
    with time_machine.travel(later(), tick=False):
        client = app.test_client()
        await login(client, "nurse@example.org")
        for code in (a_wrong_code(TOTP_SECRET, datetime.now(UTC)), "abcdef", "12345"):
            response = await post_form(client, "/login/code", {"code": code})
            assert response.status_code == 200, code
            assert WRONG_CODE in await text(response)
            assert cookie(client, COOKIE_NAME) is None
        assert await is_signed_out(client, "/nurse/children")
        assert await sessions_of(db, people.nurse_id) == []


async def test_second_factor_window_closes_after_five_minutes(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(later(), tick=False) as traveller:
        late = app.test_client()
        await login(late, "nurse@example.org")
        token = csrf_from(await text(await late.get("/login/code")))
        traveller.shift(timedelta(minutes=5, seconds=1))
        response = await late.post(
            "/login/code",
            form={"csrf_token": token, "code": second_factor.current_code(TOTP_SECRET)},
        )
        assert response.status_code == 302
        assert response.location == "/login"
        assert cookie(late, COOKIE_NAME) is None
        assert await is_signed_out(late, "/nurse/children")
        assert await sessions_of(db, people.nurse_id) == []

        # Just inside the window the same steps work.
        quick = app.test_client()
        await login(quick, "nurse@example.org")
        token = csrf_from(await text(await quick.get("/login/code")))
        traveller.shift(timedelta(minutes=4, seconds=59))
        response = await quick.post(
            "/login/code",
            form={"csrf_token": token, "code": second_factor.current_code(TOTP_SECRET)},
        )
        assert response.status_code == 302 and response.location == "/"


async def test_staff_without_a_secret_enrols_with_a_qr_code(
    app: Quart, db: Database, people: People
) -> None:
    async with app.app_context():
        password_hash = hash_password(PASSWORD)
    async with db.transaction() as connection:
        staff_id = await accounts.insert_account(
            connection,
            email="new.nurse@example.org",
            display_name="New Nurse",
            role="nurse",
            password_hash=password_hash,
        )

    async def stored() -> dict[str, Any]:
        row = await db.fetch_one(
            "SELECT totp_secret, totp_last_step FROM account WHERE id = :id", {"id": staff_id}
        )
        assert row is not None
        return dict(row)

    with time_machine.travel(later(), tick=False):
        client = app.test_client()
        response = await login(client, "new.nurse@example.org")
        assert response.status_code == 302
        enrol = response.location
        assert enrol.startswith("/login/enrol")
        assert cookie(client, COOKIE_NAME) is None
        assert await is_signed_out(client, "/nurse/children")

        page = await client.get(enrol)
        html = await text(page)
        assert page.status_code == 200
        assert 'class="qr" src="data:image/svg+xml' in html
        secret = enrolment_key(html)
        assert secret and len(secret) >= 16, "the key to type in by hand is shown"
        assert (await stored())["totp_secret"] is None

        wrong = await post_form(client, enrol, {"code": a_wrong_code(secret, datetime.now(UTC))})
        assert wrong.status_code == 200
        assert "That code is not right." in await text(wrong)
        assert (await stored())["totp_secret"] is None
        assert cookie(client, COOKIE_NAME) is None

        code = pyotp.TOTP(secret).now()
        done = await post_form(client, enrol, {"code": code})
        assert done.status_code == 302 and done.location == "/"
        assert (await client.get("/nurse/children")).status_code == 200
        row = await stored()
        assert row["totp_secret"] == secret
        assert row["totp_last_step"] == int(datetime.now(UTC).timestamp()) // 30
        enrolled = await db.fetch_all(
            "SELECT actor_id FROM audit_log WHERE action = 'account.second_factor_enrolled'"
        )
        assert [r["actor_id"] for r in enrolled] == [staff_id]

        # From now on sign-in asks for a code, and the enrolment code is spent.
        again = app.test_client()
        response = await login(again, "new.nurse@example.org")
        assert response.location.startswith("/login/code")
        replay = await post_form(again, "/login/code", {"code": code})
        assert replay.status_code == 200 and WRONG_CODE in await text(replay)


# --- sessions ----------------------------------------------------------------------------------


async def test_session_cookie_flags(app: Quart, people: People) -> None:
    client = app.test_client()
    page = await client.get("/login")
    response = await login(client, "parent@example.org")
    assert COOKIE_NAME == "__Host-session"
    for header in (set_cookie(response, "__Host-session"), set_cookie(page, PRE_LOGIN_COOKIE_NAME)):
        assert header is not None
        attributes = cookie_attributes(header)
        assert "secure" in attributes, header
        assert "httponly" in attributes, header
        assert attributes.get("samesite") == "Lax", header
        assert attributes.get("path") == "/", header
        assert "domain" not in attributes, header


async def test_sign_in_starts_a_new_session_id(app: Quart, db: Database, people: People) -> None:
    client = app.test_client()
    await client.get("/login")
    pre = cookie(client, PRE_LOGIN_COOKIE_NAME)
    assert pre
    response = await login(client, "parent@example.org")
    first = cookie(client, COOKIE_NAME)
    assert first and first != pre
    # The pre-sign-in cookie (CSRF and second-factor state) is dropped at sign-in.
    dropped = set_cookie(response, PRE_LOGIN_COOKIE_NAME)
    assert dropped is not None and dropped.startswith(f"{PRE_LOGIN_COOKIE_NAME}=;")

    # The cookie carries a random token; the database holds only its SHA-256.
    auth = app.extensions["QUART_AUTH"][0]
    async with app.app_context():
        token = auth.load_token(first)
    assert token and len(token) >= 43
    digest = hashlib.sha256(token.encode()).digest()
    rows = await sessions_of(db, people.parent_id)
    assert [row["token_hash"] for row in rows] == [digest]
    assert token not in str(
        [tuple(row) for row in await db.fetch_all("SELECT * FROM account_session")]
    )

    assert (await sign_out(client)).status_code == 302
    await login(client, "parent@example.org")
    second = cookie(client, COOKIE_NAME)
    assert second and second != first
    async with app.app_context():
        assert auth.load_token(second) != token
    rows = await sessions_of(db, people.parent_id)
    assert len(rows) == 2 and rows[0]["revoked_at"] is not None and rows[1]["revoked_at"] is None


async def test_logout_revokes_the_session_and_a_replayed_cookie_is_refused(
    app: Quart, db: Database, people: People, family_client: Client
) -> None:
    saved = cookie(family_client, COOKIE_NAME)
    assert saved
    copy = app.test_client()
    copy.set_cookie("localhost", COOKIE_NAME, saved)
    assert (await copy.get("/")).status_code == 200  # a copied cookie works while live

    # Signing out is a form like any other: no CSRF token, no sign-out.
    refused = await family_client.post("/logout", form={})
    assert refused.status_code == 400
    assert (await family_client.get("/")).status_code == 200

    response = await sign_out(family_client)
    assert response.status_code == 302
    assert response.location == "/login?signed_out=1"
    assert set_cookie(response, COOKIE_NAME) is not None
    assert cookie(family_client, COOKIE_NAME) is None
    assert all(row["revoked_at"] for row in await sessions_of(db, people.parent_id))

    thief = app.test_client()
    thief.set_cookie("localhost", COOKIE_NAME, saved)
    for path in ("/", "/settings", "/settings/password"):
        assert await is_signed_out(thief, path), path
    thief.set_cookie("localhost", COOKIE_NAME, saved)
    post = await thief.post("/children/switch", form={"child_id": str(people.child_id)})
    assert post.status_code == 401


async def test_nurse_session_ends_after_30_idle_minutes(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(later(), tick=False) as traveller:
        nurse = await signed_in(app, "nurse@example.org", staff=True)
        traveller.shift(timedelta(minutes=29))
        assert (await nurse.get("/nurse/children")).status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert (await nurse.get("/nurse/children")).status_code == 200
        traveller.shift(timedelta(minutes=30, seconds=1))
        page = await nurse.get("/login")
        assert page.status_code == 200
        assert "You were signed out because the session ended." in await text(page)
        assert await is_signed_out(nurse, "/nurse/children")
        [row] = await sessions_of(db, people.nurse_id)
        assert row["revoked_at"] is not None


async def test_nurse_session_ends_after_12_hours_even_when_active(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(later(), tick=False) as traveller:
        nurse = await signed_in(app, "nurse@example.org", staff=True)
        for step in range(35):  # active every 20 minutes, up to 11 h 40 min
            traveller.shift(timedelta(minutes=20))
            assert (await nurse.get("/nurse/children")).status_code == 200, step
        traveller.shift(timedelta(minutes=21))  # 12 h 01 min after signing in
        assert await is_signed_out(nurse, "/nurse/children")
        [row] = await sessions_of(db, people.nurse_id)
        assert row["revoked_at"] is not None


async def test_family_session_ends_after_30_idle_days(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(later(), tick=False) as traveller:
        parent = await signed_in(app, "parent@example.org")
        traveller.shift(timedelta(days=29, hours=23))
        assert (await parent.get("/")).status_code == 200
        traveller.shift(timedelta(days=30, minutes=1))
        assert await is_signed_out(parent)
        [row] = await sessions_of(db, people.parent_id)
        assert row["revoked_at"] is not None


async def test_family_session_ends_after_90_days_even_when_active(
    app: Quart, people: People
) -> None:
    with time_machine.travel(later(), tick=False) as traveller:
        parent = await signed_in(app, "parent@example.org")
        for month in range(3):
            traveller.shift(timedelta(days=29))
            assert (await parent.get("/")).status_code == 200, month
        traveller.shift(timedelta(days=2, hours=23, minutes=59))  # 89 d 23 h 59 min
        assert (await parent.get("/")).status_code == 200
        traveller.shift(timedelta(minutes=2))
        assert await is_signed_out(parent)


async def test_background_refreshes_do_not_keep_a_session_alive(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(later(), tick=False) as traveller:
        nurse = await signed_in(app, "nurse@example.org", staff=True)
        [before] = await sessions_of(db, people.nurse_id)
        for _ in range(3):
            traveller.shift(timedelta(minutes=10))
            response = await nurse.get("/nurse/children", headers={BACKGROUND_HEADER: "1"})
            assert response.status_code == 200
        [row] = await sessions_of(db, people.nurse_id)
        assert row["last_seen_at"] == before["last_seen_at"]
        traveller.shift(timedelta(minutes=1))  # 31 minutes without a person doing anything
        assert await is_signed_out(nurse, "/nurse/children")


async def test_last_seen_is_written_at_most_once_a_minute(
    app: Quart, db: Database, people: People
) -> None:
    start = later()

    async def last_seen() -> datetime | None:
        [row] = await sessions_of(db, people.parent_id)
        return from_db(row["last_seen_at"])

    with time_machine.travel(start, tick=False) as traveller:
        parent = await signed_in(app, "parent@example.org")
        assert await last_seen() == start
        traveller.shift(timedelta(seconds=30))
        assert (await parent.get("/")).status_code == 200
        assert await last_seen() == start
        traveller.shift(timedelta(seconds=31))
        assert (await parent.get("/", headers={BACKGROUND_HEADER: "1"})).status_code == 200
        assert await last_seen() == start  # a background refresh is not activity
        assert (await parent.get("/")).status_code == 200
        assert await last_seen() == start + timedelta(seconds=61)
        traveller.shift(timedelta(seconds=59))
        assert (await parent.get("/")).status_code == 200
        assert await last_seen() == start + timedelta(seconds=61)
        traveller.shift(timedelta(seconds=1))
        assert (await parent.get("/")).status_code == 200
        assert await last_seen() == start + timedelta(seconds=121)


# --- password change ---------------------------------------------------------------------------


async def change_password(
    client: Client, current: str, new: str, confirm: str | None = None
) -> Response:
    form = {"current": current, "password": new, "confirm": new if confirm is None else confirm}
    return await post_form(client, "/settings/password", form)


async def test_password_change(
    app: Quart, db: Database, people: People, family_client: Client
) -> None:
    other_device = await signed_in(app, "parent@example.org")

    wrong = await change_password(family_client, "not-my-password", NEW_PASSWORD)
    assert wrong.status_code == 200
    assert "This is not your current password." in await text(wrong)
    weak = await change_password(family_client, PASSWORD, "password1")
    assert weak.status_code == 200 and WEAK_PASSWORD_MESSAGE in await text(weak)
    mismatch = await change_password(family_client, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert mismatch.status_code == 200
    assert "The two passwords are not the same." in await text(mismatch)
    assert (await other_device.get("/")).status_code == 200  # nothing changed so far

    response = await change_password(family_client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response.location == "/settings"
    settings = await text(await family_client.get("/settings"))
    assert "Your password is changed. Other devices were signed out." in settings
    assert (await family_client.get("/")).status_code == 200  # this device stays signed in
    assert await is_signed_out(other_device)
    live = [row for row in await sessions_of(db, people.parent_id) if row["revoked_at"] is None]
    assert len(live) == 1

    old = await login(app.test_client(), "parent@example.org", PASSWORD)
    assert old.status_code == 200 and WRONG_LOGIN in await text(old)
    new = await login(app.test_client(), "parent@example.org", NEW_PASSWORD)
    assert new.status_code == 302


async def test_password_change_needs_a_session(app: Quart, people: People) -> None:
    response = await app.test_client().get("/settings/password")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


# --- demo data ---------------------------------------------------------------------------------


async def test_demo_data_gives_working_logins(app: Quart, db: Database) -> None:
    assert await demo.load(app, db, date(2026, 11, 27)) is True
    rows = await db.fetch_all("SELECT role, email, is_demo FROM account ORDER BY id")
    assert {(r["role"], r["email"]) for r in rows} == {
        (login.role, login.email) for login in demo.DEMO_LOGINS
    }
    assert {r["role"] for r in rows} == {"admin", "nurse", "caregiver"}
    assert all(r["is_demo"] == 1 for r in rows)
    children = await db.fetch_all(
        """
        SELECT child.nickname, account.role FROM child
          JOIN caregiver_child ON caregiver_child.child_id = child.id
          JOIN account ON account.id = caregiver_child.caregiver_id
        """
    )
    assert [(r["nickname"], r["role"]) for r in children] == [(demo.DEMO_CHILD, "caregiver")]
    assert await demo.load(app, db, date(2026, 11, 27)) is False  # second run: left alone
    assert len(await db.fetch_all("SELECT id FROM account")) == 3

    # The demo logins work through the real pages.
    by_role = {login.role: login for login in demo.DEMO_LOGINS}
    parent = app.test_client()
    response = await login(parent, by_role["caregiver"].email, by_role["caregiver"].password)
    assert response.status_code == 302
    assert f"You are following {demo.DEMO_CHILD}." in await text(await parent.get("/"))
    nurse = app.test_client()
    response = await login(nurse, by_role["nurse"].email, by_role["nurse"].password)
    assert response.location.startswith("/login/code")
    code = second_factor.current_code(app.config["DEMO_TOTP_SECRET"])
    assert (await post_form(nurse, "/login/code", {"code": code})).status_code == 302
    assert demo.DEMO_CHILD in await text(await nurse.get("/nurse/children"))


async def test_demo_data_is_refused_in_production(tmp_path: Path) -> None:
    app = create_app(make_config(tmp_path, ENV="production"))
    async with app.test_app():
        db: Database = app.extensions["db"]
        with pytest.raises(RuntimeError, match="development only"):
            await demo.load(app, db, date(2026, 11, 27))
        assert await db.fetch_one("SELECT 1 FROM account") is None


@pytest.fixture
def cli_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The `pwa` command reads PWA_* variables; point it at a throw-away instance folder."""
    for name in ("PWA_ENV", "PWA_DATABASE", "PWA_DEMO_TOTP_SECRET", "PWA_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setenv("PWA_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("PWA_SECRET_KEY", "cli-test-secret-key-long-enough-for-production")
    return instance


def test_demo_command_refuses_production(
    cli_environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PWA_ENV", "production")
    monkeypatch.setenv("PWA_PUBLIC_URL", "https://care.example")
    assert cli.main(["demo"]) == 2
    assert "refusing" in capsys.readouterr().err
    assert not (cli_environment / "immuno.sqlite3").exists()


def test_demo_code_prints_the_current_six_digit_code(
    cli_environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moment = datetime(2026, 11, 30, 9, 15, 7, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        assert cli.main(["demo-code"]) == 0
    printed = capsys.readouterr().out
    assert re.fullmatch(r"\d{6}\n", printed), printed
    assert printed.strip() == pyotp.TOTP(DEMO_TOTP_SECRET).at(moment)


async def test_a_new_password_withdraws_other_open_reset_codes(
    app: Any, db: Any, people: Any
) -> None:
    """Two reset codes were made; using one (or changing the password) voids the other."""
    from datetime import timedelta

    from pwa.accounts import codes as access_codes
    from pwa.accounts import store as account_store
    from pwa.clock import utcnow

    made = []
    for _ in range(2):
        code = access_codes.new_code()
        async with db.transaction() as connection:
            await account_store.insert_access_code(
                connection,
                kind="reset",
                code_hash=access_codes.code_hash(code),
                account_id=people.parent_id,
                created_by=people.nurse_id,
                expires_at=utcnow() + timedelta(hours=1),
            )
        made.append(code)
    client = app.test_client()
    page = await client.get(f"/reset/{made[0]}")
    from tests.conftest import csrf_from

    response = await client.post(
        f"/reset/{made[0]}",
        form={
            "csrf_token": csrf_from(await page.get_data(as_text=True)),
            "password": "violet-harbour-canyon-57",
            "confirm": "violet-harbour-canyon-57",
        },
    )
    assert response.status_code == 302
    assert (await app.test_client().get(f"/reset/{made[1]}")).status_code == 404


async def test_same_email_joining_twice_at_once_makes_one_account(
    app: Any, db: Any, people: Any, nurse_client: Any
) -> None:
    """The database's unique e-mail decides a race between two invites: no 500, one account."""
    import asyncio
    import re

    from tests.conftest import csrf_from

    codes_made = []
    for note in ("mum", "dad"):
        page = await (await nurse_client.get(f"/nurse/children/{people.child_id}")).get_data(
            as_text=True
        )
        response = await nurse_client.post(
            f"/nurse/children/{people.child_id}/invites",
            form={"csrf_token": csrf_from(page), "note": note},
        )
        text = await response.get_data(as_text=True)
        codes_made.append(re.search(r"/invite/([A-Z2-7]{26})", text).group(1))  # type: ignore[union-attr]

    async def join(code: str) -> int:
        client = app.test_client()
        page = await client.get(f"/invite/{code}")
        response = await client.post(
            f"/invite/{code}",
            form={
                "csrf_token": csrf_from(await page.get_data(as_text=True)),
                "display_name": "Sam's parent",
                "email": "same@example.org",
                "password": "violet-harbour-canyon-57",
                "confirm": "violet-harbour-canyon-57",
                "accept_privacy": "y",
            },
        )
        return response.status_code

    statuses = await asyncio.gather(*(join(code) for code in codes_made))
    # Both are sent to sign in (the answer never tells whether the address is known).
    assert statuses == [302, 302]
    row = await db.fetch_one("SELECT COUNT(*) FROM account WHERE email = 'same@example.org'")
    assert row is not None and row[0] == 1
    # One invite made the account; the other waits for its owner to sign in and accept it.
    used = await db.fetch_one(
        "SELECT COUNT(*) FROM access_code WHERE kind = 'invite' AND used_at IS NOT NULL"
    )
    assert used is not None and used[0] == 1


async def test_other_requests_are_answered_while_a_password_is_checked(
    app: Quart, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argon2id takes about 0.1 s on purpose; it runs in a thread, not on the event loop."""
    import asyncio
    import threading

    from pwa.accounts import passwords

    checking = threading.Event()
    release = threading.Event()
    real_verify = passwords.verify_password

    def slow_verify(password_hash: str | None, password: str) -> bool:
        checking.set()
        release.wait(timeout=10)  # like argon2: works without holding the event loop
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", slow_verify)
    client = app.test_client()
    token = csrf_from(await (await client.get("/login")).get_data(as_text=True))
    signing_in = asyncio.create_task(
        client.post(
            "/login",
            form={"csrf_token": token, "email": "parent@example.org", "password": PASSWORD},
        )
    )
    assert await asyncio.to_thread(checking.wait, 10)
    meanwhile = await app.test_client().get("/healthz")
    assert meanwhile.status_code == 200 and not signing_in.done()
    release.set()
    response = await signing_in
    assert response.status_code == 302 and response.location == "/"
