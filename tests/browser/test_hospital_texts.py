"""The hospital's own texts in a family language, end to end in Chromium on a phone-sized
screen: the admin names a packing item in Turkish from the admin's home, and a parent who
reads Turkish finds it on home, next to an item the ward has not translated, shown in
Dutch and marked as Dutch."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.helpers.browser import (
    ServedApp,
    assert_accessible,
    horizontal_overflow,
    open_from_menu,
    sign_in,
    sign_in_admin,
)
from tests.helpers.browser_families import new_family

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

PHONE = {"width": 360, "height": 780}
CHARGERS = "Phone and tablet chargers"
TURKISH_CHARGERS = "Telefon ve tablet şarj aletleri"
TOILETRIES = "Toiletries, including lip balm"
DUTCH_TOILETRIES = "Toiletspullen, ook lippenbalsem"
TURKISH_TOILETRIES = "Banyo ve bakım malzemeleri, dudak kremi de"


async def _without_turkish(served_app: ServedApp, *items: str) -> None:
    """The shared demo list with no Turkish words for these items (shipped with them)."""
    async with served_app.db() as db, db.transaction() as tx:
        for item in items:
            await tx.execute(
                """
                DELETE FROM hospital_text
                 WHERE subject = 'packing_item' AND language = 'tr'
                   AND subject_key IN (SELECT CAST(id AS TEXT) FROM packing_item WHERE text_en = ?)
                """,
                (item,),
            )


async def _restore_turkish_toiletries(served_app: ServedApp) -> None:
    """Put back what other tests may expect: the shipped Turkish words."""
    async with served_app.db() as db, db.transaction() as tx:
        await tx.execute(
            """
            INSERT OR REPLACE INTO hospital_text (subject, subject_key, language, body, updated_at)
            SELECT 'packing_item', CAST(id AS TEXT), 'tr', ?, '2027-01-01T00:00:00.000000Z'
              FROM packing_item WHERE text_en = ?
            """,
            (TURKISH_TOILETRIES, TOILETRIES),
        )


async def test_an_admin_names_an_item_in_turkish_and_a_turkish_parent_reads_it_and_a_marked_dutch_one(
    page: Page, served_app: ServedApp
) -> None:
    """Hazard H30: from the admin's home the admin types a packing item's Turkish name in
    the Türkçe field; a parent who chose Türkçe sees it on home, and an item without
    Turkish words in Dutch, marked as Dutch (lang="nl" and "(… Nederlands)")."""
    await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    await _without_turkish(served_app, CHARGERS, TOILETRIES)
    try:
        await sign_in_admin(page)
        await open_from_menu(page, "Admin")
        await page.get_by_role("main").get_by_role("link", name="What to bring").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("What to bring")
        english = (await page.get_by_label("In English, one item per line").input_value()).split(
            "\n"
        )
        turkish = page.get_by_label("Türkçe", exact=True)
        await expect(turkish).to_have_attribute("lang", "tr")
        lines = (await turkish.input_value()).split("\n")
        lines += [""] * (len(english) - len(lines))
        assert lines[english.index(CHARGERS)] == "", "the test starts without Turkish words"
        lines[english.index(CHARGERS)] = TURKISH_CHARGERS
        await turkish.fill("\n".join(lines))
        await page.get_by_role("button", name="Save the list").click()
        await expect(page.get_by_text("The list is saved.")).to_be_visible()
        await expect(page.get_by_label("Türkçe", exact=True)).to_have_value(
            "\n".join(lines).rstrip("\n")
        )

        family = await new_family(served_app, "Deniz", "Ayse", with_plan=True)
        await page.context.clear_cookies()
        await sign_in(page, family.caregiver)
        await page.get_by_role("button", name="Türkçe").click()
        await expect(page.locator("html")).to_have_attribute("lang", "tr")
        bring = page.locator("[data-packing-list]")
        await expect(bring.get_by_role("checkbox", name=TURKISH_CHARGERS)).to_be_visible()
        await expect(bring).not_to_contain_text(CHARGERS)
        dutch = bring.locator('span[lang="nl"]', has_text=DUTCH_TOILETRIES)
        await expect(dutch).to_be_visible()
        await expect(dutch).to_have_attribute("dir", "ltr")
        mark = dutch.locator("xpath=following-sibling::small[1]")
        await expect(mark).to_contain_text("Nederlands")
        await expect(mark).to_have_class("in-language")
        assert await horizontal_overflow(page) == 0
        await assert_accessible(page)
    finally:
        await _restore_turkish_toiletries(served_app)
