"""Doses at home in the browser: the demo served with its clock set to a chosen morning
(Debian's `faketime`), the phone's clock set to the same moment, a nurse signing in on
that clock, and what the phone's outbox and the server hold."""

from __future__ import annotations

import asyncio
import email.utils
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyotp
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

from pwa.config import DEMO_TOTP_SECRET
from tests.helpers.browser import NURSE, ServedApp, cached_pages
from tests.helpers.served import Server, run_under

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PRESCRIPTION = "20 mg twice a day with food"


def tomorrow_at(hour: int, minute: int) -> datetime:
    """A morning after now: cookies the server dates on its clock stay valid in the browser."""
    day = datetime.now(AMSTERDAM).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM)


@dataclass(frozen=True)
class ClockedApp:
    """The served app, and how far its clock is ahead of this machine's."""

    app: ServedApp
    offset: float

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.offset, AMSTERDAM)


def _server_clock(url: str) -> float:
    with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:  # noqa: S310 - 127.0.0.1
        return email.utils.parsedate_to_datetime(response.headers["Date"]).timestamp()


def _in_a_dose_period(database: str, today: str) -> None:
    """The demo's isotretinoin (course 1) goes on until a few days after ``today``, with the
    nurse's prescription; no dose times chosen and no dose noted yet."""
    import sqlite3

    connection = sqlite3.connect(database)
    try:
        connection.execute(
            """
            UPDATE medication_period SET last_date = date(:today, '+3 days'), prescription = :text
             WHERE course_number = 1
            """,
            {"today": today, "text": PRESCRIPTION},
        )
        connection.execute("DELETE FROM dose")
        connection.execute("DELETE FROM dose_schedule")
        connection.commit()
    finally:
        connection.close()


@contextmanager
def clocked_demo(folder: Path, moment: datetime) -> Iterator[ClockedApp]:
    """`pwa demo` and `pwa serve` with the server's clock starting at ``moment``."""
    wrapper = ("faketime", moment.isoformat())
    server = Server(folder / "instance", wrapper=wrapper)
    run_under(
        wrapper,
        "demo",
        "--today",
        moment.date().isoformat(),
        instance=server.instance,
        url=server.url,
    )
    _in_a_dose_period(server.database, moment.date().isoformat())
    server.start()
    try:
        offset = _server_clock(server.url) - time.time()
        yield ClockedApp(
            ServedApp(url=server.url, instance=server.instance, database=server.database), offset
        )
    finally:
        server.stop()


@asynccontextmanager
async def clocked_phone(
    browser: Browser, clocked: ClockedApp, viewport: ViewportSize
) -> AsyncIterator[BrowserContext]:
    """A phone in the Netherlands, its clock at the server's."""
    context = await browser.new_context(
        base_url=clocked.app.url, locale="en-GB", timezone_id="Europe/Amsterdam", viewport=viewport
    )
    await context.clock.install(time=clocked.now())
    try:
        yield context
    finally:
        await context.close()


async def clocked_nurse(browser: Browser, clocked: ClockedApp) -> tuple[BrowserContext, Page]:
    """The demo nurse at her desk on the server's clock, signed in, on the children list."""
    context = await browser.new_context(
        base_url=clocked.app.url, locale="en-GB", viewport={"width": 1024, "height": 800}
    )
    await context.clock.install(time=clocked.now())
    page = await context.new_page()
    await sign_in_nurse_on(page, clocked)
    await (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Children", exact=True)
        .click()
    )
    await page.wait_for_load_state()
    return context, page


async def sign_in_nurse_on(page: Page, clocked: ClockedApp) -> None:
    """The demo nurse, with the code her authenticator shows on the server's clock."""
    await page.goto("/login")
    await page.get_by_label("E-mail address").fill(NURSE.email)
    await page.get_by_label("Password").fill(NURSE.password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/login/code**")
    code = pyotp.TOTP(DEMO_TOTP_SECRET).at(time.time() + clocked.offset)
    await page.get_by_label("6-digit code").fill(code)
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("navigation", name="Main")).to_be_visible()


async def dose_outbox(page: Page) -> list[dict[str, Any]]:
    """The doses the phone keeps, read with the browser's own IndexedDB API."""
    return await page.evaluate(  # type: ignore[no-any-return]
        """() => new Promise((resolve, reject) => {
            const request = indexedDB.open("ic-outbox");
            request.onupgradeneeded = () => request.transaction.abort();
            request.onerror = () => (request.error.name === "AbortError" ? resolve([])
                                                                         : reject(request.error));
            request.onsuccess = () => {
                const db = request.result;
                if (!db.objectStoreNames.contains("doses")) { db.close(); resolve([]); return; }
                const all = db.transaction("doses").objectStore("doses").getAll();
                all.onsuccess = () => { db.close(); resolve(all.result); };
            };
        })"""
    )


async def dose_rows(app: ServedApp) -> int:
    async with app.db() as db:
        row = await db.fetch_one("SELECT COUNT(*) FROM dose")
    assert row is not None
    return int(row[0])


async def wait_for_dose_rows(app: ServedApp, count: int, within: float = 15) -> None:
    deadline = time.monotonic() + within
    while (found := await dose_rows(app)) != count:
        assert time.monotonic() < deadline, f"{found} doses stored, expected {count}"
        await asyncio.sleep(0.1)


async def wait_until_kept(page: Page, path: str, within: float = 5) -> None:
    """The service worker keeps a page just after serving it: wait until it has."""
    deadline = time.monotonic() + within
    while path not in await cached_pages(page):
        assert time.monotonic() < deadline, f"{path} not kept for offline use"
        await asyncio.sleep(0.05)
