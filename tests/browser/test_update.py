"""A new service worker is installed in the background and applied only when the family
taps "Reload"."""

from __future__ import annotations

import dataclasses

import pytest
from playwright.async_api import Page, expect

from pwa.hospital import hospital_settings, save_hospital_settings
from tests.helpers.browser import ServedApp, cached, service_worker_ready

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def shell_caches(page: Page) -> list[str]:
    return sorted(name for name in await cached(page) if name.startswith("ic-shell-"))


async def test_update_waits_for_the_family_and_then_applies(
    page: Page, served_app: ServedApp
) -> None:
    await page.goto("/login")
    await service_worker_ready(page)
    [before] = await shell_caches(page)
    banner = page.get_by_text("A new version of the app is available.")
    await expect(banner).to_be_hidden()

    # The offline page shows the hospital's numbers, so changing them changes the shell.
    async with served_app.db() as db:
        original = await hospital_settings(db)
        async with db.transaction() as connection:
            await save_hospital_settings(
                connection, dataclasses.replace(original, phone_out_of_hours="+31 30 999 9999")
            )
    try:
        await page.evaluate(
            "async () => (await navigator.serviceWorker.getRegistration()).update()"
        )
        await expect(banner).to_be_visible()
        # Installed, but waiting: the old worker still serves this page.
        assert await page.evaluate(
            "async () => Boolean((await navigator.serviceWorker.getRegistration()).waiting)"
        )
        waiting = await shell_caches(page)
        assert len(waiting) == 2 and before in waiting, "new shell precached beside the old one"

        async with page.expect_navigation():
            await page.get_by_role("button", name="Reload").click()
        await service_worker_ready(page)
        [after] = await shell_caches(page)
        assert after != before
        await expect(banner).to_be_hidden()
    finally:
        async with served_app.db() as db, db.transaction() as connection:
            await save_hospital_settings(connection, original)
