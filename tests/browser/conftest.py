"""Browser tests: the real app served by Hypercorn, driven by Debian's Chromium.

One server (a subprocess running ``pwa serve`` on a fresh instance folder with the demo
data) and one browser serve the whole session, on a session-scoped event loop as
docs/offline.md describes; every test gets its own browser context, so cookies, caches and
service workers never leak from one test into the next. Chromium missing is a failure,
not a skip: `make test` installs it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from bench.common import Server, push_test_service_env, run

from .harness import CHROMIUM, CHROMIUM_ARGS, STAND_IN_PORT, ServedApp


@pytest.fixture(scope="session")
def served_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """`pwa demo` then `pwa serve` on 127.0.0.1 and a free port, as a developer runs them.

    The same server runner as the benchmarks and reliability tests (bench/common.py), with
    the reminder sender running inside the app as it does by default.
    """
    instance = tmp_path_factory.mktemp("served") / "instance"
    # The stand-in subscriptions of tests/browser/test_push.py name http://127.0.0.1:9.
    in_app = {
        "PWA_SENDER_IN_APP": "true",
        **push_test_service_env(f"http://127.0.0.1:{STAND_IN_PORT}"),
    }
    server = Server(instance, env_extra=in_app)
    run("demo", instance=instance, url=server.url, **in_app)
    server.start()
    try:
        yield ServedApp(url=server.url, instance=instance, database=server.database)
    finally:
        server.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (or `make test`)")
    async with async_playwright() as driver:
        yield driver


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser, served_app: ServedApp) -> AsyncIterator[BrowserContext]:
    """A fresh profile per test: its own cookies, caches and service worker."""
    fresh = await browser.new_context(base_url=served_app.url, locale="en-GB")
    yield fresh
    await fresh.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext) -> Page:
    return await context.new_page()
