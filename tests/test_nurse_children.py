"""Nurses enrol children and hand out invite and reset codes; families redeem them.

Everything goes through the real pages (CSRF tokens read from the forms) against a fresh
SQLite database per test; the database is then read to check what was stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from babel.messages.pofile import read_po
from quart import Quart
from quart.typing import TestClientProtocol as Client
from quart.wrappers import Response

from pwa.accounts.views import PRIVACY_VERSION
from pwa.db import Database, from_db
from tests.conftest import PASSWORD, People, csrf_from, post_form
from tests.helpers.invites import (
    NEW_PASSWORD,
    body_text,
    code_from,
    grouped,
    join,
    make_invite,
    make_reset,
)

WEAK_PASSWORD_MESSAGE = (
    "This password is too easy to guess. A few unrelated words together work well."
)
NOT_VALID = "This code does not work"
CATALOGUE = Path(__file__).resolve().parent.parent / "pwa/translations/nl/LC_MESSAGES/messages.po"


async def enrol_child(nurse: Client, nickname: str) -> int:
    response = await post_form(
        nurse,
        "/nurse/children",
        {"nickname": nickname, "birth_date": "2020-02-29", "hospital_number": "H-4711"},
    )
    assert response.status_code == 302, await body_text(response)
    match = re.fullmatch(r"/nurse/children/(\d+)", response.location)
    assert match, response.location
    return int(match.group(1))


JOIN_NEXT_STEP = (
    "Almost done: sign in with this e-mail address to open the invite. If you had an "
    "account with this address already, use its password and accept the invite there."
)


async def finish_joining(
    client: Client, login_location: str, email: str, password: str
) -> Response:
    """After joining: the sign-in page (e-mail filled in), sign in, the invite, then home."""
    page = await client.get(login_location)
    html = await body_text(page)
    assert JOIN_NEXT_STEP in html
    assert f'value="{email}"' in html
    signed_in = await client.post(
        login_location,
        form={"csrf_token": csrf_from(html), "email": email, "password": password},
    )
    assert signed_in.status_code == 302 and signed_in.location.startswith("/invite/")
    opened = await client.get(signed_in.location)
    if opened.status_code == 200:  # a known account accepts the invite here
        opened = await post_form(client, signed_in.location, {"accept_privacy": "y"})
    assert opened.status_code == 302 and opened.location == "/", await body_text(opened)
    return await client.get("/")


async def account_by_email(db: Database, email: str) -> dict[str, Any] | None:
    row = await db.fetch_one("SELECT * FROM account WHERE email = :email", {"email": email})
    return dict(row) if row else None


async def code_row(db: Database, code: str) -> dict[str, Any]:
    digest = hashlib.sha256(code.encode()).digest()
    row = await db.fetch_one("SELECT * FROM access_code WHERE code_hash = :h", {"h": digest})
    assert row is not None, "the code's SHA-256 is not stored"
    return dict(row)


async def linked_children(db: Database, caregiver_id: int) -> set[int]:
    rows = await db.fetch_all(
        "SELECT child_id FROM caregiver_child WHERE caregiver_id = :id", {"id": caregiver_id}
    )
    return {row["child_id"] for row in rows}


async def audit_rows(db: Database, action: str) -> list[dict[str, Any]]:
    rows = await db.fetch_all(
        "SELECT * FROM audit_log WHERE action = :action ORDER BY id", {"action": action}
    )
    return [dict(row) for row in rows]


def has_word(html: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", html) is not None


# --- invites: joining as a new caregiver ---------------------------------------------------


async def test_new_parent_joins_with_invite_and_sees_only_their_child(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    child_id = await enrol_child(nurse_client, "Juniper")
    code = await make_invite(nurse_client, child_id)

    parent = app.test_client()
    page = await parent.get(f"/invite/{code}")
    html = await body_text(page)
    assert page.status_code == 200
    assert "You were invited to follow the treatment of Juniper." in html
    assert f"Read the full privacy notice (version {PRIVACY_VERSION})" in html

    response = await join(parent, code, name="Alex Example", email="alex@example.org")
    assert response.status_code == 302, await body_text(response)
    # Sent to sign in, with the invite next: the same answer a known address gets.
    assert response.location == f"/login?next=/invite/{code}"
    assert not any(cookie.name == "__Host-session" for cookie in parent.cookie_jar)
    home = await finish_joining(parent, response.location, "alex@example.org", NEW_PASSWORD)
    html = await body_text(home)
    assert home.status_code == 200
    assert "Welcome! Your account is linked to Juniper." in html
    assert "You are following Juniper." in html
    assert "Hello, Alex Example" in html
    assert not has_word(html, "Sam") and not has_word(html, "Robin")
    assert "child-switcher" not in html  # one child: no switcher

    account = await account_by_email(db, "alex@example.org")
    assert account is not None
    assert account["role"] == "caregiver"
    assert account["display_name"] == "Alex Example"
    assert account["privacy_version"] == PRIVACY_VERSION
    assert account["privacy_accepted_at"] is not None
    assert account["password_hash"].startswith("$argon2id$")
    assert await linked_children(db, account["id"]) == {child_id}
    row = await code_row(db, code)
    assert row["used_at"] is not None and row["used_by"] == account["id"]

    # Nurse pages stay closed to the new caregiver; other children stay invisible.
    assert (await parent.get("/nurse/children")).status_code == 403
    assert (await parent.get(f"/nurse/children/{people.child_id}")).status_code == 403
    switch = await post_form(parent, "/children/switch", {"child_id": str(people.child_id)})
    assert switch.status_code == 404


async def test_joining_needs_the_privacy_notice_accepted(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    code = await make_invite(nurse_client, people.child_id)
    parent = app.test_client()
    response = await join(parent, code, accept=False)
    assert response.status_code == 200
    assert "Please read and accept the privacy notice to continue." in await body_text(response)
    assert await account_by_email(db, "alex@example.org") is None
    assert (await code_row(db, code))["used_at"] is None


async def test_a_typed_invite_code_may_have_dashes_spaces_and_small_letters(
    app: Quart, people: People, nurse_client: Client
) -> None:
    code = await make_invite(nurse_client, people.child_id)
    parent = app.test_client()
    typed = " " + grouped(code).lower().replace("-", " - ", 2) + " "
    response = await post_form(parent, "/invite", {"code": typed})
    assert response.status_code == 302
    assert response.location == f"/invite/{code}"
    page = await parent.get(response.location)
    assert page.status_code == 200
    assert "You were invited to follow the treatment of Sam." in await body_text(page)


async def test_invite_works_once(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    code = await make_invite(nurse_client, people.child_id)
    first = app.test_client()
    assert (await join(first, code)).status_code == 302

    second = app.test_client()
    page = await second.get(f"/invite/{code}")
    assert page.status_code == 404
    html = await body_text(page)
    assert NOT_VALID in html
    # A posted form for the used code does not create an account either.
    response = await second.post(
        f"/invite/{code}",
        form={
            "csrf_token": csrf_from(html),
            "display_name": "Blake",
            "email": "blake@example.org",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "accept_privacy": "y",
        },
    )
    assert response.status_code == 404
    assert await account_by_email(db, "blake@example.org") is None
    # The caregiver who used it cannot use it again either.
    assert (await first.get(f"/invite/{code}")).status_code == 404


async def test_two_parents_redeeming_one_invite_at_once_link_only_one(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    code = await make_invite(nurse_client, people.child_id)
    clients = [app.test_client(), app.test_client()]
    forms = []
    for number, client in enumerate(clients):
        page = await client.get(f"/invite/{code}")
        forms.append(
            {
                "csrf_token": csrf_from(await body_text(page)),
                "display_name": f"Parent {number}",
                "email": f"racer{number}@example.org",
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "accept_privacy": "y",
            }
        )
    responses = await asyncio.gather(
        *(
            client.post(f"/invite/{code}", form=form)
            for client, form in zip(clients, forms, strict=True)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses[0] == 302 and statuses[1] in {404, 409}, statuses
    accounts = [await account_by_email(db, f"racer{n}@example.org") for n in range(2)]
    created = [account for account in accounts if account is not None]
    assert len(created) == 1, "the losing redemption must be rolled back entirely"
    assert (await code_row(db, code))["used_by"] == created[0]["id"]


async def test_expired_invite_does_not_work(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    code = await make_invite(nurse_client, people.child_id)
    row = await code_row(db, code)
    created, expires = from_db(row["created_at"]), from_db(row["expires_at"])
    assert created is not None and expires is not None
    assert app.config["INVITE_DAYS"] == 14
    assert abs(expires - created - timedelta(days=14)) < timedelta(seconds=1)

    parent = app.test_client()
    with time_machine.travel(expires - timedelta(minutes=1), tick=False) as traveller:
        page = await parent.get(f"/invite/{code}")
        assert page.status_code == 200  # still good a minute before
        token = csrf_from(await body_text(page))
        traveller.move_to(expires + timedelta(seconds=1))
        assert (await app.test_client().get(f"/invite/{code}")).status_code == 404
        # A form opened before expiry cannot be sent after it.
        response = await parent.post(
            f"/invite/{code}",
            form={
                "csrf_token": token,
                "display_name": "Alex",
                "email": "alex@example.org",
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "accept_privacy": "y",
            },
        )
        assert response.status_code == 404
        assert NOT_VALID in await body_text(response)
    assert await account_by_email(db, "alex@example.org") is None


async def test_nurse_revokes_an_invite(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    code = await make_invite(nurse_client, people.child_id, note="grandmother")
    child_page = await body_text(await nurse_client.get(f"/nurse/children/{people.child_id}"))
    assert "grandmother" in child_page and "open until" in child_page
    match = re.search(r'action="(/nurse/children/\d+/invites/(\d+)/revoke)"', child_page)
    assert match, "no Withdraw button for the open invite"
    revoke_path, invite_id = match.group(1), int(match.group(2))

    # The invite belongs to this child: revoking it under another child's URL is a 404.
    wrong = await post_form(
        nurse_client,
        f"/nurse/children/{people.other_child_id}/invites/{invite_id}/revoke",
        {},
        csrf_path=f"/nurse/children/{people.child_id}",
    )
    assert wrong.status_code == 404
    assert (await app.test_client().get(f"/invite/{code}")).status_code == 200

    response = await post_form(
        nurse_client, revoke_path, {}, csrf_path=f"/nurse/children/{people.child_id}"
    )
    assert response.status_code == 302
    assert response.location == f"/nurse/children/{people.child_id}"
    assert "withdrawn" in await body_text(await nurse_client.get(response.location))
    assert (await code_row(db, code))["revoked_at"] is not None

    page = await app.test_client().get(f"/invite/{code}")
    assert page.status_code == 404
    assert NOT_VALID in await body_text(page)
    # Withdrawing twice is not possible either.
    again = await post_form(
        nurse_client, revoke_path, {}, csrf_path=f"/nurse/children/{people.child_id}"
    )
    assert again.status_code == 404


async def test_signed_in_caregiver_adds_a_second_child_and_switches(
    app: Quart,
    db: Database,
    people: People,
    nurse_client: Client,
    family_client: Client,
) -> None:
    child_id = await enrol_child(nurse_client, "Juniper")
    code = await make_invite(nurse_client, child_id)

    page = await family_client.get(f"/invite/{code}")
    html = await body_text(page)
    assert page.status_code == 200
    assert "You are signed in as parent@example.org." in html
    assert 'name="password"' not in html  # no new account: only the privacy notice
    response = await post_form(family_client, f"/invite/{code}", {"accept_privacy": "y"})
    assert response.status_code == 302
    assert response.location == "/"
    assert await linked_children(db, people.parent_id) == {people.child_id, child_id}
    assert (await code_row(db, code))["used_by"] == people.parent_id

    html = await body_text(await family_client.get("/"))
    assert "You are following Juniper." in html  # the new child is shown first
    switcher = re.search(r'<form class="child-switcher".*?</form>', html, re.S)
    assert switcher, "a caregiver with two children gets a switcher"
    assert re.search(
        rf'value="{child_id}"\s+aria-describedby="switch-label"\s+'
        r'aria-pressed="true">Juniper<',
        switcher.group(0),
    )
    assert f'value="{people.child_id}"' in switcher.group(0) and ">Sam<" in switcher.group(0)
    assert not has_word(html, "Robin")

    response = await post_form(
        family_client, "/children/switch?next=/call", {"child_id": str(people.child_id)}
    )
    assert response.status_code == 302
    assert response.location == "/call"
    assert "You are following Sam." in await body_text(await family_client.get("/"))

    # Another family's child, a made-up id and rubbish are all just "not found".
    for other in (str(people.other_child_id), "999999", "x"):
        refused = await post_form(family_client, "/children/switch", {"child_id": other})
        assert refused.status_code == 404, other
    assert "You are following Sam." in await body_text(await family_client.get("/"))


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "/\t/evil.example"])
async def test_child_switcher_only_redirects_within_the_site(
    family_client: Client, people: People, target: str
) -> None:
    token = csrf_from(await body_text(await family_client.get("/")))
    response = await family_client.post(
        "/children/switch",
        query_string={"next": target},
        form={"csrf_token": token, "child_id": str(people.child_id)},
    )
    assert response.status_code == 302
    assert response.location == "/"


async def test_invite_answers_alike_for_a_known_and_a_new_address(
    app: Quart,
    db: Database,
    people: People,
    nurse_client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The invite form does not tell which addresses have accounts."""
    from pwa.accounts import views

    hashed: list[str] = []
    real_hash = views.hash_password_in_thread

    async def counting_hash(password: str) -> str:
        hashed.append(password)
        return await real_hash(password)

    # The slow step, argon2, runs once on both paths: the time does not tell either.
    monkeypatch.setattr(views, "hash_password_in_thread", counting_hash)
    juniper = await enrol_child(nurse_client, "Juniper")
    answers = []
    for email in ("PARENT@example.org", "alex@example.org"):
        code = await make_invite(nurse_client, juniper, note=email)
        client = app.test_client()
        hashed.clear()
        response = await join(client, code, name="Alex Example", email=email)
        assert hashed == [NEW_PASSWORD], email
        page = await client.get(response.location)
        # Less the CSRF token, the typed e-mail and the code in the form's address.
        shown = re.sub(r'value="[^"]*"', "", await body_text(page)).replace(code, "CODE")
        answers.append(
            (
                response.status_code,
                response.location.replace(code, "CODE"),
                (await body_text(response)).replace(code, "CODE"),
                sorted(cookie.name for cookie in client.cookie_jar),
                shown,
            )
        )
    known, new = answers
    assert known == new
    assert known[0] == 302 and JOIN_NEXT_STEP in known[4]
    # The known address got nothing yet: no second account, no new child.
    rows = await db.fetch_all("SELECT id FROM account WHERE email = 'parent@example.org'")
    assert [row["id"] for row in rows] == [people.parent_id]
    assert await linked_children(db, people.parent_id) == {people.child_id}


async def test_a_known_address_accepts_the_invite_after_signing_in(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    juniper = await enrol_child(nurse_client, "Juniper")
    code = await make_invite(nurse_client, juniper)
    parent = app.test_client()
    response = await join(parent, code, name="Alex Example", email="PARENT@example.org")
    assert (await code_row(db, code))["used_at"] is None
    # The owner signs in with their own password (not the one typed on the invite form).
    home = await finish_joining(parent, response.location, "PARENT@example.org", PASSWORD)
    assert "Welcome! Your account is linked to Juniper." in await body_text(home)
    assert await linked_children(db, people.parent_id) == {people.child_id, juniper}
    assert (await code_row(db, code))["used_by"] == people.parent_id


async def test_weak_password_is_refused(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    code = await make_invite(nurse_client, people.child_id)
    parent = app.test_client()
    response = await join(parent, code, password="password1")
    html = await body_text(response)
    assert response.status_code == 200
    assert WEAK_PASSWORD_MESSAGE in html
    assert 'id="password-error"' in html  # tied to the field for screen readers
    short = await join(parent, code, password="kort7!")
    assert "Use at least 8 characters." in await body_text(short)
    assert await account_by_email(db, "alex@example.org") is None
    assert (await code_row(db, code))["used_at"] is None


async def test_weak_password_message_is_translated(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="nl")
    message = catalogue.get(WEAK_PASSWORD_MESSAGE)
    assert message is not None, "the message is missing from the Dutch catalogue"
    assert message.string, "the Dutch catalogue has no translation for this message"
    code = await make_invite(nurse_client, people.child_id)
    parent = app.test_client()
    response = await join(parent, code, password="password1", headers={"Accept-Language": "nl"})
    html = await body_text(response)
    assert response.status_code == 200
    assert '<html lang="nl"' in html
    assert str(message.string) in html
    assert WEAK_PASSWORD_MESSAGE not in html


async def test_mismatched_confirmation_is_refused(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    code = await make_invite(nurse_client, people.child_id)
    parent = app.test_client()
    response = await join(parent, code, confirm=NEW_PASSWORD + "x")
    assert response.status_code == 200
    assert "The two passwords are not the same." in await body_text(response)
    assert await account_by_email(db, "alex@example.org") is None
    assert (await code_row(db, code))["used_at"] is None


async def test_staff_cannot_redeem_an_invite(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    code = await make_invite(nurse_client, people.child_id)
    page = await nurse_client.get(f"/invite/{code}")
    assert page.status_code == 403
    assert "You are signed in with a staff account." in await body_text(page)
    assert (await code_row(db, code))["used_at"] is None


# --- codes are stored only as hashes -------------------------------------------------------


def file_contains(path: Path, needle: bytes) -> bool:
    return any(
        candidate.exists() and needle in candidate.read_bytes()
        for candidate in (path, Path(f"{path}-wal"))
    )


async def database_text(db: Database) -> list[str]:
    """Every text and blob value in every table, as text."""
    values: list[str] = []
    tables = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    for table in tables:
        for row in await db.fetch_all(f'SELECT * FROM "{table["name"]}"'):  # noqa: S608
            for value in tuple(row):
                if isinstance(value, str):
                    values.append(value.upper())
                elif isinstance(value, bytes):
                    values.append(value.decode("latin-1").upper())
    return values


async def test_invite_and_reset_codes_are_stored_only_as_hashes(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    invite = await make_invite(nurse_client, people.child_id)
    reset_page = await make_reset(nurse_client, people.child_id, people.parent_id)
    reset = code_from(await body_text(reset_page), "reset")
    values = await database_text(db)
    assert len(values) > 20  # the scan really read the tables
    for code in (invite, reset):
        await code_row(db, code)  # its SHA-256 is there...
        for form in (code, grouped(code), code[:13], code[13:]):
            assert not any(form in value for value in values), form  # ...the code is not
            assert not file_contains(Path(db.path), form.encode())
            assert not file_contains(Path(db.path), form.lower().encode())


# --- reset codes ---------------------------------------------------------------------------


async def test_nurse_issues_reset_and_caregiver_sets_a_new_password(
    app: Quart,
    db: Database,
    people: People,
    nurse_client: Client,
    family_client: Client,
) -> None:
    child_page = await body_text(await nurse_client.get(f"/nurse/children/{people.child_id}"))
    reset_path = f"/nurse/children/{people.child_id}/caregivers/{people.parent_id}/reset"
    assert f'action="{reset_path}"' in child_page
    response = await make_reset(nurse_client, people.child_id, people.parent_id)
    assert response.status_code == 200
    code = code_from(await body_text(response), "reset")
    row = await code_row(db, code)
    assert row["kind"] == "reset" and row["account_id"] == people.parent_id

    phone = app.test_client()
    page = await phone.get(f"/reset/{code}")
    assert page.status_code == 200
    assert "For the account parent@example.org." in await body_text(page)
    done = await post_form(
        phone, f"/reset/{code}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert done.location == "/"
    home = await body_text(await phone.get("/"))
    assert "Your new password is set." in home
    assert "You are following Sam." in home

    # The caregiver's other session (the lost phone, say) is over.
    stale = await family_client.get("/")
    assert stale.status_code == 302 and stale.location.startswith("/login")
    live = await db.fetch_all(
        "SELECT id FROM account_session WHERE account_id = :id AND revoked_at IS NULL",
        {"id": people.parent_id},
    )
    assert len(live) == 1  # only the session the reset just started

    old = await post_form(
        app.test_client(), "/login", {"email": "parent@example.org", "password": PASSWORD}
    )
    assert old.status_code == 200
    assert "The e-mail address or password is not correct." in await body_text(old)
    new = await post_form(
        app.test_client(), "/login", {"email": "parent@example.org", "password": NEW_PASSWORD}
    )
    assert new.status_code == 302 and new.location == "/"

    # Once only.
    again = await app.test_client().get(f"/reset/{code}")
    assert again.status_code == 404
    assert NOT_VALID in await body_text(again)
    assert (await code_row(db, code))["used_by"] == people.parent_id


async def test_reset_refuses_weak_and_mismatched_passwords(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    code = code_from(
        await body_text(await make_reset(nurse_client, people.child_id, people.parent_id)), "reset"
    )
    phone = app.test_client()
    weak = await post_form(
        phone, f"/reset/{code}", {"password": "password1", "confirm": "password1"}
    )
    assert weak.status_code == 200
    assert WEAK_PASSWORD_MESSAGE in await body_text(weak)
    mismatch = await post_form(
        phone, f"/reset/{code}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD[::-1]}
    )
    assert mismatch.status_code == 200
    assert "The two passwords are not the same." in await body_text(mismatch)
    assert (await code_row(db, code))["used_at"] is None
    still = await post_form(
        app.test_client(), "/login", {"email": "parent@example.org", "password": PASSWORD}
    )
    assert still.status_code == 302  # the old password still works


async def test_reset_code_expires(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    code = code_from(
        await body_text(await make_reset(nurse_client, people.child_id, people.parent_id)), "reset"
    )
    row = await code_row(db, code)
    created, expires = from_db(row["created_at"]), from_db(row["expires_at"])
    assert created is not None and expires is not None
    assert app.config["RESET_HOURS"] == 72
    assert abs(expires - created - timedelta(hours=72)) < timedelta(seconds=1)
    with time_machine.travel(expires - timedelta(minutes=1), tick=False) as traveller:
        assert (await app.test_client().get(f"/reset/{code}")).status_code == 200
        traveller.move_to(expires + timedelta(seconds=1))
        page = await app.test_client().get(f"/reset/{code}")
        assert page.status_code == 404
        assert NOT_VALID in await body_text(page)


async def test_nurse_cannot_reset_a_caregiver_of_another_child(
    db: Database, people: People, nurse_client: Client
) -> None:
    refused = await make_reset(nurse_client, people.child_id, people.other_parent_id)
    assert refused.status_code == 404
    staff = await make_reset(nurse_client, people.child_id, people.nurse_id)
    assert staff.status_code == 404
    missing = await make_reset(nurse_client, 999999, people.parent_id)
    assert missing.status_code == 404
    assert await db.fetch_one("SELECT 1 FROM access_code") is None
    # The same nurse can reset that caregiver from their own child's page.
    allowed = await make_reset(nurse_client, people.other_child_id, people.other_parent_id)
    assert allowed.status_code == 200


async def test_caregiver_cannot_make_codes(people: People, family_client: Client) -> None:
    token = csrf_from(await body_text(await family_client.get("/")))
    invite = await family_client.post(
        f"/nurse/children/{people.child_id}/invites", form={"csrf_token": token}
    )
    reset = await family_client.post(
        f"/nurse/children/{people.child_id}/caregivers/{people.parent_id}/reset",
        form={"csrf_token": token},
    )
    assert invite.status_code == 403 and reset.status_code == 403


# --- audit ---------------------------------------------------------------------------------


async def test_staff_reads_and_writes_leave_audit_rows(
    app: Quart, db: Database, people: People, nurse_client: Client
) -> None:
    assert (await nurse_client.get("/nurse/children")).status_code == 200
    assert await audit_rows(db, "child.viewed") == []  # a list refresh is not a record read

    child_id = await enrol_child(nurse_client, "Juniper")
    assert (await nurse_client.get(f"/nurse/children/{child_id}")).status_code == 200
    first = await make_invite(nurse_client, child_id)
    second = await make_invite(nurse_client, child_id)
    child_page = await body_text(await nurse_client.get(f"/nurse/children/{child_id}"))
    match = re.search(r'action="(/nurse/children/\d+/invites/\d+/revoke)"', child_page)
    assert match
    revoked = await post_form(
        nurse_client, match.group(1), {}, csrf_path=f"/nurse/children/{child_id}"
    )
    assert revoked.status_code == 302
    assert (await code_row(db, second))["revoked_at"] is not None  # the newest is listed first
    assert (await join(app.test_client(), first)).status_code == 302
    new_parent = await account_by_email(db, "alex@example.org")
    assert new_parent is not None
    assert (await make_reset(nurse_client, child_id, new_parent["id"])).status_code == 200

    nurse, child = people.nurse_id, child_id
    expected = {
        "child.created": (nurse, 1),
        "invite.created": (nurse, 2),
        "invite.revoked": (nurse, 1),
        "invite.redeemed": (new_parent["id"], 1),
        "reset.created": (nurse, 1),
    }
    for action, (actor, count) in expected.items():
        rows = await audit_rows(db, action)
        assert len(rows) == count, action
        assert all(r["actor_id"] == actor and r["child_id"] == child for r in rows), rows
        assert all(from_db(r["at"]) is not None for r in rows)
    # Opening the child's page is logged once per opening, as a read by this nurse.
    before = len(await audit_rows(db, "child.viewed"))
    assert (await nurse_client.get(f"/nurse/children/{child_id}")).status_code == 200
    viewed = await audit_rows(db, "child.viewed")
    assert len(viewed) == before + 1
    assert (viewed[-1]["actor_id"], viewed[-1]["child_id"]) == (nurse, child)
    assert {(r["actor_id"], r["child_id"]) for r in viewed} == {(nurse, child)}
    assert (await nurse_client.get("/nurse/children")).status_code == 200
    assert len(await audit_rows(db, "child.viewed")) == before + 1
