"""The family's whole way around the app on a 360 px phone, in English and in Dutch: after
signing in, every goal is reached from home only by clicking what is on the screen (no
typed addresses), with axe-core on every page on the way."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, Page, expect

from pwa.demo import DEMO_CHILD
from pwa.diary.demo_reports import DEMO_REPLY
from pwa.i18n import translate
from tests.helpers.browser import (
    PARENT,
    ServedApp,
    assert_accessible,
    horizontal_overflow,
    service_worker_ready,
    sign_in_parent,
)
from tests.helpers.browser_push import FAKE_PUSH_MANAGER

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

PHONE = {"width": 360, "height": 780}
SMALL_PHONE = {"width": 320, "height": 640}
LANGUAGES = {"en": "English", "nl": "Nederlands"}


@pytest_asyncio.fixture(loop_scope="session")
async def parent_restored(served_app: ServedApp) -> AsyncIterator[None]:
    """The journey reads the demo reply and picks a language: undo both for other tests."""
    yield
    async with served_app.db() as db, db.transaction() as connection:
        await connection.execute(
            "UPDATE report_reply SET read_at = NULL WHERE body = :body", {"body": DEMO_REPLY}
        )
        await connection.execute(
            "UPDATE account SET locale = NULL WHERE email = :email", {"email": PARENT.email}
        )


async def fits(page: Page) -> None:
    """No sideways scrolling on the smallest phone we support."""
    await page.set_viewport_size(SMALL_PHONE)  # type: ignore[arg-type]
    assert await horizontal_overflow(page) == 0, f"{page.url} scrolls sideways at 320 px"
    await page.set_viewport_size(PHONE)  # type: ignore[arg-type]


async def menu(page: Page, name: str) -> None:
    await (
        page.get_by_role("navigation", name=re.compile("^(Main|Hoofdmenu)$"))
        .get_by_role("link", name=name, exact=True)
        .click()
    )


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_a_parent_reaches_everything_by_clicking(
    notifying: BrowserContext,
    page: Page,
    served_app: ServedApp,
    fake_device: dict[str, Any],
    parent_restored: None,
    language: str,
) -> None:
    """Hazard H1: from home a parent reaches the diary form, advice, history, trends, a
    reply, the calendar, reminders, the data download, the access log and sign-out by
    clicking alone. Hazard H12: the reply banner quotes the reply and opens it."""

    def t(message: str, **values: Any) -> str:
        return translate(language, message, **values)

    await notifying.add_init_script(f"({FAKE_PUSH_MANAGER})({json.dumps(fake_device)})")
    await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    await sign_in_parent(page)
    await service_worker_ready(page)
    switch = page.get_by_role("button", name=LANGUAGES[language])
    if await switch.get_attribute("aria-pressed") != "true":
        await switch.click()
    await expect(page.locator("html")).to_have_attribute("lang", language)

    # Home: the diary first, the install card under it, the reply quoted.
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text(t("Hello, %(name)s", name=PARENT.display_name))
    log = page.get_by_role(
        "link", name=t("How is %(child)s today? — log symptoms", child=DEMO_CHILD)
    )
    await expect(log).to_be_visible()
    assert await page.locator("main a.button").first.text_content() == await log.text_content()
    banner = page.locator(".banner--reply")
    await expect(banner).to_contain_text(DEMO_REPLY.splitlines()[0][:60])
    await assert_accessible(page)
    await fits(page)

    # Log symptoms: a green report and its advice.
    await log.click()
    await expect(heading).to_have_text(t("How is %(name)s?", name=DEMO_CHILD))
    await assert_accessible(page)
    await fits(page)
    await page.get_by_label(t("Temperature")).fill("37.2")
    await page.get_by_role("button", name=t("Save report")).click()
    advice = page.locator("[data-advice=green]")
    await expect(advice).to_be_visible()
    await expect(advice.get_by_role("heading", level=2)).to_have_text(
        t("Nothing urgent in what you noted")
    )
    await assert_accessible(page)

    # History, and trends from there.
    await menu(page, t("Diary"))
    await expect(heading).to_have_text(t("Diary"))
    await expect(page.locator(".report-item").first).to_contain_text(re.compile(r"37[.,]2 °C"))
    await expect(page.get_by_role("link", name=t("New report"))).to_be_visible()
    await assert_accessible(page)
    await fits(page)
    await page.get_by_role("link", name=t("Trends"), exact=True).click()
    await expect(page.get_by_role("heading", level=2, name=t("Trends"))).to_be_visible()
    await assert_accessible(page)

    # The nurse's reply, from the banner on home.
    await menu(page, t("Home"))
    await banner.get_by_role("link").first.click()
    await expect(page.get_by_text(DEMO_REPLY.splitlines()[1])).to_be_visible()
    await assert_accessible(page)

    # A visit, added to the calendar by hand.
    await menu(page, t("Dates"))
    await expect(heading).to_have_text(t("Treatment dates"))
    await expect(page.locator(".timeline-today")).to_be_visible()
    await assert_accessible(page)
    stay = t("Course %(course)s: %(kind)s", course=2, kind=t("Hospital stay"))
    await page.get_by_role("link", name=stay).click()
    await expect(heading).to_have_text(stay)
    await assert_accessible(page)
    async with page.expect_download() as download:
        await page.get_by_role("link", name=t("Add to calendar")).click()
    assert (await download.value).suggested_filename.endswith(".ics")

    # The calendar subscription, made and switched off again.
    await menu(page, t("Settings"))
    await page.get_by_role("link", name=t("Your calendar link")).click()
    await expect(heading).to_have_text(t("Dates in your phone's calendar"))
    await assert_accessible(page)
    await page.get_by_role("button", name=t("Make a calendar link")).click()
    await expect(page.get_by_role("textbox", name=t("Calendar link"))).to_have_value(
        re.compile(r"/calendar/\w+\.ics$")
    )
    await page.get_by_role("button", name=t("Switch the link off")).click()
    await expect(page.get_by_text(t("You have no calendar link at the moment."))).to_be_visible()

    # Reminders on this phone (a stand-in push service; the server stores the device).
    await page.locator("main").get_by_role("link", name=t("Settings"), exact=True).click()
    await page.get_by_role("link", name=t("Reminders on this phone")).click()
    await expect(heading).to_have_text(t("Reminders"))
    await assert_accessible(page)
    await page.get_by_role("button", name=t("Switch on reminders on this phone")).click()
    await expect(page.get_by_text(t("Reminders are on for this phone."))).to_be_visible()
    await page.get_by_role("button", name=t("Switch off reminders on this phone")).click()
    await expect(page.get_by_text(t("Reminders are off on this phone."))).to_be_visible()

    # The family's data, downloaded.
    await menu(page, t("Settings"))
    await page.get_by_role("link", name=t("Download our data")).click()
    await expect(heading).to_have_text(t("Download our data"))
    await assert_accessible(page)
    async with page.expect_download() as download:
        await page.get_by_role("link", name=t("Spreadsheet (CSV)")).click()
    assert (await download.value).suggested_filename.endswith(".csv")

    # Who at the hospital looked.
    await menu(page, t("Settings"))
    await page.get_by_role("link", name=t("Who at the hospital looked at the data")).click()
    await expect(heading).to_have_text(t("Who looked at the data"))
    await assert_accessible(page)

    # Signing out, from Settings.
    await menu(page, t("Settings"))
    await assert_accessible(page)
    await page.get_by_role("button", name=t("Sign out")).click()
    await page.wait_for_url("**/login**")
    await expect(heading).to_have_text(t("Sign in"))
