"""The service worker: it activates, keeps a family's pages for offline use and nothing
else, and wipes them at sign-out (in three independent layers) and on another account."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.helpers.browser import (
    PARENT,
    cached,
    cached_pages,
    create_database,
    database_names,
    go_offline,
    open_from_menu,
    service_worker_ready,
    sign_in_parent,
    wait_for_cached_pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

HOME_HEADING = f"Hello, {PARENT.display_name}"


async def seed_pages_cache(page: Page, owner: str) -> None:
    """Put a family page into the worker's pages cache, as if kept for another account."""
    await page.evaluate(
        """async (owner) => {
            const shell = (await caches.keys()).find((name) => name.startsWith("ic-shell-"));
            const cache = await caches.open(shell.replace("ic-shell-", "ic-pages-"));
            const headers = { "Content-Type": "text/html", "X-Offline-Owner": owner,
                              "X-Offline-Cacheable": "family" };
            await cache.put("/call", new Response("<h1>someone else</h1>", { headers }));
        }""",
        owner,
    )


async def test_worker_activates_and_precaches_the_shell(page: Page) -> None:
    await page.goto("/login")
    worker = await service_worker_ready(page)
    assert worker["state"] == "activated"
    assert worker["scope"].endswith("/")
    stylesheet = await page.locator("link[rel=stylesheet]").get_attribute("href")
    shells = {
        name: entries
        for name, entries in (await cached(page)).items()
        if name.startswith("ic-shell-")
    }
    assert len(shells) == 1
    entries = next(iter(shells.values()))
    assert "/offline" in entries
    assert stylesheet in entries
    assert any(entry.startswith("/static/js/sw-register.js?v=") for entry in entries)
    assert await cached_pages(page) == []


async def test_family_page_opens_without_network(context: BrowserContext, page: Page) -> None:
    await sign_in_parent(page)
    await service_worker_ready(page)
    await page.get_by_role("link", name="When to call us").first.click()
    await page.wait_for_load_state()
    # Settings is a signed-in page, but not one a phone may keep.
    await open_from_menu(page, "Settings")
    await open_from_menu(page, "Home")
    await wait_for_cached_pages(page, ["/", "/call"])

    await go_offline(context)
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text(HOME_HEADING)
    # The page is styled from the precached stylesheet, not shown bare.
    header = page.locator(".site-header")
    assert await header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 92, 99)"

    await open_from_menu(page, "Settings")
    await expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    await expect(page.get_by_role("link", name="+31 30 000 0000", exact=True)).to_be_visible()
    await page.get_by_role("link", name="Open the start page").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(HOME_HEADING)
    assert await cached_pages(page) == ["/", "/call"]


async def test_signing_out_leaves_nothing_of_the_family(
    context: BrowserContext, page: Page
) -> None:
    await sign_in_parent(page)
    await service_worker_ready(page)
    await page.reload()
    await wait_for_cached_pages(page, ["/"])
    await create_database(page, "outbox-standin")

    await open_from_menu(page, "Settings")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/login\?signed_out=1$"))
    await expect(page.get_by_text("You are signed out.")).to_be_visible()

    await service_worker_ready(page)
    everything = [entry for entries in (await cached(page)).values() for entry in entries]
    assert "/" not in everything and "/call" not in everything
    assert await database_names(page) == []
    await go_offline(context)
    await page.goto("/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    await expect(page.get_by_text(HOME_HEADING)).to_have_count(0)


async def test_page_script_wipes_before_the_sign_out_leaves(
    context: BrowserContext, page: Page
) -> None:
    """The first layer alone: no worker, and a server answer without Clear-Site-Data."""
    await context.route("**/sw.js", lambda route: route.abort())
    await sign_in_parent(page)
    await page.evaluate(
        """async () => {
            const cache = await caches.open("ic-pages-test");
            await cache.put("/", new Response("kept"));
        }"""
    )
    await create_database(page, "outbox-standin")

    async def without_clear_site_data(route):  # type: ignore[no-untyped-def]
        response = await route.fetch(max_redirects=0)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "clear-site-data"}
        await route.fulfill(response=response, headers=headers)

    await context.route("**/logout", without_clear_site_data)
    await open_from_menu(page, "Settings")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert await cached_pages(page) == []
    assert await database_names(page) == []


async def test_worker_wipes_when_the_signed_out_page_loads(page: Page) -> None:
    """The worker's layer alone: it wipes when the page after sign-out is requested."""
    await page.goto("/login")
    await service_worker_ready(page)
    await seed_pages_cache(page, owner="someone")
    await create_database(page, "outbox-standin")
    assert await cached_pages(page) == ["/call"]

    await page.goto("/login?signed_out=1")
    assert await cached_pages(page) == []
    assert await database_names(page) == []


async def test_another_account_signing_in_drops_the_pages_kept(page: Page) -> None:
    await page.goto("/login")
    await service_worker_ready(page)
    await seed_pages_cache(page, owner="another-account")
    await create_database(page, "outbox-standin")

    await sign_in_parent(page)
    await wait_for_cached_pages(page, ["/"])
    assert await database_names(page) == []
    owner = await page.evaluate(
        """async () => {
            const name = (await caches.keys()).find((n) => n.startsWith("ic-pages-"));
            const kept = await (await caches.open(name)).match("/");
            return kept.headers.get("X-Offline-Owner");
        }"""
    )
    assert owner and owner != "another-account"
