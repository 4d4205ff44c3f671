"""Installability by Chromium's own verdict, and the install help a family sees."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Playwright, expect

from tests.helpers.browser import (
    ServedApp,
    iphone_context,
    persistent_context,
    service_worker_ready,
    sign_in_parent,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

INSTALL_HEADING = "Put the app on your home screen"
STANDALONE_DISPLAY = """
    const realMatchMedia = window.matchMedia.bind(window);
    window.matchMedia = (query) => query.includes("display-mode: standalone")
        ? realMatchMedia("all")
        : realMatchMedia(query);
"""


async def installability_errors(page: Page) -> list[dict[str, object]]:
    """Chromium's verdict; it settles once the manifest and the worker are in."""
    session = await page.context.new_cdp_session(page)
    errors: list[dict[str, object]] = []
    for _ in range(20):
        errors = (await session.send("Page.getInstallabilityErrors"))["installabilityErrors"]
        if not errors:
            break
        await asyncio.sleep(0.1)
    manifest = await session.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    await session.detach()
    return errors


async def test_chromium_finds_the_app_installable_and_offers_the_button(
    playwright: Playwright, served_app: ServedApp, tmp_path: Path
) -> None:
    async with persistent_context(playwright, tmp_path / "profile", served_app.url) as context:
        page = context.pages[0] if context.pages else await context.new_page()
        await sign_in_parent(page)
        assert (await service_worker_ready(page))["state"] == "activated"
        assert await installability_errors(page) == []
        # Chromium offers installation, so the family gets our own button for it.
        install = page.get_by_role("button", name="Install the app")
        await expect(install).to_be_visible()
        await expect(page.get_by_text("Tap the Share button")).to_be_hidden()

        # Opened as the installed app: no more install help. DevTools cannot emulate
        # display-mode, so the page is told so the way the browser would tell it.
        await context.add_init_script(STANDALONE_DISPLAY)
        await page.reload()
        assert await page.evaluate("matchMedia('(display-mode: standalone)').matches")
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        await page.wait_for_timeout(300)  # give a late install offer the chance to show
        await expect(install).to_be_hidden()
        await expect(page.get_by_role("heading", name=INSTALL_HEADING)).to_be_hidden()


async def test_iphone_gets_the_share_steps_until_installed(
    browser: Browser, served_app: ServedApp
) -> None:
    async with iphone_context(browser, served_app.url) as safari:
        page = await safari.new_page()
        await sign_in_parent(page)
        await expect(page.get_by_role("heading", name=INSTALL_HEADING)).to_be_visible()
        await expect(page.get_by_text("Tap the Share button")).to_be_visible()
        await expect(page.get_by_role("button", name="Install the app")).to_be_hidden()

        # Opened from the home screen: Safari says so with navigator.standalone.
        await safari.add_init_script(
            "Object.defineProperty(navigator, 'standalone', { get: () => true })"
        )
        await page.reload()
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        await expect(page.get_by_role("heading", name=INSTALL_HEADING)).to_be_hidden()
