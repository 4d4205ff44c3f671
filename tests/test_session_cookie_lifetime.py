"""A family's session cookie outlives a browser restart for as long as
the server keeps the session; staff's ends with the browser. Either way the server's row
decides: a revoked or timed-out session is refused, however long the cookie would last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import time_machine
from quart import Quart
from quart.typing import TestClientProtocol as Client
from quart.wrappers import Response

from pwa.accounts import second_factor
from pwa.accounts.sessions import COOKIE_NAME
from tests.conftest import PASSWORD, TOTP_SECRET, People, post_form
from tests.conftest import test_config as make_config

DAY = 24 * 3600


def session_set_cookie(response: Response) -> dict[str, str]:
    """The session cookie's attributes in this response, names in lower case."""
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE_NAME}=")
    )
    attributes = {}
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return attributes


async def complete_sign_in(client: Client, email: str) -> Response:
    """The response that sets the session cookie (after the code, for staff)."""
    response = await post_form(client, "/login", {"email": email, "password": PASSWORD})
    if response.location.startswith("/login/code"):
        code = second_factor.current_code(TOTP_SECRET)
        response = await post_form(client, "/login/code", {"code": code})
    assert response.status_code == 302 and not response.location.startswith("/login")
    return response


def restart_browser(client: Client) -> None:
    """What closing and reopening the browser does to its cookies."""
    assert client.cookie_jar is not None
    client.cookie_jar.clear_session_cookies()


def holding(app: Quart, value: str) -> Client:
    """A browser that sends this session cookie, whatever its expiry said."""
    client = app.test_client()
    client.set_cookie("localhost", COOKIE_NAME, value, secure=True, httponly=True)
    return client


def cookie_value(client: Client) -> str:
    assert client.cookie_jar is not None
    return next(c.value for c in client.cookie_jar if c.name == COOKIE_NAME)


async def signed_in(client: Client) -> bool:
    response = await client.get("/settings")
    return response.status_code == 200


async def test_a_family_cookie_lasts_as_long_as_the_server_keeps_the_session(
    app: Quart, people: People
) -> None:
    client = app.test_client()
    before = datetime.now(UTC)
    attributes = session_set_cookie(await complete_sign_in(client, "parent@example.org"))
    assert attributes["max-age"] == str(90 * DAY)  # PWA_FAMILY_ABSOLUTE_DAYS
    expires = parsedate_to_datetime(attributes["expires"])
    assert abs(expires - (before + timedelta(days=90))) < timedelta(minutes=1)
    assert {"secure", "httponly"} <= set(attributes) and attributes["samesite"] == "Lax"

    restart_browser(client)
    assert await signed_in(client)


async def test_a_staff_cookie_ends_with_the_browser(app: Quart, people: People) -> None:
    client = app.test_client()
    attributes = session_set_cookie(await complete_sign_in(client, "nurse@example.org"))
    assert "max-age" not in attributes and "expires" not in attributes
    assert await signed_in(client)

    restart_browser(client)
    assert not await signed_in(client)


async def test_the_family_cookie_follows_the_absolute_lifetime_setting(
    tmp_path: Any, people: People
) -> None:
    from pwa.app import create_app
    from tests.conftest import HttpsClient, make_account

    app = create_app(make_config(tmp_path / "other", FAMILY_ABSOLUTE_DAYS=30))
    app.test_client_class = HttpsClient  # type: ignore[assignment]  # QuartClient, not quart.typing's protocol
    async with app.test_app():
        await make_account(
            app.extensions["db"], app, "mum@example.org", "caregiver", privacy_version="2026-11"
        )
        response = await complete_sign_in(app.test_client(), "mum@example.org")
    assert session_set_cookie(response)["max-age"] == str(30 * DAY)


async def test_a_revoked_session_is_refused_whatever_the_cookie_says(
    app: Quart, people: People
) -> None:
    phone = app.test_client()
    await complete_sign_in(phone, "parent@example.org")
    # A copy of the persistent cookie, as another device or a thief would hold it.
    copy = holding(app, cookie_value(phone))
    assert await signed_in(copy)

    signed_out = await post_form(phone, "/logout", {}, csrf_path="/settings")
    assert signed_out.status_code == 302
    assert not await signed_in(copy)


async def test_an_idle_or_old_family_session_is_refused_with_a_cookie_still_alive(
    app: Quart, people: People
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    with time_machine.travel(start, tick=False) as clock:
        idle = app.test_client()
        await complete_sign_in(idle, "parent@example.org")
        active = app.test_client()
        await complete_sign_in(active, "parent@example.org")
        # Used every 29 days, the active phone outlasts the 30-day idle limit...
        for _ in range(3):
            clock.shift(timedelta(days=29))
            restart_browser(active)
            assert await signed_in(active)
        # ...while the phone left alone for 30 days was signed out on the server.
        restart_browser(idle)
        assert not await signed_in(idle)
        # 90 days after sign-in the session ends, however active: refused by the server
        # even to a browser that kept the cookie longer.
        value = cookie_value(active)
        clock.shift(timedelta(days=3, minutes=1))
        assert not await signed_in(holding(app, value))
