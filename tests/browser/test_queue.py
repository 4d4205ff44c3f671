"""The loop closed in a real browser: a nurse signs in with password and TOTP, finds a red
report at the top of the queue and replies; the family then sees the reply. axe-core
finds nothing on the queue, report, child and admin pages."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from pwa.shared_names import BACKGROUND_HEADER
from tests.helpers.browser import (
    NURSE,
    ServedApp,
    assert_accessible,
    open_from_menu,
    sign_in_admin,
    sign_in_nurse,
    sign_in_parent,
)
from tests.helpers.browser_families import add_report, new_family

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SHOW_AGAIN = "() => document.dispatchEvent(new Event('visibilitychange'))"
REPLY = "We saw your report. Please call the ward now so we can talk it through."


async def test_nurse_replies_to_the_top_red_report_and_the_family_sees_it(
    browser: Browser, served_app: ServedApp, page: Page
) -> None:
    nurse_context = await browser.new_context(base_url=served_app.url, locale="en-GB")
    try:
        nurse = await nurse_context.new_page()
        await sign_in_nurse(nurse)  # password, then the TOTP code
        # A nurse lands on the queue after signing in.
        await expect(nurse.get_by_role("heading", level=1)).to_have_text("Review queue")
        await assert_accessible(nurse)
        first = nurse.locator(".queue-item").first
        await expect(first.locator(".tag")).to_have_text("Red")
        await first.get_by_role("link").click()
        await expect(nurse.get_by_role("heading", name="Review")).to_be_visible()
        await assert_accessible(nurse)
        await nurse.get_by_label("Outcome").select_option("phoned")
        await nurse.get_by_label("Reply to the family (optional)").fill(REPLY)
        await nurse.get_by_role("button", name="Save review").click()
        await expect(nurse).to_have_url(f"{served_app.url}/nurse/queue")

        await open_from_menu(nurse, "Children")
        await nurse.get_by_role("link", name="Sam").click()
        await expect(nurse.get_by_role("heading", name="Reports")).to_be_visible()
        await assert_accessible(nurse)
    finally:
        await nurse_context.close()

    await sign_in_parent(page)
    await expect(page.get_by_text("The care team replied to you")).to_be_visible()
    await page.get_by_role("link", name=NURSE.display_name, exact=False).first.click()
    await expect(page.get_by_text(REPLY)).to_be_visible()
    await expect(page.get_by_text(f"Reply from {NURSE.display_name},").first).to_be_visible()
    await open_from_menu(page, "Diary")
    await expect(page.get_by_text(f"Reply from {NURSE.display_name},").first).to_be_visible()


async def test_admin_home_is_accessible(page: Page) -> None:
    await sign_in_admin(page)
    await open_from_menu(page, "Admin")
    await assert_accessible(page)


async def test_the_open_queue_shows_a_new_report_when_the_nurse_comes_back_to_it(
    page: Page, served_app: ServedApp
) -> None:
    """The list is swapped in place, never while the nurse is using it, and the page stays."""
    await sign_in_nurse(page)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    await page.evaluate("window.stayedOnThePage = true")
    family = await new_family(served_app, "Noor", "Bakker")
    # Green, so it never becomes the loud top of the queue for another test on this server.
    report = await add_report(served_app, family, {"pain": 1, "temperature": 36.8})
    new_item = page.locator(f'.queue-item:has(a[href="/nurse/reports/{report}"])')

    refreshes: list[str] = []
    page.on(
        "request",
        lambda request: (
            refreshes.append(request.url)
            if request.headers.get(BACKGROUND_HEADER.lower())
            else None
        ),
    )
    # A link in the list has the focus: the list is in use, so it is not even fetched.
    await page.locator(".queue-item a").first.focus()
    await page.evaluate(SHOW_AGAIN)
    await page.wait_for_timeout(300)
    assert refreshes == []
    await expect(new_item).to_have_count(0)

    await page.evaluate("document.activeElement.blur()")
    await page.evaluate(SHOW_AGAIN)  # the nurse comes back to the tab
    await expect(new_item).to_have_count(1)
    await expect(new_item.locator(".tag")).to_have_text("Green")
    assert refreshes == [f"{served_app.url}/nurse/queue"]
    assert await page.evaluate("window.stayedOnThePage === true")
