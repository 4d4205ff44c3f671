"""Helpers for browser tests: sign in as the demo roles, wait for the service worker,
look into the browser's caches, cut the network, and run axe-core on a page."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
from axe_playwright_python.base import AXE_SCRIPT
from playwright.async_api import Browser, BrowserContext, Error, Page, Playwright, expect

from pwa.accounts import second_factor
from pwa.config import DEMO_TOTP_SECRET
from pwa.db import Database
from pwa.demo import DEMO_LOGINS, DemoLogin

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Stand-in push subscriptions name http://127.0.0.1:<this>/push/…: nothing listens there
# (port 9 is "discard"); the served app's settings allow it as a local test service.
STAND_IN_PORT = 9
LOGINS = {login.role: login for login in DEMO_LOGINS}
PARENT = LOGINS["caregiver"]
NURSE = LOGINS["nurse"]
ADMIN = LOGINS["admin"]


@dataclass(frozen=True)
class ServedApp:
    """The app as a browser reaches it, and its instance folder for the test's own checks."""

    url: str
    instance: Path
    database: str

    @asynccontextmanager
    async def db(self) -> Any:
        """A connection to the served app's SQLite file, next to the server's own."""
        database = Database(self.database, read_connections=1)
        await database.open()
        try:
            yield database
        finally:
            await database.close()


# --- signing in ------------------------------------------------------------------

_used_steps: dict[str, int] = {}


async def totp_code(email: str) -> str:
    """A code the server has not seen for this account: codes are single-use per step."""
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    now = int(time.time() // totp.interval)
    last = _used_steps.get(email)
    if last is None or last < now:
        _used_steps[email] = now
        return second_factor.current_code(DEMO_TOTP_SECRET)
    if last == now:
        _used_steps[email] = now + 1  # the next step is inside the accepted window
        return totp.generate_otp(now + 1)
    await asyncio.sleep(totp.interval - time.time() % totp.interval + 0.1)
    return await totp_code(email)


# Staff sessions signed in during this run, by server and account: a browser's cookies.
_staff_cookies: dict[tuple[str, str], list[Any]] = {}


async def sign_in(page: Page, login: DemoLogin, *, through_the_pages: bool = False) -> None:
    """Sign in through the real pages, with the second factor for staff.

    A staff code is single-use per 30-second step, so an account can sign in only about
    twice a minute. After its first sign-in on a server, a staff test therefore resumes
    that session with its cookies, as a browser left open would, unless the session has
    ended (signed out, timed out) or the test proves sign-in itself (``through_the_pages``).
    """
    await page.goto("/login")
    if login.role != "caregiver" and not through_the_pages and await _resume(page, login):
        return
    await page.get_by_label("E-mail address").fill(login.email)
    await page.get_by_label("Password").fill(login.password)
    await page.get_by_role("button", name="Sign in").click()
    if login.role == "caregiver":
        await expect(page).to_have_url(f"{origin(page)}/")
        return
    await expect(page).to_have_url(re.compile(r"/login/code(\?|$)"))
    await page.get_by_label("6-digit code").fill(await totp_code(login.email))
    await page.get_by_role("button", name="Continue").click()
    await expect(page).not_to_have_url(re.compile(r"/login"))
    _staff_cookies[(origin(page), login.email)] = await page.context.cookies()


async def _resume(page: Page, login: DemoLogin) -> bool:
    """Carry on a staff session signed in earlier; False when there is none or it ended."""
    cookies = _staff_cookies.get((origin(page), login.email))
    if not cookies:
        return False
    await page.context.add_cookies(cookies)
    await page.goto("/")
    return "/login" not in page.url  # else the sign-in page, where a fresh sign-in starts


async def sign_in_parent(page: Page) -> None:
    await sign_in(page, PARENT)
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {PARENT.display_name}")


async def open_from_menu(page: Page, name: str) -> None:
    """Click an entry of the main menu (Home, Diary, Dates, Settings; Queue, Children, …)."""
    menu = page.get_by_role("navigation", name="Main")
    await menu.get_by_role("link", name=name, exact=True).click()
    # The page's scripts (sign-out's wipe, the outbox) run before "load": a click sooner
    # than that would race them, as no person's finger does.
    await page.wait_for_load_state()


async def open_report_form(page: Page) -> None:
    """From any family page: Home in the menu, then home's main action, "log symptoms"."""
    if not page.url.rstrip("/").endswith(origin(page)):
        await open_from_menu(page, "Home")
    await page.get_by_role("link", name=re.compile("log symptoms", re.IGNORECASE)).click()
    await expect(page.get_by_role("button", name="Save report")).to_be_visible()
    # The form's script gives it a fresh report id as it starts: read the id after that.
    await page.wait_for_load_state()


async def sign_in_nurse(page: Page, *, through_the_pages: bool = False) -> None:
    await sign_in(page, NURSE, through_the_pages=through_the_pages)


async def sign_in_admin(page: Page, *, through_the_pages: bool = False) -> None:
    await sign_in(page, ADMIN, through_the_pages=through_the_pages)


def origin(page: Page) -> str:
    return "/".join(page.url.split("/", 3)[:3])


# --- the service worker and its caches ---------------------------------------------


SERVICE_WORKER_WAIT_MS = 10_000


async def service_worker_ready(page: Page) -> dict[str, Any]:
    """Wait until a worker is activated and controls the page; its state and scope.

    A page that loaded just as its worker activated can stay uncontrolled (the worker's
    clients.claim() ran before the page existed): a reload puts it under the worker, as
    it does for a person, so one reload is allowed before failing.
    """
    try:
        return await _worker_ready(page)
    except Error as error:
        if "controlled: false" not in str(error):
            raise
        await page.reload()
        return await _worker_ready(page)


async def _worker_ready(page: Page) -> dict[str, Any]:
    # Bounded: a worker whose install failed never becomes ready, and an unbounded wait
    # would hang the suite instead of failing with what the registration looked like.
    return await page.evaluate(  # type: ignore[no-any-return]
        """async (limit) => {
            const describe = async () => {
                const registration = await navigator.serviceWorker.getRegistration();
                if (!registration) return "no registration";
                const states = ["installing", "waiting", "active"].map(
                    (slot) => `${slot}: ${registration[slot] ? registration[slot].state : "-"}`);
                return states.join(", ") + `; controlled: ${!!navigator.serviceWorker.controller}`;
            };
            const ready = (async () => {
                const registration = await navigator.serviceWorker.ready;
                const worker = registration.active;
                if (worker.state !== "activated") {
                    await new Promise((resolve) => worker.addEventListener("statechange",
                        () => worker.state === "activated" && resolve()));
                }
                if (!navigator.serviceWorker.controller) {
                    await new Promise((resolve) => navigator.serviceWorker.addEventListener(
                        "controllerchange", resolve, { once: true }));
                }
                return { state: worker.state, scope: registration.scope };
            })();
            const late = new Promise((_, reject) => setTimeout(async () =>
                reject(new Error(`service worker not ready after ${limit} ms (${await describe()})`)), limit));
            return Promise.race([ready, late]);
        }""",
        SERVICE_WORKER_WAIT_MS,
    )


async def cached(page: Page) -> dict[str, list[str]]:
    """Every Cache Storage cache of the site, with the path and query of each entry."""
    return await page.evaluate(  # type: ignore[no-any-return]
        """async () => {
            const found = {};
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                found[name] = (await cache.keys()).map((r) => {
                    const url = new URL(r.url);
                    return url.pathname + url.search;
                });
            }
            return found;
        }"""
    )


async def cached_pages(page: Page) -> list[str]:
    """Entries of the family-page caches (the only ones allowed to hold pages)."""
    return sorted(
        entry
        for name, entries in (await cached(page)).items()
        if name.startswith("ic-pages-")
        for entry in entries
    )


async def wait_for_cached_pages(page: Page, expected: list[str], within: float = 5) -> None:
    """The worker stores a page just after serving it: wait for it to land."""
    deadline = time.monotonic() + within
    while True:
        found = await cached_pages(page)
        if found == sorted(expected):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"family pages cached: {found}, expected {sorted(expected)}")
        await asyncio.sleep(0.05)


async def database_names(page: Page) -> list[str]:
    return await page.evaluate(  # type: ignore[no-any-return]
        "async () => (await indexedDB.databases()).map((database) => database.name)"
    )


async def create_database(page: Page, name: str) -> None:
    """An IndexedDB database standing in for what later features keep (the outbox)."""
    await page.evaluate(
        """(name) => new Promise((resolve, reject) => {
            const request = indexedDB.open(name, 1);
            request.onupgradeneeded = () => request.result.createObjectStore("items");
            request.onsuccess = () => { request.result.close(); resolve(); };
            request.onerror = () => reject(request.error);
        })""",
        name,
    )


async def go_offline(context: BrowserContext) -> None:
    """Cut the network for every page and the service worker (Playwright >= 1.65)."""
    await context.set_offline(True)


# --- what a page looks like ------------------------------------------------------


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (bundled with axe-playwright-python) on the page; its violations."""
    await page.evaluate(AXE_SCRIPT)
    results = await page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return list(results["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{item['id']} ({item['impact']}): {item['help']} -> "
        + ", ".join(str(node["target"]) for node in item["nodes"])
        for item in violations
    )


async def assert_accessible(page: Page) -> None:
    """No axe-core violation, in the light and the dark colour scheme."""
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        violations = await axe_violations(page)
        assert not violations, f"{page.url} ({scheme}):\n{describe(violations)}"
    await page.emulate_media(color_scheme="light")


async def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 = no sideways scrolling)."""
    return await page.evaluate(  # type: ignore[no-any-return]
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


# A time range ("08:00-17:00") anywhere, or a phone number ("+31 30 000 0000") the reader
# is meant to dial (a tel: link, or isolated in a sentence): each read at a glance. A
# table's cells hold records (an audit line quoting the hours as they were changed), which
# wrap like any other text.
_SPLIT_FIGURES = r"""() => {
  const figures = /\d{2}:\d{2}-\d{2}:\d{2}|\+\d[\d ]{6,}\d/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const split = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.getClientRects().length) continue;  // not shown
    if (node.parentElement.closest("td")) continue;  // a record, not the app's words
    const dialled = node.parentElement.closest("a[href^='tel:'], bdi");
    for (const found of node.data.matchAll(figures)) {
      if (found[0].startsWith("+") && !dialled) continue;
      const range = document.createRange();
      range.setStart(node, found.index);
      range.setEnd(node, found.index + found[0].length);
      const tops = new Set([...range.getClientRects()].map((box) => Math.round(box.top)));
      if (tops.size > 1) split.push(found[0]);
    }
  }
  return split;
}"""


async def figures_split_over_lines(page: Page) -> list[str]:
    """Time ranges and phone numbers the page breaks over two lines ("08:00-" / "17:00")."""
    return await page.evaluate(_SPLIT_FIGURES)  # type: ignore[no-any-return]


IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"
)


@asynccontextmanager
async def iphone_context(browser: Browser, base_url: str) -> AsyncIterator[BrowserContext]:
    """A context that looks like Safari on an iPhone (its user agent and screen)."""
    context = await browser.new_context(
        base_url=base_url, user_agent=IPHONE_SAFARI, viewport={"width": 390, "height": 844}
    )
    try:
        yield context
    finally:
        await context.close()


@asynccontextmanager
async def persistent_context(playwright: Playwright, profile: Path, base_url: str) -> Any:
    """A browser with a profile on disk: Chromium calls every incognito page uninstallable."""
    context = await playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, base_url=base_url
    )
    try:
        yield context
    finally:
        await context.close()
