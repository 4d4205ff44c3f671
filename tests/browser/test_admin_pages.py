"""The admin's staff accounts, hospital settings and audit log, and the family's record of
who looked: no axe-core violation (light and dark) and no sideways scrolling at 320 px."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page, expect

from tests.helpers.browser import (
    assert_accessible,
    horizontal_overflow,
    open_from_menu,
    sign_in_admin,
    sign_in_parent,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

NARROW = {"width": 320, "height": 640}


async def _fits_and_is_accessible(page: Page) -> None:
    assert await horizontal_overflow(page) == 0, page.url
    await assert_accessible(page)


async def test_staff_accounts_with_a_new_set_up_code(page: Page) -> None:
    await page.set_viewport_size(NARROW)
    await sign_in_admin(page)
    await open_from_menu(page, "Admin")
    await page.get_by_role("link", name="Staff accounts").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")
    await page.get_by_label("Name").fill("Nurse Browser Test")
    await page.get_by_label("E-mail address").fill(f"browser-{uuid.uuid4().hex[:8]}@example.org")
    await page.get_by_role("button", name="Add and make a set-up code").click()
    await expect(
        page.get_by_role("heading", name="Set-up code for Nurse Browser Test")
    ).to_be_visible()
    await _fits_and_is_accessible(page)


async def test_hospital_settings_with_errors_showing(page: Page) -> None:
    await page.set_viewport_size(NARROW)
    await sign_in_admin(page)
    await open_from_menu(page, "Admin")
    await page.get_by_role("link", name="Hospital settings").click()
    await page.get_by_label("Phone number during staffed hours").fill("call us")
    await page.get_by_role("button", name="Save the settings").click()
    await expect(page.get_by_text("Enter a phone number of 6 to 20 digits")).to_be_visible()
    await _fits_and_is_accessible(page)


async def test_audit_log_and_the_familys_record_of_who_looked(page: Page) -> None:
    await page.set_viewport_size(NARROW)
    await sign_in_admin(page)
    await open_from_menu(page, "Children")
    await page.locator("main a[href^='/nurse/children/']").first.click()
    await open_from_menu(page, "Admin")
    await page.get_by_role("link", name="Audit log").click()
    await page.get_by_label("What").select_option("child.viewed")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("tbody tr").first).to_contain_text("child.viewed")
    await _fits_and_is_accessible(page)

    await page.context.clear_cookies()
    await sign_in_parent(page)
    await open_from_menu(page, "Settings")
    await page.get_by_role("link", name="Who at the hospital looked at the data").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Who looked at the data")
    await _fits_and_is_accessible(page)
