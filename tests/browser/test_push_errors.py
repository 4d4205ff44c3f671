"""Switching reminders on says what actually went wrong: notifications blocked (and how to
allow them on Android and iPhone), the phone's push service failing or hanging, the
hospital's server refusing, or the phone being offline."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect

from tests.helpers.browser import (
    assert_accessible,
    go_offline,
    open_from_menu,
    service_worker_ready,
    sign_in_parent,
)
from tests.helpers.browser_push import FAKE_PUSH_MANAGER, SWITCH_ON

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

INTERNET = "Check the internet connection"
PUSH_SERVICE = "notification service (run by Google, Apple or Mozilla, not by the hospital)"
# What Chromium answers when it cannot register with its push service.
FAILING_PUSH_SERVICE = """
PushManager.prototype.subscribe = () => Promise.reject(
  new DOMException("Registration failed - push service error", "AbortError"));
PushManager.prototype.getSubscription = async () => null;
"""
HANGING_PUSH_SERVICE = """
PushManager.prototype.subscribe = () => {
  window.__subscribing = true;
  return new Promise(() => {});
};
PushManager.prototype.getSubscription = async () => null;
"""


async def reminders_page(page: Page) -> None:
    await sign_in_parent(page)
    await service_worker_ready(page)
    await open_from_menu(page, "Settings")
    await page.get_by_role("link", name="Reminders on this phone").click()
    await expect(page.get_by_role("button", name=SWITCH_ON)).to_be_visible()


async def test_refused_permission_says_how_to_allow_it_again(page: Page) -> None:
    """Hazard H14: notifications refused is said as such, with the steps for Android and
    iPhone, not blamed on the internet."""
    # This context was granted nothing, so Chromium answers the request with "denied".
    await reminders_page(page)
    await page.get_by_role("button", name=SWITCH_ON).click()
    await expect(page.get_by_text("Notifications are blocked for this app")).to_be_visible()
    await expect(page.get_by_text("Android: tap the lock or settings icon")).to_be_visible()
    await expect(page.get_by_text("iPhone or iPad: open the Settings app")).to_be_visible()
    await expect(page.get_by_text(INTERNET)).to_have_count(0)
    await expect(page.get_by_role("button", name=SWITCH_ON)).to_be_hidden()
    await assert_accessible(page)


async def test_a_failing_push_service_is_named_not_the_internet(
    notifying: BrowserContext, page: Page
) -> None:
    """Hazard H14: pushManager.subscribe rejecting (no push service reachable) is said as
    the phone's notification service failing."""
    await notifying.add_init_script(FAILING_PUSH_SERVICE)
    await reminders_page(page)
    await page.get_by_role("button", name=SWITCH_ON).click()
    message = page.locator("[data-push-message]")
    await expect(message).to_contain_text(PUSH_SERVICE)
    await expect(message).to_contain_text("Your internet is fine.")
    await expect(page.get_by_role("button", name=SWITCH_ON)).to_be_enabled()


async def test_a_hanging_push_service_gives_up_and_says_so(
    notifying: BrowserContext, page: Page
) -> None:
    """Hazard H14: pushManager.subscribe that never answers ends after its time limit with
    the push service message (the phone's clock is moved on, not waited for)."""
    await notifying.add_init_script(HANGING_PUSH_SERVICE)
    await page.clock.install()
    await reminders_page(page)
    button = page.get_by_role("button", name=SWITCH_ON)
    await button.click()
    await expect(button).to_be_disabled()
    # Once subscribe was asked, its time limit is running: move the clock past it.
    # A function, not an expression: Playwright evaluates a bare expression with eval(),
    # which the page's CSP refuses once it has to poll.
    await page.wait_for_function("() => window.__subscribing === true")
    await page.clock.run_for(21_000)
    await expect(page.locator("[data-push-message]")).to_contain_text(PUSH_SERVICE)
    await expect(button).to_be_enabled()


async def test_a_refusing_server_is_named(
    notifying: BrowserContext, page: Page, fake_device: dict[str, Any]
) -> None:
    """Hazard H14: the hospital's server answering with an error is said as such."""
    await notifying.add_init_script(f"({FAKE_PUSH_MANAGER})({json.dumps(fake_device)})")

    async def refuse(route: Route) -> None:
        if route.request.method == "POST":
            await route.fulfill(status=503, body="")
        else:
            await route.continue_()

    await page.route("**/api/push/subscriptions", refuse)
    await reminders_page(page)
    await page.get_by_role("button", name=SWITCH_ON).click()
    message = page.locator("[data-push-message]")
    await expect(message).to_contain_text("The hospital’s server did not accept this phone")
    await expect(message).not_to_contain_text("offline")


async def test_an_offline_phone_is_told_it_is_offline(
    notifying: BrowserContext, page: Page, fake_device: dict[str, Any]
) -> None:
    """Hazard H14: offline is said only when the phone is offline."""
    await notifying.add_init_script(f"({FAKE_PUSH_MANAGER})({json.dumps(fake_device)})")
    await reminders_page(page)
    await go_offline(notifying)
    await page.get_by_role("button", name=SWITCH_ON).click()
    await expect(page.locator("[data-push-message]")).to_contain_text(
        "This phone is offline, so reminders could not be switched on."
    )
