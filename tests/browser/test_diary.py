"""The report form with JavaScript: advice at once (also offline), the IndexedDB outbox,
and every report reaching the server exactly once (docs/offline.md)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Dialog, Page, Route, expect

from pwa.db import now_text
from pwa.redflags import store as redflag_store
from tests.helpers.browser import (
    PARENT,
    ServedApp,
    assert_accessible,
    go_offline,
    horizontal_overflow,
    open_from_menu,
    sign_in_parent,
)
from tests.helpers.browser_diary import (
    OUTBOX_MODULE,
    come_back_online,
    keep_form_offline,
    open_form,
    outbox,
    report_count,
    save_report,
    wait_for_outbox,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

CASES = json.loads(
    (Path(__file__).parent.parent / "redflag_cases.json").read_text(encoding="utf-8")
)["cases"]
NARROW = {"width": 320, "height": 640}
CALL_NOW = "Call the hospital now"
# The modules as static/js/diary.js imports them (relative imports carry no content hash).
REDFLAGS_MODULE = "/static/js/redflags.js"


# --- helpers ------------------------------------------------------------------


async def observed_minutes_ago(page: Page, minutes: int) -> None:
    """Type a date and time some minutes back, in the phone's own local time."""
    date, clock = await page.evaluate(
        """(minutes) => {
            const then = new Date(Date.now() - minutes * 60 * 1000);
            const pad = (value) => String(value).padStart(2, "0");
            return [`${then.getFullYear()}-${pad(then.getMonth() + 1)}-${pad(then.getDate())}`,
                    `${pad(then.getHours())}:${pad(then.getMinutes())}`];
        }""",
        minutes,
    )
    await page.get_by_label("Date", exact=True).fill(date)
    await page.get_by_label("Time", exact=True).fill(clock)


async def rows_with(served_app: ServedApp, uuids: list[str]) -> list[dict[str, Any]]:
    marks = ", ".join("?" for _ in uuids)
    async with served_app.db() as db:
        rows = await db.fetch_all(
            f"SELECT client_uuid, level, client_level FROM report WHERE client_uuid IN ({marks})",  # noqa: S608
            tuple(uuids),
        )
    return [dict(row) for row in rows]


# --- tests --------------------------------------------------------------------


async def test_a_report_logged_online_shows_advice_and_reaches_the_history(
    page: Page, served_app: ServedApp
) -> None:
    await sign_in_parent(page)
    await open_form(page)
    await assert_accessible(page)
    before = await report_count(served_app)
    uuid = await page.locator("input[name=client_uuid]").input_value()

    await save_report(page, temperature="37,2", note="Slept well <b>really</b>")
    advice = page.locator("[data-advice=green]")
    await expect(advice).to_be_visible()
    await expect(advice).to_be_focused()
    await expect(
        page.get_by_role("heading", name="Nothing urgent in what you noted")
    ).to_be_visible()
    await assert_accessible(page)

    await wait_for_outbox(page, 0)
    await expect(page.locator("[data-outbox-indicator]")).to_be_hidden()
    assert await report_count(served_app) == before + 1
    assert [row["level"] for row in await rows_with(served_app, [uuid])] == ["green"]
    # The form is empty again, with a new id for the next report.
    await expect(page.get_by_label("Temperature")).to_have_value("")
    await expect(page.locator("input[name=client_uuid]")).not_to_have_value(uuid)

    await open_from_menu(page, "Diary")
    entry = page.locator(".report-list li").filter(has=page.locator(f"a[href='/diary/{uuid}']"))
    await expect(entry.get_by_text("Nothing urgent")).to_be_visible()
    await assert_accessible(page)
    await entry.get_by_role("link").first.click()
    await expect(page.get_by_text("37.2 °C")).to_be_visible()
    await expect(page.get_by_text("Slept well <b>really</b>")).to_be_visible()


async def test_reports_written_offline_wait_and_are_sent_exactly_once(
    context: BrowserContext, page: Page, served_app: ServedApp
) -> None:
    await sign_in_parent(page)
    await keep_form_offline(page)

    await go_offline(context)
    await save_report(page, temperature="37.5")
    await expect(page.locator("[data-advice=green]")).to_be_visible()
    await wait_for_outbox(page, 1)
    await save_report(page, pain=2, note="Offline, on the train")
    await wait_for_outbox(page, 2)
    await page.reload()

    indicator = page.locator("[data-outbox-indicator]")
    await expect(indicator).to_have_text("2 reports waiting to be sent")
    waiting = page.locator("[data-outbox-list] > li")
    await expect(waiting).to_have_count(2)
    await expect(waiting.get_by_text("Not sent yet")).to_have_count(2)
    await expect(waiting.get_by_text("Offline, on the train")).to_be_visible()
    uuids = sorted(item["id"] for item in await outbox(page))
    assert len(uuids) == 2
    assert await rows_with(served_app, uuids) == []
    before = await report_count(served_app)

    await come_back_online(context, page)
    await wait_for_outbox(page, 0)
    await expect(indicator).to_be_hidden()
    await expect(page.locator("[data-outbox-summary]")).to_be_hidden()
    rows = await rows_with(served_app, uuids)
    assert sorted(row["client_uuid"] for row in rows) == uuids
    assert {row["client_level"] for row in rows} == {"green"}
    assert await report_count(served_app) == before + 2

    # Coming back to the app sends again: nothing is left, so nothing doubles.
    await page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    await page.reload()
    await wait_for_outbox(page, 0)
    assert await report_count(served_app) == before + 2


async def test_a_red_report_waiting_on_the_phone_is_listed_as_past_advice(
    context: BrowserContext, page: Page
) -> None:
    """Hazard H11: once the red advice has been shown, the outbox list names the waiting
    red report "Red: advised to call", not "Call now"."""
    await sign_in_parent(page)
    await keep_form_offline(page)
    # It stays offline: the red report never reaches the shared demo family's records.
    await go_offline(context)
    await save_report(page, pain=9)
    await expect(page.locator("[data-advice=red]")).to_be_visible()
    await wait_for_outbox(page, 1)
    row = page.locator("[data-outbox-list] > li")
    await expect(row).to_have_count(1)
    await expect(row.get_by_text("Red: advised to call")).to_be_visible()
    await expect(row.get_by_text("Call now")).to_have_count(0)
    await page.screenshot(path="/tmp/followups-outbox-red.png", full_page=True)


async def test_advice_shows_at_once_offline_and_is_accessible(
    context: BrowserContext, page: Page
) -> None:
    await sign_in_parent(page)
    await open_form(page)
    await go_offline(context)

    await save_report(page, pain=5)
    amber = page.get_by_role("status").filter(has_text="Tell the team today")
    await expect(amber).to_be_visible()
    await expect(amber.get_by_role("listitem")).to_have_text(["Pain of 4 or more"])
    await assert_accessible(page)

    await save_report(page, pain=8)
    alarm = page.get_by_role("alertdialog", name=CALL_NOW)
    await expect(alarm).to_be_visible()
    await expect(alarm).to_be_focused()
    await expect(amber).to_be_hidden()
    # The number for this moment (tests/browser/test_advice_clock.py freezes the clock).
    await expect(alarm.locator("a.button--huge:visible")).to_have_attribute(
        "href", re.compile(r"^tel:\+3130000000[01]$")
    )
    # One reason per question: the strongest (Hazard H17).
    await expect(alarm.get_by_role("listitem")).to_have_text(["Pain of 7 or more"])
    # Full screen: it covers the viewport and the page behind it is out of reach.
    box = await alarm.bounding_box()
    viewport = page.viewport_size
    assert box and viewport
    assert box["width"] >= viewport["width"] and box["height"] >= viewport["height"]
    assert await page.locator("form[data-report-form]").evaluate("form => form.inert")
    await assert_accessible(page)

    await alarm.get_by_role("button", name="Close").click()
    await expect(alarm).to_be_hidden()
    assert not await page.locator("form[data-report-form]").evaluate("form => form.inert")
    indicator = page.locator("[data-outbox-indicator]")
    await expect(indicator).to_have_text("2 reports waiting to be sent")

    # The second temperature of 38.0 or more within 24 hours is red, though the first
    # one never left the phone: the look-back counts the outbox too. (A month back, clear
    # of the demo diary's recent fever.)
    month = 30 * 24 * 60
    await observed_minutes_ago(page, month + 90)
    await save_report(page, temperature="38.1")
    await expect(page.get_by_role("status").filter(has_text="Tell the team today")).to_be_visible()
    await observed_minutes_ago(page, month)
    await save_report(page, temperature="38.0")
    await expect(alarm).to_be_visible()
    await expect(alarm.get_by_role("listitem")).to_contain_text(
        ["Temperature of 38.0 °C or higher twice within 24 hours"]
    )


async def test_browser_and_server_give_the_same_level_for_every_case(
    page: Page, served_app: ServedApp
) -> None:
    """Hazard H3, H17: the phone gives the same level, 112-first mark and shown reasons."""
    async with served_app.db() as db:
        rules = [rule.as_json() for rule in await redflag_store.select_rules(db)]
    assert rules
    await page.goto("/login")
    results = await page.evaluate(
        """async ([url, rules, cases]) => {
            const { evaluate, strongestPerItem } = await import(url);
            const now = new Date("2027-01-15T12:00:00Z");
            return cases.map((test) => {
                const earlier = (test.earlier || []).map((entry) => ({
                    observedAt: new Date(now.getTime() - entry.hours_before * 3600 * 1000),
                    items: entry.items,
                }));
                const verdict = evaluate(rules, test.items, now, earlier);
                return {
                    level: verdict.level,
                    matched: verdict.matched,
                    emergency: verdict.emergency,
                    shown: strongestPerItem(verdict.reasons).map((rule) => rule.id),
                };
            });
        }""",
        [REDFLAGS_MODULE, rules, CASES],
    )
    assert len(results) == len(CASES) > 20
    for case, result in zip(CASES, results, strict=True):
        assert result["level"] == case["level"], case["name"]
        if "matched" in case:
            assert sorted(result["matched"]) == sorted(case["matched"]), case["name"]
        # Hazards H3 and H17: 112 first for the same signs, the same reasons shown.
        if "emergency" in case:
            assert result["emergency"] is case["emergency"], case["name"]
        if "shown" in case:
            assert result["shown"] == case["shown"], case["name"]


async def test_an_ended_session_keeps_the_outbox_and_asks_to_sign_in_again(
    context: BrowserContext, page: Page, served_app: ServedApp
) -> None:
    await sign_in_parent(page)
    await open_form(page)
    await go_offline(context)
    await save_report(page, temperature="36.8")
    [kept] = await wait_for_outbox(page, 1)

    async with served_app.db() as db, db.transaction() as connection:
        await connection.execute(
            """
            UPDATE account_session SET revoked_at = :now
             WHERE revoked_at IS NULL
               AND account_id = (SELECT id FROM account WHERE email = :email)
            """,
            {"now": now_text(), "email": PARENT.email},
        )
    await come_back_online(context, page)
    prompt = page.get_by_role("link", name="Sign in again to send 1 report")
    await expect(prompt).to_be_visible()
    assert [item["id"] for item in await outbox(page)] == [kept["id"]]
    await expect(page.locator("[data-outbox-indicator]")).to_have_text(
        "1 report waiting to be sent"
    )

    await prompt.click()
    await expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)diary$"))
    await page.get_by_label("E-mail address").fill(PARENT.email)
    await page.get_by_label("Password").fill(PARENT.password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1, name="Diary")).to_be_visible()
    await wait_for_outbox(page, 0)
    assert [row["client_uuid"] for row in await rows_with(served_app, [kept["id"]])] == [kept["id"]]
    await expect(page.locator("[data-outbox-sign-in]")).to_be_hidden()


async def test_a_send_hanging_when_the_phone_comes_back_online_is_tried_again_at_once(
    page: Page, served_app: ServedApp
) -> None:
    """A report saved on a dying connection: its send hangs, the phone comes back online
    meanwhile, and then the hung request fails. The report goes at once, not at the next
    minute's timer. The browser here has no Background Sync, as on an iPhone, so nothing
    else would send it sooner."""
    await page.add_init_script("delete ServiceWorkerRegistration.prototype.sync")
    hanging, release = asyncio.Event(), asyncio.Event()

    async def hang_then_fail(route: Route) -> None:
        if hanging.is_set():
            await route.continue_()
            return
        hanging.set()
        await release.wait()
        await route.abort("internetdisconnected")

    await sign_in_parent(page)
    await open_form(page)
    await page.route("**/api/reports", hang_then_fail)
    await save_report(page, temperature="36.9")
    [kept] = await wait_for_outbox(page, 1)
    await asyncio.wait_for(hanging.wait(), 10)
    # Back online while the first send still hangs; then that send fails.
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")
    release.set()
    await wait_for_outbox(page, 0)
    assert [row["client_uuid"] for row in await rows_with(served_app, [kept["id"]])] == [kept["id"]]
    await page.unroute("**/api/reports")


async def test_a_refused_report_needs_attention_and_is_never_dropped_silently(
    page: Page,
) -> None:
    await sign_in_parent(page)
    await open_from_menu(page, "Diary")
    # A report for a child that is not this family's: the server answers `invalid`.
    await page.evaluate(
        """async (url) => {
            const outbox = await import(url);
            await outbox.add({ child_id: 999999, observed_at: new Date().toISOString(),
                               items: { pain: 1 }, note: "", corrects: null,
                               client_level: "green" });
            await outbox.flush();
        }""",
        OUTBOX_MODULE,
    )
    row = page.locator("[data-outbox-list] > li")
    problem = "Needs attention: the hospital could not accept this report."
    await expect(row.get_by_text(problem)).to_be_visible()
    await expect(row.get_by_text("This child is not linked to your account.")).to_be_visible()
    await expect(page.locator("[data-outbox-indicator]")).to_have_text(
        "1 report waiting to be sent"
    )
    [item] = await outbox(page)
    assert item["status"] == "attention"
    await assert_accessible(page)
    # Next to "Sign out": signing out would delete it.
    await open_from_menu(page, "Settings")
    await expect(
        page.get_by_text("1 report has not been sent yet. Signing out deletes it from this phone.")
    ).to_be_visible()
    await page.go_back()

    # Sending again gives the same answer; the report stays until the family removes it.
    async with page.expect_response("**/api/reports") as answer:
        await row.get_by_role("button", name="Send again").click()
    assert (await (await answer.value).json())["results"][0]["status"] == "invalid"
    await expect(row.get_by_text("This child is not linked to your account.")).to_be_visible()
    [item] = await outbox(page)
    assert item["status"] == "attention"

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.once("dialog", accept)
    await row.get_by_role("button", name="Remove from this phone").click()
    await wait_for_outbox(page, 0)
    await expect(page.locator("[data-outbox-summary]")).to_be_hidden()


async def test_the_form_checks_what_the_server_checks_and_fits_320px(
    context: BrowserContext, page: Page
) -> None:
    await page.set_viewport_size(NARROW)
    await sign_in_parent(page)
    await open_form(page)
    assert await horizontal_overflow(page) == 0

    save = page.get_by_role("button", name="Save report")
    await save.click()
    await expect(page.get_by_role("alert")).to_have_text(
        "Answer at least one question, or write a note."
    )
    temperature = page.get_by_label("Temperature")
    await temperature.fill("50")
    await page.get_by_label("Weight").fill("twelve")
    await save.click()
    await expect(page.get_by_role("alert")).to_have_text("Please check the fields marked below.")
    await expect(temperature).to_have_attribute("aria-invalid", "true")
    await expect(temperature).to_have_accessible_description(
        re.compile("Enter a value between 34.0 and 43.0 °C.")
    )
    await expect(page.get_by_label("Weight")).to_have_accessible_description(
        re.compile("Enter a number.")
    )
    await expect(temperature).to_have_value("50")
    assert await outbox(page) == []
    assert await horizontal_overflow(page) == 0
    await assert_accessible(page)

    # Fixed, it is kept; the waiting list and the header count fit the narrow screen too.
    await go_offline(context)
    await temperature.fill("36,9")
    await page.get_by_label("Weight").fill("18.25")
    await save.dblclick()  # an impatient double tap keeps one report
    await expect(page.locator("[data-advice=green]")).to_be_visible()
    [item] = await wait_for_outbox(page, 1)
    # One decimal, halves to even, as the server keeps it.
    assert item["report"]["items"] == {"temperature": 36.9, "weight": 18.2}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00[+-]\d\d:\d\d", item["report"]["observed_at"])
    await expect(page.locator("[data-outbox-summary]")).to_be_visible()
    await expect(page.get_by_text("1 report waiting to be sent")).to_have_count(2)
    assert len(await outbox(page)) == 1
    assert await horizontal_overflow(page) == 0
    await assert_accessible(page)
