"""Browser tests: the real app served by Hypercorn, driven by Debian's Chromium.

One server (a subprocess running ``pwa serve`` on a fresh instance folder with the demo
data) and one browser serve the whole session, on a session-scoped event loop as
docs/offline.md describes; every test gets its own browser context, so cookies, caches and
service workers never leak from one test into the next. Chromium missing is a failure,
not a skip: `make test` installs it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    async_playwright,
)

from pwa.demo import DEMO_CHILD
from tests.helpers.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    STAND_IN_PORT,
    ServedApp,
)
from tests.helpers.browser_push import stand_in_device
from tests.helpers.browser_schedule import DemoPlan
from tests.helpers.served import Server, push_test_service_env, run


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


@pytest_asyncio.fixture(loop_scope="session")
async def notifying(context: BrowserContext, served_app: ServedApp) -> BrowserContext:
    """A context allowed to show notifications (the reminders tests)."""
    await context.grant_permissions(["notifications"], origin=served_app.url)
    return context


@pytest_asyncio.fixture(loop_scope="session")
async def fake_device(served_app: ServedApp) -> AsyncIterator[dict[str, Any]]:
    """A stand-in subscription's details; its row is removed again afterwards."""
    device = stand_in_device()
    yield device
    async with served_app.db() as db, db.transaction() as connection:
        await connection.execute(
            "DELETE FROM push_subscription WHERE endpoint = ?", (device["endpoint"],)
        )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def demo(served_app: ServedApp) -> DemoPlan:
    """The demo child's plan: its id and the visit id of each course's stay (not the demo's
    hearing test and scan, short visits beside the stays)."""
    async with served_app.db() as db:
        rows = await db.fetch_all(
            """
            SELECT visit.id, visit.course_number, child.id AS child_id
              FROM visit
              JOIN treatment_plan ON treatment_plan.id = visit.plan_id
              JOIN child ON child.id = treatment_plan.child_id
             WHERE child.nickname = ?
               AND visit.kind IN (SELECT key FROM visit_kind WHERE default_minutes IS NULL)
            """,
            (DEMO_CHILD,),
        )
    assert {row["course_number"] for row in rows} == {1, 2, 3, 4, 5}, "the demo plan"
    return DemoPlan(rows[0]["child_id"], {row["course_number"]: row["id"] for row in rows})
