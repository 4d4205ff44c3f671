"""The admin's journey, by clicking only: from the page an admin lands on after signing in
to the red-flag rules, diary questions, reminder times, hospital settings, staff accounts
and the audit log that shows what was just done. On a phone (360 px) and on a desktop
(1366 px); axe-core on every page, and no sideways scrolling on the phone.

The served app is shared by the whole session, so the journey puts back the one setting
other tests rely on (the out-of-hours number) and adds a colleague with a fresh address.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page, expect

from tests.helpers.browser import ADMIN, assert_accessible, horizontal_overflow, sign_in_admin

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1366, "height": 900}
NEW_NUMBER = "+31 30 999 1234"


async def _fits(page: Page) -> None:
    """No sideways scrolling: neither the page nor a table inside its scrolling box."""
    assert await horizontal_overflow(page) == 0, page.url
    tables = await page.locator(".table-wrap").evaluate_all(
        "boxes => boxes.map((box) => box.scrollWidth - box.clientWidth)"
    )
    assert all(extra == 0 for extra in tables), (page.url, tables)


async def _arrived(page: Page, heading: str, narrow: bool) -> None:
    """The page with this main heading is shown, passes axe and fits a phone's width."""
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    if narrow:
        await _fits(page)
    await assert_accessible(page)


async def _admin_home(page: Page, narrow: bool) -> None:
    await page.get_by_role("navigation").get_by_role("link", name="Admin").click()
    await _arrived(page, "Admin", narrow)


async def _saved(page: Page, message: str) -> None:
    await expect(page.get_by_role("status").filter(has_text=message)).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "1366px"])
async def test_admin_reaches_every_setting_by_clicking(
    page: Page, viewport: dict[str, int]
) -> None:
    narrow = viewport["width"] < 600
    await page.set_viewport_size(viewport)
    await sign_in_admin(page, through_the_pages=True)
    # Where an admin lands: the review queue, as for every member of staff.
    await assert_accessible(page)
    await _admin_home(page, narrow)

    # Red-flag rules: open one and save it as it is.
    await page.get_by_role("link", name="Red-flag rules").click()
    await _arrived(page, "Red-flag rules", narrow)
    rule = page.locator(".rule").filter(has_text="Temperature of 38.5 °C or higher").first
    await rule.get_by_role("link", name="Edit").click()
    await _arrived(page, "Change a red-flag rule", narrow)
    await page.get_by_role("button", name="Save the rule").click()
    await _saved(page, "The rule is saved.")
    await _arrived(page, "Red-flag rules", narrow)

    # Diary questions, from the rules page's own link.
    await page.get_by_role("main").get_by_role("link", name="Diary questions").click()
    await _arrived(page, "Diary questions", narrow)
    await page.get_by_role("button", name="Save the questions").click()
    await _saved(page, "Families see these questions the next time they open the form.")
    await _arrived(page, "Diary questions", narrow)

    # Reminder times.
    await _admin_home(page, narrow)
    await page.get_by_role("link", name="Reminders").click()
    await _arrived(page, "Reminders", narrow)
    await page.get_by_role("button", name="Save the reminders").click()
    await _saved(page, "The reminders are saved")
    await _arrived(page, "Reminders", narrow)

    # Hospital settings: a new out-of-hours number is saved, then the old one put back.
    await _admin_home(page, narrow)
    await page.get_by_role("link", name="Hospital settings").click()
    await _arrived(page, "Hospital settings", narrow)
    night = page.get_by_label("Phone number for evenings, nights and weekends")
    old_number = await night.input_value()
    await night.fill(NEW_NUMBER)
    await page.get_by_role("button", name="Save the settings").click()
    await _saved(page, "The settings are saved.")
    await _arrived(page, "Hospital settings", narrow)
    await expect(night).to_have_value(NEW_NUMBER)
    await night.fill(old_number)
    await page.get_by_role("button", name="Save the settings").click()
    await _saved(page, "The settings are saved.")
    await expect(night).to_have_value(old_number)

    # Staff accounts: a new nurse gets a one-time set-up code.
    await _admin_home(page, narrow)
    await page.get_by_role("link", name="Staff accounts").click()
    await _arrived(page, "Staff accounts", narrow)
    name = f"Nurse Journey {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Name", exact=True).fill(name)
    await page.get_by_label("E-mail address").fill(f"journey-{uuid.uuid4().hex[:8]}@example.org")
    await page.get_by_label("Role", exact=True).select_option(label="Nurse")
    await page.get_by_role("button", name="Add and make a set-up code").click()
    await expect(page.get_by_role("heading", name=f"Set-up code for {name}")).to_be_visible()
    await expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    await _arrived(page, "Staff accounts", narrow)

    # The audit log shows what this admin just did, newest first.
    await _admin_home(page, narrow)
    await page.get_by_role("link", name="Audit log").click()
    await _arrived(page, "Audit log", narrow)
    await page.get_by_label("Who").select_option(label=ADMIN.display_name)
    await page.get_by_role("button", name="Search").click()
    await _arrived(page, "Audit log", narrow)
    table = page.get_by_role("region", name="Entries, newest first")
    for done in (
        "account.created",
        "hospital.updated",
        "reminders.offsets_updated",
        "diary_items.updated",
        "rules.updated",
    ):
        await expect(table.get_by_role("row").filter(has_text=done).first).to_be_visible()
    created = table.get_by_role("row").filter(has_text="account.created").first
    await expect(created).to_contain_text("(nurse)")


async def test_every_admin_page_fits_a_phone_in_dutch(page: Page) -> None:
    """Each page the admin home links to, reached by clicking, in Dutch at 360 px: Dutch
    labels are longer, and one ("Te laat om te versturen in de afgelopen 7 dagen") pushed
    the status page's numbers off the screen."""
    await page.set_viewport_size(PHONE)
    await sign_in_admin(page)
    # The language is kept with the account, and the served app is shared: put it back.
    await page.get_by_role("button", name="Nederlands").click()
    try:
        await expect(page.locator("html")).to_have_attribute("lang", "nl")
        await page.get_by_role("navigation").get_by_role("link", name="Beheer").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Beheer")
        titles = await page.locator("main ul.list a").all_inner_texts()
        assert len(titles) >= 9, titles
        for title in titles:
            await page.locator("main ul.list").get_by_role("link", name=title, exact=True).click()
            await expect(page.get_by_role("heading", level=1)).to_be_visible()
            await _fits(page)
            await assert_accessible(page)
            await page.get_by_role("main").get_by_role("link", name="Beheer").first.click()
    finally:
        await page.get_by_role("button", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
