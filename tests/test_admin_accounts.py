"""Staff accounts in the admin area: create with a set-up code, disable, enable, roles,
resetting the second factor, and the admin home's links."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from quart import Quart

from pwa.admin import views as admin_views
from pwa.db import Database
from pwa.i18n import lazy_gettext as _l
from tests.conftest import (
    PASSWORD,
    People,
    choose_language,
    csrf_from,
    enrolment_key,
    get_csrf,
    post_form,
    sign_in,
)

NEW_PASSWORD = "velvet-copper-lantern-91"
_SET_UP_LINK = re.compile(r"https://localhost/reset/([A-Z2-7]+)")


async def _count(db: Database, sql: str, params: tuple[Any, ...] = ()) -> int:
    row = await db.fetch_one(sql, params)
    assert row is not None
    return int(row[0])


async def _create_colleague(admin_client: Any, **form: str) -> str:
    """Add a colleague through the page; the set-up code it shows once."""
    data = {"display_name": "Anna de Vries", "email": "anna@example.org", "role": "nurse", **form}
    response = await post_form(admin_client, "/admin/accounts", data)
    text = await response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert f"Set-up code for {data['display_name']}" in text
    match = _SET_UP_LINK.search(text)
    assert match, "no set-up link on the page"
    return match.group(1)


async def _staff_id(db: Database, email: str) -> int:
    row = await db.fetch_one("SELECT id FROM account WHERE email = ?", (email,))
    assert row is not None
    return int(row[0])


# --- creating a colleague ------------------------------------------------------------


async def test_a_new_nurse_sets_a_password_with_the_code_and_then_must_enrol_totp(
    app: Quart, db: Database, admin_client: Any
) -> None:
    code = await _create_colleague(admin_client)
    row = await db.fetch_one(
        "SELECT role, totp_secret FROM account WHERE email = 'anna@example.org'"
    )
    assert row is not None and row["role"] == "nurse" and row["totp_secret"] is None
    assert await _count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'account.created'") == 1
    # Only the hash is stored; the page does not show the code again.
    listing = await (await admin_client.get("/admin/accounts")).get_data(as_text=True)
    assert code not in listing and "Anna de Vries" in listing and "Never" in listing

    colleague = app.test_client()
    # Nobody knows the random password the account was made with.
    refused = await post_form(
        colleague, "/login", {"email": "anna@example.org", "password": PASSWORD}
    )
    assert refused.status_code == 200

    response = await post_form(
        colleague, f"/reset/{code}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.location.startswith("/login/enrol")
    # The password alone does not sign staff in.
    before = await colleague.get("/nurse/queue")
    assert before.status_code == 302 and before.location.startswith("/login?next=")

    enrol = await (await colleague.get("/login/enrol")).get_data(as_text=True)
    secret = enrolment_key(enrol)
    assert secret, "no authenticator key on the enrolment page"
    done = await post_form(colleague, "/login/enrol", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and not done.location.startswith("/login")
    assert (await colleague.get("/nurse/queue")).status_code == 200
    stored = await db.fetch_one("SELECT totp_secret FROM account WHERE email = 'anna@example.org'")
    assert stored is not None and stored["totp_secret"] == secret

    # The code worked once.
    assert (await app.test_client().get(f"/reset/{code}")).status_code == 404


async def test_a_new_admin_can_reach_the_admin_area_once_set_up(
    app: Quart, db: Database, admin_client: Any
) -> None:
    code = await _create_colleague(
        admin_client, display_name="Bram", email="bram@example.org", role="admin"
    )
    colleague = app.test_client()
    await post_form(
        colleague, f"/reset/{code}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    secret = enrolment_key(await (await colleague.get("/login/enrol")).get_data(as_text=True))
    assert secret
    await post_form(colleague, "/login/enrol", {"code": pyotp.TOTP(secret).now()})
    assert (await colleague.get("/admin/")).status_code == 200


async def test_an_e_mail_address_in_use_is_refused_and_the_entries_kept(
    db: Database, admin_client: Any
) -> None:
    before = await _count(db, "SELECT COUNT(*) FROM account")
    response = await post_form(
        admin_client,
        "/admin/accounts",
        {"display_name": "Second Nurse", "email": "NURSE@example.org", "role": "nurse"},
    )
    text = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is already an account with this e-mail address." in text
    assert 'value="Second Nurse"' in text
    assert await _count(db, "SELECT COUNT(*) FROM account") == before


async def test_new_colleague_errors_are_in_the_admins_language(
    app: Quart, db: Database, people: People
) -> None:
    client = app.test_client()
    await sign_in(client, "admin@example.org", staff=True)
    await choose_language(client, "nl")
    response = await post_form(
        client, "/admin/accounts", {"display_name": "", "email": "not-an-address", "role": "nurse"}
    )
    text = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Vul dit nog in." in text and "Please fill this in." not in text
    assert "Vul een e-mailadres in zoals naam@example.org." in text
    assert 'value="not-an-address"' in text
    assert await _count(db, "SELECT COUNT(*) FROM account WHERE email = 'not-an-address'") == 0


# --- disable, enable -----------------------------------------------------------------


async def test_a_disabled_nurse_is_signed_out_at_once_and_cannot_sign_in(
    app: Quart, db: Database, people: People, admin_client: Any, nurse_client: Any
) -> None:
    assert (await nurse_client.get("/nurse/queue")).status_code == 200
    token = await get_csrf(admin_client, "/admin/accounts")
    response = await admin_client.post(
        f"/admin/accounts/{people.nurse_id}/disable", form={"csrf_token": token}
    )
    assert response.status_code == 302
    assert (
        await _count(
            db,
            "SELECT COUNT(*) FROM account_session WHERE account_id = ? AND revoked_at IS NULL",
            (people.nurse_id,),
        )
        == 0
    )
    next_request = await nurse_client.get("/nurse/queue")
    assert next_request.status_code == 302 and next_request.location.startswith("/login")
    attempt = await post_form(
        app.test_client(), "/login", {"email": "nurse@example.org", "password": PASSWORD}
    )
    assert attempt.status_code == 200
    assert "The e-mail address or password is not correct." in await attempt.get_data(as_text=True)
    assert (
        await _count(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'account.disabled' AND actor_id = ?",
            (people.admin_id,),
        )
        == 1
    )
    listing = await (await admin_client.get("/admin/accounts")).get_data(as_text=True)
    assert "Disabled since" in listing

    token = await get_csrf(admin_client, "/admin/accounts")
    await admin_client.post(f"/admin/accounts/{people.nurse_id}/enable", form={"csrf_token": token})
    assert await _count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'account.enabled'") == 1
    # The password is accepted again (the TOTP code of this half-minute is used up).
    again = await post_form(
        app.test_client(), "/login", {"email": "nurse@example.org", "password": PASSWORD}
    )
    assert again.status_code == 302 and again.location.startswith("/login/code")


async def test_disabling_withdraws_open_set_up_codes(
    app: Quart, db: Database, admin_client: Any
) -> None:
    code = await _create_colleague(admin_client)
    anna = await _staff_id(db, "anna@example.org")
    token = await get_csrf(admin_client, "/admin/accounts")
    await admin_client.post(f"/admin/accounts/{anna}/disable", form={"csrf_token": token})
    token = await get_csrf(admin_client, "/admin/accounts")
    await admin_client.post(f"/admin/accounts/{anna}/enable", form={"csrf_token": token})
    assert (await app.test_client().get(f"/reset/{code}")).status_code == 404


async def test_an_admin_cannot_disable_demote_or_reset_themselves(
    db: Database, people: People, admin_client: Any
) -> None:
    cases = [
        ("disable", {}, "You cannot disable your own account."),
        ("role", {"role": "nurse"}, "You cannot change your own role."),
        ("second-factor/reset", {}, "You cannot reset your own second step."),
    ]
    for path, form, message in cases:
        token = await get_csrf(admin_client, "/admin/accounts")
        response = await admin_client.post(
            f"/admin/accounts/{people.admin_id}/{path}", form={"csrf_token": token, **form}
        )
        assert response.status_code == 400, path
        assert message in await response.get_data(as_text=True)
    row = await db.fetch_one(
        "SELECT role, disabled_at, totp_secret FROM account WHERE id = ?", (people.admin_id,)
    )
    assert row is not None
    assert row["role"] == "admin" and row["disabled_at"] is None and row["totp_secret"]
    assert (await admin_client.get("/admin/")).status_code == 200


async def test_family_accounts_are_not_managed_here(people: People, admin_client: Any) -> None:
    token = await get_csrf(admin_client, "/admin/accounts")
    response = await admin_client.post(
        f"/admin/accounts/{people.parent_id}/disable", form={"csrf_token": token}
    )
    assert response.status_code == 404
    listing = await (await admin_client.get("/admin/accounts")).get_data(as_text=True)
    assert "parent@example.org" not in listing and "nurse@example.org" in listing


# --- second factor and role ----------------------------------------------------------


async def test_resetting_the_second_factor_signs_out_and_forces_re_enrolment(
    app: Quart, db: Database, people: People, admin_client: Any, nurse_client: Any
) -> None:
    token = await get_csrf(admin_client, "/admin/accounts")
    response = await admin_client.post(
        f"/admin/accounts/{people.nurse_id}/second-factor/reset", form={"csrf_token": token}
    )
    assert response.status_code == 302
    row = await db.fetch_one(
        "SELECT totp_secret, totp_last_step FROM account WHERE id = ?", (people.nurse_id,)
    )
    assert row is not None and row["totp_secret"] is None and row["totp_last_step"] is None
    assert (await nurse_client.get("/nurse/queue")).status_code == 302
    login = await post_form(
        app.test_client(), "/login", {"email": "nurse@example.org", "password": PASSWORD}
    )
    assert login.status_code == 302 and login.location.startswith("/login/enrol")
    assert (
        await _count(
            db, "SELECT COUNT(*) FROM audit_log WHERE action = 'account.second_factor_reset'"
        )
        == 1
    )


async def test_an_admin_can_make_a_nurse_an_admin_and_back(
    people: People, admin_client: Any, nurse_client: Any, db: Database
) -> None:
    assert (await nurse_client.get("/admin/")).status_code == 403
    token = await get_csrf(admin_client, "/admin/accounts")
    await admin_client.post(
        f"/admin/accounts/{people.nurse_id}/role", form={"csrf_token": token, "role": "admin"}
    )
    assert (await nurse_client.get("/admin/")).status_code == 200
    token = await get_csrf(admin_client, "/admin/accounts")
    bad = await admin_client.post(
        f"/admin/accounts/{people.nurse_id}/role", form={"csrf_token": token, "role": "caregiver"}
    )
    assert bad.status_code == 400
    token = await get_csrf(admin_client, "/admin/accounts")
    await admin_client.post(
        f"/admin/accounts/{people.nurse_id}/role", form={"csrf_token": token, "role": "nurse"}
    )
    assert (await nurse_client.get("/admin/")).status_code == 403
    assert (
        await _count(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'account.role_changed'")
        == 2
    )


async def test_a_new_set_up_code_replaces_a_lost_one_but_not_for_a_disabled_account(
    app: Quart, db: Database, people: People, admin_client: Any
) -> None:
    token = await get_csrf(admin_client, "/admin/accounts")
    response = await admin_client.post(
        f"/admin/accounts/{people.nurse_id}/set-up-code", form={"csrf_token": token}
    )
    match = _SET_UP_LINK.search(await response.get_data(as_text=True))
    assert response.status_code == 200 and match
    reset = await post_form(
        app.test_client(),
        f"/reset/{match.group(1)}",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    # The nurse has an authenticator: the code is asked for next, not enrolment.
    assert reset.status_code == 302 and reset.location.startswith("/login/code")

    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE account SET disabled_at = '2027-01-01T00:00:00.000000Z' WHERE id = ?",
            (people.nurse_id,),
        )
    token = await get_csrf(admin_client, "/admin/accounts")
    refused = await admin_client.post(
        f"/admin/accounts/{people.nurse_id}/set-up-code", form={"csrf_token": token}
    )
    assert refused.status_code == 400
    assert _SET_UP_LINK.search(await refused.get_data(as_text=True)) is None


async def test_the_list_shows_second_factor_status_and_last_sign_in(
    admin_client: Any, nurse_client: Any
) -> None:
    text = await (await admin_client.get("/admin/accounts")).get_data(as_text=True)
    nurse_card = text.split('id="member-')[2]  # sorted by name: Admin, then Nurse
    assert "Nurse" in nurse_card.split("</h3>")[0]
    assert "Authenticator set up" in nurse_card and "Never" not in nurse_card
    assert "Active" in nurse_card


# --- CSRF on the button forms ---------------------------------------------------------

BUTTONS = [
    ("disable", {}, "SELECT COUNT(*) FROM account WHERE disabled_at IS NOT NULL"),
    ("enable", {}, "SELECT COUNT(*) FROM account WHERE disabled_at IS NULL"),
    ("second-factor/reset", {}, "SELECT COUNT(*) FROM account WHERE totp_secret IS NULL"),
    ("role", {"role": "admin"}, "SELECT COUNT(*) FROM account WHERE role = 'admin'"),
    ("set-up-code", {}, "SELECT COUNT(*) FROM access_code"),
]


@pytest.mark.parametrize("case", BUTTONS, ids=[case[0] for case in BUTTONS])
async def test_account_buttons_need_the_csrf_token(
    db: Database, people: People, admin_client: Any, case: tuple[str, dict[str, str], str]
) -> None:
    path, form, counter = case
    if path == "enable":
        async with db.transaction() as connection:
            await connection.execute(
                "UPDATE account SET disabled_at = '2027-01-01T00:00:00.000000Z' WHERE id = ?",
                (people.nurse_id,),
            )
    url = f"/admin/accounts/{people.nurse_id}/{path}"
    before = await _count(db, counter)
    for token in (None, "forged"):
        data = {**form, **({"csrf_token": token} if token else {})}
        refused = await admin_client.post(url, form=data)
        assert refused.status_code == 400
    assert await _count(db, counter) == before
    token = csrf_from(await (await admin_client.get("/admin/accounts")).get_data(as_text=True))
    accepted = await admin_client.post(url, form={**form, "csrf_token": token})
    assert accepted.status_code in {200, 302}
    assert await _count(db, counter) > before


# --- the admin home ------------------------------------------------------------------


async def test_admin_home_links_the_new_pages(admin_client: Any) -> None:
    text = await (await admin_client.get("/admin/")).get_data(as_text=True)
    for path in (
        "/admin/template",
        "/admin/packing",
        "/admin/hospital",
        "/admin/accounts",
        "/admin/audit",
    ):
        assert f'href="{path}"' in text, path


async def test_admin_home_skips_pages_not_built_and_lists_each_once(
    admin_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = (
        *admin_views.SETTINGS_PAGES,
        ("/admin/no-such-page", _l("Missing by path"), _l("-")),
        ("admin.no_such_page", _l("Missing by endpoint"), _l("-")),
        ("/admin/accounts", _l("Staff again by path"), _l("-")),
    )
    monkeypatch.setattr(admin_views, "SETTINGS_PAGES", pages)
    text = await (await admin_client.get("/admin/")).get_data(as_text=True)
    assert "Missing by" not in text and "Staff again" not in text
    assert text.count('href="/admin/accounts"') == 1


async def test_caregivers_and_nurses_get_403_on_the_new_admin_pages(
    family_client: Any, nurse_client: Any
) -> None:
    for client in (family_client, nurse_client):
        for path in ("/admin/accounts", "/admin/hospital", "/admin/audit"):
            assert (await client.get(path)).status_code == 403, path
