"""New passwords are checked against the user's own words, and long
ones (up to 256 characters) are welcome wherever a password is set (docs/access.md, "Sign-in limits").

Through the real pages: joining by invite, a reset code (how a new colleague's staff
account gets its first password, too), and changing one's password.
"""

from __future__ import annotations

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from quart.wrappers import Response

from pwa.db import Database
from pwa.hospital import hospital_settings, save_hospital_settings
from tests.conftest import PASSWORD, People, post_form
from tests.helpers.invites import code_from, join, make_invite, make_reset

PERSONAL = (
    "This password leans on your name, your e-mail address or the name of the app or the "
    "hospital. Choose a few other, unrelated words."
)
TOO_LONG = "Use at most 256 characters. A few unrelated words are enough."
WORDS = (
    "violet",
    "harbour",
    "lantern",
    "seven",
    "quiet",
    "meadow",
    "copper",
    "falcon",
    "winter",
    "garden",
)


def long_password(length: int) -> str:
    """A strong passphrase of exactly ``length`` characters."""
    text = "-".join(WORDS * 4)
    assert len(text) >= length
    return text[:length]


async def text(response: Response) -> str:
    return await response.get_data(as_text=True)


async def accounts_with(db: Database, email: str) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM account WHERE email = :email", {"email": email})
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(
    "password",
    [
        "annelies-vandenberg-2019",  # the e-mail's name
        "Vandenberg.Annelies!7",
        "immuno companion 2026!",  # the app's name
        "ImmunoCompanion2026!",
        "Prinses Maxima Centrum 1",  # the hospital's name, without its accent
    ],
)
async def test_a_password_built_on_the_users_own_words_is_refused(
    app: Quart, db: Database, people: People, nurse_client: Client, password: str
) -> None:
    async with db.transaction() as connection:
        settings = await hospital_settings(db)
        await save_hospital_settings(
            connection,
            type(settings)(**{**settings.__dict__, "name": "Prinses Máxima Centrum"}),
        )
    code = await make_invite(nurse_client, people.child_id)
    email = "annelies.vandenberg@example.org"
    response = await join(app.test_client(), code, name="Annelies", email=email, password=password)
    assert response.status_code == 200
    assert PERSONAL in await text(response)
    assert await accounts_with(db, email) == 0


@pytest.mark.parametrize("length", [73, 100, 256])
async def test_long_passwords_are_welcome_when_joining(
    app: Quart, db: Database, people: People, nurse_client: Client, length: int
) -> None:
    code = await make_invite(nurse_client, people.child_id)
    response = await join(app.test_client(), code, password=long_password(length))
    assert response.status_code == 302, await text(response)
    assert await accounts_with(db, "alex@example.org") == 1


async def test_a_password_over_256_characters_is_refused_with_a_message(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    code = await make_invite(nurse_client, people.child_id)
    response = await join(app.test_client(), code, password=long_password(257))
    assert response.status_code == 200
    assert TOO_LONG in await text(response)
    assert await accounts_with(db, "alex@example.org") == 0


async def test_a_long_password_can_be_signed_in_with(
    app: Quart, people: People, nurse_client: Client
) -> None:
    """argon2 hashes the whole password: the 73rd character counts at sign-in."""
    code = await make_invite(nurse_client, people.child_id)
    password = long_password(100)
    await join(app.test_client(), code, password=password)
    client = app.test_client()
    wrong = await post_form(
        client, "/login", {"email": "alex@example.org", "password": password[:72] + "x" * 28}
    )
    assert wrong.status_code == 200
    right = await post_form(client, "/login", {"email": "alex@example.org", "password": password})
    assert right.status_code == 302


@pytest.mark.parametrize(("length", "status"), [(100, 302), (256, 302), (257, 200)])
async def test_reset_takes_long_passwords(
    app: Quart, people: People, nurse_client: Client, length: int, status: int
) -> None:
    made = await make_reset(nurse_client, people.child_id, people.parent_id)
    code = code_from(await text(made), "reset")
    password = long_password(length)
    response = await post_form(
        app.test_client(), f"/reset/{code}", {"password": password, "confirm": password}
    )
    assert response.status_code == status, await text(response)
    if status == 200:
        assert TOO_LONG in await text(response)


async def test_reset_refuses_the_accounts_own_name(
    app: Quart, people: People, nurse_client: Client
) -> None:
    made = await make_reset(nurse_client, people.child_id, people.parent_id)
    code = code_from(await text(made), "reset")
    password = "Parent-example-2019!"  # the account is parent@example.org, "Parent"
    response = await post_form(
        app.test_client(), f"/reset/{code}", {"password": password, "confirm": password}
    )
    assert response.status_code == 200
    assert PERSONAL in await text(response)


@pytest.mark.parametrize(("length", "status"), [(100, 302), (256, 302), (257, 200)])
async def test_change_password_takes_long_passwords(
    family_client: Client, length: int, status: int
) -> None:
    password = long_password(length)
    response = await post_form(
        family_client,
        "/settings/password",
        {"current": PASSWORD, "password": password, "confirm": password},
    )
    assert response.status_code == status, await text(response)
    if status == 200:
        assert TOO_LONG in await text(response)
