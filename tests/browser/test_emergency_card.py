"""The emergency card in Chromium on a phone: the nurse fills it in and the parent finds
it, both clicking only from home; it opens again offline, reads at 320 px and with the
keyboard, and prints on one A4 page without the menu (hazard H23)."""

from __future__ import annotations

import io
import re

import pytest
from playwright.async_api import Browser, Page, expect
from pypdf import PdfReader

from pwa.i18n import translate
from tests.helpers.browser import (
    ServedApp,
    assert_accessible,
    go_offline,
    horizontal_overflow,
    open_from_menu,
    service_worker_ready,
    sign_in,
    sign_in_nurse,
    wait_for_cached_pages,
)
from tests.helpers.browser_families import Family, new_family

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

PHONE = {"width": 360, "height": 780}
SMALL_PHONE = {"width": 320, "height": 640}
# As long as the form takes (500 characters): the card must still print on one page.
ALLERGIES = ("Penicillin: hives and swollen lips (March 2026). Plasters: red skin. " * 8)[
    :499
] + "."


async def nurse_fills_in_the_card(browser: Browser, served_app: ServedApp, family: Family) -> None:
    """From the nurse's home (the queue): Children, the child, the card's form."""
    context = await browser.new_context(base_url=served_app.url, locale="en-GB", viewport=PHONE)  # type: ignore[arg-type]
    try:
        page = await context.new_page()
        await sign_in_nurse(page)
        await (
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Children").click()
        )
        await page.get_by_role("link", name=family.nickname, exact=True).click()
        form = page.locator("#card")
        await form.get_by_label("Central line").select_option(
            label="Port (implanted under the skin)"
        )
        await form.get_by_label("Allergies and reactions").fill(ALLERGIES)
        await form.get_by_label("Weight in kg (optional)").fill("19.8")
        await form.get_by_label("Weighed on").fill("2026-11-02")
        await form.get_by_role("button", name="Save the emergency card").click()
        await expect(page.get_by_text("The emergency card is saved.")).to_be_visible()
        await expect(form.get_by_label("Allergies and reactions")).to_have_value(ALLERGIES)
        await assert_accessible(page)
        await page.set_viewport_size(SMALL_PHONE)  # type: ignore[arg-type]
        assert await horizontal_overflow(page) == 0
    finally:
        await context.close()


async def expect_the_card(page: Page, nickname: str) -> None:
    await expect(page.get_by_role("heading", level=1)).to_have_text("Emergency card")
    await expect(page.get_by_role("heading", level=2)).to_have_text(nickname)
    card = page.locator(".emergency-card")
    await expect(card).to_contain_text("Port (implanted under the skin)")
    await expect(card).to_contain_text(ALLERGIES)
    await expect(card).to_contain_text("19.8 kg, weighed by the care team on 2 Nov 2026")
    await expect(card).to_contain_text("dinutuximab beta")


async def test_the_nurse_fills_in_the_card_and_the_parent_shows_it_offline_and_prints_it(
    browser: Browser, page: Page, served_app: ServedApp
) -> None:
    """Hazard H23: what the nurse fills in is on the family's card, found from home by
    clicking or with the keyboard, kept for offline use and printed on one A4 page."""
    family = await new_family(served_app, "Lotte", "Fenna", with_plan=True)
    await nurse_fills_in_the_card(browser, served_app, family)

    await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    await sign_in(page, family.caregiver)
    await service_worker_ready(page)
    await (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Emergency card")
        .click()
    )
    await expect_the_card(page, family.nickname)
    assert await page.title() == "Emergency card · Immuno Companion"
    await assert_accessible(page)
    await page.set_viewport_size(SMALL_PHONE)  # type: ignore[arg-type]
    assert await horizontal_overflow(page) == 0
    await page.set_viewport_size(PHONE)  # type: ignore[arg-type]

    # With the keyboard alone: from home, Tab to the menu's entry and press Enter.
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    for _ in range(30):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.textContent.trim()")
        if focused == "Emergency card":
            break
    await page.keyboard.press("Enter")
    await expect_the_card(page, family.nickname)
    await wait_for_cached_pages(page, ["/", "/card"])

    await go_offline(page.context)
    await open_from_menu(page, "Home")
    await open_from_menu(page, "Emergency card")
    await expect_the_card(page, family.nickname)
    await page.context.set_offline(False)

    # On paper: one A4 page in either language, without the menu, buttons or footer.
    for language, switch in (("en", "English"), ("nl", "Nederlands")):
        await page.get_by_role("button", name=switch).click()
        await expect(page.locator("html")).to_have_attribute("lang", language)
        printed = PdfReader(io.BytesIO(await page.pdf(format="A4")))
        assert len(printed.pages) == 1, language
        text = printed.pages[0].extract_text()
        assert "Penicillin" in text and "+31 30 000 0001" in text, language
        for word in ("Diary", "Settings", "Print", "Privacy notice", "Language"):
            assert not re.search(rf"\b{translate(language, word)}\b", text), (language, word)
