"""Render the app icons' PNG sizes from their SVG sources with Debian's Chromium.

Run once after changing an icon; the PNGs are committed, nothing renders at run time:

    .venv/bin/python docs/tools/render_icons.py
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import async_playwright

ICONS = Path(__file__).resolve().parents[2] / "static" / "icons"
CHROMIUM = "/usr/bin/chromium"
# (source SVG, PNG written, edge in pixels)
RENDERS = (
    ("icon.svg", "icon-192.png", 192),
    ("icon.svg", "icon-512.png", 512),
    ("icon-maskable.svg", "icon-maskable-512.png", 512),
    # iOS rounds the corners itself and shows transparency as black: use the full-bleed one.
    ("icon-maskable.svg", "apple-touch-icon.png", 180),
)


async def render() -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        for source, target, edge in RENDERS:
            page = await browser.new_page(viewport={"width": edge, "height": edge})
            svg = (ICONS / source).read_text(encoding="utf-8")
            await page.set_content(
                "<!doctype html><html><body style='margin:0'>"
                f"<div style='width:{edge}px;height:{edge}px'>{svg}</div></body></html>"
            )
            await page.locator("svg").evaluate(
                "svg => { svg.style.width = svg.style.height = '100%'; }"
            )
            await page.screenshot(path=str(ICONS / target), omit_background=True)
            await page.close()
            print(f"{target}: {edge}x{edge}")
        await browser.close()


if __name__ == "__main__":
    asyncio.run(render())
