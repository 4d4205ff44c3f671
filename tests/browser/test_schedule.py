"""The treatment plan in the browser (docs/offline.md): the family's next visit and timeline, the
schedule kept for offline use until sign-out, the change banner after a nurse moves a
visit, the "what to bring" ticks, and axe-core and 320 px checks for every role's pages.

Staff sign in once per module (TOTP codes are single-use per step) and every test opens
its own context from that saved state. The one test that changes the plan puts the demo
rows back as they were, so the other browser tests see the demo family unchanged.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, Route, ViewportSize, expect

from pwa import dates
from pwa.demo import DEMO_CHILD
from tests.helpers.browser import (
    PARENT,
    ServedApp,
    cached,
    cached_pages,
    go_offline,
    open_from_menu,
    service_worker_ready,
    sign_in_admin,
    sign_in_nurse,
    sign_in_parent,
)
from tests.helpers.browser_schedule import (
    HOSPITAL,
    DemoPlan,
    check_page,
    demo_rows_restored,
    spoken,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

NARROW: ViewportSize = {"width": 320, "height": 640}
STAY_DAYS = 7
# A moved visit moves its course's medication too: the banner names both.
CHANGED_BANNER = "Treatment dates changed since you last looked"
PACKED = ("Phone and tablet chargers", "Favourite cuddly toy, blanket or pillow")
NOT_PACKED = "Toiletries, including lip balm"


# --- staff, signed in once per module --------------------------------------------


async def _saved_sign_in(
    browser: Browser, url: str, path: Path, sign_in: Callable[[Page], Awaitable[None]]
) -> Path:
    context = await browser.new_context(base_url=url, locale="en-GB")
    try:
        await sign_in(await context.new_page())
        await context.storage_state(path=path)
    finally:
        await context.close()
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def nurse_state(
    browser: Browser, served_app: ServedApp, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("nurse")
    return await _saved_sign_in(browser, served_app.url, folder / "state.json", sign_in_nurse)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def admin_state(
    browser: Browser, served_app: ServedApp, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("admin")
    return await _saved_sign_in(browser, served_app.url, folder / "state.json", sign_in_admin)


async def _page_with_state(browser: Browser, url: str, state: Path) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=url, locale="en-GB", storage_state=state)
    try:
        yield await context.new_page()
    finally:
        await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def nurse(browser: Browser, served_app: ServedApp, nurse_state: Path) -> AsyncIterator[Page]:
    async for page in _page_with_state(browser, served_app.url, nurse_state):
        yield page


@pytest_asyncio.fixture(loop_scope="session")
async def admin(browser: Browser, served_app: ServedApp, admin_state: Path) -> AsyncIterator[Page]:
    async for page in _page_with_state(browser, served_app.url, admin_state):
        yield page


# --- helpers ---------------------------------------------------------------------


async def wait_until_kept(page: Page, path: str, within: float = 5) -> None:
    """The worker keeps a family page just after serving it: wait until it has."""
    deadline = time.monotonic() + within
    while path not in (found := await cached_pages(page)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} not kept for offline use; kept: {found}")
        await asyncio.sleep(0.05)


async def sign_out(page: Page) -> None:
    await open_from_menu(page, "Settings")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_text("You are signed out.")).to_be_visible()


async def stored_ticks(page: Page) -> dict[str, str]:
    return await page.evaluate(  # type: ignore[no-any-return]
        "() => Object.fromEntries(Object.entries(localStorage))"
    )


# --- 1. the next visit and the timeline ----------------------------------------------


async def test_parent_sees_the_next_visit_with_its_countdown_and_the_timeline(
    page: Page, demo: DemoPlan
) -> None:
    admission = demo.next_admission
    await sign_in_parent(page)

    card = page.locator("section.card--next")
    await expect(card.get_by_role("heading", level=2)).to_have_text("Course 2 of 5")
    await expect(card.locator(".next-when")).to_have_text(
        f"Hospital stay starts {spoken(admission)} at 09:00, in 3 days"
    )
    await expect(card.get_by_text("Where: Ward 5 (immunotherapy)")).to_be_visible()
    await expect(card.get_by_text("Please be at the ward desk at 09:00.")).to_be_visible()
    await expect(page.get_by_text(CHANGED_BANNER)).to_have_count(0)

    await page.get_by_role("link", name="See all dates").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Treatment dates")
    await expect(page.locator(".last-updated")).to_have_text(re.compile(r"^Last updated: \S"))
    visits = page.locator(".timeline-item:not(.timeline-item--medication)")
    # The demo's hearing test before course 1 and its scan after course 2's stay, in order.
    await expect(visits.get_by_role("heading", level=2)).to_have_text(
        [
            "Hearing test",
            "Course 1: Hospital stay",
            "Course 2: Hospital stay",
            "MIBG scan",
            *(f"Course {course}: Hospital stay" for course in range(3, 6)),
        ]
    )
    stays = page.locator(".timeline-item:not(.timeline-item--medication)", has_text="Hospital stay")
    for course in range(1, 6):
        first = demo.course_start(course)
        last = first + timedelta(days=STAY_DAYS - 1)
        await expect(stays.nth(course - 1)).to_contain_text(
            f"{spoken(first)} at 09:00 until {spoken(last)}"
        )
    await expect(stays.nth(0)).to_have_class(re.compile(r"\btimeline-item--past\b"))
    await expect(stays.nth(0).locator(".timeline-status")).to_have_text("Done")
    await expect(stays.nth(1)).not_to_have_class(re.compile(r"\btimeline-item--past\b"))
    await expect(stays.nth(1).locator(".timeline-status")).to_have_text("Confirmed")
    await expect(stays.nth(2).locator(".timeline-status")).to_have_text("Planned")
    # Isotretinoin at home on days 19-32 of each course; the demo's course 1 period runs
    # on until the day before course 2's stay, so it is still going today.
    medication = page.locator(".timeline-item--medication")
    await expect(medication.get_by_role("heading")).to_have_text(
        ["Isotretinoin capsules at home"] * 5
    )
    last_dose_day = dates.day(admission - timedelta(days=1), "en_GB")
    await expect(medication.nth(0)).to_contain_text(f" to {last_dose_day}.")
    await expect(medication.nth(0)).not_to_have_class(re.compile(r"\btimeline-item--past\b"))
    await expect(medication.nth(1)).not_to_have_class(re.compile(r"\btimeline-item--past\b"))

    await page.get_by_role("link", name="Course 2: Hospital stay").click()
    await expect(page).to_have_url(re.compile(rf"/schedule/visits/{demo.visits[2]}$"))
    facts = page.locator("dl.facts")
    await expect(facts.locator("dd").first).to_have_text(f"{spoken(admission)} at 09:00")
    await expect(facts).to_contain_text("Ward 5 (immunotherapy)")


# --- 2. offline, and gone after sign-out -----------------------------------------------


async def test_schedule_opens_offline_with_its_time_until_sign_out(
    context: BrowserContext, page: Page
) -> None:
    await sign_in_parent(page)
    await service_worker_ready(page)
    await open_from_menu(page, "Dates")
    await wait_until_kept(page, "/schedule")
    updated = page.locator(".last-updated")
    shown = await updated.inner_text()
    rendered_at = datetime.fromisoformat(str(await updated.get_attribute("data-rendered-at")))
    assert abs(datetime.now(UTC) - rendered_at) < timedelta(minutes=1)
    local = rendered_at.astimezone(HOSPITAL)
    assert shown == f"Last updated: {local:%a} {local.day} {local:%b}, {local:%H:%M}", shown

    await go_offline(context)
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Treatment dates")
    await expect(updated).to_have_text(shown)
    assert await updated.get_attribute("data-rendered-at") == rendered_at.isoformat()
    await expect(page.get_by_role("link", name="Course 2: Hospital stay")).to_be_visible()

    await context.set_offline(False)
    await sign_out(page)
    await service_worker_ready(page)
    everything = [entry for entries in (await cached(page)).values() for entry in entries]
    assert "/schedule" not in everything, everything
    await go_offline(context)
    # Whoever picks the phone up next presses Back until the dates the family saw.
    for _ in range(3):
        if page.url.endswith("/schedule"):
            break
        await page.go_back()
    assert page.url.endswith("/schedule"), page.url
    await expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    await expect(page.get_by_text("Last updated")).to_have_count(0)


# --- 3. a nurse moves a visit; the family sees it -------------------------------------


async def test_parent_sees_the_change_banner_after_a_nurse_moves_a_visit(
    page: Page, nurse: Page, demo: DemoPlan, served_app: ServedApp
) -> None:
    # The last course a day later: no course comes closer than the spacing, so no warning.
    course = 5
    moved_from = demo.course_start(course)
    moved_to = moved_from + timedelta(days=1)
    async with demo_rows_restored(served_app, demo.visits[course]):
        await sign_in_parent(page)
        await expect(page.locator("section.card--next")).to_be_visible()
        await expect(page.get_by_text(CHANGED_BANNER)).to_have_count(0)

        # The nurse moves course 4 a day later through the plan page and the edit form.
        # Signed in already (saved state): from the start page, as a nurse opens the app.
        await nurse.goto("/")
        await open_from_menu(nurse, "Children")
        await nurse.locator(f"main a[href='/nurse/children/{demo.child_id}']").first.click()
        await nurse.get_by_role("link", name="Treatment plan").click()
        row = nurse.get_by_role("row").filter(
            has=nurse.get_by_role("link", name=f"Course {course}: Hospital stay")
        )
        await row.get_by_role("link").click()
        await expect(nurse.get_by_role("heading", level=1)).to_have_text(
            f"Change visit · {DEMO_CHILD}"
        )
        await expect(nurse.get_by_label("Start date")).to_have_value(
            demo.course_start(course).isoformat()
        )
        await nurse.get_by_label("Start date").fill(moved_to.isoformat())
        await nurse.get_by_label("End date").fill(
            (moved_to + timedelta(days=STAY_DAYS - 1)).isoformat()
        )
        await nurse.get_by_role("button", name="Save").click()
        await expect(nurse).to_have_url(re.compile(rf"/nurse/children/{demo.child_id}/plan$"))
        await expect(row.get_by_role("cell").last).to_have_text("Changed")
        await expect(row).to_contain_text(f"{moved_to.day} {moved_to:%b %Y} 09:00")

        # The family's home page tells them, and so does the schedule.
        await page.reload()
        banner = page.locator(".banner--changed")
        await expect(banner.get_by_role("heading")).to_have_text(CHANGED_BANNER)
        items = banner.get_by_role("listitem")
        await expect(items).to_have_count(2)
        await expect(items.first).to_have_text(
            f"Hospital stay of course {course}: was {spoken(moved_from)} at 09:00,"
            f" now {spoken(moved_to)} at 09:00"
        )
        await expect(items.last).to_contain_text(
            f"Isotretinoin capsules at home (course {course}): was "
        )
        await page.get_by_role("link", name="See all dates").click()
        await expect(banner.get_by_role("heading")).to_have_text(CHANGED_BANNER)
        # The stay and its course's medication period, both marked.
        await expect(page.locator(".timeline-item--changed")).to_have_count(2)
        item = page.locator(".timeline-item--changed").first
        await expect(item.get_by_role("heading")).to_have_text(f"Course {course}: Hospital stay")
        await expect(item).to_contain_text(f"{spoken(moved_to)} at 09:00")
        # Once, not "Changed Changed since you last looked".
        await expect(item.locator(".tag")).to_have_text(["Changed since you last looked"])
        await page.set_viewport_size(NARROW)
        await check_page(page)

        await banner.get_by_role("button", name="Got it").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Treatment dates")
        await expect(page.get_by_text(CHANGED_BANNER)).to_have_count(0)
        await expect(page.locator(".timeline-item--changed")).to_have_count(0)
        await page.goto("/")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Hello, {PARENT.display_name}"
        )
        await expect(page.get_by_text(CHANGED_BANNER)).to_have_count(0)


# --- 4 and 5. axe-core on every page, no sideways scrolling at 320 px ------------------


async def test_family_plan_pages_are_accessible_and_fit_a_small_phone(
    page: Page, demo: DemoPlan
) -> None:
    await page.set_viewport_size(NARROW)
    await sign_in_parent(page)
    await expect(page.get_by_role("heading", name="What to bring")).to_be_visible()
    await check_page(page, strict=True)

    await open_from_menu(page, "Dates")
    # Five stays, five medication periods, the demo's hearing test and scan.
    await expect(page.locator(".timeline-item")).to_have_count(12)
    await check_page(page, strict=True)

    await page.locator(f"main a[href='/schedule/visits/{demo.visits[2]}']").first.click()
    await expect(page.get_by_role("heading", name="Note from the care team")).to_be_visible()
    await check_page(page)

    await open_from_menu(page, "Settings")
    await page.get_by_role("link", name="Your calendar link").click()
    await expect(page.get_by_text("You have no calendar link at the moment.")).to_be_visible()
    await check_page(page)
    # The page as it shows a new link once, then switched off again for the other tests.
    await page.get_by_role("button", name="Make a calendar link").click()
    await expect(page.get_by_role("textbox", name="Calendar link")).to_have_value(
        re.compile(r"/calendar/\w+\.ics$")
    )
    await expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    await check_page(page)
    await page.get_by_role("button", name="Switch the link off").click()
    await expect(page.get_by_text("You have no calendar link at the moment.")).to_be_visible()


async def test_nurse_plan_pages_are_accessible(
    nurse: Page, demo: DemoPlan, served_app: ServedApp
) -> None:
    await nurse.set_viewport_size(NARROW)
    # From home by clicking: Children, the child, the treatment plan.
    await nurse.goto("/")
    await open_from_menu(nurse, "Children")
    await nurse.get_by_role("link", name=DEMO_CHILD, exact=True).click()
    await nurse.get_by_role("link", name="Treatment plan").click()
    await expect(nurse.get_by_role("heading", level=1)).to_have_text(f"Plan for {DEMO_CHILD}")
    # A header, five stays, the demo's hearing test and scan.
    await expect(nurse.get_by_role("table").first.get_by_role("row")).to_have_count(8)
    await expect(
        nurse.get_by_role("table", name="Home medication").get_by_role("row")
    ).to_have_count(6)
    await check_page(nurse, strict=True)

    await nurse.locator(f"main a[href$='/visits/{demo.visits[2]}']").first.click()
    await expect(nurse.get_by_role("heading", level=1)).to_have_text(f"Change visit · {DEMO_CHILD}")
    await check_page(nurse)
    # The form's warning and error states; neither saves anything (a bug would).
    async with demo_rows_restored(served_app, demo.visits[2]):
        course_1 = demo.course_start(1)
        await nurse.get_by_label("Start date").fill(course_1.isoformat())
        await nurse.get_by_label("End date").fill((course_1 + timedelta(days=2)).isoformat())
        await nurse.get_by_role("button", name="Save").click()
        await expect(nurse.get_by_role("alert").first).to_contain_text("This visit overlaps:")
        # Course 3 on course 1's days is also far too close to course 2: both are shown.
        await expect(nurse.get_by_role("alert").last).to_contain_text(
            "Courses would come closer than the plan's spacing"
        )
        await expect(
            nurse.get_by_label("Save even though it overlaps another visit")
        ).not_to_be_checked()
        await check_page(nurse)

        await nurse.get_by_label("End date").fill((course_1 - timedelta(days=1)).isoformat())
        await nurse.get_by_role(
            "button", name="Save, leave the later courses where they are"
        ).click()
        await expect(nurse.get_by_text("The end must be after the start.")).to_be_visible()
        await check_page(nurse)

    await open_from_menu(nurse, "Next 14 days")
    await expect(nurse.get_by_role("row").filter(has_text=DEMO_CHILD)).to_contain_text(
        "Course 2: Hospital stay"
    )
    await check_page(nurse)


async def test_admin_plan_pages_are_accessible(admin: Page) -> None:
    await admin.goto("/")
    await open_from_menu(admin, "Admin")
    await admin.get_by_role("main").get_by_role("link", name="Treatment plan template").click()
    await expect(admin.get_by_role("heading", level=1)).to_have_text("Treatment plan template")
    await check_page(admin, narrow=False)
    await admin.get_by_role("main").get_by_role("link", name="Admin").first.click()
    await admin.get_by_role("main").get_by_role("link", name="What to bring").click()
    await expect(admin.get_by_role("heading", level=1)).to_have_text("What to bring")
    await check_page(admin, narrow=False)


# --- 6. "what to bring" ticks -------------------------------------------------------------


async def tick_and_reload(page: Page, visit_id: int) -> None:
    """Tick two items for the next visit, reload, and find them still ticked."""
    bring = page.get_by_role("region", name="What to bring")
    for item in PACKED:
        await bring.get_by_role("checkbox", name=item).check()
    # On a loaded machine the ticks can land before packing.js has run (it keeps them
    # when it starts); reload only once they are stored, as a person would much later.
    await page.wait_for_function(
        "([key, count]) => JSON.parse(localStorage.getItem(key) || '[]').length === count",
        arg=[f"pwa:packing:{visit_id}", len(PACKED)],
    )
    await page.reload()
    for item in PACKED:
        await expect(bring.get_by_role("checkbox", name=item)).to_be_checked()
    await expect(bring.get_by_role("checkbox", name=NOT_PACKED)).not_to_be_checked()
    ticks = await stored_ticks(page)
    assert len(json.loads(ticks[f"pwa:packing:{visit_id}"])) == len(PACKED), ticks


async def test_ticks_survive_a_reload_but_not_a_sign_out(page: Page, demo: DemoPlan) -> None:
    await sign_in_parent(page)
    await tick_and_reload(page, demo.visits[2])

    await sign_out(page)
    assert await stored_ticks(page) == {}
    await sign_in_parent(page)
    await page.wait_for_load_state()
    assert await stored_ticks(page) == {}
    for item in PACKED:
        await expect(page.get_by_role("checkbox", name=item)).not_to_be_checked()


async def test_a_tick_made_before_the_script_ran_is_kept(
    browser: Browser, served_app: ServedApp, demo: DemoPlan
) -> None:
    """A quick finger on a slow phone ticks an item before packing.js has run: the script
    must keep that tick (and remember it), not reset the box to what storage held."""

    # No service worker, so that the script comes from the network where it can be held.
    context = await browser.new_context(
        base_url=served_app.url, locale="en-GB", service_workers="block"
    )
    page = await context.new_page()
    await sign_in_parent(page)
    script_asked = asyncio.Event()
    release = asyncio.Event()

    async def slow_script(route: Route) -> None:
        script_asked.set()
        await release.wait()
        await route.continue_()

    await context.route("**/js/packing*.js*", slow_script)
    await page.reload(wait_until="commit")
    await script_asked.wait()
    bring = page.get_by_role("region", name="What to bring")
    await bring.get_by_role("checkbox", name=PACKED[0]).check()
    release.set()
    await page.wait_for_load_state()
    await expect(bring.get_by_role("checkbox", name=PACKED[0])).to_be_checked()
    ticks = await stored_ticks(page)
    await context.close()
    assert len(json.loads(ticks[f"pwa:packing:{demo.visits[2]}"])) == 1, ticks


async def without_clear_site_data(route: Route) -> None:
    """The sign-out answer as a browser that ignores Clear-Site-Data sees it."""
    response = await route.fetch(max_redirects=0)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "clear-site-data"}
    await route.fulfill(response=response, headers=headers)


async def test_sign_out_script_wipes_the_ticks_by_itself(
    context: BrowserContext, page: Page, demo: DemoPlan
) -> None:
    """Without Clear-Site-Data (a browser that ignores it) the page script still wipes."""

    await sign_in_parent(page)
    await tick_and_reload(page, demo.visits[2])
    await context.route("**/logout", without_clear_site_data)
    await sign_out(page)
    assert await stored_ticks(page) == {}


async def test_sign_out_wipes_even_when_switching_reminders_off_hangs(
    context: BrowserContext, page: Page, demo: DemoPlan
) -> None:
    """A push service or worker that never answers must not let the sign-out leave (after
    its time limit) with the family's data still on the phone: the wipe does not wait."""

    await context.add_init_script(
        "navigator.serviceWorker.getRegistration = () => new Promise(() => {});"
    )
    await sign_in_parent(page)
    await tick_and_reload(page, demo.visits[2])
    await context.route("**/logout", without_clear_site_data)
    await sign_out(page)
    assert await stored_ticks(page) == {}
