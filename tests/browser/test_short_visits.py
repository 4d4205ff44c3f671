"""A short visit in the browser, by clicking only: a nurse adds a scan from the child's
plan; the parent sees it on home, opens it from the timeline and downloads its calendar
file, which icalendar reads with the hospital's zone and the scan's length. The demo is
served on its own clock (faketime), the phone's clock set to the same moment."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from icalendar import Calendar, Event
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

from pwa.demo import DEMO_CHILD
from tests.helpers.browser import open_from_menu, sign_in_admin, sign_in_parent
from tests.helpers.browser_doses import AMSTERDAM, ClockedApp, clocked_demo, sign_in_nurse_on
from tests.helpers.browser_doses import tomorrow_at as server_day_at
from tests.helpers.browser_schedule import check_page
from tests.helpers.lock_screen import forbidden_in

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
PHONE: ViewportSize = {"width": 360, "height": 780}
NARROW: ViewportSize = {"width": 320, "height": 640}
MORNING = server_day_at(8, 0)
SCAN_DAY = MORNING.date() + timedelta(days=1)  # before the demo's course 2 (in 3 days)


@pytest.fixture(scope="module")
def clocked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClockedApp]:
    with clocked_demo(tmp_path_factory.mktemp("short-visits"), MORNING) as app:
        yield app


@pytest_asyncio.fixture(loop_scope="session")
async def phone(browser: Browser, clocked: ClockedApp) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(
        base_url=clocked.app.url,
        locale="en-GB",
        timezone_id="Europe/Amsterdam",
        viewport=PHONE,
        accept_downloads=True,
    )
    await context.clock.install(time=clocked.now())
    yield context
    await context.close()


async def _checked(page: Page) -> None:
    """axe-core, and nothing wider than a 320 px screen; then back to the phone's width."""
    await page.set_viewport_size(NARROW)
    await check_page(page)
    await page.set_viewport_size(PHONE)


async def _nurse_adds_a_scan(page: Page, clocked: ClockedApp) -> None:
    await sign_in_nurse_on(page, clocked)
    await open_from_menu(page, "Children")
    await page.get_by_role("link", name=DEMO_CHILD, exact=True).click()
    await page.get_by_role("link", name="Treatment plan").click()
    await page.get_by_role("link", name="Add a short visit").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Add a short visit")
    await _checked(page)
    await page.get_by_label("Kind of visit").select_option(label="Scan")
    await page.get_by_label("Title (optional)").fill("CT scan")
    await page.get_by_label("Where (department, hospital)").fill("Radiology, level 1")
    await page.get_by_label("Date", exact=True).fill(SCAN_DAY.isoformat())
    await page.get_by_label("Start time").fill("10:30")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Plan for {DEMO_CHILD}")
    await expect(page.get_by_role("link", name="CT scan")).to_be_visible()
    await _checked(page)


async def test_a_nurse_adds_a_scan_and_the_parent_sees_it_and_takes_its_calendar_file(
    browser: Browser, clocked: ClockedApp, phone: BrowserContext, tmp_path: Path
) -> None:
    """Hazard H28: by clicking only, from the nurse's plan to the parent's calendar file."""
    nurse_context = await browser.new_context(
        base_url=clocked.app.url, locale="en-GB", timezone_id="Europe/Amsterdam", viewport=PHONE
    )
    await nurse_context.clock.install(time=clocked.now())
    try:
        await _nurse_adds_a_scan(await nurse_context.new_page(), clocked)
    finally:
        await nurse_context.close()

    page = await phone.new_page()
    await sign_in_parent(page)
    card = page.get_by_role("region", name="Next: CT scan")
    await expect(card).to_contain_text("10:30, 1 hour 30 minutes")
    await expect(card).to_contain_text("tomorrow")
    await expect(card).to_contain_text("Radiology, level 1")
    await _checked(page)

    await open_from_menu(page, "Dates")
    await page.get_by_role("link", name="CT scan").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("CT scan")
    await _checked(page)
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Add to calendar").click()
    saved = tmp_path / (await download.value).suggested_filename
    await (await download.value).save_as(saved)

    calendar = Calendar.from_ical(saved.read_bytes())
    [event] = [item for item in calendar.walk("VEVENT") if isinstance(item, Event)]
    starts = datetime(SCAN_DAY.year, SCAN_DAY.month, SCAN_DAY.day, 10, 30, tzinfo=AMSTERDAM)
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTEND") == starts + timedelta(minutes=90)
    assert str(event["SUMMARY"]) == "Hospital visit: Scan"
    assert forbidden_in(saved.read_text()) == []


async def test_the_kinds_of_visit_pages_fit_a_small_phone_with_errors_showing(page: Page) -> None:
    """The admin's pages, reached by clicking: the list with an error, one kind, and the
    template's short-visit rows; nothing saved (the shared demo stays as it is)."""
    await page.set_viewport_size(NARROW)
    await sign_in_admin(page)
    await open_from_menu(page, "Admin")
    await page.get_by_role("link", name="Kinds of visit").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kinds of visit")
    await page.get_by_label("Key").fill("Bone Marrow")
    await page.get_by_label("Name in English").fill("Bone marrow test")
    await page.get_by_role("button", name="Add", exact=True).click()
    await expect(page.get_by_text("Use 2 to 40 small letters, digits or _")).to_be_visible()
    await expect(page.get_by_label("Name in English")).to_have_value("Bone marrow test")
    await check_page(page)
    await page.get_by_role("link", name="Hearing test").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Hearing test")
    await check_page(page)
    await open_from_menu(page, "Admin")
    await page.get_by_role("link", name="Treatment plan template").click()
    await expect(page.get_by_role("group", name="Short visit 1")).to_be_visible()
    await check_page(page)
