"""Staff sign-in through the hospital's OpenID provider, against a real provider.

The provider is node's certified `oidc-provider` (tests/oidc), on 127.0.0.1; the app is
the Quart test client over https://localhost, registered at the provider with its
callback. A plain HTTP client plays the person's browser at the provider (its login form,
its cookies), so nothing of the other side is imitated.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx2
import pytest
import time_machine
from quart import Quart
from quart.typing import TestClientProtocol as Client

from pwa.accounts import oidc
from pwa.app import create_app
from pwa.clock import utcnow
from pwa.config import ConfigError
from pwa.db import Database
from tests.conftest import (
    PASSWORD,
    HttpsClient,
    free_port,
    make_account,
    post_form,
    sign_in,
    test_config,
)
from tests.helpers.oidc_provider import (
    CLIENT_ID,
    OTHER_CLIENT_ID,
    OpenIdProvider,
    id_token_from,
    query_of,
    running_provider,
    sign_in_at_provider,
)
from tests.helpers.rows import one

APP = "https://localhost"
NURSE_PASSWORD = "provider-password-nina"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIdProvider]:
    with running_provider(
        tmp_path_factory.mktemp("provider"),
        [f"{APP}{oidc.CALLBACK_PATH}"],
        [f"{APP}{oidc.SIGNED_OUT_PATH}"],
    ) as running:
        yield running


@pytest.fixture
def config(tmp_path: Path, provider: OpenIdProvider) -> dict[str, Any]:
    return test_config(tmp_path, **provider.settings())


@pytest.fixture
def browser() -> Iterator[httpx2.Client]:
    """The person's browser at the provider: its own cookies, its own session there."""
    with httpx2.Client(timeout=10) as client:
        yield client


@pytest.fixture
def nina(provider: OpenIdProvider) -> str:
    """A ward nurse at the provider (fresh subject and address per test)."""
    username = f"nina-{secrets.token_hex(4)}"
    provider.set_account(
        username,
        sub=f"sub-{username}",
        password=NURSE_PASSWORD,
        email=f"{username}@hospital.example",
        email_verified=True,
        name="Nina de Vries",
        roles=["ward-nurse"],
    )
    return username


async def start_sign_on(client: Client) -> str:
    """Click "Sign in with ..." on the sign-in page: the provider's authorization URL."""
    page = await (await client.get("/login")).get_data(as_text=True)
    link = re.search(r'href="(/login/oidc[^"]*)"', page)
    assert link, "the sign-in page offers the hospital's sign-in"
    response = await client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 302
    return str(response.location)


async def sign_on(
    client: Client, browser: httpx2.Client, username: str, password: str = NURSE_PASSWORD
) -> Any:
    """The whole round: app → provider (its form) → the app's callback."""
    authorize = await start_sign_on(client)
    back = sign_in_at_provider(browser, authorize, username, password, APP)
    return await client.get(back.removeprefix(APP))


async def account_of(db: Database, email: str) -> Any:
    return await db.fetch_one("SELECT * FROM account WHERE email = ?", (email,))


async def actions(db: Database) -> list[tuple[str, str]]:
    rows = await db.fetch_all("SELECT action, detail FROM audit_log ORDER BY id")
    return [(row["action"], row["detail"]) for row in rows]


# --- signing in ----------------------------------------------------------------------


async def test_a_nurse_signs_in_through_the_provider_without_the_apps_code(
    client: Client, browser: httpx2.Client, provider: OpenIdProvider, nina: str, db: Database
) -> None:
    authorize = await start_sign_on(client)
    asked = query_of(authorize)
    assert authorize.startswith(f"{provider.issuer}/auth?")
    assert asked["code_challenge_method"] == "S256" and asked["code_challenge"]
    assert asked["nonce"] and asked["state"] and asked["client_id"] == CLIENT_ID
    assert asked["redirect_uri"] == f"{APP}/login/oidc/callback"

    back = sign_in_at_provider(browser, authorize, nina, NURSE_PASSWORD, APP)
    response = await client.get(back.removeprefix(APP))
    assert response.status_code == 302 and response.location == "/"
    queue = await client.get("/nurse/queue")
    assert queue.status_code == 200
    assert (await client.get("/admin/")).status_code == 403
    settings = await (await client.get("/settings")).get_data(as_text=True)
    assert "Change your password" not in settings  # there is none to change

    account = await account_of(db, f"{nina}@hospital.example")
    assert account["role"] == "nurse" and account["display_name"] == "Nina de Vries"
    assert account["totp_secret"] is None
    identity = await one(db, "SELECT * FROM staff_identity WHERE account_id = ?", (account["id"],))
    assert (identity["issuer"], identity["subject"]) == (provider.issuer, provider.subject(nina))
    assert ("account.created", "nurse (hospital sign-in)") in await actions(db)
    session = await one(
        db,
        "SELECT * FROM account_session WHERE account_id = ? AND revoked_at IS NULL",
        (account["id"],),
    )
    assert session["provider_id_token"].count(".") == 2


async def test_next_page_is_kept_through_the_provider(
    client: Client, browser: httpx2.Client, nina: str
) -> None:
    response = await client.get("/nurse/children")
    assert response.status_code == 302 and response.location.startswith("/login?next=")
    page = await (await client.get(response.location)).get_data(as_text=True)
    link = re.search(r'href="(/login/oidc[^"]*)"', page)
    assert link and "next=/nurse/children" in link.group(1)
    started = await client.get(link.group(1).replace("&amp;", "&"))
    back = sign_in_at_provider(browser, str(started.location), nina, NURSE_PASSWORD, APP)
    answered = await client.get(back.removeprefix(APP))
    assert answered.location == "/nurse/children"


async def test_an_existing_staff_account_is_bound_by_its_verified_address(
    app: Quart,
    client: Client,
    browser: httpx2.Client,
    provider: OpenIdProvider,
    db: Database,
) -> None:
    existing = await make_account(db, app, "sanne@hospital.example", "nurse")
    provider.set_account(
        "sanne",
        sub="sub-sanne",
        password="sanne-pw",
        email="sanne@hospital.example",
        email_verified=True,
        name="Sanne",
        roles=["oncology-nurse"],
    )
    assert (await sign_on(client, browser, "sanne", "sanne-pw")).location == "/"
    row = await one(db, "SELECT account_id FROM staff_identity WHERE subject = 'sub-sanne'")
    assert row["account_id"] == existing
    assert ("account.sign_on_linked", "") in await actions(db)

    # Later the address changes at the hospital: the subject still finds the account.
    provider.set_account("sanne", email="s.jansen@hospital.example")
    assert (await sign_on(app.test_client(), browser, "sanne", "sanne-pw")).location == "/"
    count = await one(db, "SELECT COUNT(*) AS n FROM account WHERE role = 'nurse'")
    assert count["n"] == 1


async def test_an_unverified_address_never_takes_over_an_account(
    app: Quart, client: Client, browser: httpx2.Client, provider: OpenIdProvider, db: Database
) -> None:
    await make_account(db, app, "tom@hospital.example", "admin")
    provider.set_account(
        "mallory",
        sub="sub-mallory",
        password="m-pw",
        email="tom@hospital.example",
        email_verified=False,
        roles=["app-admin"],
    )
    response = await sign_on(client, browser, "mallory", "m-pw")
    assert response.status_code == 403
    assert "could not be matched" in await response.get_data(as_text=True)
    assert (await client.get("/admin/")).status_code == 302  # not signed in
    assert await db.fetch_one("SELECT * FROM staff_identity") is None
    assert ("account.sign_on_refused", "address_taken") in await actions(db)


async def test_a_familys_address_never_becomes_staff(
    app: Quart, client: Client, browser: httpx2.Client, provider: OpenIdProvider, db: Database
) -> None:
    parent = await make_account(db, app, "parent@home.example", "caregiver")
    provider.set_account(
        "parent",
        sub="sub-parent",
        password="p-pw",
        email="parent@home.example",
        email_verified=True,
        roles=["ward-nurse"],
    )
    response = await sign_on(client, browser, "parent", "p-pw")
    assert response.status_code == 403
    assert "belongs to a family" in await response.get_data(as_text=True)
    row = await one(db, "SELECT role FROM account WHERE id = ?", (parent,))
    assert row["role"] == "caregiver"


async def test_the_role_follows_the_claim_at_every_sign_in(
    app: Quart, browser: httpx2.Client, provider: OpenIdProvider, nina: str, db: Database
) -> None:
    """Hazard H27: a role taken away at the hospital ends access at the next sign-in."""
    first = app.test_client()
    await sign_on(first, browser, nina)
    assert (await first.get("/admin/")).status_code == 403

    # Promoted at the hospital: admin wins over nurse at the next sign-in.
    provider.set_account(nina, roles=["ward-nurse", "app-admin"])
    second = app.test_client()
    await sign_on(second, browser, nina)
    assert (await second.get("/admin/")).status_code == 200
    assert ("account.role_changed", "nurse -> admin (hospital sign-in)") in await actions(db)

    # The app role taken away: refused, with words, and audited.
    provider.set_account(nina, roles=["cleaner"])
    third = app.test_client()
    response = await sign_on(third, browser, nina)
    assert response.status_code == 403
    assert "has no role for this app" in await response.get_data(as_text=True)
    assert (await third.get("/nurse/queue")).status_code == 302
    assert ("account.sign_on_refused", "no_role") in await actions(db)


async def test_nobody_without_a_mapped_role_gets_an_account(
    client: Client, browser: httpx2.Client, provider: OpenIdProvider, db: Database
) -> None:
    provider.set_account(
        "visitor", sub="sub-visitor", password="v-pw", email="v@hospital.example", roles=[]
    )
    response = await sign_on(client, browser, "visitor", "v-pw")
    assert response.status_code == 403
    assert await account_of(db, "v@hospital.example") is None


async def test_an_account_an_admin_disabled_is_refused(
    app: Quart, browser: httpx2.Client, nina: str, db: Database
) -> None:
    """Hazard H27: the app's own switch-off holds whatever the provider says."""
    await sign_on(app.test_client(), browser, nina)
    account = await account_of(db, f"{nina}@hospital.example")
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE account SET disabled_at = '2027-01-01T00:00:00.000000Z' WHERE id = ?",
            (account["id"],),
        )
    client = app.test_client()
    response = await sign_on(client, browser, nina)
    assert response.status_code == 403
    assert "switched off" in await response.get_data(as_text=True)
    assert (await client.get("/nurse/queue")).status_code == 302
    refused = await one(
        db, "SELECT actor_id, detail FROM audit_log WHERE action = 'account.sign_on_refused'"
    )
    assert (refused["actor_id"], refused["detail"]) == (account["id"], "disabled")


async def test_a_sign_on_session_follows_the_staff_idle_limit(
    app: Quart, client: Client, browser: httpx2.Client, nina: str
) -> None:
    await sign_on(client, browser, nina)
    idle = timedelta(minutes=int(app.config["NURSE_IDLE_MINUTES"]) + 1)
    with time_machine.travel(utcnow() + idle, tick=False):
        response = await client.get("/nurse/queue")
    assert response.status_code == 302
    assert "expired=1" in response.location


async def test_signing_in_rotates_the_session(
    app: Quart, client: Client, browser: httpx2.Client, nina: str, db: Database
) -> None:
    await sign_on(client, browser, nina)
    await sign_on(app.test_client(), browser, nina)
    account = await account_of(db, f"{nina}@hospital.example")
    rows = await db.fetch_all(
        "SELECT token_hash FROM account_session WHERE account_id = ?", (account["id"],)
    )
    assert len({row["token_hash"] for row in rows}) == 2


# --- signing out ---------------------------------------------------------------------


async def test_sign_out_ends_the_providers_session_too(
    app: Quart,
    client: Client,
    browser: httpx2.Client,
    provider: OpenIdProvider,
    nina: str,
    db: Database,
) -> None:
    await sign_on(client, browser, nina)
    response = await post_form(client, "/logout", {}, csrf_path="/settings")
    assert response.status_code == 302
    logout = str(response.location)
    assert logout.startswith(f"{provider.issuer}/session/end?")
    asked = query_of(logout)
    assert asked["post_logout_redirect_uri"] == f"{APP}/login/oidc/signed-out"
    assert asked["id_token_hint"].count(".") == 2 and asked["client_id"] == CLIENT_ID
    assert (await client.get("/nurse/queue")).status_code == 302
    left = await one(
        db, "SELECT COUNT(*) AS n FROM account_session WHERE provider_id_token IS NOT NULL"
    )
    assert left["n"] == 0

    # The person confirms at the provider; it sends them back to the app's sign-in page.
    page = browser.get(logout)
    confirm = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page.text, re.S)
    assert confirm, page.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', confirm.group(2)))
    done = browser.post(
        confirm.group(1)
        if confirm.group(1).startswith("http")
        else f"{provider.issuer}{confirm.group(1)}",
        data={**fields, "logout": "yes"},
    )
    assert done.status_code in {302, 303}
    assert done.headers["location"].startswith(f"{APP}/login/oidc/signed-out")
    landed = await client.get(done.headers["location"].removeprefix(APP))
    assert landed.location == "/login?signed_out=1"

    # The provider's session is gone: the next sign-in asks for the password again.
    authorize = await start_sign_on(client)
    again = browser.get(authorize, follow_redirects=True)
    assert 'name="password"' in again.text


async def test_a_password_session_signs_out_locally_only(app: Quart, db: Database) -> None:
    await make_account(db, app, "local@hospital.example", "nurse")
    client = app.test_client()
    await sign_in(client, "local@hospital.example", staff=True)
    response = await post_form(client, "/logout", {}, csrf_path="/settings")
    assert response.location == "/login?signed_out=1"


# --- the page and staff passwords ----------------------------------------------------


async def test_the_sign_in_page_offers_the_hospitals_sign_in(client: Client) -> None:
    page = await (await client.get("/login")).get_data(as_text=True)
    assert "Sign in with Hospital Login" in page
    assert 'name="password"' in page  # staff passwords still allowed by default


async def test_the_csp_lets_sign_out_continue_to_the_provider(
    client: Client, provider: OpenIdProvider
) -> None:
    response = await client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer}" in policy


@pytest.fixture
async def without_staff_passwords(tmp_path: Path, provider: OpenIdProvider) -> AsyncIterator[Quart]:
    config = test_config(tmp_path, **provider.settings(STAFF_LOCAL_LOGIN=False))
    application = create_app(config)
    application.test_client_class = HttpsClient  # type: ignore[assignment]
    async with application.test_app():
        yield application


async def test_without_staff_passwords_staff_cannot_use_one_but_families_can(
    without_staff_passwords: Quart,
) -> None:
    app = without_staff_passwords
    db: Database = app.extensions["db"]
    await make_account(db, app, "nurse@hospital.example", "nurse")
    await make_account(db, app, "parent@home.example", "caregiver")
    client = app.test_client()
    page = await (await client.get("/login")).get_data(as_text=True)
    assert "Hospital staff" in page and "Families" in page
    assert "Parents and carers sign in with the e-mail address and password" in page

    refused = await post_form(
        client, "/login", {"email": "nurse@hospital.example", "password": PASSWORD}
    )
    assert refused.status_code == 200
    text = await refused.get_data(as_text=True)
    assert "sign in with the hospital" in text and "nurse@hospital.example" in text
    assert PASSWORD not in text
    assert (await client.get("/nurse/queue")).status_code == 302

    family = await post_form(
        client, "/login", {"email": "parent@home.example", "password": PASSWORD}
    )
    assert family.status_code == 302 and family.location == "/"


async def test_without_staff_passwords_a_staff_reset_code_does_not_work(
    without_staff_passwords: Quart,
) -> None:
    from pwa.accounts import codes
    from pwa.accounts import store as accounts

    app = without_staff_passwords
    db: Database = app.extensions["db"]
    nurse = await make_account(db, app, "nurse@hospital.example", "nurse")
    code = "RESETCODE1234"
    async with db.transaction() as tx:
        await accounts.insert_access_code(
            tx,
            kind="reset",
            code_hash=codes.code_hash(code),
            created_by=nurse,
            account_id=nurse,
            expires_at=utcnow() + timedelta(hours=1),
        )
    assert (await app.test_client().get(f"/reset/{code}")).status_code == 404


def test_staff_passwords_cannot_be_switched_off_without_a_provider(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PWA_OIDC_ISSUER"):
        create_app(test_config(tmp_path, STAFF_LOCAL_LOGIN=False))


def test_production_wants_an_https_provider(tmp_path: Path, provider: OpenIdProvider) -> None:
    with pytest.raises(ConfigError, match="https"):
        create_app(test_config(tmp_path, ENV="production", **provider.settings()))


async def test_without_a_provider_the_sign_on_routes_do_not_exist(tmp_path: Path) -> None:
    application = create_app(test_config(tmp_path))
    application.test_client_class = HttpsClient  # type: ignore[assignment]
    async with application.test_app():
        client = application.test_client()
        for path in (
            "/login/oidc",
            "/login/oidc/callback?code=x&state=y",
            "/login/oidc/signed-out",
        ):
            assert (await client.get(path)).status_code == 404, path
        page = await (await client.get("/login")).get_data(as_text=True)
        assert "Sign in with" not in page
        policy = (await client.get("/login")).headers["Content-Security-Policy"]
        assert "form-action 'self';" in policy


async def test_a_provider_that_does_not_answer_is_said_plainly(tmp_path: Path) -> None:
    """Hazard H27: with the hospital's sign-in down, the page says so (and to try again),
    instead of an error nobody understands."""
    silent = f"http://127.0.0.1:{free_port()}"
    application = create_app(
        test_config(tmp_path, OIDC_ISSUER=silent, OIDC_CLIENT_ID=CLIENT_ID, OIDC_NAME="Hospital")
    )
    application.test_client_class = HttpsClient  # type: ignore[assignment]
    async with application.test_app():
        response = await application.test_client().get("/login/oidc")
        assert response.status_code == 503
        assert "did not answer" in await response.get_data(as_text=True)


# --- what an attacker tries ----------------------------------------------------------


async def test_a_wrong_state_is_refused(
    client: Client, browser: httpx2.Client, nina: str, db: Database
) -> None:
    authorize = await start_sign_on(client)
    back = sign_in_at_provider(browser, authorize, nina, NURSE_PASSWORD, APP)
    forged = back.replace(f"state={query_of(back)['state']}", "state=forged-state")
    response = await client.get(forged.removeprefix(APP))
    assert response.status_code == 400
    assert "could not be checked" in await response.get_data(as_text=True)
    assert (await client.get("/nurse/queue")).status_code == 302
    assert await account_of(db, f"{nina}@hospital.example") is None


async def test_a_callback_without_a_sign_in_started_here_is_refused(
    app: Quart, client: Client, browser: httpx2.Client, nina: str
) -> None:
    # Login CSRF: someone else's code and state, sent into this browser.
    attacker = app.test_client()
    back = sign_in_at_provider(browser, await start_sign_on(attacker), nina, NURSE_PASSWORD, APP)
    response = await client.get(back.removeprefix(APP))
    assert response.status_code == 400


async def test_a_replayed_code_is_refused(
    app: Quart, client: Client, browser: httpx2.Client, nina: str
) -> None:
    authorize = await start_sign_on(client)
    jar = client.cookie_jar
    assert jar is not None
    pending = {cookie.name: str(cookie.value) for cookie in jar}
    back = sign_in_at_provider(browser, authorize, nina, NURSE_PASSWORD, APP)
    assert (await client.get(back.removeprefix(APP))).status_code == 302

    # The same callback again in this browser: the sign-in it belonged to is used up.
    assert (await client.get(back.removeprefix(APP))).status_code == 400

    # Even with the pre-sign-in cookie copied from before (state and verifier intact),
    # the provider will not redeem the code twice.
    thief = app.test_client()
    for name, value in pending.items():
        thief.set_cookie("localhost", name, value)
    replay = await thief.get(back.removeprefix(APP))
    assert replay.status_code == 400
    assert (await thief.get("/nurse/queue")).status_code == 302


async def test_a_token_with_another_nonce_is_refused(
    client: Client, browser: httpx2.Client, nina: str
) -> None:
    # The authorization request altered on its way (another nonce): the provider puts
    # that nonce in the ID token, which no longer matches the one this sign-in keeps.
    authorize = await start_sign_on(client)
    parts = urlsplit(authorize)
    asked = query_of(authorize)
    asked["nonce"] = "a-nonce-from-elsewhere"
    tampered = urlunsplit(parts._replace(query=urlencode(asked)))
    back = sign_in_at_provider(browser, tampered, nina, NURSE_PASSWORD, APP)
    response = await client.get(back.removeprefix(APP))
    assert response.status_code == 400
    assert (await client.get("/nurse/queue")).status_code == 302


async def test_an_id_token_for_another_client_is_refused(
    app: Quart, browser: httpx2.Client, provider: OpenIdProvider, nina: str
) -> None:
    """Hazard H27: a token the provider made for another app does not sign anyone in here."""
    token = await id_token_from(
        provider,
        OTHER_CLIENT_ID,
        provider.other_client_secret,
        browser,
        nina,
        NURSE_PASSWORD,
        "n-1",
    )
    async with app.app_context():
        settings = oidc.sign_on_settings()
        with pytest.raises(oidc.SignOnRefused):
            await oidc.validate_id_token(settings, token, "n-1")
        # The same person's token for the app itself passes: only the audience differs.
        own = await id_token_from(
            provider, CLIENT_ID, provider.client_secret, browser, nina, NURSE_PASSWORD, "n-2"
        )
        claims = await oidc.validate_id_token(settings, own, "n-2")
        assert claims["sub"] == provider.subject(nina)
        with pytest.raises(oidc.SignOnRefused):
            await oidc.validate_id_token(settings, own, "another-nonce")


async def test_an_id_token_from_another_issuer_is_refused(
    app: Quart, browser: httpx2.Client, provider: OpenIdProvider, nina: str, tmp_path: Path
) -> None:
    # Another provider signing with the very same keys: only the issuer tells them apart.
    with running_provider(
        tmp_path / "other",
        [f"{APP}{oidc.CALLBACK_PATH}"],
        [f"{APP}{oidc.SIGNED_OUT_PATH}"],
        jwks=provider.jwks,
        client_secret=provider.client_secret,
    ) as other:
        other.set_account(nina, **provider.accounts()[nina])
        token = await id_token_from(
            other, CLIENT_ID, other.client_secret, browser, nina, NURSE_PASSWORD, "n-3"
        )
    async with app.app_context():
        with pytest.raises(oidc.SignOnRefused):
            await oidc.validate_id_token(oidc.sign_on_settings(), token, "n-3")


async def test_an_expired_id_token_is_refused(
    app: Quart, browser: httpx2.Client, provider: OpenIdProvider, nina: str
) -> None:
    token = await id_token_from(
        provider, CLIENT_ID, provider.client_secret, browser, nina, NURSE_PASSWORD, "n-4"
    )
    async with app.app_context():
        settings = oidc.sign_on_settings()
        await oidc.validate_id_token(settings, token, "n-4")
        with (
            time_machine.travel(utcnow() + timedelta(hours=3), tick=False),
            pytest.raises(oidc.SignOnRefused),
        ):
            await oidc.validate_id_token(settings, token, "n-4")
