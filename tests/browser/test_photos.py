"""Report photos in the browser (docs/api.md, "Report photos"): chosen on the report form, shrunk on the
phone to a JPEG of at most 2048 px without metadata, queued in IndexedDB (also offline)
and sent once the report is on the server; thumbnails on the report page.

The reports these tests make are deleted again at the end, so other browser tests see
the demo family's diary as it was.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from PIL import Image
from playwright.async_api import BrowserContext, Page, expect

from tests.helpers.browser import (
    ServedApp,
    assert_accessible,
    database_names,
    go_offline,
    open_from_menu,
    open_report_form,
    sign_in_parent,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

GPS_IFD = 0x8825


def camera_photo(size: tuple[int, int] = (3000, 2000)) -> bytes:
    """A phone-camera-like JPEG: large, with GPS and the camera's make in its EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 12.5), 3: "E", 4: (4.0, 53.0, 30.0)}
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


async def wait_for_rows(
    served_app: ServedApp, sql: str, params: dict[str, Any], within: float = 15
) -> int:
    deadline = time.monotonic() + within
    while True:
        async with served_app.db() as db:
            row = await db.fetch_one(sql, params)
        count = int(row[0]) if row else 0
        if count or time.monotonic() > deadline:
            return count
        await asyncio.sleep(0.2)


@pytest_asyncio.fixture(loop_scope="session")
async def made_reports(served_app: ServedApp) -> AsyncIterator[list[str]]:
    """Client UUIDs of the reports a test makes; deleted afterwards (photos cascade)."""
    made: list[str] = []
    yield made
    async with served_app.db() as db, db.transaction() as connection:
        for client_uuid in made:
            await connection.execute("DELETE FROM report WHERE client_uuid = ?", (client_uuid,))


async def fill_report(page: Page) -> str:
    await open_report_form(page)
    await page.locator("input[name=pain][value='1'] + label").click()
    return await page.locator("input[name=client_uuid]").input_value()


async def test_photo_is_shrunk_on_the_phone_and_sent_after_the_report(
    page: Page, served_app: ServedApp, made_reports: list[str]
) -> None:
    await sign_in_parent(page)
    report_uuid = await fill_report(page)
    made_reports.append(report_uuid)
    picker = page.get_by_label("Add photos (max 3)")
    await expect(picker).to_be_visible()  # hidden without JavaScript, shown with it
    await assert_accessible(page)
    await picker.set_input_files(
        [{"name": "rash.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}]
    )

    await page.get_by_role("button", name="Save report").click()

    stored = "SELECT COUNT(*) FROM report WHERE client_uuid = :uuid"
    assert await wait_for_rows(served_app, stored, {"uuid": report_uuid}) == 1
    if not re.search(f"/diary/{report_uuid}", page.url):
        await open_report_from_diary(page, report_uuid)
    photos = """SELECT COUNT(*) FROM report_photo JOIN report ON report.id = report_photo.report_id
                 WHERE report.client_uuid = :uuid"""
    assert await wait_for_rows(served_app, photos, {"uuid": report_uuid}) == 1
    thumbnail = page.get_by_role("img", name="Photo 1 of the report")
    await expect(thumbnail).to_be_visible(timeout=10_000)  # the page shows it once sent
    # Visible comes before loaded: wait for the decoded picture, as the eye does.
    await expect(thumbnail).to_have_js_property("complete", True, timeout=10_000)
    await expect(thumbnail).to_have_js_property("naturalWidth", 2048)

    # The phone forgets the photo once the server kept it: a moment after the upload, so
    # a page opened in between already shows it while the phone still holds it.
    await page.wait_for_function(
        "async () => (await (await import("
        "document.querySelector('script[src*=\"photos.js\"]').src)).photoQueue()).waiting === 0",
        polling=100,
        timeout=10_000,
    )
    await assert_accessible(page)


async def open_report_from_diary(page: Page, report_uuid: str) -> None:
    """As a parent does: Diary in the menu, then the report in the list."""
    await open_from_menu(page, "Diary")
    await page.locator(f"a[href$='/diary/{report_uuid}']").first.click()
    await expect(page).to_have_url(re.compile(f"/diary/{report_uuid}$"))


async def test_photo_queued_offline_is_sent_when_back_online(
    context: BrowserContext, page: Page, served_app: ServedApp, made_reports: list[str]
) -> None:
    await sign_in_parent(page)
    report_uuid = await fill_report(page)
    made_reports.append(report_uuid)
    await page.get_by_role("button", name="Save report").click()
    # With JavaScript the report goes through the outbox and the form stays open.
    stored = "SELECT COUNT(*) FROM report WHERE client_uuid = :uuid"
    assert await wait_for_rows(served_app, stored, {"uuid": report_uuid}) == 1
    if not re.search(f"/diary/{report_uuid}", page.url):
        await open_report_from_diary(page, report_uuid)
    photos_js = await page.locator("script[src*='photos.js']").get_attribute("src")

    await go_offline(context)
    queued = await page.evaluate(
        """async (src) => {
            const photos = await import(src);
            const canvas = document.createElement("canvas");
            canvas.width = 640; canvas.height = 480;
            canvas.getContext("2d").fillRect(0, 0, 640, 480);
            const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
            const file = new File([blob], "line-site.png", { type: "image/png" });
            const result = await photos.queuePhotos(document.querySelector("[data-report-photos]")
                .dataset.reportPhotos, [file]);
            const flushed = await photos.flushPhotos();
            return { ...result, waiting: flushed.waiting };
        }""",
        photos_js,
    )
    assert queued == {"queued": 1, "refused": 0, "waiting": 1}
    await expect(page.get_by_text("Photos waiting to be sent from this phone: 1")).to_be_visible()
    assert "ic-photos" in await database_names(page)

    # Marks this very page: a reload would forget it.
    await page.evaluate("window.stayedOnThePage = true")
    await context.set_offline(False)  # the `online` event sends it

    thumbnail = page.get_by_role("img", name="Photo 1 of the report")
    await expect(thumbnail).to_be_visible(timeout=15_000)
    await expect(page.get_by_text("Photos waiting to be sent from this phone")).to_be_hidden()
    # Shown in place, not by a reload: a reload on a connection that has only just come
    # back can land on the offline page instead of the family's report.
    assert await page.evaluate("window.stayedOnThePage === true")
    row = await served_app_photo(served_app, report_uuid)
    assert row == (640, 480)


async def served_app_photo(served_app: ServedApp, report_uuid: str) -> tuple[int, int] | None:
    async with served_app.db() as db:
        row = await db.fetch_one(
            """SELECT report_photo.width, report_photo.height FROM report_photo
                 JOIN report ON report.id = report_photo.report_id
                WHERE report.client_uuid = :uuid""",
            {"uuid": report_uuid},
        )
    return (row["width"], row["height"]) if row else None


async def test_the_photo_form_works_without_javascript(
    browser: Any, served_app: ServedApp, made_reports: list[str]
) -> None:
    context = await browser.new_context(
        base_url=served_app.url, locale="en-GB", java_script_enabled=False
    )
    try:
        page = await context.new_page()
        await sign_in_parent(page)
        report_uuid = await fill_report(page)
        made_reports.append(report_uuid)
        await expect(page.get_by_label("Add photos (max 3)")).to_be_hidden()
        await page.get_by_role("button", name="Save report").click()
        await expect(page).to_have_url(re.compile(f"/diary/{report_uuid}"))
        await page.get_by_label("Add a photo").set_input_files(
            [{"name": "rash.jpg", "mimeType": "image/jpeg", "buffer": camera_photo((1200, 900))}]
        )
        await page.get_by_role("button", name="Send photo").click()
        await expect(page.get_by_role("img", name="Photo 1 of the report")).to_be_visible()
        assert await served_app_photo(served_app, report_uuid) == (1200, 900)
    finally:
        await context.close()


async def test_the_phone_keeps_only_a_small_jpeg_without_metadata(page: Page) -> None:
    """What waits in IndexedDB (and is later sent) is the shrunk copy, not the camera file."""
    await sign_in_parent(page)
    await open_report_form(page)
    photos_js = await page.locator("script[src*='photos.js']").get_attribute("src")
    await page.get_by_label("Add photos (max 3)").set_input_files(
        [{"name": "rash.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}]
    )
    kept = await page.evaluate(
        """async (src) => {
            const photos = await import(src);
            const input = document.querySelector("[data-photo-input]");
            // A report the server does not have: the photo must wait, not be sent.
            const reportId = crypto.randomUUID();
            const result = await photos.queuePhotos(reportId, input.files);
            await photos.flushPhotos();
            const database = await new Promise((resolve, reject) => {
                const request = indexedDB.open("ic-photos");
                request.onsuccess = () => resolve(request.result);
                request.onerror = () => reject(request.error);
            });
            const items = await new Promise((resolve) => {
                const request = database.transaction("photos").objectStore("photos").getAll();
                request.onsuccess = () => resolve(request.result);
            });
            database.close();
            const item = items.find((entry) => entry.reportId === reportId);
            const bytes = Array.from(new Uint8Array(await item.blob.arrayBuffer()));
            const again = await photos.queuePhotos(reportId, input.files);
            const queue = await photos.photoQueue();
            await photos.discardPhotos(reportId);
            return { result, again, bytes, type: item.blob.type, state: item.state,
                     waiting: queue.byReport[reportId].waiting,
                     after: (await photos.photoQueue()).waiting };
        }""",
        photos_js,
    )
    assert kept["result"] == {"queued": 1, "refused": 0}
    assert (kept["type"], kept["state"]) == ("image/jpeg", "waiting")
    assert kept["waiting"] == 1  # queued twice for one report: the same photo id, kept once
    assert kept["after"] == 0
    image = Image.open(io.BytesIO(bytes(kept["bytes"])))
    image.load()
    assert (image.format, image.size) == ("JPEG", (2048, 1365))
    assert len(image.getexif()) == 0 and "exif" not in image.info
