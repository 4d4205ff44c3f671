"""The report form and the outbox in the browser: save a report, read IndexedDB with the
browser's own API, go offline and back."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from playwright.async_api import BrowserContext, Page

from tests.helpers.browser import (
    ServedApp,
    cached_pages,
    open_report_form,
    service_worker_ready,
)

OUTBOX_MODULE = "/static/js/outbox.js"


async def open_form(page: Page) -> None:
    """The report form as a family reaches it: Home, then "log symptoms"."""
    await open_report_form(page)


async def save_report(
    page: Page, *, pain: int | None = None, temperature: str = "", note: str = ""
) -> None:
    if pain is not None:
        await page.locator(f"label[for=pain-{pain}]").click()
    if temperature:
        await page.get_by_label("Temperature").fill(temperature)
    if note:
        await page.get_by_label("Anything else?").fill(note)
    await page.get_by_role("button", name="Save report").click()


async def outbox(page: Page) -> list[dict[str, Any]]:
    """What IndexedDB holds, read with the browser's own API (not through the app)."""
    return await page.evaluate(  # type: ignore[no-any-return]
        """() => new Promise((resolve, reject) => {
            const request = indexedDB.open("ic-outbox");
            // No outbox yet: leave it that way.
            request.onupgradeneeded = () => request.transaction.abort();
            request.onerror = () => (request.error.name === "AbortError" ? resolve([])
                                                                         : reject(request.error));
            request.onsuccess = () => {
                const db = request.result;
                const all = db.transaction("reports").objectStore("reports").getAll();
                all.onsuccess = () => { db.close(); resolve(all.result); };
            };
        })"""
    )


async def wait_for_outbox(page: Page, count: int, within: float = 10) -> list[dict[str, Any]]:
    deadline = time.monotonic() + within
    while True:
        items = await outbox(page)
        if len(items) == count:
            return items
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox holds {len(items)} reports, expected {count}")
        await asyncio.sleep(0.05)


async def report_count(served_app: ServedApp) -> int:
    async with served_app.db() as db:
        row = await db.fetch_one("SELECT count(*) AS n FROM report")
    assert row is not None
    return int(row["n"])


async def come_back_online(context: BrowserContext, page: Page) -> None:
    """Restore the network and fire `online`, as the browser does on reconnecting."""
    await context.set_offline(False)
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")


async def keep_form_offline(page: Page) -> None:
    """Wait for the worker to keep the form page, so it opens again without network.

    A page loaded while the worker was still installing may never be controlled (the
    worker's `clients.claim()` ran before it existed): wait for an active worker, then
    open the form, which that worker then controls from the start.
    """
    await page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    await open_form(page)
    await service_worker_ready(page)
    deadline = time.monotonic() + 5
    while "/diary/new" not in await cached_pages(page):
        assert time.monotonic() < deadline, f"form page not kept: {await cached_pages(page)}"
        await asyncio.sleep(0.05)
