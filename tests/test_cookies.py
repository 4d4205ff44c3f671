"""Cookies a browser keeps: `__Host-` and Secure over https, plain names over http in
development (WebKit drops Secure cookies over http even on 127.0.0.1), and a form whose
pre-sign-in cookie never arrived says so instead of "expired" (docs/deploy.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from quart.wrappers import Response

from pwa.app import create_app
from pwa.db import Database
from tests.conftest import PASSWORD, HttpsClient, csrf_from, make_account, make_child
from tests.conftest import test_config as make_config

EXPIRED = "This form has expired"
NO_COOKIE = (
    "Your browser did not keep our sign-in cookie. Allow cookies for this site, "
    "or open it over https."
)
NO_COOKIE_NL = "Je browser heeft ons inlogcookie niet bewaard."
DEVELOPMENT_HTTP = {"ENV": "development", "PUBLIC_URL": "http://127.0.0.1:8000"}
PRODUCTION_HTTPS = {"ENV": "production", "PUBLIC_URL": "https://hospital.example"}


@asynccontextmanager
async def served(tmp_path: Path, settings: dict[str, str]) -> AsyncIterator[Quart]:
    """The app with one caregiver, spoken to over the scheme its public URL names."""
    app = create_app(make_config(tmp_path, **settings))
    if settings["PUBLIC_URL"].startswith("https://"):
        app.test_client_class = HttpsClient  # type: ignore[assignment]  # QuartClient, not quart.typing's protocol
    async with app.test_app():
        db: Database = app.extensions["db"]
        parent = await make_account(
            db, app, "parent@example.org", "caregiver", privacy_version="2026-11"
        )
        await make_child(db, "Sam", parent)
        yield app


def set_cookies(response: Response) -> dict[str, set[str]]:
    """{cookie name: its attributes, lower case} for each Set-Cookie of a response."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        found[name] = {part.strip().lower() for part in header.split(";")[1:]}
    return found


async def sign_in(client: Client) -> tuple[Response, Response]:
    page = await client.get("/login")
    token = csrf_from(await page.get_data(as_text=True))
    response = await client.post(
        "/login",
        form={"csrf_token": token, "email": "parent@example.org", "password": PASSWORD},
    )
    return page, response


@pytest.mark.parametrize(
    ("settings", "session_cookie", "pre_cookie", "device_cookie", "language_cookie", "secure"),
    [
        (DEVELOPMENT_HTTP, "ic_session", "ic_pre", "ic_device", "lang", False),
        (PRODUCTION_HTTPS, "__Host-session", "__Host-pre", "__Host-device", "__Host-lang", True),
    ],
    ids=["development-http", "production-https"],
)
async def test_cookies_fit_the_scheme_the_app_is_served_over(
    tmp_path: Path,
    settings: dict[str, str],
    session_cookie: str,
    pre_cookie: str,
    device_cookie: str,
    language_cookie: str,
    secure: bool,
) -> None:
    """Hazard H16: over http in development the cookies carry no Secure flag and no
    __Host- prefix, so Safari (WebKit) keeps them and a parent can sign in; production
    keeps __Host- and Secure."""
    async with served(tmp_path, settings) as app:
        client = app.test_client()
        page, response = await sign_in(client)
        assert response.status_code == 302 and response.location == "/"
        home = await client.get("/")
        assert home.status_code == 200
        assert "Sam" in await home.get_data(as_text=True)

        for sent, name in (
            (page, pre_cookie),
            (response, session_cookie),
            (response, device_cookie),
        ):
            cookies = set_cookies(sent)
            assert set(cookies) <= {session_cookie, pre_cookie, device_cookie}
            assert name in cookies, cookies
            attributes = cookies[name]
            assert ("secure" in attributes) is secure, attributes
            assert "httponly" in attributes and "samesite=lax" in attributes, attributes
            assert "path=/" in attributes, attributes
            assert not any(part.startswith("domain") for part in attributes), attributes

        token = csrf_from(await home.get_data(as_text=True))
        chosen = await client.post("/settings/language", form={"csrf_token": token, "lang": "nl"})
        assert chosen.status_code == 302
        assert set(set_cookies(chosen)) == {language_cookie}
        language = set_cookies(chosen)[language_cookie]
        assert ("secure" in language) is secure and "httponly" in language
        assert "path=/" in language and not any(p.startswith("domain") for p in language)


async def test_an_https_public_url_keeps_secure_cookies_in_development(tmp_path: Path) -> None:
    """Only plain http relaxes the cookies: a developer serving https gets production's."""
    async with served(tmp_path, {"ENV": "development", "PUBLIC_URL": "https://127.0.0.1"}) as app:
        page, response = await sign_in(app.test_client())
        assert "secure" in set_cookies(page)["__Host-pre"]
        assert "secure" in set_cookies(response)["__Host-session"]


@pytest.mark.parametrize(
    "settings", [DEVELOPMENT_HTTP, PRODUCTION_HTTPS], ids=["development-http", "production-https"]
)
async def test_a_form_whose_cookie_never_arrived_says_so(
    tmp_path: Path, settings: dict[str, str]
) -> None:
    """Hazard H16: a browser that dropped the pre-sign-in cookie is told to allow cookies
    (or use https), in the page's language, instead of "expired" over and over."""
    async with served(tmp_path, settings) as app:
        page = await app.test_client().get("/login")
        token = csrf_from(await page.get_data(as_text=True))
        form: dict[str, Any] = {
            "csrf_token": token,
            "email": "parent@example.org",
            "password": PASSWORD,
        }

        cookieless = app.test_client()
        refused = await cookieless.post("/login", form=form)
        html = await refused.get_data(as_text=True)
        assert refused.status_code == 200
        assert NO_COOKIE in html and EXPIRED not in html

        dutch = await app.test_client().post("/login", form=form, headers={"Accept-Language": "nl"})
        assert NO_COOKIE_NL in await dutch.get_data(as_text=True)


@pytest.mark.parametrize(
    "settings", [DEVELOPMENT_HTTP, PRODUCTION_HTTPS], ids=["development-http", "production-https"]
)
async def test_a_form_with_a_cookie_that_does_not_match_has_expired(
    tmp_path: Path, settings: dict[str, str]
) -> None:
    """The cookie arrived but the token is not its own (an old tab, a new cookie):
    that is the plain "expired" message, not the cookie advice."""
    async with served(tmp_path, settings) as app:
        page = await app.test_client().get("/login")
        stale = csrf_from(await page.get_data(as_text=True))
        client = app.test_client()
        await client.get("/login")  # this browser has its own pre-sign-in cookie
        response = await client.post(
            "/login",
            form={"csrf_token": stale, "email": "parent@example.org", "password": PASSWORD},
        )
        html = await response.get_data(as_text=True)
        assert response.status_code == 200
        assert EXPIRED in html and "did not keep our sign-in cookie" not in html
        assert (await client.get("/")).status_code == 302  # not signed in
