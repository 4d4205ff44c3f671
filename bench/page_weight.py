"""Page weight and speed on a phone's first and repeat visit, and Lighthouse's scores.

Serves the demo (`pwa demo`, `pwa serve` on 127.0.0.1) and drives Debian's Chromium with
Playwright, with the browser tests' launch arguments. For the sign-in page, the family
home page, the report form and the nurse queue:

- first visit (empty cache, service worker bypassed): HTML+CSS+JS bytes as sent and as
  gzip -9 would send them (Hypercorn sends them uncompressed, so gzip is computed here),
  the number of requests, and that every request of the page and of the service worker
  went to the app's own origin;
- repeat visit with the service worker in control: time to first contentful paint online
  (page from the network, shell responses through the worker) and offline (all from the worker).

Then Lighthouse (npm lighthouse@12.8.2 in bench/node_modules; `cd bench && npm install`)
with its mobile defaults on the signed-in family home page.

    .venv/bin/python bench/page_weight.py [--no-lighthouse]

Budgets (docs/performance.md): family pages <= 60 KB compressed HTML+CSS+JS on a first visit, no
third-party request, repeat visits from the service worker; Lighthouse performance >= 95,
accessibility 100, best practices 100.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from playwright.async_api import BrowserContext, Page, Request, async_playwright

from bench.common import Client, machine
from tests.helpers.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    service_worker_ready,
    sign_in_nurse,
    sign_in_parent,
)
from tests.helpers.served import ROOT, Server, run

LIGHTHOUSE = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
BUDGET_KB = 60.0
LIGHTHOUSE_BUDGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}
TEXT_TYPES = {"document", "stylesheet", "script"}
DEMO_PARENT = ("parent@demo.example", "parent-meadow-kite")


@dataclass
class Weight:
    name: str
    path: str
    requests: int = 0
    raw: int = 0
    gzip: int = 0
    other_bytes: int = 0
    foreign: list[str] = field(default_factory=list)
    compressed_by_server: bool = False
    repeat_online_ms: float | None = None
    repeat_offline_ms: float | None = None
    from_worker: int = 0


async def first_visit(context: BrowserContext, page: Page, origin: str, weight: Weight) -> None:
    """Load the page as on a first visit: no HTTP cache, no service worker in the way."""
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    await cdp.send("Network.setBypassServiceWorker", {"bypass": True})
    responses: list[Any] = []

    def keep(response: Any) -> None:
        responses.append(response)

    page.on("response", keep)
    await page.goto(weight.path, wait_until="load")
    await asyncio.sleep(1)  # late requests (the worker's registration, module imports)
    page.remove_listener("response", keep)
    for response in responses:
        request = response.request
        if _origin(request.url) != origin:
            weight.foreign.append(request.url)
        weight.requests += 1
        try:
            body = await response.body()
        except Exception:  # a redirect has no body
            body = b""
        if response.headers.get("content-encoding"):
            weight.compressed_by_server = True
        if request.resource_type in TEXT_TYPES:
            weight.raw += len(body)
            weight.gzip += len(gzip.compress(body, 9))
        else:
            weight.other_bytes += len(body)
    await cdp.send("Network.setBypassServiceWorker", {"bypass": False})
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    await cdp.detach()


async def paint_ms(page: Page) -> float:
    return float(
        await page.evaluate(
            """() => new Promise((resolve) => {
                const find = () => performance.getEntriesByName("first-contentful-paint")[0];
                const done = () => resolve(find() ? find().startTime : performance.now());
                if (find()) { done(); return; }
                new PerformanceObserver(done).observe({ type: "paint", buffered: true });
                setTimeout(done, 3000);
            })"""
        )
    )


async def repeat_visits(context: BrowserContext, page: Page, weight: Weight) -> None:
    """The service worker controls the page: reload online, then offline."""
    await page.goto(weight.path, wait_until="load")
    await asyncio.wait_for(service_worker_ready(page), 20)
    await page.goto(weight.path, wait_until="load")  # the worker now keeps shell and page
    await asyncio.sleep(0.5)
    served: list[Any] = []

    def keep(response: Any) -> None:
        served.append(response)

    page.on("response", keep)
    await page.goto(weight.path, wait_until="load")
    weight.repeat_online_ms = await asyncio.wait_for(paint_ms(page), 10)
    page.remove_listener("response", keep)
    weight.from_worker = sum(1 for response in served if response.from_service_worker)
    await context.set_offline(True)
    try:
        await page.goto(weight.path, wait_until="load")
        weight.repeat_offline_ms = await asyncio.wait_for(paint_ms(page), 10)
    finally:
        await context.set_offline(False)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def measure(server: Server) -> list[Weight]:
    weights = [
        Weight("sign-in page", "/login"),
        Weight("family home", "/"),
        Weight("report form", "/diary/new"),
        Weight("nurse queue", "/nurse/queue"),
    ]
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for weight in weights:
                # A phone-sized viewport, as Lighthouse's mobile profile.
                context = await browser.new_context(
                    base_url=server.url, locale="en-GB", viewport={"width": 412, "height": 823}
                )
                context.set_default_timeout(20_000)
                worker_requests: list[str] = []

                def note(request: Request, seen: list[str] = worker_requests) -> None:
                    seen.append(request.url)

                context.on("request", note)
                page = await context.new_page()
                if weight.path == "/nurse/queue":
                    await sign_in_nurse(page)
                elif weight.path != "/login":
                    await sign_in_parent(page)
                await first_visit(context, page, server.url, weight)
                if weight.path in {"/", "/diary/new"}:
                    await repeat_visits(context, page, weight)
                weight.foreign += [url for url in worker_requests if _origin(url) != server.url]
                await context.close()
        finally:
            await browser.close()
    return weights


async def session_cookie(base: str) -> str:
    async with aiohttp.ClientSession() as session:
        client = Client(session, base)
        await client.sign_in(*DEMO_PARENT)
        return client.session_cookie


def lighthouse(url: str, cookie: str, folder: Path) -> dict[str, float]:
    report = folder / "lighthouse.json"
    env = dict(os.environ, CHROME_PATH=str(CHROMIUM))
    subprocess.run(  # noqa: S603 - the pinned Lighthouse from bench/node_modules
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            "--only-categories=performance,accessibility,best-practices",
            "--chrome-flags=--headless=new --no-sandbox",
            f"--extra-headers={json.dumps({'Cookie': cookie})}",
        ],
        env=env,
        check=True,
        timeout=300,
    )
    data = json.loads(report.read_text())
    final = data.get("finalDisplayedUrl", "")
    print(f"  lighthouse audited {final}")
    if urlsplit(final).path != "/":
        raise RuntimeError(f"Lighthouse was not shown the signed-in home page but {final}")
    scores = {name: round(category["score"] * 100) for name, category in data["categories"].items()}
    for name, category in data["categories"].items():
        for ref in category["auditRefs"]:
            audit = data["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                print(
                    f"  lighthouse {name}: {audit['id']} scored {audit['score']}: {audit['title']}"
                )
    metrics = data["audits"]
    for metric in (
        "first-contentful-paint",
        "largest-contentful-paint",
        "total-blocking-time",
        "cumulative-layout-shift",
    ):
        print(f"  lighthouse {metric}: {metrics[metric]['displayValue']}")
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-lighthouse", action="store_true")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run `make chromium`", file=sys.stderr)
        return 2
    print(f"machine: {machine()}")
    missed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        instance = Path(folder) / "instance"
        run("demo", instance=instance)
        server = Server(instance)
        server.start()
        try:
            weights = asyncio.run(measure(server))
            scores: dict[str, float] = {}
            if not args.no_lighthouse:
                if not LIGHTHOUSE.exists():
                    print("Lighthouse is missing: run `cd bench && npm install`", file=sys.stderr)
                    return 2
                scores = lighthouse(
                    f"{server.url}/", asyncio.run(session_cookie(server.url)), Path(folder)
                )
        finally:
            server.stop()
    print("\nfirst visit (no cache, service worker bypassed); HTML+CSS+JS bytes")
    print(
        f"{'page':<16}{'requests':>9}{'raw KB':>9}{'gzip KB':>9}{'other KB':>10}  same-origin  "
        "repeat FCP online/offline"
    )
    for weight in weights:
        family = weight.path in {"/", "/diary/new"}
        repeat = (
            f"{weight.repeat_online_ms:.0f} ms ({weight.from_worker} responses through the worker) "
            "/ "
            f"{weight.repeat_offline_ms:.0f} ms"
            if weight.repeat_online_ms is not None and weight.repeat_offline_ms is not None
            else "-"
        )
        print(
            f"{weight.name:<16}{weight.requests:>9}"
            f"{weight.raw / 1000:>9.1f}{weight.gzip / 1000:>9.1f}"
            f"{weight.other_bytes / 1000:>10.1f}  "
            f"{'yes' if not weight.foreign else 'NO'}{'':<10}{repeat}"
        )
        if weight.foreign:
            missed.append(f"{weight.name}: third-party requests {weight.foreign}")
        if family and weight.gzip / 1000 > BUDGET_KB:
            missed.append(f"{weight.name}: {weight.gzip / 1000:.1f} KB > {BUDGET_KB:.0f} KB")
        if family and weight.repeat_offline_ms is None:
            missed.append(f"{weight.name}: no repeat visit from the service worker")
    print(f"(the server compresses: {any(w.compressed_by_server for w in weights)})")
    for name, score in scores.items():
        budget = LIGHTHOUSE_BUDGETS[name]
        print(f"Lighthouse {name}: {score:.0f} (budget >= {budget})")
        if score < budget:
            missed.append(f"Lighthouse {name} {score:.0f} < {budget}")
    print("budgets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
