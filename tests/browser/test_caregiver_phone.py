"""A caregiver adds a phone number in the settings by clicking, and the nurse finds it as a
tap-to-call link on the child's page (hazard H15)."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.helpers.browser import (
    ServedApp,
    assert_accessible,
    horizontal_overflow,
    sign_in,
    sign_in_nurse,
)
from tests.helpers.browser_families import new_family

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

NUMBER = "+31 6 2468 1357"


async def test_a_caregiver_gives_a_number_and_the_nurse_can_tap_to_call_it(
    page: Page, browser: Browser, served_app: ServedApp
) -> None:
    """Hazard H15: asked in the family's settings, shown to staff as a tel: link."""
    family = await new_family(served_app, "Bram", "Ilse")
    await page.set_viewport_size({"width": 360, "height": 780})
    await sign_in(page, family.caregiver)
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("link", name="Add your phone number").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your phone number")
    await assert_accessible(page)
    field = page.get_by_label("Your phone number (optional)")
    await field.fill("not a number")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Enter a phone number of 6 to 20 digits")).to_be_visible()
    await assert_accessible(page)
    await field.fill(NUMBER)
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text(f"The care team can phone you on {NUMBER}.")).to_be_visible()
    await assert_accessible(page)
    assert await horizontal_overflow(page) == 0

    nurse_context = await browser.new_context(
        base_url=served_app.url, locale="en-GB", viewport={"width": 360, "height": 780}
    )
    try:
        nurse = await nurse_context.new_page()
        await sign_in_nurse(nurse)
        await nurse.get_by_role("link", name="Children").click()
        await nurse.get_by_role("link", name=family.nickname, exact=True).click()
        call = nurse.get_by_role("link", name=f"Call {family.caregiver.display_name}: {NUMBER}")
        await expect(call).to_have_attribute("href", "tel:+31624681357")
    finally:
        await nurse_context.close()
