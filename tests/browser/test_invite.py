"""A nurse makes an invite in the nurse pages; a parent opens the link on a small phone,
joins, signs in and lands on the home page."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.helpers.browser import (
    ServedApp,
    assert_accessible,
    horizontal_overflow,
    open_from_menu,
    sign_in_nurse,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

NEW_PARENT = {
    "name": "Gerrit",
    "email": "gerrit@demo.example",
    "password": "copper-heron-lantern-meadow",
}


async def make_invite(page: Page) -> str:
    await sign_in_nurse(page)
    await open_from_menu(page, "Children")
    await page.get_by_role("link", name="Sam").click()
    await page.get_by_label("Who is this invite for?").fill("grandfather")
    await page.get_by_role("button", name="Make an invite").click()
    card = page.locator("section.card--code")
    await expect(card.get_by_role("heading", name="New invite for Sam")).to_be_visible()
    link = (await card.locator(".hint").inner_text()).strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/invite/[A-Z0-9]+", link), link
    return link


async def test_parent_joins_with_an_invite_link(
    page: Page, browser: Browser, served_app: ServedApp
) -> None:
    link = await make_invite(page)

    phone = await browser.new_context(viewport={"width": 320, "height": 640}, locale="en-GB")
    try:
        parent = await phone.new_page()
        await parent.goto(link)
        await expect(parent.get_by_role("heading", level=1)).to_have_text(
            "Welcome to Immuno Companion"
        )
        assert await horizontal_overflow(parent) == 0
        await assert_accessible(parent)

        await parent.get_by_label("Your name").fill(NEW_PARENT["name"])
        await parent.get_by_label("E-mail address").fill(NEW_PARENT["email"])
        await parent.get_by_label("Choose a password").fill(NEW_PARENT["password"])
        await parent.get_by_label("Type the password again").fill(NEW_PARENT["password"])
        await parent.get_by_label("I have read the privacy notice").check()
        await parent.get_by_role("button", name="Create my account").click()

        # The same answer whether or not the address had an account: sign in to finish.
        await expect(parent.get_by_role("heading", level=1)).to_have_text("Sign in")
        await expect(parent.get_by_text("Almost done: sign in with this e-mail")).to_be_visible()
        await expect(parent.get_by_label("E-mail address")).to_have_value(NEW_PARENT["email"])
        assert await horizontal_overflow(parent) == 0
        await assert_accessible(parent)
        await parent.get_by_label("Password").fill(NEW_PARENT["password"])
        await parent.get_by_role("button", name="Sign in").click()

        await expect(parent).to_have_url(f"{served_app.url}/")
        await expect(parent.get_by_role("heading", level=1)).to_have_text(
            f"Hello, {NEW_PARENT['name']}"
        )
        await expect(parent.get_by_text("Your account is linked to Sam.")).to_be_visible()
        # The link works once.
        await parent.goto(link)
        await expect(
            parent.get_by_role("heading", name="Welcome to Immuno Companion")
        ).to_have_count(0)
    finally:
        await phone.close()
