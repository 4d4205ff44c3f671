"""A nurse's shift by clicking only, on a phone and at a desk: queue -> report -> claim ->
reply and outcome -> child page -> move a visit in the plan -> invite a caregiver ->
exports. axe-core runs on every page passed, in light and dark."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Download, Page, expect

from tests.helpers.browser import ServedApp, assert_accessible, horizontal_overflow, sign_in_nurse
from tests.helpers.browser_families import add_report, new_family

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

# Each width gets a family of its own (the plan edit and invite change its record).
WIDTHS = {360: ("Lotte", "Marit"), 1366: ("Daan", "Joost")}


async def downloaded_text(download: Download) -> str:
    path = Path(await download.path())
    return await asyncio.to_thread(path.read_text, encoding="utf-8")


async def check_page(page: Page) -> None:
    await assert_accessible(page)
    assert await horizontal_overflow(page) == 0, page.url


@pytest.mark.parametrize("width", sorted(WIDTHS))
async def test_a_nurse_handles_a_red_report_and_the_childs_record_by_clicking(
    browser: Browser, served_app: ServedApp, width: int
) -> None:
    """Hazards H8, H9 and H15 in one shift: the nurse claims, reviews, replies, and finds
    the family's plan, invite and exports without typing a URL."""
    family = await new_family(served_app, *WIDTHS[width], with_plan=True)
    nickname = family.nickname
    await add_report(served_app, family, {"temperature": 39.6, "pain": 3})
    context = await browser.new_context(
        base_url=served_app.url, locale="en-GB", viewport={"width": width, "height": 900}
    )
    try:
        page = await context.new_page()
        await sign_in_nurse(page, through_the_pages=True)

        # The queue is the nurse's home; the item says what was reported.
        await expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
        item = page.locator(".queue-item", has_text=nickname)
        await expect(item.locator(".tag")).to_have_text("Red")
        await expect(item.locator(".queue-summary")).to_have_text(
            "Temperature 39.6\u00a0°C · Pain 3/10"
        )
        await check_page(page)
        await item.get_by_role("link").click()

        # The report: nobody holds it until the nurse says so.
        await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Report of"))
        await expect(page.get_by_text("Nobody is handling this report yet.")).to_be_visible()
        await check_page(page)
        await page.get_by_role("button", name="I will handle this report").click()
        await expect(page.get_by_text("You are handling this report since")).to_be_visible()
        await expect(page.get_by_role("heading", name="Call the family")).to_be_visible()
        await page.get_by_label("Outcome").select_option("phoned")
        await page.get_by_label("Reply to the family (optional)").fill(
            f"We phoned you; bring {nickname} in this evening."
        )
        await page.get_by_role("button", name="Save review").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
        await expect(page.locator(".queue-item", has_text=nickname)).to_have_count(0)

        # The child's page, from the menu.
        await page.get_by_role("link", name="Children").click()
        await page.get_by_role("link", name=nickname, exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(nickname)
        await expect(page.get_by_role("heading", name="Reports")).to_be_visible()
        await check_page(page)

        # The plan: move the last visit by a day through its form.
        await page.get_by_role("link", name="Treatment plan").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Plan for {nickname}")
        await check_page(page)
        await page.get_by_role("link", name=re.compile(r"^Course \d+:")).last.click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Change visit")
        await check_page(page)
        for label in ("Start date", "End date"):
            field = page.get_by_label(label, exact=True)
            moved = date.fromisoformat(await field.input_value()) + timedelta(days=1)
            await field.fill(moved.isoformat())
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Plan for {nickname}")
        await page.get_by_role("link", name=f"Back to {nickname}").click()

        # An invite for a caregiver.
        await expect(page.get_by_role("heading", level=1)).to_have_text(nickname)
        await page.get_by_label("Who is this invite for?").fill("aunt")
        await page.get_by_role("button", name="Make an invite").click()
        code = page.locator("section.card--code")
        await expect(code.get_by_role("heading", name=f"New invite for {nickname}")).to_be_visible()
        await check_page(page)

        # Exports: the CSV and the FHIR bundle download; the printable report opens.
        async with page.expect_download() as csv_download:
            await page.get_by_role("button", name="CSV").click()
        csv_file = await csv_download.value
        assert csv_file.suggested_filename.endswith(".csv")
        assert "temperature" in (await downloaded_text(csv_file)).lower()
        async with page.expect_download() as fhir_download:
            await page.get_by_role("button", name="FHIR bundle (JSON)").click()
        fhir_file = await fhir_download.value
        assert fhir_file.suggested_filename.endswith(".fhir.json")
        bundle = json.loads(await downloaded_text(fhir_file))
        assert bundle["resourceType"] == "Bundle"
        async with page.expect_navigation() as printed:
            await page.get_by_role("button", name="Printable report").click()
        response = await printed.value
        assert response is not None and response.status == 200
        await expect(page).to_have_url(re.compile(r"/nurse/children/\d+/print"))
        await expect(page.locator("main")).to_contain_text(nickname)
    finally:
        await context.close()
