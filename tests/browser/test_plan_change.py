"""A nurse moves course 3 by a week, by clicking from the nurse's start page; the spacing
warning offers to move courses 4 and 5 too; the parent then sees, on home and on the
timeline reached through the menu, what each date was and what it is now."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

from pwa import dates
from pwa.demo import DEMO_CHILD
from tests.helpers.browser import ServedApp, horizontal_overflow, sign_in_nurse, sign_in_parent
from tests.helpers.browser_schedule import DemoPlan, check_page, demo_rows_restored, spoken

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

WIDE: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 780}
WEEK = timedelta(days=7)
MEDICATION = "Isotretinoin capsules at home"
# The shipped template: isotretinoin on days 19 to 32 of each course.
FIRST_DAY, LAST_DAY = 19, 32


def short(day: date) -> str:
    """A date as the pages write it in English: '9 Apr', with the year outside this year."""
    return dates.day(day, "en_GB")


def medication_days(course_start: date) -> tuple[date, date]:
    return course_start + timedelta(days=FIRST_DAY - 1), course_start + timedelta(days=LAST_DAY - 1)


@pytest_asyncio.fixture(loop_scope="session")
async def second_context(browser: Browser, served_app: ServedApp) -> AsyncIterator[BrowserContext]:
    """The parent's own browser, next to the nurse's."""
    fresh = await browser.new_context(base_url=served_app.url, locale="en-GB")
    yield fresh
    await fresh.close()


async def _show(page: Page, name: str) -> None:
    """axe-core, nothing wider than the screen, and a picture to look at."""
    await check_page(page, narrow=False)
    assert await horizontal_overflow(page) == 0, f"{page.url} scrolls sideways"
    width = page.viewport_size["width"] if page.viewport_size else 0
    await page.screenshot(path=f"/tmp/plans-{name}-{width}.png", full_page=True)


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1366px", "360px"])
async def test_nurse_moves_course_3_and_later_courses_and_the_parent_sees_was_and_now(
    page: Page,
    second_context: BrowserContext,
    demo: DemoPlan,
    served_app: ServedApp,
    viewport: ViewportSize,
) -> None:
    """Hazard H4: the moved course's medication moves with it, on the nurse's plan and the
    family's pages. Hazard H5: the nurse is warned before courses come closer than the
    template's spacing, and can move the later courses along; the family sees old and new."""
    nurse = page
    starts = {course: demo.course_start(course) for course in (3, 4, 5)}
    async with demo_rows_restored(served_app, demo.visits[3]):
        await nurse.set_viewport_size(viewport)
        await sign_in_nurse(nurse)
        await check_page(nurse, narrow=False)
        await (
            nurse.get_by_role("navigation", name="Main")
            .get_by_role("link", name="Children")
            .click()
        )
        await expect(nurse.get_by_role("heading", level=1)).to_have_text("Children")
        await check_page(nurse, narrow=False)
        await nurse.get_by_role("link", name=DEMO_CHILD, exact=True).click()
        await expect(nurse.get_by_role("heading", level=1)).to_contain_text(DEMO_CHILD)
        await check_page(nurse, narrow=False)
        await nurse.get_by_role("link", name="Treatment plan").click()
        await expect(nurse.get_by_role("heading", level=1)).to_have_text(f"Plan for {DEMO_CHILD}")
        medication = nurse.get_by_role("table", name="Home medication")
        first, last = medication_days(starts[3])
        await expect(medication.get_by_role("row").nth(3)).to_contain_text(
            f"{short(first)} – {short(last)}"
        )
        await expect(medication.get_by_role("row").nth(3)).to_contain_text(
            f"days {FIRST_DAY} to {LAST_DAY} of the course"
        )
        await _show(nurse, "nurse-plan")

        await nurse.get_by_role("link", name="Course 3: Hospital stay").click()
        await expect(nurse.get_by_label("Start date")).to_have_value(starts[3].isoformat())
        await check_page(nurse, narrow=False)
        await nurse.get_by_label("Start date").fill((starts[3] + WEEK).isoformat())
        await nurse.get_by_label("End date").fill(
            (starts[3] + WEEK + timedelta(days=6)).isoformat()
        )
        await nurse.get_by_role("button", name="Save", exact=True).click()

        warning = nurse.get_by_role("alert")
        await expect(warning).to_contain_text("Courses would come closer than the plan's spacing")
        await expect(warning).to_contain_text("Course 4 would start 28 days after course 3 starts.")
        await _show(nurse, "nurse-spacing-warning")
        await nurse.get_by_role(
            "button", name="Save and also move courses 4 and 5 by 7 days"
        ).click()

        await expect(nurse.get_by_role("heading", level=1)).to_have_text(f"Plan for {DEMO_CHILD}")
        visits = nurse.get_by_role("table").first
        for course in (3, 4, 5):
            row = visits.get_by_role("row").filter(
                has=nurse.get_by_role("link", name=f"Course {course}: Hospital stay")
            )
            await expect(row).to_contain_text(f"{short(starts[course] + WEEK)} 09:00")
            await expect(row.get_by_role("cell").last).to_have_text("Changed")
            first, last = medication_days(starts[course] + WEEK)
            await expect(medication.get_by_role("row").nth(course)).to_contain_text(
                f"{short(first)} – {short(last)}"
            )
        await check_page(nurse, narrow=False)

        # The parent, on their own phone or computer, sees it on home without a click.
        parent = await second_context.new_page()
        await parent.set_viewport_size(viewport)
        await sign_in_parent(parent)
        banner = parent.locator(".banner--changed")
        await expect(banner.get_by_role("heading")).to_have_text(
            "Treatment dates changed since you last looked"
        )
        await expect(banner).to_contain_text(
            f"Hospital stay of course 3: was {spoken(starts[3])} at 09:00,"
            f" now {spoken(starts[3] + WEEK)} at 09:00"
        )
        old_first, old_last = medication_days(starts[3])
        new_first, new_last = medication_days(starts[3] + WEEK)
        await expect(banner).to_contain_text(
            f"{MEDICATION} (course 3): was {short(old_first)} – {short(old_last)},"
            f" now {short(new_first)} – {short(new_last)}"
        )
        await expect(banner.get_by_role("listitem")).to_have_count(6)
        await _show(parent, "family-banner")

        await (
            parent.get_by_role("navigation", name="Main").get_by_role("link", name="Dates").click()
        )
        await expect(parent.get_by_role("heading", level=1)).to_have_text("Treatment dates")
        timeline = parent.locator("ol.timeline")
        await expect(timeline).to_contain_text(f"From {short(new_first)} to {short(new_last)}.")
        await expect(timeline).not_to_contain_text(f"From {short(old_first)} to")
        await expect(timeline).to_contain_text(f"{spoken(starts[5] + WEEK)} at 09:00")
        await _show(parent, "family-timeline")
