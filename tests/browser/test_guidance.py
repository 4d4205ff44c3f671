"""Guidance pages on a phone: the admin writes one in Markdown and previews it, clicking
only from where she lands; a parent reads it from home → menu → Guidance, then offline
opens the list and a page again, one of them a page she never opened online. At 360 and
320 px, by keyboard too, with axe-core on every page."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, Locator, Page, ViewportSize, expect

from pwa.guidance.examples import EXAMPLE_PAGES
from tests.helpers.browser import (
    ServedApp,
    assert_accessible,
    go_offline,
    horizontal_overflow,
    open_from_menu,
    service_worker_ready,
    sign_in_admin,
    sign_in_parent,
    wait_for_cached_pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

PHONE: ViewportSize = {"width": 360, "height": 780}
SMALL_PHONE: ViewportSize = {"width": 320, "height": 640}
EXAMPLE_PATHS = [f"/guidance/{example.slug}" for example in EXAMPLE_PAGES]


@pytest_asyncio.fixture(loop_scope="session")
async def slug(served_app: ServedApp) -> AsyncIterator[str]:
    """An address no other page has; the page is gone afterwards, as other tests expect."""
    address = f"sleep-{uuid.uuid4().hex[:6]}"
    yield address
    async with served_app.db() as db, db.transaction() as tx:
        await tx.execute("DELETE FROM guidance_page WHERE slug = :slug", {"slug": address})


async def _shown(page: Page, heading: str) -> None:
    """The page with this main heading is there, fits the phone and passes axe."""
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert await horizontal_overflow(page) == 0, page.url
    await assert_accessible(page)


async def _write_page(page: Page, slug: str) -> None:
    """The admin's part: Admin → Guidance for families → write, preview, save."""
    await sign_in_admin(page)
    await open_from_menu(page, "Admin")
    await page.get_by_role("link", name="Guidance for families").click()
    await _shown(page, "Guidance for families")
    await page.get_by_role("link", name="Write a new page").click()
    await _shown(page, "New guidance page")
    await page.get_by_label("Address").fill(slug)
    dutch = page.get_by_role("group", name="Dutch")
    await dutch.get_by_label("Title").fill("Slapen na de kuur")
    await dutch.get_by_label("Text, in Markdown").fill("Rust is **goed**.\n\n- vroeg naar bed")
    english = page.get_by_role("group", name="English")
    await english.get_by_label("Title").fill("Sleep after a course")
    await english.get_by_label("Text, in Markdown").fill(
        "Rest is **good**.\n\n- early to bed\n- a quiet room\n\n"
        "<script>document.title='x'</script> [ward](tel:+31300000000)"
    )
    await page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview (not saved yet)")
    await expect(preview.locator("strong", has_text="good")).to_be_visible()
    await expect(preview.get_by_role("listitem").filter(has_text="a quiet room")).to_be_visible()
    await expect(preview.get_by_text("<script>document.title='x'</script>")).to_be_visible()
    await expect(preview.get_by_role("link", name="ward")).to_have_attribute(
        "href", "tel:+31300000000"
    )
    await _shown(page, "New guidance page")
    await page.get_by_role("button", name="Save the page").click()
    await expect(page.get_by_role("status").filter(has_text="The page is saved.")).to_be_visible()
    await _shown(page, "Guidance for families")
    await expect(page.get_by_role("heading", name="Sleep after a course")).to_be_visible()


async def test_admin_writes_a_page_and_a_parent_reads_it_also_offline(
    context: BrowserContext, page: Page, served_app: ServedApp, slug: str
) -> None:
    await page.set_viewport_size(PHONE)
    await _write_page(page, slug)
    await context.clear_cookies()

    await sign_in_parent(page)
    await service_worker_ready(page)
    await open_from_menu(page, "Guidance")
    await _shown(page, "Guidance from the ward")
    await expect(page).to_have_title("Guidance · Immuno Companion")
    await page.get_by_role("link", name="Sleep after a course").click()
    await _shown(page, "Sleep after a course")
    await expect(page.get_by_role("article").locator("strong")).to_have_text("good")
    await expect(page.get_by_text("<script>document.title='x'</script>")).to_be_visible()
    await expect(page).to_have_title("Guidance · Immuno Companion")
    # Visiting the list kept every page it names, also the ones not opened yet.
    await wait_for_cached_pages(
        page, ["/", "/guidance", f"/guidance/{slug}", *EXAMPLE_PATHS], within=10
    )

    await go_offline(context)
    await open_from_menu(page, "Home")
    await open_from_menu(page, "Guidance")
    await _shown(page, "Guidance from the ward")
    await page.get_by_role("link", name="When to call", exact=True).click()
    await _shown(page, "When to call")
    await expect(page.get_by_text("Example — to be reviewed by the hospital's")).to_be_visible()
    await page.get_by_role("link", name="All guidance").click()
    await page.get_by_role("link", name="Sleep after a course").click()
    await _shown(page, "Sleep after a course")
    # A page that is not kept gives the offline page, as any other page does.
    await open_from_menu(page, "Settings")
    await expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")

    # The ward removes the page: the phone drops its copy the next time the list is opened.
    await context.set_offline(False)
    async with served_app.db() as db, db.transaction() as tx:
        await tx.execute("DELETE FROM guidance_page WHERE slug = :slug", {"slug": slug})
    await page.reload()  # back online: the phone shows the live page again
    await open_from_menu(page, "Home")
    await open_from_menu(page, "Guidance")
    await expect(page.get_by_role("link", name="Sleep after a course")).to_have_count(0)
    await wait_for_cached_pages(page, ["/", "/guidance", *EXAMPLE_PATHS], within=10)


async def test_a_parent_reads_guidance_in_dutch_at_320_px_by_keyboard(page: Page) -> None:
    await page.set_viewport_size(SMALL_PHONE)
    await sign_in_parent(page)
    await page.get_by_role("button", name="Nederlands").click()
    try:
        await expect(page.locator("html")).to_have_attribute("lang", "nl")
        menu_link = page.get_by_role("navigation").get_by_role("link", name="Uitleg")
        await _focus_by_tab(page, menu_link)
        await page.keyboard.press("Enter")
        await _shown(page, "Uitleg van de afdeling")
        await expect(page).to_have_title("Uitleg · Immuno Companion")
        pain = page.get_by_role("link", name="Pijn thuis")
        await _focus_by_tab(page, pain)
        await page.keyboard.press("Enter")
        await _shown(page, "Pijn thuis")
        await expect(page.get_by_text("Pijn van 7 of meer:")).to_be_visible()
        await expect(page.get_by_text("nog niet in jouw taal")).to_have_count(0)
    finally:
        await page.get_by_role("button", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")


async def _focus_by_tab(page: Page, target: Locator, presses: int = 40) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user would."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"never reached by Tab: {target}")
