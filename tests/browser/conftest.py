"""Browser tests: the real app served by Hypercorn, driven by Debian's Chromium.

One server (a subprocess running ``pwa serve`` on a fresh instance folder with the demo
data) and one browser serve the whole session, on a session-scoped event loop as
QUALITY.md describes; every test gets its own browser context, so cookies, caches and
service workers never leak from one test into the next. Chromium missing is a failure,
not a skip: `make test` installs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from .harness import CHROMIUM, CHROMIUM_ARGS, ServedApp

STARTUP_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the app exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"the app did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def served_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """`pwa demo` then `pwa serve` on 127.0.0.1 and a free port, as a developer runs them."""
    folder = tmp_path_factory.mktemp("served")
    instance = folder / "instance"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {name: value for name, value in os.environ.items() if not name.startswith("PWA_")}
    env.update(
        PWA_ENV="development",
        PWA_INSTANCE_PATH=str(instance),
        PWA_PUBLIC_URL=url,
        # Cheap hashes keep sign-ins fast; production uses the argon2id defaults.
        PWA_ARGON2_TIME_COST="1",
        PWA_ARGON2_MEMORY_KIB="64",
        # Every test signs in from 127.0.0.1; the limits have their own tests.
        PWA_RATE_LIMITS_ENABLED="false",
    )
    subprocess.run([sys.executable, "-m", "pwa", "demo"], env=env, check=True, capture_output=True)
    log = folder / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "pwa", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(url, server, log)
            yield ServedApp(url=url, instance=instance, database=str(instance / "immuno.sqlite3"))
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


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
