"""A message to the ward on a 360 px phone: written offline with a photo, sent once when
the phone is back online (the photo after it, shrunk on the phone), read and answered by a
nurse in her own browser, who sees the photo with the message, with "read by" shown on
both sides; a reply to a report shows in the same conversation. Clicked from home only,
axe on every page."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, FilePayload, Page, ViewportSize, expect

from pwa.demo import DEMO_CHILD
from pwa.diary.demo_reports import DEMO_REPLY
from tests.helpers.browser import (
    ServedApp,
    assert_accessible,
    go_offline,
    open_from_menu,
    sign_in_nurse,
    sign_in_parent,
)
from tests.helpers.browser_diary import come_back_online
from tests.helpers.photos import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

PHONE: ViewportSize = {"width": 360, "height": 780}
MESSAGES = re.compile(r"^Messages")
FAMILY_PHOTO = re.compile(r"^Photo from the family, ")


@pytest_asyncio.fixture(loop_scope="session")
async def restored(served_app: ServedApp) -> AsyncIterator[str]:
    """A text no other test writes; afterwards its conversation is gone and the demo reply
    unread again, as other tests expect."""
    words = f"Can she go swimming this week? ({uuid.uuid4().hex[:6]})"
    yield words
    async with served_app.db() as db, db.transaction() as connection:
        await connection.execute("DELETE FROM message")
        await connection.execute(
            "UPDATE report_reply SET read_at = NULL WHERE body = :body", {"body": DEMO_REPLY}
        )


async def _rows(served_app: ServedApp, body: str) -> int:
    async with served_app.db() as db:
        row = await db.fetch_one("SELECT COUNT(*) FROM message WHERE body = :body", {"body": body})
    return int(row[0])


async def _photo_sizes(served_app: ServedApp, body: str) -> list[tuple[int, int]]:
    async with served_app.db() as db:
        rows = await db.fetch_all(
            """
            SELECT message_photo.width, message_photo.height FROM message_photo
              JOIN message ON message.id = message_photo.message_id
             WHERE message.body = :body
            """,
            {"body": body},
        )
    return [(row["width"], row["height"]) for row in rows]


async def _open_messages(page: Page) -> None:
    await page.get_by_role("navigation", name="Main").get_by_role("link", name=MESSAGES).click()
    await page.wait_for_load_state()


async def test_a_message_written_offline_is_answered_and_read_on_both_sides(
    browser: Browser,
    context: BrowserContext,
    page: Page,
    served_app: ServedApp,
    restored: str,
) -> None:
    """Hazard H21: the composer's call advice, the urgent reminder, and the round trip."""
    words = restored
    await page.set_viewport_size(PHONE)
    await sign_in_parent(page)
    await open_from_menu(page, "Messages")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Messages with the ward")
    await expect(
        page.get_by_text("The ward reads messages Monday to Friday, 08:00-17:00")
    ).to_be_visible()
    await expect(page.get_by_text("This app is not for emergencies.")).to_be_visible()
    # The care team's reply to a report is part of the conversation, with its report.
    await expect(page.get_by_text(DEMO_REPLY)).to_be_visible()
    # (Other tests on this server may have replied to other reports: look at this one.)
    demo_reply = page.locator(".thread__item", has_text=DEMO_REPLY)
    await expect(
        demo_reply.get_by_role("link", name=re.compile("About the report of"))
    ).to_be_visible()
    await assert_accessible(page)

    await go_offline(context)
    await page.get_by_label("Your message to the ward").fill(words)
    await page.get_by_label("This is urgent").check()
    await expect(page.get_by_text("If it cannot wait, call the ward now.")).to_be_visible()
    # A camera-sized photo: the phone shrinks it to 2048 px before it waits in IndexedDB.
    await page.get_by_label("Add a photo (optional)").set_input_files(
        [FilePayload(name="rash.jpg", mimeType="image/jpeg", buffer=jpeg((3000, 2000)))]
    )
    await page.get_by_role("button", name="Send message").click()
    waiting = page.locator("#message-outbox-list > li")
    await expect(waiting).to_have_count(1)
    await expect(waiting.get_by_text(words)).to_be_visible()
    await expect(waiting.get_by_text(re.compile("With a photo"))).to_be_visible()
    await expect(
        page.locator("#message-outbox").get_by_text("Waiting to be sent").first
    ).to_be_visible()
    assert await _rows(served_app, words) == 0
    await assert_accessible(page)

    # Marks this very page: a reload would forget it (and could land on the offline page).
    await page.evaluate("window.stayedOnThePage = true")
    await come_back_online(context, page)
    await expect(page.locator(".thread").get_by_text(words)).to_be_visible()
    await expect(page.get_by_text("Not read by the ward yet")).to_be_visible()
    await expect(page.locator("#message-outbox")).to_be_hidden()
    # The photo follows its message by its own upload; the page shows it once it arrived.
    await expect(page.get_by_role("img", name=FAMILY_PHOTO)).to_have_count(1, timeout=15_000)
    await expect(page.locator("#message-photos-waiting")).to_be_hidden()
    assert await _rows(served_app, words) == 1
    assert await _photo_sizes(served_app, words) == [(2048, 1365)]
    assert await page.evaluate("window.stayedOnThePage === true")

    nurse_context = await browser.new_context(
        base_url=served_app.url, locale="en-GB", viewport=PHONE
    )
    try:
        nurse = await nurse_context.new_page()
        await sign_in_nurse(nurse)
        await expect(
            nurse.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Messages, 1 unread"
            )
        ).to_be_visible()
        await _open_messages(nurse)
        await expect(nurse.get_by_text(words)).to_have_count(1)
        await expect(nurse.get_by_text("Urgent").first).to_be_visible()
        await assert_accessible(nurse)
        await nurse.get_by_role("link", name=DEMO_CHILD).first.click()
        await expect(nurse.get_by_text(words)).to_have_count(1)
        await expect(nurse.get_by_text(DEMO_REPLY)).to_be_visible()
        # The family's photo, once, with its message: a thumbnail that opens the picture.
        thumbnail = nurse.locator(".thread__item", has_text=words).get_by_role(
            "img", name=FAMILY_PHOTO
        )
        await expect(thumbnail).to_have_count(1)
        await expect(nurse.get_by_role("img", name=FAMILY_PHOTO)).to_have_count(1)
        await expect(thumbnail).to_have_js_property("naturalWidth", 2048)
        await assert_accessible(nurse)
        await nurse.get_by_label("Message to the family").fill(
            "Not this week; ask us at the visit."
        )
        await nurse.get_by_role("button", name="Send to the family").click()
        await expect(nurse.get_by_text("Not read by the family yet")).to_be_visible()

        await page.reload()  # the parent comes back to the app
        await open_from_menu(page, "Home")
        await _open_messages(page)
        await expect(page.get_by_text("Not this week; ask us at the visit.")).to_be_visible()
        await expect(page.get_by_text(re.compile("^Read by the ward,"))).to_be_visible()
        await assert_accessible(page)

        await _open_messages(nurse)
        await nurse.get_by_role("link", name=DEMO_CHILD).first.click()
        await expect(nurse.get_by_text(re.compile("^Read by the family,")).last).to_be_visible()
    finally:
        await nurse_context.close()


async def test_without_javascript_the_composer_sends_text_and_photo_in_one_post(
    browser: Browser, served_app: ServedApp, restored: str
) -> None:
    """The plain multipart form: a file that is no picture brings the form back with the
    text as typed; a picture is sent with the message."""
    words = restored
    plain = await browser.new_context(
        base_url=served_app.url, locale="en-GB", viewport=PHONE, java_script_enabled=False
    )
    try:
        page = await plain.new_page()
        await sign_in_parent(page)
        await open_from_menu(page, "Messages")
        await page.get_by_label("Your message to the ward").fill(words)
        photo = page.get_by_label("Add a photo (optional)")
        await photo.set_input_files(
            [FilePayload(name="notes.pdf", mimeType="application/pdf", buffer=b"%PDF-1.7")]
        )
        await page.get_by_role("button", name="Send message").click()
        await expect(page.get_by_text("We could not use this file as a photo.")).to_be_visible()
        await expect(page.get_by_label("Your message to the ward")).to_have_value(words)
        # (No axe here: it runs as a script, which this browser does not; the page with
        # JavaScript is checked above.)
        assert await _rows(served_app, words) == 0

        await photo.set_input_files(
            [FilePayload(name="rash.jpg", mimeType="image/jpeg", buffer=jpeg((1200, 900)))]
        )
        await page.get_by_role("button", name="Send message").click()
        await expect(page.get_by_text("Your message was sent.")).to_be_visible()
        item = page.locator(".thread__item", has_text=words)
        await expect(item.get_by_role("img", name=FAMILY_PHOTO)).to_have_count(1)
        assert await _rows(served_app, words) == 1
        assert await _photo_sizes(served_app, words) == [(1200, 900)]
    finally:
        await plain.close()
