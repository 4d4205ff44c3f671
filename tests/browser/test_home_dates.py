"""Home opened offline days later counts down from the phone's clock and says how old it
is; dates read the same from the server and from the page's scripts in both languages."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import BrowserContext, Page, expect

from pwa import dates
from tests.helpers.browser import cached_pages, go_offline, service_worker_ready, sign_in_parent
from tests.helpers.browser_diary import keep_form_offline, outbox, save_report, wait_for_outbox

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

DAY_MS = 24 * 3600 * 1000
HOSPITAL = ZoneInfo("Europe/Amsterdam")


async def kept(page: Page, path: str, within: float = 5) -> None:
    deadline = time.monotonic() + within
    while path not in await cached_pages(page):
        assert time.monotonic() < deadline, f"{path} not kept for offline use"
        await asyncio.sleep(0.05)


async def test_offline_home_two_days_later_counts_down_from_the_phone_clock(
    context: BrowserContext, page: Page
) -> None:
    """Hazard H7: the kept home page opened offline two days later says "tomorrow", not
    the frozen "in 3 days", shows when it was last updated, and drops the countdown once
    the stay has begun."""
    await page.clock.install()
    await sign_in_parent(page)
    await service_worker_ready(page)
    await page.reload()
    await kept(page, "/")
    when = page.locator("section.card--next .next-when")
    countdown = when.locator("[data-countdown] strong")
    await expect(countdown).to_have_text("in 3 days")
    updated = page.locator(".last-updated")
    shown = await updated.inner_text()
    rendered = datetime.fromisoformat(str(await updated.get_attribute("data-rendered-at")))
    assert shown == f"Last updated: {dates.moment(rendered, 'en_GB')}"

    await go_offline(context)
    await page.clock.fast_forward(2 * DAY_MS)
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Hello"))
    await expect(countdown).to_have_text("tomorrow")
    await expect(updated).to_have_text(shown)
    await expect(updated).to_be_visible()

    # Two more days: the stay has begun, so the copy's countdown cannot be right at all.
    await page.clock.fast_forward(2 * DAY_MS)
    await page.reload()
    await expect(when.locator("[data-countdown]")).to_be_hidden()
    assert "days" not in await when.inner_text()
    await expect(updated).to_have_text(shown)


# A moment of last year as each language writes it (what Chromium's ICU writes).
WRITTEN_LAST_YEAR = {
    "nl": "wo 3 dec 2025, 14:05",
    "ar": "الأربعاء، 3 ديسمبر 2025، 14:05",
    "pl": "śr., 3 gru 2025, 14:05",
    "tr": "3 Ara 2025 Çar 14:05",
    "uk": "ср, 3 груд. 2025 р., 14:05",
}

SAMPLES = (
    datetime.now(UTC).replace(microsecond=0),
    datetime.now(UTC).replace(month=1, day=2, hour=23, minute=30, second=0, microsecond=0),
    datetime(2025, 12, 3, 13, 5, tzinfo=UTC),
    datetime(2031, 6, 30, 6, 0, tzinfo=UTC),
)


async def script_dates(page: Page, moments: list[str]) -> list[list[str]]:
    return await page.evaluate(  # type: ignore[no-any-return]
        """async (moments) => {
            const d = await import("/static/js/dates.js");
            return moments.map((text) => {
                const moment = new Date(text);
                return [d.formatMoment(moment), d.formatDay(moment),
                        d.formatLongDay(moment), d.formatClock(moment)];
            });
        }""",
        moments,
    )


@pytest.mark.parametrize(
    ("language", "button", "region"),
    [
        ("en", "English", "en_GB"),
        ("nl", "Nederlands", "nl_NL"),
        ("ar", "العربية", "ar"),
        ("pl", "Polski", "pl_PL"),
        ("tr", "Türkçe", "tr_TR"),
        ("uk", "Українська", "uk_UA"),
    ],
)
async def test_server_and_scripts_write_the_same_dates(
    page: Page, language: str, button: str, region: str
) -> None:
    """Hazard H18: one way of writing dates per language; the page's scripts (the outbox
    list) write exactly what the server writes, years only outside this year."""
    await page.goto("/login")
    await page.get_by_role("button", name=button).click()
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await expect(page.locator("html")).to_have_attribute(
        "data-region", region.replace("_", "-") + "-u-nu-latn"
    )
    written = await script_dates(page, [moment.isoformat() for moment in SAMPLES])
    for moment, script in zip(SAMPLES, written, strict=True):
        local = moment.astimezone(HOSPITAL)
        server = [
            dates.moment(moment, region),
            dates.day(local, region),
            dates.long_day(local, region),
            dates.clock(local, region),
        ]
        assert script == server, (moment, script, server)
    this_year, _, last_year, _ = written
    assert str(SAMPLES[0].year) not in this_year[0] and "2025" in last_year[0]
    # English as in Britain, never the browser's American default.
    if language == "en":
        assert re.fullmatch(r"Wed, 3 Dec 2025, 14:05", last_year[0]), last_year[0]
    else:
        # Each language's own order and words, in Latin digits (Arabic too).
        assert last_year[0] == WRITTEN_LAST_YEAR[language]


async def test_the_outbox_list_writes_dates_like_the_server(
    context: BrowserContext, page: Page
) -> None:
    """Hazard H18: a report waiting in the outbox shows its time as the server would (it
    showed the browser's US style in English)."""
    await sign_in_parent(page)
    await keep_form_offline(page)
    await go_offline(context)
    await save_report(page, temperature="37.1")
    await wait_for_outbox(page, 1)
    [waiting] = await outbox(page)
    observed = datetime.fromisoformat(waiting["report"]["observed_at"])
    row = page.locator("[data-outbox-list] [data-row-when]").first
    await expect(row).to_have_text(dates.moment(observed, "en_GB"))
