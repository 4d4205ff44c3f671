"""The core family journey in WebKit, the engine of Safari and every iPhone browser:
sign in over http (as `make run` serves it) and over https, home, red advice at once,
the service worker, and a report saved while the server is down sent exactly once."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from pwa.demo import DEMO_CHILD
from tests.helpers.served import Server
from tests.helpers.webkit import (
    check_page,
    cookies,
    loaded,
    outbox_size,
    page_errors,
    service_worker_controls,
    sign_in_parent,
    stored,
    type_into,
    visible,
    wait_for,
)

pytestmark = pytest.mark.webkit

CALL_NOW = "Call the hospital now"


def open_report_form(driver: WebDriver, server: Server) -> None:
    """From home, as a parent does: the main action leads to the report form."""
    driver.get(f"{server.url}/")
    loaded(driver, "/")
    driver.find_element(By.PARTIAL_LINK_TEXT, "log symptoms").click()
    loaded(driver, "/diary/new")
    visible(driver, "form[data-report-form] button[type=submit]")
    check_page(driver)


def save_report(driver: WebDriver, temperature: str) -> str:
    """Type a temperature and save; the report's own id (the outbox's key)."""
    client_uuid = str(
        driver.find_element(By.CSS_SELECTOR, "input[name=client_uuid]").get_attribute("value")
    )
    type_into(driver, driver.find_element(By.ID, "temperature"), temperature)
    driver.find_element(By.CSS_SELECTOR, "form[data-report-form] button[type=submit]").click()
    return client_uuid


def red_advice_at_once(driver: WebDriver, server: Server) -> None:
    """A temperature of 39.5 shows the full red screen before anything else."""
    open_report_form(driver, server)
    client_uuid = save_report(driver, "39.5")
    alarm = visible(driver, "[data-advice=red]")
    assert alarm.find_element(By.TAG_NAME, "h2").text == CALL_NOW
    assert alarm.get_attribute("role") == "alertdialog"
    check_page(driver)
    wait_for(driver, lambda _: stored(server, client_uuid) == 1, "the red report on the server")
    alarm.find_element(By.CSS_SELECTOR, "[data-advice-close]").click()
    wait_for(driver, lambda _: not alarm.is_displayed(), "the red screen to close")


def test_a_parent_signs_in_over_http_and_sees_red_advice_at_once(
    webkit: WebDriver, http_app: Server
) -> None:
    """Hazard H16: over plain http (`make run` at http://127.0.0.1) WebKit keeps the
    session cookie, so a parent on an iPhone can sign in, reach home, get the service
    worker (WebKit counts http://127.0.0.1 as a secure context) and red advice."""
    sign_in_parent(webkit, http_app)
    kept = cookies(webkit)
    assert "ic_session" in kept and not kept["ic_session"]["secure"]
    assert kept["ic_session"]["httpOnly"] and kept["ic_session"]["sameSite"] == "Lax"
    assert DEMO_CHILD in webkit.find_element(By.TAG_NAME, "main").text
    check_page(webkit)
    assert service_worker_controls(webkit) == "controlled"
    red_advice_at_once(webkit, http_app)


def test_a_parent_signs_in_over_https_with_secure_cookies(
    webkit: WebDriver, https_app: Server
) -> None:
    """Hazard H16: over https (as in production) the __Host- Secure cookie works in
    WebKit too. The service worker and the outbox are proven over http below: with this
    self-signed certificate WebKitGTK's worker sometimes never fetches its precache (the
    requests do not reach the server), which a real certificate does not do."""
    sign_in_parent(webkit, https_app)
    kept = cookies(webkit)
    assert kept["__Host-session"]["secure"] and kept["__Host-session"]["httpOnly"]
    assert kept["__Host-session"]["sameSite"] == "Lax"
    assert DEMO_CHILD in webkit.find_element(By.TAG_NAME, "main").text
    check_page(webkit)
    red_advice_at_once(webkit, https_app)


def test_a_report_saved_while_the_server_is_down_is_sent_once(
    webkit: WebDriver, http_app: Server
) -> None:
    """Hazard H16: with the server stopped (WebKit's driver has no offline switch) a
    report waits in the outbox and the page says so; when the server is back and the
    browser says it is online, it reaches the database exactly once. Over plain http:
    WebKit counts http://127.0.0.1 as a secure context, so the service worker runs there."""
    sign_in_parent(webkit, http_app)
    open_report_form(webkit, http_app)
    assert service_worker_controls(webkit) == "controlled"
    http_app.stop()
    try:
        client_uuid = save_report(webkit, "37.0")
        visible(webkit, "[data-advice=green]")
        wait_for(webkit, lambda d: outbox_size(d) == 1, "the report in the outbox")
        indicator = visible(webkit, "[data-outbox-indicator]")
        assert indicator.text == "1 report waiting to be sent"
    finally:
        http_app.start()
    assert stored(http_app, client_uuid) == 0

    webkit.execute_script("window.dispatchEvent(new Event('online'))")
    wait_for(webkit, lambda d: outbox_size(d) == 0, "the outbox to empty")
    wait_for(webkit, lambda _: stored(http_app, client_uuid) == 1, "the report on the server")
    assert not indicator.is_displayed()
    check_page(webkit)

    # Coming back again sends again: nothing is left, so nothing doubles.
    webkit.execute_script("window.dispatchEvent(new Event('online'))")
    webkit.refresh()
    loaded(webkit, "/diary/new")
    time.sleep(1)
    assert outbox_size(webkit) == 0
    assert stored(http_app, client_uuid) == 1
    check_page(webkit)


def test_the_error_collector_sees_script_errors(webkit: WebDriver, http_app: Server) -> None:
    """The other tests' "no script errors" can fail: an uncaught error and a rejected
    promise on a page both land in what they read."""
    webkit.get(f"{http_app.url}/privacy")
    loaded(webkit, "/privacy")
    webkit.execute_script(
        "setTimeout(() => { throw new Error('probe one'); });"
        "Promise.reject(new Error('probe two'));"
    )
    wait_for(webkit, lambda d: len(page_errors(d)) == 2, "two errors collected")
    assert "probe one" in page_errors(webkit)[0] and "probe two" in page_errors(webkit)[1]
