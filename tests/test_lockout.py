"""Strangers cannot lock an account's owner out of signing in (docs/access.md, "Sign-in limits").

Only failures count; a completed sign-in clears the account's count; a browser that
signed in to the account before (it carries the signed device cookie) is limited on its
own failures only; a new device is refused once the account has had five failures from
elsewhere, until the window has passed. Deployed behind one proxy, so each test client
can come from its own address. The clock is frozen after the fixtures' real-time moments
(the per-process limiter remembers those).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from quart import Quart
from quart.typing import TestClientProtocol as Client
from quart.wrappers import Response

from pwa.accounts import lockout, second_factor
from pwa.db import Database
from tests.conftest import PASSWORD, TOTP_SECRET, People, csrf_from, make_account
from tests.conftest import test_config as make_config

WRONG = "wrong-password-guess"
_addresses = itertools.count(1)


@pytest.fixture
def config(tmp_path: Path) -> dict[str, Any]:
    return make_config(tmp_path, TRUSTED_PROXIES=1)


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


class Device:
    """A browser at its own address: its cookies (the device cookie among them) stay."""

    def __init__(self, app: Quart, headers: dict[str, str] | None = None) -> None:
        self.client: Client = app.test_client()
        self.headers = {"X-Forwarded-For": f"198.51.100.{next(_addresses)}", **(headers or {})}

    async def post(self, path: str, form: dict[str, str]) -> Response:
        page = await self.client.get(path, headers=self.headers)
        token = csrf_from(await page.get_data(as_text=True))
        return await self.client.post(
            path, form={"csrf_token": token, **form}, headers=self.headers
        )

    async def login(self, email: str = "parent@example.org", password: str = PASSWORD) -> Response:
        return await self.post("/login", {"email": email, "password": password})

    async def sign_out(self) -> None:
        page = await self.client.get("/settings", headers=self.headers)
        token = csrf_from(await page.get_data(as_text=True))
        response = await self.client.post(
            "/logout", form={"csrf_token": token}, headers=self.headers
        )
        assert response.status_code == 302

    def has_device_cookie(self) -> bool:
        assert self.client.cookie_jar is not None
        return any(cookie.name == lockout.DEVICE_COOKIE for cookie in self.client.cookie_jar)


async def fail_from_elsewhere(app: Quart, times: int, email: str = "parent@example.org") -> None:
    """Wrong passwords, each from another stranger's device and address."""
    for number in range(times):
        response = await Device(app).login(email, WRONG)
        assert response.status_code == 200, number


def assert_paused(response: Response, seconds: int) -> None:
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(seconds)


async def test_failures_from_elsewhere_do_not_block_the_owners_known_device(
    app: Quart, people: People, frozen: time_machine.Traveller
) -> None:
    phone = Device(app)
    assert (await phone.login()).status_code == 302
    assert phone.has_device_cookie()
    await phone.sign_out()

    await fail_from_elsewhere(app, 5)
    # A device the account never signed in on is refused, even with the right password.
    assert_paused(await Device(app).login(), 15 * 60)
    # The family's own phone signs in as ever.
    response = await phone.login()
    assert response.status_code == 302 and response.location == "/"
    # Its success cleared the account's count: the new device may sign in now too.
    assert (await Device(app).login()).status_code == 302


async def test_a_known_devices_own_failures_are_limited_apart(
    app: Quart, people: People, frozen: time_machine.Traveller
) -> None:
    phone = Device(app)
    assert (await phone.login()).status_code == 302
    await phone.sign_out()
    for number in range(5):
        assert (await phone.login(password=WRONG)).status_code == 200, number
    assert_paused(await phone.login(), 15 * 60)
    # Counted against that device only: the owner's other devices are not blocked.
    assert (await Device(app).login()).status_code == 302


async def test_correct_sign_ins_never_count(
    app: Quart, people: People, frozen: time_machine.Traveller
) -> None:
    # A ward at shift change: many sign-ins to one account, all right, from new devices.
    for number in range(8):
        assert (await Device(app).login()).status_code == 302, number


async def test_a_successful_sign_in_clears_the_count(
    app: Quart, people: People, frozen: time_machine.Traveller
) -> None:
    await fail_from_elsewhere(app, 4)
    assert (await Device(app).login()).status_code == 302
    await fail_from_elsewhere(app, 4)
    # Eight failures in the window, but the success in between cleared the first four.
    assert (await Device(app).login()).status_code == 302


async def test_unknown_addresses_are_limited_like_known_ones(
    app: Quart, people: People, frozen: time_machine.Traveller
) -> None:
    """The same answer whether or not the address has an account: no enumeration."""
    await fail_from_elsewhere(app, 5, "nobody@example.org")
    assert_paused(await Device(app).login("nobody@example.org", WRONG), 15 * 60)
    # Once the failures have left the 15-minute window, attempts are answered again.
    frozen.shift(timedelta(minutes=15, seconds=1))
    assert (await Device(app).login("nobody@example.org", WRONG)).status_code == 200


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Please wait 10 minutes and try again."),
        ("nl", "Wacht 10 minuten en probeer het dan opnieuw."),
    ],
)
async def test_the_429_page_says_how_long_to_wait(
    app: Quart, people: People, frozen: time_machine.Traveller, language: str, words: str
) -> None:
    await fail_from_elsewhere(app, 5)
    frozen.shift(timedelta(minutes=5))
    response = await Device(app, {"Accept-Language": language}).login()
    assert_paused(response, 10 * 60)
    assert words in await response.get_data(as_text=True)


async def test_one_clients_failures_are_limited_whatever_the_account(
    app: Quart, people: People, frozen: time_machine.Traveller
) -> None:
    stranger = Device(app)
    for number in range(10):
        response = await stranger.login(f"guess{number}@example.org", WRONG)
        assert response.status_code == 200, number
    assert_paused(await stranger.login(), 15 * 60)


async def test_the_second_factor_follows_the_same_rules(
    app: Quart, db: Database, people: People, frozen: time_machine.Traveller
) -> None:
    """Someone who has a nurse's password cannot guess codes, nor lock the nurse out."""
    own = Device(app)
    assert (await own.login("nurse@example.org")).status_code == 302
    code = second_factor.current_code(TOTP_SECRET)
    assert (await own.post("/login/code", {"code": code})).status_code == 302
    await own.sign_out()

    wrong = next(c for c in ("000000", "123456", "999999") if c != code)
    for number in range(5):
        stranger = Device(app)
        assert (await stranger.login("nurse@example.org")).status_code == 302
        response = await stranger.post("/login/code", {"code": wrong})
        assert response.status_code == 200, number
    # A new device is paused at the password step, the right code would not help.
    assert_paused(await Device(app).login("nurse@example.org"), 15 * 60)
    # The nurse's own computer still signs in (the next 30-second code: one use each).
    frozen.shift(timedelta(seconds=30))
    assert (await own.login("nurse@example.org")).status_code == 302
    code = second_factor.current_code(TOTP_SECRET)
    response = await own.post("/login/code", {"code": code})
    assert response.status_code == 302 and response.location == "/"
    # Its success cleared the account's count: new devices may sign in again.
    assert (await Device(app).login("nurse@example.org")).status_code == 302


async def test_a_forged_device_cookie_is_no_known_device(
    app: Quart, people: People, frozen: time_machine.Traveller
) -> None:
    await fail_from_elsewhere(app, 5)
    forger = Device(app)
    forger.client.set_cookie("localhost", lockout.DEVICE_COOKIE, "eyJuIjoieCIsImEiOlszXX0.forged")
    assert_paused(await forger.login(), 15 * 60)


async def test_the_device_cookie_is_httponly_secure_and_long_lived(
    app: Quart, people: People
) -> None:
    response = await Device(app).login()
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(lockout.DEVICE_COOKIE)
    )
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"secure", "httponly", "path", "max-age"} <= attributes
    assert f"Max-Age={365 * 24 * 3600}" in header


async def test_a_ward_behind_one_address_signs_in_at_shift_change(
    app: Quart, db: Database, people: People, frozen: time_machine.Traveller
) -> None:
    """Forty nurses sign in (password and code) from the ward's one NAT address within
    minutes; then someone behind the same address guesses passwords and is limited, while
    the ward's computers that signed in before keep signing in."""
    ward = {"X-Forwarded-For": "203.0.113.20"}
    emails = [f"nurse{number}@example.org" for number in range(40)]
    for email in emails:
        await make_account(db, app, email, "nurse")
    workstations = []
    for email in emails:
        computer = Device(app, ward)
        assert (await computer.login(email)).status_code == 302, email
        code = second_factor.current_code(TOTP_SECRET)
        response = await computer.post("/login/code", {"code": code})
        assert response.status_code == 302 and response.location == "/", email
        await computer.sign_out()
        workstations.append(computer)

    guesser = Device(app, ward)
    for number in range(10):
        response = await guesser.login(f"guess{number}@example.org", WRONG)
        assert response.status_code == 200, number
    assert_paused(await guesser.login(emails[0]), 15 * 60)
    assert_paused(await Device(app, ward).login(emails[1]), 15 * 60)

    frozen.shift(timedelta(seconds=30))  # a code is good once per 30-second step
    for email, computer in zip(emails[:3], workstations, strict=False):
        assert (await computer.login(email)).status_code == 302, email
        code = second_factor.current_code(TOTP_SECRET)
        assert (await computer.post("/login/code", {"code": code})).status_code == 302
