"""Every page a parent, a nurse and an admin can reach by following the app's own links
from home, in Dutch (its words run longest) on a 320 px phone: it answers, fits the
screen without sideways scrolling, breaks no time range or phone number over two lines,
and axe-core finds no violation.

A crawl, not a journey: it follows each link it finds on the pages it reaches, so a
page added to a menu is checked without anyone writing a test for it. Downloads, the
calendar feed and other non-pages are left to their own tests."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from pwa.demo import DemoLogin
from pwa.diary.demo_reports import DEMO_REPLY
from tests.helpers.browser import (
    ADMIN,
    NURSE,
    PARENT,
    ServedApp,
    axe_violations,
    describe,
    figures_split_over_lines,
    horizontal_overflow,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

NARROW: ViewportSize = {"width": 320, "height": 640}
# Not pages: files, feeds, the worker, and what only makes sense as a form's answer.
SKIP = re.compile(
    r"(\.(ics|csv|json|pdf|jpg|jpeg|png|webp|webmanifest|js|css)$)|"
    r"^/(static|calendar|sw\.js|api|logout|login|offline)(/|$)|/export|/photos/|/download"
)
# Enough to reach every kind of page; lists of many children or reports repeat one kind.
MOST_PAGES = 45
# Pages that repeat one pattern (a report, a child, a visit): the first few stand for all.
PATTERNS = 3


def _pattern(path: str) -> str:
    return re.sub(r"/([0-9]+|[0-9a-f]{8}-[0-9a-f-]{27,})(?=/|$)", "/<id>", path)


async def _links(page: Page, origin: str) -> list[str]:
    hrefs: list[str] = await page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(link => link.href)"
    )
    found = []
    for href in hrefs:
        url, _ = urldefrag(href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin or SKIP.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


async def _walk(page: Page, origin: str) -> list[str]:
    """Breadth first from home over the links the pages show; every page checked."""
    queue, seen, per_pattern = ["/"], {"/"}, dict[str, int]()
    linked_from = {"/": "home"}
    checked: list[str] = []
    problems: list[str] = []
    while queue and len(checked) < MOST_PAGES:
        path = queue.pop(0)
        response = await page.goto(path)
        assert response is not None
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        checked.append(path)
        if response.status >= 400:
            problems.append(f"{path} (a link on {linked_from[path]}): HTTP {response.status}")
            continue
        if (overflow := await horizontal_overflow(page)) > 0:
            problems.append(f"{path}: {overflow} px wider than a 320 px phone")
        if split := await figures_split_over_lines(page):
            problems.append(f"{path}: broken over two lines: {', '.join(split)}")
        if violations := await axe_violations(page):
            problems.append(f"{path}: {describe(violations)}")
        for link in await _links(page, origin):
            pattern = _pattern(urlsplit(link).path)
            if link in seen or per_pattern.get(pattern, 0) >= PATTERNS:
                continue
            seen.add(link)
            linked_from[link] = path
            per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
            queue.append(link)
    assert not problems, "\n".join(problems)
    return checked


@pytest.mark.parametrize(
    ("login", "must_reach"),
    [
        (PARENT, {"/", "/diary", "/messages", "/schedule", "/settings", "/call"}),
        (NURSE, {"/nurse/queue", "/nurse/messages", "/nurse/children"}),
        (ADMIN, {"/admin/hospital", "/admin/accounts", "/admin/hospital-systems"}),
    ],
    ids=["parent", "nurse", "admin"],
)
async def test_every_page_reached_from_home_fits_a_320_px_phone_in_dutch(
    browser: Browser, served_app: ServedApp, login: DemoLogin, must_reach: set[str]
) -> None:
    context = await browser.new_context(base_url=served_app.url, locale="en-GB", viewport=NARROW)
    try:
        page = await context.new_page()
        await sign_in(page, login)
        await page.get_by_role("button", name="Nederlands").click()
        await expect(page.locator("html")).to_have_attribute("lang", "nl")
        checked = await _walk(page, served_app.url)
    finally:
        await context.close()
        # The walk changes the demo rows later tests read: the language switch is stored on
        # the account, and the parent opening the report with the demo reply reads it.
        async with served_app.db() as db, db.transaction() as connection:
            await connection.execute(
                "UPDATE account SET locale = NULL WHERE email = :email", {"email": login.email}
            )
            await connection.execute(
                "UPDATE report_reply SET read_at = NULL WHERE body = :body", {"body": DEMO_REPLY}
            )
    assert must_reach <= set(checked), f"not reached from home: {must_reach - set(checked)}"
