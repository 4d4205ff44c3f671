"""What keeping the guidance pages costs a phone: one visit to the list online.

Serves the demo (`pwa demo`, `pwa serve` on 127.0.0.1), signs the demo parent in with
Debian's Chromium (the browser tests' launch arguments), waits for the service worker,
then opens `/guidance` and counts what the worker fetched to keep the list's pages
(docs/offline.md, "Pages kept with the list"): requests, bytes as sent and as gzip -9
would send them, and the time from the list's load until every page was kept. Then it
goes offline and opens each page from the phone's copy.

    .venv/bin/python bench/guidance_offline.py

Prints figures; exits 1 only when a page was not kept or did not open offline.
"""

from __future__ import annotations

import asyncio
import gzip
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.async_api import Page, Response, async_playwright

from bench.common import machine
from pwa.shared_names import BACKGROUND_HEADER
from tests.helpers.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    cached_pages,
    service_worker_ready,
    sign_in_parent,
)
from tests.helpers.served import Server, run


async def _kept_within(page: Page, expected: set[str], seconds: float) -> float | None:
    """Seconds until every expected page is in the pages cache, or None if it never was."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if expected <= set(await cached_pages(page)):
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    return None


async def measure(server: Server) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    figures: dict[str, Any] = {}
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = await browser.new_context(
            base_url=server.url, locale="en-GB", viewport={"width": 360, "height": 780}
        )
        fetched: list[Response] = []

        def note(response: Response) -> None:
            if response.request.headers.get(BACKGROUND_HEADER.lower()) and "/guidance/" in (
                response.url
            ):
                fetched.append(response)

        context.on("response", note)
        page = await context.new_page()
        await sign_in_parent(page)
        await service_worker_ready(page)
        await page.goto("/guidance", wait_until="load")
        links = await page.locator("main ul.list a").evaluate_all(
            "links => links.map((link) => new URL(link.href).pathname)"
        )
        took = await _kept_within(page, {"/guidance", *links}, 20)
        # The worker's own responses carry no body for Playwright: fetch the same pages
        # with the same cookie (and the same background header) to weigh them.
        bodies = [
            await (await context.request.get(path, headers={BACKGROUND_HEADER: "1"})).body()
            for path in links
        ]
        figures.update(
            pages=len(links),
            requests=len(fetched),
            raw=sum(len(body) for body in bodies),
            gzip=sum(len(gzip.compress(body, 9)) for body in bodies),
            seconds=took,
        )
        if took is None:
            problems.append(f"not every page was kept: {await cached_pages(page)}")
        await context.set_offline(True)
        for path in links:
            await page.goto(path, wait_until="load")
            if await page.get_by_role("heading", name="You are offline").count():
                problems.append(f"{path} did not open offline")
        await browser.close()
    return figures, problems


def main() -> int:
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run `make chromium`", file=sys.stderr)
        return 2
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-guidance-") as folder:
        instance = Path(folder) / "instance"
        run("demo", instance=instance)
        server = Server(instance)
        server.start()
        try:
            figures, problems = asyncio.run(measure(server))
        finally:
            server.stop()
    seconds = figures["seconds"]
    print(
        f"one visit to /guidance kept {figures['pages']} pages with {figures['requests']} "
        f"requests by the worker: {figures['raw'] / 1000:.1f} KB as sent, "
        f"{figures['gzip'] / 1000:.1f} KB gzip -9; all kept "
        + (f"{seconds * 1000:.0f} ms after the list loaded" if seconds is not None else "never")
    )
    print("offline: " + ("every page opened" if not problems else "; ".join(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
