"""Helpers for the WebKit tests: sign in through the real pages, wait for what the page
shows, collect script errors (WebKit's driver has no console log to read), and look at
the service worker and the outbox with the browser's own APIs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from pwa.demo import DEMO_LOGINS
from tests.helpers.served import Server, count_rows

PARENT = next(login for login in DEMO_LOGINS if login.role == "caregiver")
PHONE_WIDTH = 360
WAIT_SECONDS = 15
# Installing the worker fetches every precached file: in WebKit on a machine busy with
# the whole suite on both cores this has taken more than 25 s.
WORKER_WAIT_MS = 60_000
T = TypeVar("T")

# Installed after each page load: uncaught errors, rejected promises and console.error
# calls land in a global the test reads (and must find empty).
ERROR_COLLECTOR = """
if (!window.__pageErrors) {
  window.__pageErrors = [];
  window.addEventListener("error", (event) => window.__pageErrors.push(
    `${event.message} (${event.filename}:${event.lineno})`));
  window.addEventListener("unhandledrejection", (event) => window.__pageErrors.push(
    `unhandled rejection: ${event.reason}`));
  const original = console.error.bind(console);
  console.error = (...parts) => { window.__pageErrors.push(parts.join(" ")); original(...parts); };
}
"""


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], T], what: str) -> T:
    """Poll until ``condition`` gives something truthy; fail saying ``what`` was awaited.

    An element found just as the page navigates away goes stale before it is read: that
    poll counts as "not yet" (WebDriverWait already treats a missing element so).
    """
    return WebDriverWait(
        driver,
        WAIT_SECONDS,
        poll_frequency=0.05,
        ignored_exceptions=(StaleElementReferenceException,),
    ).until(condition, message=f"waited {WAIT_SECONDS} s for {what} at {driver.current_url}")


def visible(driver: WebDriver, css: str) -> WebElement:
    """The first element matching ``css`` once it is shown."""

    def shown(d: WebDriver) -> WebElement | None:
        found = d.find_elements(By.CSS_SELECTOR, css)
        return next((element for element in found if element.is_displayed()), None)

    element = wait_for(driver, shown, f"{css} to show")
    assert element is not None  # wait_for returns only something truthy
    return element


def loaded(driver: WebDriver, path: str | None = None) -> None:
    """After a navigation: wait for the page (at ``path``), then watch it for errors."""
    if path is not None:
        wait_for(driver, lambda d: d.current_url.split("?")[0].endswith(path), f"page {path}")
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete", "load")
    driver.execute_script(ERROR_COLLECTOR)


def page_errors(driver: WebDriver) -> list[str]:
    return list(driver.execute_script("return window.__pageErrors || []"))


def horizontal_overflow(driver: WebDriver) -> int:
    """How many CSS pixels the page is wider than the window (0 = no sideways scrolling)."""
    return int(
        driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def check_page(driver: WebDriver) -> None:
    """What every page a journey passes must be: a phone's width, no script errors."""
    assert driver.execute_script("return window.innerWidth") == PHONE_WIDTH
    assert horizontal_overflow(driver) == 0, driver.current_url
    assert page_errors(driver) == [], driver.current_url


def sign_in_parent(driver: WebDriver, server: Server) -> None:
    """Sign in as the demo parent through the sign-in page, with no cookie left over."""
    driver.get(f"{server.url}/login")
    driver.delete_all_cookies()
    driver.get(f"{server.url}/login")
    loaded(driver, "/login")
    check_page(driver)
    email = driver.find_element(By.ID, "email")
    password = driver.find_element(By.ID, "password")
    type_into(driver, email, PARENT.email)
    type_into(driver, password, PARENT.password)
    # Typing the password must not have changed the address (keys landing late or astray).
    if email.get_property("value") != PARENT.email:
        type_into(driver, email, PARENT.email)
    driver.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    try:
        loaded(driver, "/")
    except TimeoutException:
        # Say what the sign-in page answered ("This form has expired", ...).
        main = driver.find_element(By.TAG_NAME, "main").text
        raise AssertionError(f"sign-in stayed at {driver.current_url}: {main[:300]}") from None
    heading = driver.find_element(By.TAG_NAME, "h1").text
    assert heading == f"Hello, {PARENT.display_name}"


def type_into(driver: WebDriver, field: WebElement, text: str) -> None:
    """Type like a person. WebKit's driver may return before the keys have landed, and on
    a busy machine now and then loses them or delivers them late: wait for the value to
    hold still, and before typing again let keys still in flight land and be cleared."""
    for _ in range(3):
        field.click()
        field.clear()
        field.send_keys(text)
        try:
            WebDriverWait(driver, 3, poll_frequency=0.05).until(
                lambda _: field.get_property("value") == text
            )
            time.sleep(0.3)  # late keys of an earlier try would land by now
            if field.get_property("value") == text:
                return
        except TimeoutException:
            pass
        time.sleep(1)
    raise AssertionError(f"typed {text!r}, the field holds {field.get_property('value')!r}")


def cookies(driver: WebDriver) -> dict[str, dict[str, Any]]:
    return {cookie["name"]: cookie for cookie in driver.get_cookies()}


def service_worker_controls(driver: WebDriver) -> str:
    """Wait for an activated worker to control the page; "controlled", or what the
    registration looked like when the wait ran out. A page that loaded while its worker
    was installing stays uncontrolled, so one reload is allowed, as a person would."""
    script = """
        const [limit, done] = arguments;
        const describe = async () => {
            const registration = await navigator.serviceWorker.getRegistration();
            if (!registration) return "no registration";
            return ["installing", "waiting", "active"].map((slot) =>
                `${slot}: ${registration[slot] ? registration[slot].state : "-"}`).join(", ")
                + `; controlled: ${!!navigator.serviceWorker.controller}`;
        };
        setTimeout(async () => done(await describe()), limit);
        navigator.serviceWorker.ready.then((registration) => {
            if (registration.active.state === "activated" && navigator.serviceWorker.controller) {
                done("controlled");
            }
        });
    """
    state = str(driver.execute_async_script(script, WORKER_WAIT_MS))
    if state == "controlled" or "active: activated" not in state:
        return state
    driver.refresh()
    loaded(driver)
    return str(driver.execute_async_script(script, WORKER_WAIT_MS))


def outbox_size(driver: WebDriver) -> int:
    """How many reports IndexedDB's outbox holds, read with the browser's own API."""
    return int(
        driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            const request = indexedDB.open("ic-outbox");
            request.onupgradeneeded = () => request.transaction.abort();
            request.onerror = () => done(0);
            request.onsuccess = () => {
                const db = request.result;
                const count = db.transaction("reports").objectStore("reports").count();
                count.onsuccess = () => { db.close(); done(count.result); };
            };
            """
        )
    )


def stored(server: Server, client_uuid: str) -> int:
    """How many rows of the served database carry this report's id."""
    return count_rows(
        server.database, "SELECT count(*) FROM report WHERE client_uuid = ?", (client_uuid,)
    )
