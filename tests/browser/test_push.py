"""Push in the browser: the service worker shows every push as a notification (delivered
through the DevTools Protocol, as docs/reminders.md describes), the reminders page switches a
phone on and off, an app open re-sends or renews a subscription, iPhones get the Home
Screen steps, and axe-core finds nothing on the reminder pages.

``pushManager.subscribe`` cannot reach a real push service here, so the tests that need a
subscription replace PushManager with a stand-in holding a real P-256 key pair; the
served app accepts its http://127.0.0.1:9 endpoint because its settings list that local
stand-in with PUSH_ALLOW_INSECURE_TEST_SERVICE (development only; see tests/browser/conftest.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from pwa.notifications import keys
from pwa.notifications.payloads import Message
from tests.helpers.browser import (
    ADMIN,
    ServedApp,
    assert_accessible,
    iphone_context,
    open_from_menu,
    service_worker_ready,
    sign_in,
    sign_in_parent,
)
from tests.helpers.browser_push import FAKE_PUSH_MANAGER, SWITCH_ON, new_public_key, stand_in_device

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SWITCH_OFF = "Switch off reminders on this phone"
SHARE_STEP = "Tap the Share button"


def server_key(served_app: ServedApp) -> str:
    return keys.load(str(served_app.instance), "", "mailto:test@example.org").public_key


async def stored_endpoints(served_app: ServedApp) -> list[str]:
    async with served_app.db() as db:
        rows = await db.fetch_all(
            "SELECT endpoint FROM push_subscription JOIN account ON account.id = account_id"
            " WHERE account.role = 'caregiver'"
        )
    return [row["endpoint"] for row in rows]


async def wait_for(condition: Any, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


# --- the service worker -----------------------------------------------------------------


async def registration_id(page: Page, session: Any) -> str:
    """The worker's registration id, from the DevTools Protocol's own events."""
    found: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    scope = page.url.split("/", 3)[:3]

    def updated(event: dict[str, Any]) -> None:
        for registration in event["registrations"]:
            ours = registration["scopeURL"].startswith("/".join(scope))
            if ours and not registration["isDeleted"] and not found.done():
                found.set_result(registration["registrationId"])

    session.on("ServiceWorker.workerRegistrationUpdated", updated)
    await session.send("ServiceWorker.enable")
    return await asyncio.wait_for(found, timeout=10)


async def notifications(page: Page) -> list[dict[str, Any]]:
    return await page.evaluate(  # type: ignore[no-any-return]
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            return (await registration.getNotifications()).map((n) => (
                { title: n.title, body: n.body, tag: n.tag, lang: n.lang, dir: n.dir,
                  url: n.data && n.data.url }));
        }"""
    )


async def wait_for_notifications(
    page: Page, expected: int, tag: str | None = None, within: float = 10
) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = []

    async def arrived() -> bool:
        nonlocal shown
        shown = await notifications(page)
        return len(shown) == expected and (tag is None or shown[0]["tag"] == tag)

    await wait_for(arrived, within)
    return shown


async def test_a_push_shows_one_notification_per_tag(notifying: BrowserContext, page: Page) -> None:
    await sign_in_parent(page)
    assert (await service_worker_ready(page))["state"] == "activated"
    session = await notifying.new_cdp_session(page)
    registration = await registration_id(page, session)
    origin = "/".join(page.url.split("/", 3)[:3])

    async def deliver(payload: str) -> None:
        await session.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": origin, "registrationId": registration, "data": payload},
        )

    # What the server sends, exactly as it encodes it.
    message = Message(
        "Immuno Companion",
        "Reminder: your stay starts tomorrow at 09:00 — open the app for details.",
        "/schedule/visits/2",
        "visit:2:visit_reminder:1:18:00",
        "en",
    )
    # A push the DevTools Protocol hands over while the worker is still starting can be
    # dropped on a loaded machine; a real push service retries, so the test may too (the
    # same tag means a second delivery could never show a second notification).
    for attempt in range(3):
        await deliver(message.encode(origin))
        try:
            [shown] = await wait_for_notifications(page, 1, message.tag, within=8)
            break
        except AssertionError:
            if attempt == 2:
                raise
    assert shown == {
        "title": message.title,
        "body": message.body,
        "tag": message.tag,
        "lang": "en",
        "dir": "auto",
        "url": f"{origin}/schedule/visits/2",
    }

    # The same reminder again (a re-send after a crash): it replaces, never doubles.
    again = replace(message, body="Reminder: your stay starts today at 09:00.")
    await deliver(again.encode(origin))
    await asyncio.sleep(0.3)
    [replaced] = await wait_for_notifications(page, 1, message.tag)
    assert replaced["body"] == "Reminder: your stay starts today at 09:00."

    # A push without a readable payload still shows something, and links stay on this site.
    await deliver("not json")
    elsewhere = Message("x", "y", "/", "elsewhere")
    await deliver(elsewhere.encode("https://evil.example"))
    shown_now = await wait_for_notifications(page, 3)
    by_tag = {item["tag"]: item for item in shown_now}
    assert by_tag[""]["title"] == "Immuno Companion"
    assert by_tag[""]["body"] == "There is news for you in the app — open it to see."
    assert by_tag["elsewhere"]["url"] == f"{origin}/"
    await session.detach()


# --- the reminders page -------------------------------------------------------------------


async def open_reminders(page: Page) -> None:
    """Settings in the menu, then "Reminders on this phone", as a family finds them."""
    await open_from_menu(page, "Settings")
    await page.get_by_role("link", name="Reminders on this phone").click()


async def test_a_phone_is_switched_on_and_off_from_the_reminders_page(
    notifying: BrowserContext, page: Page, served_app: ServedApp, fake_device: dict[str, Any]
) -> None:
    await notifying.add_init_script(f"({FAKE_PUSH_MANAGER})({json.dumps(fake_device)})")
    await sign_in_parent(page)
    await open_reminders(page)
    await page.get_by_label("Name for this phone (optional)").fill("Test phone")
    await page.get_by_role("button", name=SWITCH_ON).click()
    await expect(page.get_by_text("Reminders are on for this phone.")).to_be_visible()
    device = page.locator("[data-endpoint-digest]", has_text="Test phone")
    await expect(device.get_by_text("this phone")).to_be_visible()
    await expect(device.get_by_text("Not tested yet")).to_be_visible()
    assert fake_device["endpoint"] in await stored_endpoints(served_app)
    await expect(page.get_by_role("button", name="Send me a test notification")).to_be_visible()

    await page.get_by_role("button", name=SWITCH_OFF).click()
    await expect(page.get_by_role("button", name=SWITCH_ON)).to_be_visible()
    await expect(page.locator("[data-endpoint-digest]")).to_have_count(0)
    assert fake_device["endpoint"] not in await stored_endpoints(served_app)


async def test_signing_out_switches_off_reminders_on_this_phone(
    notifying: BrowserContext, page: Page, served_app: ServedApp, fake_device: dict[str, Any]
) -> None:
    await notifying.add_init_script(f"({FAKE_PUSH_MANAGER})({json.dumps(fake_device)})")
    await sign_in_parent(page)
    await open_reminders(page)
    await page.get_by_role("button", name=SWITCH_ON).click()
    await expect(page.get_by_text("Reminders are on for this phone.")).to_be_visible()
    assert fake_device["endpoint"] in await stored_endpoints(served_app)

    await open_from_menu(page, "Settings")
    await expect(
        page.get_by_text("Signing out also switches off reminders on this phone.")
    ).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url("**/login**")
    # The server forgot the phone while the family was still signed in.
    assert fake_device["endpoint"] not in await stored_endpoints(served_app)


# A pushsubscriptionchange event as the browser fires it, with stand-ins for the two
# subscriptions (a real one needs a reachable push service); waitUntil collects promises.
SUBSCRIPTION_CHANGE = """
async ({ previous, fresh }) => {
  const waits = [];
  const event = new Event("pushsubscriptionchange");
  Object.defineProperty(event, "waitUntil", { value: (promise) => waits.push(promise) });
  Object.defineProperty(event, "oldSubscription", {
    value: { endpoint: previous, options: { userVisibleOnly: true } },
  });
  Object.defineProperty(event, "newSubscription", {
    value: {
      endpoint: fresh.endpoint,
      toJSON: () => ({ endpoint: fresh.endpoint, expirationTime: null,
                       keys: { p256dh: fresh.p256dh, auth: fresh.auth } }),
    },
  });
  self.dispatchEvent(event);
  await Promise.all(waits);
  return waits.length;
}
"""


async def test_a_renewed_subscription_reaches_the_server_from_the_worker(
    page: Page, served_app: ServedApp, fake_device: dict[str, Any]
) -> None:
    await sign_in_parent(page)
    await service_worker_ready(page)
    status = await page.evaluate(
        """async (device) => (await fetch("/api/push/subscriptions", {
            method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ endpoint: device.endpoint, expirationTime: null,
                                   keys: { p256dh: device.p256dh, auth: device.auth } }),
        })).status""",
        fake_device,
    )
    assert status == 201
    fresh = stand_in_device()
    try:
        # Playwright learns of the worker from DevTools events: it may lag the page's view.
        workers = [w for w in page.context.service_workers if w.url.endswith("/sw.js")]
        worker = workers[0] if workers else await page.context.wait_for_event("serviceworker")
        handled = await worker.evaluate(
            SUBSCRIPTION_CHANGE, {"previous": fake_device["endpoint"], "fresh": fresh}
        )
        assert handled == 1
        endpoints = await stored_endpoints(served_app)
        assert fresh["endpoint"] in endpoints and fake_device["endpoint"] not in endpoints
    finally:
        async with served_app.db() as db, db.transaction() as connection:
            await connection.execute(
                "DELETE FROM push_subscription WHERE endpoint = ?", (fresh["endpoint"],)
            )


@pytest.mark.parametrize("case", ["restored database", "rotated key"])
async def test_an_app_open_keeps_the_server_current(
    notifying: BrowserContext,
    page: Page,
    served_app: ServedApp,
    fake_device: dict[str, Any],
    case: str,
) -> None:
    current = server_key(served_app)
    initial = current if case == "restored database" else new_public_key()
    await notifying.add_init_script(
        f"({FAKE_PUSH_MANAGER})({json.dumps({**fake_device, 'initialKey': initial})})"
    )
    assert fake_device["endpoint"] not in await stored_endpoints(served_app)
    await sign_in_parent(page)  # the app opens on the home page

    async def sent() -> bool:
        return fake_device["endpoint"] in await stored_endpoints(served_app)

    await wait_for(sent)
    calls = await page.evaluate("window.__push")
    held = await page.evaluate(
        "decodeURIComponent((document.cookie.match(/(?:^|; )test-fake-push-key=([^;]*)/) || [])[1] || '') || null"
    )
    assert held == current
    if case == "rotated key":
        assert calls == {"subscribed": 1, "unsubscribed": 1}
    else:
        assert calls == {"subscribed": 0, "unsubscribed": 0}


async def test_the_reminders_page_works_for_families_and_passes_axe(
    notifying: BrowserContext, page: Page
) -> None:
    await sign_in_parent(page)
    await open_reminders(page)
    await expect(page.get_by_role("button", name=SWITCH_ON)).to_be_visible()
    await expect(page.get_by_text(SHARE_STEP)).to_be_hidden()
    await assert_accessible(page)


async def test_an_iphone_outside_the_home_screen_gets_the_steps_instead(
    browser: Browser, served_app: ServedApp
) -> None:
    async with iphone_context(browser, served_app.url) as safari:
        page = await safari.new_page()
        await sign_in_parent(page)
        await open_reminders(page)
        await expect(page.get_by_text(SHARE_STEP)).to_be_visible()
        await expect(page.get_by_text("Add to Home Screen")).to_be_visible()
        await expect(page.get_by_role("button", name=SWITCH_ON)).to_be_hidden()


async def test_admin_reminder_pages_pass_axe(page: Page) -> None:
    await sign_in(page, ADMIN)
    for link, heading in (("Reminders", "Reminders"), ("Status", "Reminder status")):
        await open_from_menu(page, "Admin")
        await page.get_by_role("main").get_by_role("link", name=link, exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        await assert_accessible(page)
    await expect(page.get_by_text("Running")).to_be_visible()
