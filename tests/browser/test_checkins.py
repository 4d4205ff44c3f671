"""Daily check-ins, end to end, with the server's and the phone's clocks both at 10:00 on
a day of an isotretinoin period at home (a check-in day): the nurse sees on the children
list that Sam has not reported; the parent sees home's check-in card, clicks through to
the report form and sends a report; home says the day is done, and the nurse's list says
Sam reported today. Every step is a click from home."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, ViewportSize, expect

from tests.helpers.browser import (
    assert_accessible,
    go_offline,
    horizontal_overflow,
    open_from_menu,
    service_worker_ready,
    sign_in_parent,
)
from tests.helpers.browser_diary import report_count, save_report
from tests.helpers.browser_doses import (
    ClockedApp,
    clocked_demo,
    clocked_nurse,
    clocked_phone,
    tomorrow_at,
    wait_until_kept,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
PHONE: ViewportSize = {"width": 360, "height": 780}
NARROW: ViewportSize = {"width": 320, "height": 780}
MORNING = tomorrow_at(10, 0)
DAY_MS = 24 * 3600 * 1000


@pytest.fixture(scope="module")
def clocked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClockedApp]:
    with clocked_demo(tmp_path_factory.mktemp("checkins"), MORNING) as app:
        yield app


@pytest_asyncio.fixture(loop_scope="session")
async def phone(browser: Browser, clocked: ClockedApp) -> AsyncIterator[BrowserContext]:
    async with clocked_phone(browser, clocked, PHONE) as context:
        yield context


async def wait_for_reports(clocked: ClockedApp, count: int, within: float = 15) -> None:
    deadline = time.monotonic() + within
    while (found := await report_count(clocked.app)) != count:
        assert time.monotonic() < deadline, f"{found} reports stored, expected {count}"
        await asyncio.sleep(0.1)


async def test_a_parent_checks_in_from_home_and_the_nurse_sees_who_has_not(
    phone: BrowserContext, browser: Browser, clocked: ClockedApp
) -> None:
    """Hazard H26: the ward sees the child without today's check-in; the family is asked
    on home, reaches the report form with one click, and after sending, home thanks them
    and the ward's list shows the report came."""
    nurse_context, nurse = await clocked_nurse(browser, clocked)
    sam = nurse.get_by_role("listitem").filter(has=nurse.get_by_role("link", name="Sam"))
    await expect(sam.get_by_text("Check-in day: no check-in yet")).to_be_visible()
    await nurse.get_by_role("link", name="Show only children without today's check-in").click()
    await expect(nurse.get_by_role("link", name="Sam")).to_be_visible()
    await assert_accessible(nurse)

    page = await phone.new_page()
    await sign_in_parent(page)
    card = page.get_by_role("region", name="Today is a check-in day — how is Sam?")
    await expect(card).to_be_visible()
    await assert_accessible(page)
    await page.set_viewport_size(NARROW)
    assert await horizontal_overflow(page) == 0
    await page.set_viewport_size(PHONE)
    before = await report_count(clocked.app)
    await card.get_by_role("link", name="Send today's check-in").click()
    await expect(page.get_by_role("button", name="Save report")).to_be_visible()
    await save_report(page, pain=1, temperature="36.9", note="All fine today.")
    await wait_for_reports(clocked, before + 1)
    await open_from_menu(page, "Home")
    done = page.get_by_role("region", name="Today's check-in is done — thank you")
    await expect(done).to_be_visible()
    await expect(page.get_by_text("Today is a check-in day")).to_have_count(0)
    await assert_accessible(page)
    await page.close()

    await open_from_menu(nurse, "Children")
    await expect(sam.get_by_text("Check-in day: reported today")).to_be_visible()
    await expect(
        nurse.get_by_text("0 children have a check-in day today without a report yet.")
    ).to_be_visible()
    await nurse.get_by_role("link", name="Sam").click()
    days = nurse.get_by_role("region", name="Check-in days")
    today = days.get_by_role("listitem").filter(has_text=f"{MORNING:%A} {MORNING.day} {MORNING:%B}")
    await expect(today).to_contain_text("Reported")
    await assert_accessible(nurse)
    await nurse_context.close()


async def test_home_kept_from_yesterday_says_nothing_about_todays_check_in(
    phone: BrowserContext, clocked: ClockedApp
) -> None:
    """Hazard H26: home as the phone kept it yesterday ("today's check-in is done"), opened
    offline the next morning, does not tell the family today's check-in is done: the card
    is about another day, so it goes."""
    page = await phone.new_page()
    await sign_in_parent(page)
    card = page.locator("#checkin")
    await expect(card).to_be_visible()
    await service_worker_ready(page)
    await page.reload()
    await wait_until_kept(page, "/")

    await go_offline(phone)
    await page.clock.fast_forward(DAY_MS)
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await expect(card).to_be_attached()  # the kept copy has it ...
    await expect(card).to_be_hidden()  # ... and the phone's day takes it away
    await phone.set_offline(False)
    await page.close()
