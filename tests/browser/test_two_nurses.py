"""Two nurses, two browsers, one red report (hazards H8, H9): nurse A claims it with the
button; nurse B sees who handles it since when, in the queue and on the report, and takes
it over only after confirming; B's change of outcome is shown with its history and is in
the audit log."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from pwa.db import from_db
from tests.helpers.browser import (
    ADMIN,
    NURSE,
    ServedApp,
    assert_accessible,
    sign_in_admin,
    sign_in_nurse,
)
from tests.helpers.browser_families import Family, add_report, new_family

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

AMS = ZoneInfo("Europe/Amsterdam")


@asynccontextmanager
async def staff_page(browser: Browser, served_app: ServedApp, width: int) -> AsyncIterator[Page]:
    context = await browser.new_context(
        base_url=served_app.url, locale="en-GB", viewport={"width": width, "height": 900}
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def claim_row(served_app: ServedApp, uid: str) -> tuple[str, str] | None:
    """(holder's name, since HH:MM in the ward's time) as stored."""
    async with served_app.db() as db:
        row = await db.fetch_one(
            """
            SELECT account.display_name, report_claim.claimed_at FROM report_claim
              JOIN report ON report.id = report_claim.report_id
              JOIN account ON account.id = report_claim.nurse_id
             WHERE report.client_uuid = :uid
            """,
            {"uid": uid},
        )
    if row is None:
        return None
    return row["display_name"], from_db(row["claimed_at"]).astimezone(AMS).strftime("%H:%M")


async def audit_rows(served_app: ServedApp, uid: str) -> list[tuple[str, str]]:
    async with served_app.db() as db:
        rows = await db.fetch_all(
            """
            SELECT audit_log.action, account.display_name FROM audit_log
              JOIN account ON account.id = audit_log.actor_id
             WHERE audit_log.detail LIKE :uid AND audit_log.action != 'report.viewed'
             ORDER BY audit_log.id
            """,
            {"uid": f"{uid}%"},
        )
    return [(row["action"], row["display_name"]) for row in rows]


async def open_from_queue(page: Page, marker: str) -> None:
    """Click the queue item that says ``marker`` (its child's name)."""
    item = page.locator(".queue-item", has_text=marker)
    await item.get_by_role("link").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Report of"))


async def test_a_second_nurse_sees_the_claim_and_must_confirm_a_take_over(
    browser: Browser, served_app: ServedApp
) -> None:
    """Hazard H8 and H9: claims are visible and never taken over silently; an outcome
    change is shown with its history and audited."""
    family = await new_family(served_app, "Fenna", "Ineke")
    marker = family.nickname
    uid = await add_report(served_app, family, {"temperature": 40.4, "breathing": "fast"})
    async with (
        staff_page(browser, served_app, 360) as nurse_a,
        staff_page(browser, served_app, 1366) as nurse_b,
    ):
        await sign_in_nurse(nurse_a)
        await expect(nurse_a.get_by_role("heading", level=1)).to_have_text("Review queue")
        await open_from_queue(nurse_a, marker)
        await expect(nurse_a.get_by_text("Nobody is handling this report yet.")).to_be_visible()
        assert await claim_row(served_app, uid) is None  # opening claims nothing
        await nurse_a.get_by_role("button", name="I will handle this report").click()
        await expect(nurse_a.get_by_text("You are handling this report since")).to_be_visible()
        claimed = await claim_row(served_app, uid)
        assert claimed is not None and claimed[0] == NURSE.display_name
        since = claimed[1]

        await sign_in_admin(nurse_b)
        await nurse_b.get_by_role("link", name="Queue").click()
        item = nurse_b.locator(".queue-item", has_text=marker)
        await expect(item).to_contain_text(f"Being handled by {NURSE.display_name} since {since}")
        await assert_accessible(nurse_b)
        await open_from_queue(nurse_b, marker)
        await expect(
            nurse_b.get_by_text(f"Being handled by {NURSE.display_name} since {since}.")
        ).to_be_visible()
        await assert_accessible(nurse_b)

        await nurse_b.get_by_role("button", name=f"Take over from {NURSE.display_name}").click()
        await expect(nurse_b.get_by_role("heading", level=1)).to_have_text("Take over this report?")
        await assert_accessible(nurse_b)
        # Asking changed nothing yet.
        assert (await claim_row(served_app, uid) or ("", ""))[0] == NURSE.display_name
        assert await audit_rows(served_app, uid) == [("report.claimed", NURSE.display_name)]
        await nurse_b.get_by_role(
            "button", name=f"Yes, take over from {NURSE.display_name}"
        ).click()
        await expect(nurse_b.get_by_text("You are handling this report since")).to_be_visible()
        assert (await claim_row(served_app, uid) or ("", ""))[0] == ADMIN.display_name

        await nurse_a.reload()
        await expect(
            nurse_a.get_by_text(f"Being handled by {ADMIN.display_name} since")
        ).to_be_visible()

        await nurse_b.get_by_label("Outcome").select_option("phoned")
        await nurse_b.get_by_role("button", name="Save review").click()
        await expect(nurse_b.get_by_role("heading", level=1)).to_have_text("Review queue")
        await open_from_child_page(nurse_b, family, uid)
        outcome = nurse_b.locator("section", has=nurse_b.get_by_role("heading", name="Outcome"))
        await expect(outcome.locator(".outcome")).to_have_text("Phoned the family")
        await nurse_b.get_by_label("New outcome").select_option("come_in")
        await nurse_b.get_by_role("button", name="Change outcome").click()
        await expect(outcome.locator(".outcome")).to_have_text("Asked the family to come in")
        history = nurse_b.locator(".review-history")
        await expect(history).to_contain_text(f"{ADMIN.display_name} recorded “Phoned the family”")
        await expect(history).to_contain_text(
            f"{ADMIN.display_name} changed the outcome from “Phoned the family” to "
            "“Asked the family to come in”"
        )
        await assert_accessible(nurse_b)

        await nurse_a.reload()
        await expect(nurse_a.locator(".review-history")).to_contain_text(
            "to “Asked the family to come in”"
        )
        await assert_accessible(nurse_a)

    assert await audit_rows(served_app, uid) == [
        ("report.claimed", NURSE.display_name),
        ("report.claim_taken_over", ADMIN.display_name),
        ("report.reviewed", ADMIN.display_name),
        ("report.outcome_changed", ADMIN.display_name),
    ]
    async with served_app.db() as db:
        change = await db.fetch_one(
            "SELECT detail FROM audit_log WHERE action = 'report.outcome_changed' AND detail LIKE ?",
            (f"{uid}%",),
        )
    assert change is not None and change["detail"] == f"{uid} phoned -> come_in"


async def open_from_child_page(page: Page, family: Family, uid: str) -> None:
    """A reviewed report has left the queue: reach it through the child's page."""
    await page.get_by_role("link", name="Children").click()
    await page.get_by_role("link", name=family.nickname, exact=True).click()
    await page.locator(f'a[href="/nurse/reports/{uid}"]').first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Report of"))
