"""Phone-sized screenshots of the demo for the README: English and Dutch, and the family's
pages (home, report form, advice) in Arabic, right to left, and Turkish.

Runs the real app (`pwa demo --today` on a fresh instance, then `pwa serve` under
Debian's `faketime`, so the server's clock starts at the same moment every run) and
drives Debian's Chromium with Playwright: `make screenshots`. The pictures change only
when the pages do.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pyotp
from playwright.async_api import Page, async_playwright

from pwa.config import DEMO_TOTP_SECRET as TOTP_SECRET

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
DEMO_DAY = "2026-12-01"
# The server's clock: a Tuesday morning, shortly after a red report came in overnight.
SERVER_CLOCK = "2026-12-01 08:40:00"
CLOCK_OFFSET = [0.0]  # server time minus real time, set when the server starts
PHONE = {"width": 390, "height": 844}
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
PARENT = ("parent@demo.example", "parent-meadow-kite")
NURSE = ("nurse@demo.example", "nurse-harbour-tulip")


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _sign_in(page: Page, base: str, who: tuple[str, str], staff: bool) -> None:
    await page.goto(f"{base}/login")
    await page.locator("input[name=email]").fill(who[0])
    await page.locator("input[name=password]").fill(who[1])
    await page.locator("form button[type=submit]").first.click()
    if staff:
        await page.wait_for_url(re.compile(r"/login/code"))
        # The server's clock is faked: the code must be the one for its time.
        await page.locator("input[name=code]").fill(pyotp.TOTP(TOTP_SECRET).at(time.time() + CLOCK_OFFSET[0]))
        await page.locator("form button[type=submit]").first.click()
    await page.wait_for_url(re.compile(r"/(nurse/queue)?$"))


async def _shoot(page: Page, name: str) -> None:
    await page.wait_for_load_state("networkidle")
    await page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
    print(f"docs/screenshots/{name}.png")


async def take(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for lang in ("en", "nl", "ar", "tr"):
            family_only = lang not in ("en", "nl")
            context = await browser.new_context(
                viewport=PHONE, device_scale_factor=1, locale=lang, extra_http_headers={"Accept-Language": lang},
                service_workers="block", timezone_id="Europe/Amsterdam",
            )
            # The phone's clock too: home counts down to the next stay on the phone.
            await context.clock.install(time=time.time() + CLOCK_OFFSET[0])
            page = await context.new_page()
            await _sign_in(page, base, PARENT, staff=False)
            await _shoot(page, f"{lang}-home")
            if not family_only:
                await page.goto(f"{base}/schedule")
                await _shoot(page, f"{lang}-timeline")
            await page.goto(f"{base}/diary/new")
            await _shoot(page, f"{lang}-report-form")
            await page.locator("label[for=breathing-2]").click()
            await page.locator("form[data-report-form] button[type=submit]").click()
            await page.wait_for_timeout(500)
            await _shoot(page, f"{lang}-advice")
            await context.close()
            if family_only:
                continue
            nurse = await browser.new_context(viewport={"width": 1024, "height": 768}, locale=lang,
                                              extra_http_headers={"Accept-Language": lang}, service_workers="block")
            page = await nurse.new_page()
            await _sign_in(page, base, NURSE, staff=True)
            await page.goto(f"{base}/nurse/queue")
            await _shoot(page, f"{lang}-nurse-queue")
            await nurse.close()
            # Each staff sign-in uses up the current TOTP step.
            await asyncio.sleep(30 - (time.time() + CLOCK_OFFSET[0]) % 30 + 0.5)
        await browser.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        port = _port()
        base = f"http://127.0.0.1:{port}"
        env = {name: value for name, value in os.environ.items() if not name.startswith("PWA_")}
        env.update(PWA_INSTANCE_PATH=folder, PWA_PUBLIC_URL=base, PWA_ARGON2_TIME_COST="1",
                   PWA_ARGON2_MEMORY_KIB="64", PWA_RATE_LIMITS_ENABLED="false", PWA_SENDER_IN_APP="false")
        subprocess.run(
            ["faketime", SERVER_CLOCK, sys.executable, "-m", "pwa", "demo", "--today", DEMO_DAY], env=env, check=True
        )
        CLOCK_OFFSET[0] = datetime.fromisoformat(SERVER_CLOCK).replace(tzinfo=UTC).timestamp() - time.time()
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            ["faketime", SERVER_CLOCK, sys.executable, "-m", "pwa", "serve", "--port", str(port)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - our loopback server
                    break
                except OSError:
                    time.sleep(0.1)
            asyncio.run(take(base))
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
