"""A parent who reads Arabic, on a 320 px phone: one tap on "العربية" turns the app right to
left; home, the call-now screen, the report form and its advice fit the screen, pass axe,
keep the ward's numbers readable left to right, and work with a keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, ViewportSize, expect

from pwa.i18n import translate
from tests.helpers.browser import (
    ServedApp,
    assert_accessible,
    figures_split_over_lines,
    horizontal_overflow,
    sign_in,
)
from tests.helpers.browser_families import new_family

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

NARROW: ViewportSize = {"width": 320, "height": 640}


def ar(message: str, **values: object) -> str:
    return translate("ar", message, **values)


async def no_sideways_scroll_and_accessible(page: Page) -> None:
    assert await horizontal_overflow(page) == 0, page.url
    assert await figures_split_over_lines(page) == [], page.url
    await assert_accessible(page)


async def tab_to(page: Page, check: str, limit: int = 60) -> None:
    """Press Tab until ``check`` (a JS expression about ``document.activeElement``) holds."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(
            f"() => {{ const e = document.activeElement; return !!({check}); }}"
        ):
            return
    raise AssertionError(f"Tab never reached {check} on {page.url}")


async def test_an_arabic_reading_parent_uses_the_app_right_to_left(
    page: Page, served_app: ServedApp
) -> None:
    """Hazard H31: home, the call-now screen, the report form and its advice, in Arabic."""
    family = await new_family(served_app, "Layla", "Amal", with_plan=True)
    await page.set_viewport_size(NARROW)
    await sign_in(page, family.caregiver)
    await page.get_by_role("button", name="العربية").click()
    html = page.locator("html")
    await expect(html).to_have_attribute("dir", "rtl")
    await expect(html).to_have_attribute("lang", "ar")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        ar("Hello, %(name)s", name="Amal")
    )
    await no_sideways_scroll_and_accessible(page)
    # The layout mirrors: the menu starts at the right edge of the screen.
    menu = page.get_by_role("navigation", name=ar("Main"))
    first, last = menu.get_by_role("link").first, menu.get_by_role("link").last
    first_box, last_box = await first.bounding_box(), await last.bounding_box()
    assert first_box is not None and last_box is not None
    assert first_box["x"] + first_box["width"] > NARROW["width"] - 40
    # Home's countdown has a text for every plural category the phone may ask for.
    categories = await page.evaluate(
        "() => [0, 1, 2, 3, 5, 11, 100].map((n) => new Intl.PluralRules('ar').select(n))"
    )
    countdown = page.locator("[data-countdown]")
    for category in categories:
        assert await countdown.get_attribute(f"data-text-{category}"), category

    # The call-now screen, from the header; its call button reached with the keyboard.
    await page.get_by_role("link", name=ar("When to call us")).first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(ar("When to call us"))
    await no_sideways_scroll_and_accessible(page)
    await tab_to(page, "e.matches('a.button--call')")
    focused = page.locator("a.button--call:focus")
    await expect(focused).to_be_visible()
    assert (await focused.get_attribute("href") or "").startswith("tel:+31")
    # The number reads "+31 30 …" left to right inside the Arabic sentence.
    number = focused.locator("bdi")
    await expect(number).to_have_attribute("dir", "ltr")
    await expect(number).to_have_text(re.compile(r"^\+31\s30"))

    # The report form from home, filled and sent with the keyboard alone.
    await (
        page.get_by_role("navigation", name=ar("Main"))
        .get_by_role("link", name=ar("Home"), exact=True)
        .click()
    )
    await page.get_by_role(
        "link", name=ar("How is %(child)s today? — log symptoms", child=family.nickname)
    ).click()
    save = page.get_by_role("button", name=ar("Save report"))
    await expect(save).to_be_visible()
    await page.wait_for_load_state()
    await no_sideways_scroll_and_accessible(page)
    await tab_to(page, "e.name === 'temperature'")
    await page.keyboard.type("٣٩٫٥")  # Arabic-Indic digits and the Arabic decimal separator
    await tab_to(page, "e.name === 'breathing'")
    for _ in range(4):
        if await page.locator("input[name=breathing][value=hard]").is_checked():
            break
        await page.keyboard.press("ArrowDown")
    await expect(page.locator("input[name=breathing][value=hard]")).to_be_checked()
    await tab_to(page, "e.matches('form[data-report-form] button[type=submit]')")
    await page.keyboard.press("Enter")
    # Hard breathing is a red sign: the advice says to call now, in Arabic, at once.
    advice = page.locator("[data-advice-slot] .advice:not([hidden])").first
    await expect(advice).to_be_visible()
    await expect(advice.locator("a.button--call:visible").first).to_be_visible()
    await expect(advice.locator("a.button--call:visible bdi[dir=ltr]").first).to_have_text(
        re.compile(r"^\+31")
    )
    await no_sideways_scroll_and_accessible(page)
    async with served_app.db() as db:
        row = await db.fetch_one(
            "SELECT items FROM report WHERE child_id = ? ORDER BY id DESC", (family.child_id,)
        )
    for _ in range(50):
        if row is not None:
            break
        await page.wait_for_timeout(100)
        async with served_app.db() as db:
            row = await db.fetch_one(
                "SELECT items FROM report WHERE child_id = ? ORDER BY id DESC", (family.child_id,)
            )
    assert row is not None and '"temperature": 39.5' in row["items"]
