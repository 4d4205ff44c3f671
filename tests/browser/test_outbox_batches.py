"""The outbox packs its batches by size too, and a report the server can never take never
holds back the others (docs/offline.md, "Sending"): before, 50 long reports made a body over the
server's 256 KB, the server answered 413, and the phone retried the same 50 for ever."""

from __future__ import annotations

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect

from tests.helpers.browser import ServedApp, go_offline, sign_in_parent
from tests.helpers.browser_diary import (
    OUTBOX_MODULE,
    come_back_online,
    keep_form_offline,
    outbox,
    report_count,
    wait_for_outbox,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

REPORTS = 60
NOTE_CHARACTERS = 1900  # under the 2,000 a note may hold
# "€" is three bytes in UTF-8: 60 such notes make about 340 KB, 50 of them about 285 KB.
NOTE_TEXT = "Koorts €"
POISON_AT = 5


async def write_offline(
    page: Page, *, count: int = REPORTS, poison_at: int | None = POISON_AT
) -> list[str]:
    """Save the reports through the outbox module, as the form does, oldest first.

    The report at ``POISON_AT`` has a note far larger than any batch may be: a phone with
    an old copy of the page, or a bug, could hold one. Resolves with the ids in order.
    """
    return await page.evaluate(  # type: ignore[no-any-return]
        """async ({ module, count, characters, text, poisonAt }) => {
            const { add } = await import(module);
            const context = JSON.parse(document.getElementById("diary-context").textContent);
            const ids = [];
            for (let index = 0; index < count; index += 1) {
                const label = `Report ${String(index).padStart(2, "0")}: `;
                const length = index === poisonAt ? 300 * 1024 : characters;
                const note = (label + text.repeat(length)).slice(0, length);
                const observed = new Date(Date.now() - (count - index) * 60 * 1000);
                ids.push(await add({
                    id: crypto.randomUUID(), child_id: context.child_id,
                    observed_at: observed.toISOString(), items: { pain: 1 }, note, corrects: null,
                }));
                // Saved one after another, as a family would: the outbox keeps that order.
                await new Promise((resolve) => setTimeout(resolve, 3));
            }
            return ids;
        }""",
        {
            "module": OUTBOX_MODULE,
            "count": count,
            "characters": NOTE_CHARACTERS,
            "text": NOTE_TEXT,
            "poisonAt": -1 if poison_at is None else poison_at,
        },
    )


async def test_sixty_long_reports_all_arrive_once_in_order_past_one_that_never_can(
    context: BrowserContext, page: Page, served_app: ServedApp
) -> None:
    await sign_in_parent(page)
    await keep_form_offline(page)
    await go_offline(context)
    ids = await write_offline(page)
    await wait_for_outbox(page, REPORTS)
    before = await report_count(served_app)

    await come_back_online(context, page)
    [left] = await wait_for_outbox(page, 1, within=60)

    poison = ids[POISON_AT]
    assert left["id"] == poison and left["status"] == "attention"
    sendable = [report_id for report_id in ids if report_id != poison]
    async with served_app.db() as db:
        rows = await db.fetch_all(
            "SELECT client_uuid, note FROM report WHERE id > (SELECT coalesce(max(id), 0) - :n "
            "FROM report) ORDER BY id",
            {"n": REPORTS},
        )
    stored = [row["client_uuid"] for row in rows if row["client_uuid"] in set(ids)]
    assert stored == sendable  # each exactly once, in the order they were written
    assert await report_count(served_app) == before + len(sendable)
    assert all(len(row["note"]) == NOTE_CHARACTERS for row in rows if row["client_uuid"] in ids)

    # The family sees the one that could not be sent, and can remove it.
    await page.reload()
    problem = page.locator("[data-outbox-list] > li")
    await expect(problem).to_have_count(1)
    await expect(problem.get_by_text("Needs attention")).to_be_visible()
    await expect(problem.get_by_text("cannot be sent as it is")).to_be_visible()
    assert [item["id"] for item in await outbox(page)] == [poison]


async def test_a_batch_refused_whole_is_halved_until_the_one_refused_alone_is_set_aside(
    context: BrowserContext, page: Page, served_app: ServedApp
) -> None:
    """A proxy (or a server) that refuses one report with 413 does not stop the outbox."""
    await sign_in_parent(page)
    await keep_form_offline(page)
    await go_offline(context)
    ids = await write_offline(page, count=5, poison_at=None)
    refused = ids[2]
    sizes: list[int] = []

    async def proxy(route: Route) -> None:
        body = route.request.post_data or ""
        sizes.append(body.count('"child_id"'))
        if refused in body:
            await route.fulfill(status=413, body="Request Entity Too Large")
        else:
            await route.continue_()

    await page.route("**/api/reports", proxy)
    await come_back_online(context, page)
    [left] = await wait_for_outbox(page, 1, within=30)
    assert left["id"] == refused and left["status"] == "attention"
    async with served_app.db() as db:
        rows = await db.fetch_all(
            f"SELECT client_uuid FROM report WHERE client_uuid IN ({', '.join('?' * 5)}) "  # noqa: S608
            "ORDER BY id",
            tuple(ids),
        )
    assert [row["client_uuid"] for row in rows] == [ids[0], ids[1], ids[3], ids[4]]
    assert sizes[:6] == [5, 3, 2, 2, 1, 1]  # halves, then the refused one alone, then on
