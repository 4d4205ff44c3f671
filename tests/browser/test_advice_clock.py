"""The red advice on the phone at a frozen moment (Playwright's clock, the hospital's time
zone): out of hours it dials the out-of-hours number first, in staffed hours the daytime
number, and a life-threatening sign puts "Call 112" first, online and offline."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.helpers.browser import (
    ServedApp,
    assert_accessible,
    go_offline,
    horizontal_overflow,
    open_from_menu,
    open_report_form,
    sign_in_parent,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PHONE = {"width": 360, "height": 780}
DAYTIME = "tel:+31300000000"
OUT_OF_HOURS = "tel:+31300000001"
THURSDAY, SATURDAY, TUESDAY = 3, 5, 1  # date.weekday()


def last(weekday: int, hour: int, minute: int = 0) -> datetime:
    """The most recent such weekday before today, in the hospital's zone (a report the
    server accepts: in the past, and well within its 90 days)."""
    today = datetime.now(AMSTERDAM).date()
    back = (today.weekday() - weekday) % 7 or 7
    day: date = today - timedelta(days=back)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM)


@pytest_asyncio.fixture(loop_scope="session")
async def phone(browser: Browser, served_app: ServedApp) -> AsyncIterator[BrowserContext]:
    """A phone in the Netherlands: the hospital's zone, 360 px wide."""
    context = await browser.new_context(
        base_url=served_app.url, locale="en-GB", timezone_id="Europe/Amsterdam", viewport=PHONE
    )
    yield context
    await context.close()


async def report_form_at(phone: BrowserContext, moment: datetime) -> Page:
    """Sign in with the phone's clock at `moment`, then open the report form from home."""
    page = await phone.new_page()
    await page.clock.set_fixed_time(moment)
    await sign_in_parent(page)
    await open_report_form(page)
    assert await page.evaluate("() => new Date().getTime()") == int(moment.timestamp() * 1000)
    return page


async def visible_calls(alarm: Locator) -> list[str]:
    """The tel: links the family sees in the advice, top to bottom."""
    links = alarm.locator("a[href^='tel:']:visible")
    return [
        await links.nth(index).get_attribute("href") or "" for index in range(await links.count())
    ]


async def save_red(page: Page, *, breathing_hard: bool = False) -> Locator:
    if breathing_hard:
        await (
            page.get_by_role("group", name=re.compile("breathing", re.IGNORECASE))
            .get_by_label(re.compile("hard", re.IGNORECASE))
            .check()
        )
    else:
        await page.locator("label[for=pain-8]").click()
    await page.get_by_role("button", name="Save report").click()
    alarm = page.get_by_role("alertdialog")
    await expect(alarm).to_be_visible()
    return alarm


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
@pytest.mark.parametrize(
    ("moment", "first", "name"),
    [
        (last(THURSDAY, 23, 30), OUT_OF_HOURS, "thursday-night"),
        (last(SATURDAY, 10), OUT_OF_HOURS, "saturday-morning"),
        (last(TUESDAY, 10), DAYTIME, "tuesday-morning"),
    ],
    ids=["thursday 23:30", "saturday 10:00", "tuesday 10:00"],
)
async def test_red_advice_dials_the_number_for_that_moment(
    phone: BrowserContext, moment: datetime, first: str, name: str, offline: bool
) -> None:
    """Hazard H2: at night and at weekends the big call button is the out-of-hours number."""
    page = await report_form_at(phone, moment)
    if offline:
        await go_offline(phone)
    alarm = await save_red(page)
    await expect(page.get_by_role("alertdialog", name="Call the hospital now")).to_be_visible()
    other = DAYTIME if first == OUT_OF_HOURS else OUT_OF_HOURS
    assert await visible_calls(alarm) == [first, other]
    big = alarm.locator("a.button--huge:visible")
    await expect(big).to_have_count(1)
    await expect(big).to_have_attribute("href", first)
    number = first.removeprefix("tel:")
    await expect(big).to_have_text(f"Call {number[:3]} {number[3:5]} {number[5:8]} {number[8:]}")
    await expect(alarm.get_by_role("link", name="Call 112")).to_be_hidden()
    await expect(alarm.get_by_role("listitem")).to_have_text(["Pain of 7 or more"])  # H17
    # What the ward does with the report, for that moment too.
    promise = alarm.locator("[data-promise]:visible")
    await expect(promise).to_have_count(1)
    await expect(promise).to_have_text(
        "The ward sees your report too: a nurse reads it within 30 minutes and calls you back."
        if first == DAYTIME
        else "Nobody reads reports in the app now (only Monday to Friday, 08:00-17:00). "
        "Call: do not wait for a reply."
    )
    if not offline:
        await assert_accessible(page)
        await page.screenshot(path=f"/tmp/safety-red-{name}.png")
    await page.close()


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
async def test_a_life_threatening_sign_puts_112_first(phone: BrowserContext, offline: bool) -> None:
    """Hazard H3: trouble breathing at night: "Call 112" first and biggest, then the ward's
    out-of-hours number, and it all fits 320 px."""
    page = await report_form_at(phone, last(THURSDAY, 23, 30))
    if offline:
        await go_offline(phone)
    alarm = await save_red(page, breathing_hard=True)
    await expect(page.get_by_role("alertdialog", name="Call 112 now")).to_be_visible()
    assert (await visible_calls(alarm))[:2] == ["tel:112", OUT_OF_HOURS]
    emergency = alarm.get_by_role("link", name="Call 112", exact=True)
    hospital = alarm.get_by_role("link", name="Call +31 30 000 0001")
    first_box, second_box = await emergency.bounding_box(), await hospital.bounding_box()
    assert first_box and second_box
    assert first_box["y"] + first_box["height"] <= second_box["y"]
    assert first_box["height"] >= 44 and first_box["width"] >= 300
    await expect(alarm.get_by_text("Call the hospital now")).to_be_hidden()
    if not offline:
        await assert_accessible(page)
        await page.screenshot(path="/tmp/safety-red-112.png")
        await page.set_viewport_size({"width": 320, "height": 640})
        assert await horizontal_overflow(page) == 0
        await page.screenshot(path="/tmp/safety-red-112-320.png")
    # A later pain report on the same form, without the sign, no longer puts 112 first.
    await alarm.get_by_role("button", name="Close").click()
    alarm = await save_red(page)
    assert "tel:112" not in await visible_calls(alarm)
    await page.close()


@pytest.mark.parametrize(
    ("moment", "first", "name"),
    [(last(THURSDAY, 23, 30), OUT_OF_HOURS, "night"), (last(TUESDAY, 10), DAYTIME, "day")],
    ids=["thursday 23:30", "tuesday 10:00"],
)
async def test_the_call_card_on_the_phone_says_which_number_applies_now(
    phone: BrowserContext, moment: datetime, first: str, name: str
) -> None:
    """Hazard H2: the card's "right now" number follows the phone's clock, not the page's age."""
    page = await phone.new_page()
    await page.clock.set_fixed_time(moment)
    await sign_in_parent(page)
    await page.get_by_role("link", name="When to call us").first.click()
    await expect(page.get_by_role("heading", name="When to call us", level=2)).to_be_visible()
    card = page.locator(".card--call")
    now = card.locator("a.button--huge:visible")
    await expect(now).to_have_count(1)
    await expect(now).to_have_attribute("href", first)
    assert set((await visible_calls(card))[1:]) == {DAYTIME, OUT_OF_HOURS}
    assert await horizontal_overflow(page) == 0
    await assert_accessible(page)
    await page.screenshot(path=f"/tmp/safety-call-card-{name}.png", full_page=True)
    await page.close()


@pytest.mark.parametrize(
    ("moment", "name"),
    [(last(THURSDAY, 23, 30), "night"), (last(TUESDAY, 10), "day")],
    ids=["thursday 23:30", "tuesday 10:00"],
)
async def test_home_keeps_the_wards_promise_by_the_phones_clock(
    phone: BrowserContext, moment: datetime, name: str
) -> None:
    """Hazard H19: after a red report, home says what the ward will do: at night that nobody
    reads the app now, with the out-of-hours number; by day that a nurse reads it and calls
    back."""
    page = await report_form_at(phone, moment)
    alarm = await save_red(page)
    await alarm.get_by_role("button", name="Close").click()
    await expect(page.locator("[data-outbox-list] > li")).to_have_count(0)
    await open_from_menu(page, "Home")
    card = page.locator(".card--waiting")
    await expect(card.get_by_role("heading", name=re.compile("with the ward"))).to_be_visible()
    if name == "night":
        await expect(card.get_by_text("Nobody reads reports in the app now")).to_be_visible()
        await expect(card.get_by_text("Do not wait for a reply: call")).to_be_visible()
        await expect(card.locator(f"a[href='{OUT_OF_HOURS}']")).to_be_visible()
        await expect(card.get_by_text("A nurse reads it within 30 minutes")).to_be_hidden()
    else:
        await expect(card.get_by_text("A nurse reads it within 30 minutes")).to_be_visible()
        await expect(card.locator(f"a[href='{DAYTIME}']")).to_be_visible()
        await expect(card.get_by_text("Nobody reads reports in the app now")).to_be_hidden()
    await assert_accessible(page)
    await page.set_viewport_size({"width": 320, "height": 640})
    assert await horizontal_overflow(page) == 0
    await page.screenshot(path=f"/tmp/promise-home-{name}.png", full_page=True)
    await page.close()
