"""The shell's pages (sign-in, home with its banners, the offline page): no axe-core
violation (light and dark), no sideways scrolling at 320 px, and Dutch when the family
chooses it."""

from __future__ import annotations

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.helpers.browser import (
    assert_accessible,
    go_offline,
    horizontal_overflow,
    service_worker_ready,
    sign_in_parent,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

NARROW = {"width": 320, "height": 640}


async def test_login_page(page: Page) -> None:
    await page.set_viewport_size(NARROW)
    await page.goto("/login")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert await horizontal_overflow(page) == 0
    await assert_accessible(page)


async def test_home_page_with_the_update_banner_and_install_help_showing(page: Page) -> None:
    await page.set_viewport_size(NARROW)
    await sign_in_parent(page)
    # Reveal what scripts show only at times, so axe checks it too.
    await page.evaluate(
        """() => document.querySelectorAll("#app-update, #install-help, #install-help [hidden]")
            .forEach((element) => { element.hidden = false; })"""
    )
    await expect(page.get_by_role("button", name="Reload")).to_be_visible()
    await expect(page.get_by_role("button", name="Install the app")).to_be_visible()
    assert await horizontal_overflow(page) == 0
    await assert_accessible(page)


async def test_offline_page_as_the_worker_serves_it(context: BrowserContext, page: Page) -> None:
    await page.set_viewport_size(NARROW)
    await page.goto("/login")
    await service_worker_ready(page)
    await go_offline(context)
    await page.get_by_role("link", name="Privacy notice").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    assert await horizontal_overflow(page) == 0
    await assert_accessible(page)


async def test_dutch_is_one_tap_away_and_reaches_the_offline_page(
    context: BrowserContext, page: Page
) -> None:
    await page.goto("/login")
    await service_worker_ready(page)
    await page.get_by_role("button", name="Nederlands").click()
    await expect(page.locator("html")).to_have_attribute("lang", "nl")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")

    # The worker swaps its offline page for the Dutch one.
    await page.wait_for_function(
        """async () => {
            const kept = await caches.match("/offline", { ignoreVary: true });
            return kept && kept.headers.get("Content-Language") === "nl";
        }""",
        polling=100,
    )
    await go_offline(context)
    await page.get_by_role("link", name="Privacyverklaring").click()
    try:
        await expect(page.locator("html")).to_have_attribute("lang", "nl")
    except AssertionError as error:
        # Seen twice in full runs, never alone: an English page here. Say where it came from.
        raise AssertionError(f"{error}\n{await where_the_page_came_from(page)}") from None
    await expect(page.get_by_role("heading", level=1)).to_have_text("Je bent offline")


async def where_the_page_came_from(page: Page) -> str:
    """The open page's heading and how it was delivered, and the offline pages the worker keeps."""
    found = await page.evaluate(
        """async () => {
            const [navigation] = performance.getEntriesByType("navigation");
            const kept = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const response of await cache.matchAll("/offline", { ignoreVary: true })) {
                    kept.push(`${name}: ${response.headers.get("Content-Language")}`);
                }
            }
            const registration = await navigator.serviceWorker.getRegistration();
            return {
                heading: document.querySelector("h1")?.textContent,
                throughWorker: navigation ? navigation.workerStart > 0 : null,
                status: navigation?.responseStatus,
                bytes: navigation?.transferSize,
                controlled: Boolean(navigator.serviceWorker.controller),
                waiting: Boolean(registration?.waiting),
                kept,
            };
        }"""
    )
    return f"page came from: {found}"
