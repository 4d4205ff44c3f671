"""Staff sign-in through the hospital's OpenID provider, by clicking, in Chromium.

A real provider (node's oidc-provider, tests/oidc) and the app served as `pwa serve`
with single sign-on set up. A nurse clicks "Sign in with ..." on the sign-in page, fills
in the provider's own form and lands on the queue as a nurse; promoted at the provider,
the next sign-in gives the admin pages; with the role taken away, or the account switched
off in the app, sign-in is refused with words; signing out ends the provider's session
too, so the next sign-in asks for the password there again.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, expect

from pwa.accounts import oidc
from tests.helpers.browser import (
    ServedApp,
    assert_accessible,
    horizontal_overflow,
    open_from_menu,
)
from tests.helpers.oidc_provider import OpenIdProvider, running_provider
from tests.helpers.served import Server

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

NURSE = "nina"
NURSE_PASSWORD = "provider-password-nina"
NURSE_EMAIL = "nina@hospital.example"
ADMIN = "anna"
ADMIN_PASSWORD = "provider-password-anna"


@dataclass(frozen=True)
class SignOnSetup:
    app: ServedApp
    provider: OpenIdProvider


@pytest.fixture(scope="module")
def sign_on_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignOnSetup]:
    """The provider with the app registered, and the app served with sign-on set up."""
    folder = tmp_path_factory.mktemp("sign-on")
    server = Server(folder / "instance")
    with running_provider(
        folder / "provider",
        [f"{server.url}{oidc.CALLBACK_PATH}"],
        [f"{server.url}{oidc.SIGNED_OUT_PATH}"],
    ) as provider:
        provider.set_account(
            NURSE,
            sub="sub-nina",
            password=NURSE_PASSWORD,
            email=NURSE_EMAIL,
            email_verified=True,
            name="Nina de Vries",
            roles=["ward-nurse"],
        )
        server.env_extra.update(
            {f"PWA_{name}": str(value) for name, value in provider.settings().items()}
        )
        server.start()
        try:
            yield SignOnSetup(
                ServedApp(url=server.url, instance=server.instance, database=server.database),
                provider,
            )
        finally:
            server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def phone(browser: Browser, sign_on_setup: SignOnSetup) -> AsyncIterator[BrowserContext]:
    fresh = await browser.new_context(
        base_url=sign_on_setup.app.url, locale="en-GB", viewport={"width": 360, "height": 800}
    )
    yield fresh
    await fresh.close()


async def sign_in_with_the_hospital(
    page: Page,
    *,
    password_asked: bool = True,
    username: str = NURSE,
    password: str = NURSE_PASSWORD,
) -> None:
    """From the app's sign-in page: the button, then the provider's own form (unless the
    provider still has a session of this browser's)."""
    await page.goto("/login")
    await page.get_by_role("link", name="Sign in with Hospital Login").click()
    if password_asked:
        await expect(page.get_by_role("heading", name="Hospital sign-in")).to_be_visible()
        await page.get_by_label("Username").fill(username)
        await page.get_by_label("Password").fill(password)
        await page.get_by_role("button", name="Sign in").click()


async def sign_out(page: Page) -> None:
    """Settings in the menu, Sign out, then the provider's own question."""
    await open_from_menu(page, "Settings")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign out of the hospital")).to_be_visible()
    await page.get_by_role("button", name="Yes, sign me out").click()
    await expect(page.get_by_role("status")).to_have_text("You are signed out.")


async def test_a_nurse_signs_in_with_the_hospital_and_the_role_follows_the_provider(
    phone: BrowserContext, sign_on_setup: SignOnSetup
) -> None:
    page = await phone.new_page()
    provider = sign_on_setup.provider

    # The sign-in page offers the hospital's sign-in, readable on a small phone.
    await page.goto("/login")
    await assert_accessible(page)
    await page.set_viewport_size({"width": 320, "height": 800})
    assert await horizontal_overflow(page) == 0
    await page.set_viewport_size({"width": 360, "height": 800})

    # A nurse at the provider: the queue, no admin pages.
    await sign_in_with_the_hospital(page)
    await expect(page).to_have_url(re.compile(r"/nurse/queue$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    menu = page.get_by_role("navigation", name="Main")
    await expect(menu.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    await sign_out(page)

    # Promoted at the provider: admin pages at the next sign-in, which asks the password
    # at the provider again (the sign-out ended its session too).
    provider.set_account(NURSE, roles=["ward-nurse", "app-admin"])
    await sign_in_with_the_hospital(page, password_asked=True)
    await expect(page).to_have_url(re.compile(r"/nurse/queue$"))
    await open_from_menu(page, "Admin")
    await expect(page).to_have_url(re.compile(r"/admin/$"))
    await sign_out(page)

    # The role taken away at the provider: refused, with words.
    provider.set_account(NURSE, roles=["visitor"])
    await sign_in_with_the_hospital(page)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Hospital sign-in did not work")
    await expect(page.get_by_text("has no role for this app")).to_be_visible()
    await assert_accessible(page)
    assert await horizontal_overflow(page) == 0


async def test_an_account_an_admin_switched_off_in_the_app_is_refused(
    browser: Browser, phone: BrowserContext, sign_on_setup: SignOnSetup
) -> None:
    provider = sign_on_setup.provider
    provider.set_account(NURSE, roles=["ward-nurse"])
    page = await phone.new_page()
    await sign_in_with_the_hospital(page)
    await expect(page).to_have_url(re.compile(r"/nurse/queue$"))

    # An admin, also signed in through the hospital, switches Nina off on the staff page.
    provider.set_account(
        ADMIN,
        sub="sub-anna",
        password=ADMIN_PASSWORD,
        email="anna@hospital.example",
        email_verified=True,
        name="Anna Admin",
        roles=["app-admin"],
    )
    desk = await browser.new_context(base_url=sign_on_setup.app.url, locale="en-GB")
    try:
        admin = await desk.new_page()
        await sign_in_with_the_hospital(admin, username=ADMIN, password=ADMIN_PASSWORD)
        await open_from_menu(admin, "Admin")
        await admin.get_by_role("link", name="Staff accounts").click()
        nina = admin.get_by_role("article", name="Nina de Vries")
        await expect(
            nina.get_by_text("Signs in with the hospital's sign-in, which asks its own second step")
        ).to_be_visible()
        await nina.get_by_role("button", name="Disable and sign out").click()
        await expect(admin.get_by_role("article", name="Nina de Vries")).to_contain_text(
            "Disabled since"
        )
    finally:
        await desk.close()

    # Nina's open session ended at once, and the hospital's sign-in no longer lets her in.
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await sign_in_with_the_hospital(page, password_asked=False)
    await expect(page.get_by_text("Your account in this app is switched off.")).to_be_visible()
    await page.get_by_role("link", name="Back to sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
