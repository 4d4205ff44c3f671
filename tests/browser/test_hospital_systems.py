"""The admin registers a hospital system for the FHIR API and a nurse sets a child's
hospital patient number, both reached from home by clicking, on a 320 px phone, with no
axe-core violation: a private key is refused with the pasted text kept, a public key
set is registered and its client id shown."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.async_api import Page, ViewportSize, expect

from tests.helpers.browser import (
    assert_accessible,
    horizontal_overflow,
    open_from_menu,
    sign_in_admin,
    sign_in_nurse,
)
from tests.helpers.fhir import SystemKey

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

NARROW: ViewportSize = {"width": 320, "height": 640}


async def _fits_and_is_accessible(page: Page) -> None:
    assert await horizontal_overflow(page) == 0, page.url
    await assert_accessible(page)


async def test_the_admin_registers_a_hospital_system_with_its_public_keys(page: Page) -> None:
    await page.set_viewport_size(NARROW)
    await sign_in_admin(page)
    await open_from_menu(page, "Admin")
    await page.get_by_role("link", name="Hospital systems").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Hospital systems")
    name = f"HiX {uuid.uuid4().hex[:6]}"
    key = SystemKey.new("ES384")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Public key set (JWKS)").fill(json.dumps(key.private_jwks()))
    await page.get_by_label("Read the record (system/*.read)").check()
    await page.get_by_role("button", name="Register", exact=True).click()
    await expect(page.get_by_text("This key set holds a private key")).to_be_visible()
    assert (
        key.public_jwks()["keys"][0]["x"]
        in await page.get_by_label("Public key set (JWKS)").input_value()
    )
    await _fits_and_is_accessible(page)

    await page.get_by_label("Public key set (JWKS)").fill(json.dumps(key.public_jwks()))
    await page.get_by_role("button", name="Register", exact=True).click()
    await expect(page.get_by_text(f"{name} is registered. Its client id is")).to_be_visible()
    await expect(page.get_by_role("button", name=f"Switch off {name}")).to_be_visible()
    await _fits_and_is_accessible(page)


async def test_a_nurse_sets_the_hospital_patient_number_on_the_childs_page(page: Page) -> None:
    await page.set_viewport_size(NARROW)
    await sign_in_nurse(page)
    await open_from_menu(page, "Children")
    await page.locator("main a[href^='/nurse/children/']").first.click()
    field = page.get_by_role("textbox", name="Hospital patient number")
    before = await field.input_value()
    number = f"NL-{uuid.uuid4().hex[:6]}"
    await field.fill(number)
    await page.get_by_role("button", name="Save the patient number").click()
    await expect(page.get_by_text("The patient number is saved.")).to_be_visible()
    await expect(page.get_by_text(f"Patient number {number}")).to_be_visible()
    await _fits_and_is_accessible(page)
    # The demo's number is back for the tests that come after (the served app is shared).
    if before:  # the first child listed may have had none
        await field.fill(before)
        await page.get_by_role("button", name="Save the patient number").click()
        await expect(page.get_by_text(f"Patient number {before}")).to_be_visible()
