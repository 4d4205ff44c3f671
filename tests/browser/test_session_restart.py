"""A family stays signed in when the browser (or the phone) restarts,
so an installed app never strands its outbox behind a sign-in; a nurse on a ward computer
is signed out when the browser closes. Chromium with a profile on disk, closed and
opened again, as a phone or a ward computer does (docs/access.md, "Sessions")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Playwright, expect

from tests.helpers.browser import (
    PARENT,
    ServedApp,
    persistent_context,
    sign_in_nurse,
    sign_in_parent,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


async def test_a_family_stays_signed_in_after_a_browser_restart(
    playwright: Playwright, served_app: ServedApp, tmp_path: Path
) -> None:
    profile = tmp_path / "phone"
    async with persistent_context(playwright, profile, served_app.url) as context:
        page = context.pages[0] if context.pages else await context.new_page()
        await sign_in_parent(page)
    async with persistent_context(playwright, profile, served_app.url) as context:
        page = context.pages[0] if context.pages else await context.new_page()
        await page.goto("/")
        await expect(page).to_have_url(f"{served_app.url}/")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Hello, {PARENT.display_name}"
        )


async def test_a_nurse_is_signed_out_when_the_browser_closes(
    playwright: Playwright, served_app: ServedApp, tmp_path: Path
) -> None:
    profile = tmp_path / "ward-computer"
    async with persistent_context(playwright, profile, served_app.url) as context:
        page = context.pages[0] if context.pages else await context.new_page()
        await sign_in_nurse(page)
    async with persistent_context(playwright, profile, served_app.url) as context:
        page = context.pages[0] if context.pages else await context.new_page()
        await page.goto("/")
        await expect(page).to_have_url(re.compile(r"/login(\?|$)"))
        await expect(page.get_by_label("E-mail address")).to_be_visible()
