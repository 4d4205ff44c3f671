"""Messages to the ward in WebKit, the engine of Safari and every iPhone browser: from
home through the menu to the conversation, a message sent at once, and one written while
the server is down that waits on the phone and reaches the ward exactly once."""

from __future__ import annotations

import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.helpers.served import Server, count_rows
from tests.helpers.webkit import (
    check_page,
    loaded,
    service_worker_controls,
    sign_in_parent,
    type_into,
    visible,
    wait_for,
)

pytestmark = pytest.mark.webkit


def messages_with(server: Server, words: str) -> int:
    return count_rows(server.database, "SELECT count(*) FROM message WHERE body = ?", (words,))


def open_messages(driver: WebDriver) -> None:
    """From home, as a parent does: Messages in the main menu."""
    menu = driver.find_element(By.CSS_SELECTOR, "nav[aria-label=Main]")
    menu.find_element(By.PARTIAL_LINK_TEXT, "Messages").click()
    loaded(driver, "/messages")
    visible(driver, "#message-form button[type=submit]")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Messages with the ward"
    check_page(driver)


def send(driver: WebDriver, words: str) -> None:
    type_into(driver, driver.find_element(By.ID, "body"), words)
    driver.find_element(By.CSS_SELECTOR, "#message-form button[type=submit]").click()


def test_a_parent_writes_to_the_ward_online_and_with_the_server_down(
    webkit: WebDriver, http_app: Server
) -> None:
    """Hazard H21: the composer says when the ward reads and whom to call, in WebKit too;
    a message sent while the server is down waits on the phone, then arrives once."""
    sign_in_parent(webkit, http_app)
    open_messages(webkit)
    main = webkit.find_element(By.TAG_NAME, "main").text
    assert "This app is not for emergencies." in main
    assert service_worker_controls(webkit) == "controlled"

    first = f"Can she take a bath with the line? {uuid.uuid4().hex[:6]}"
    send(webkit, first)
    wait_for(webkit, lambda _: messages_with(http_app, first) == 1, "the message on the server")
    wait_for(
        webkit,
        lambda d: first in d.find_element(By.CSS_SELECTOR, ".thread").text,
        "the message in the conversation",
    )
    check_page(webkit)

    second = f"And may her brother visit? {uuid.uuid4().hex[:6]}"
    http_app.stop()
    try:
        send(webkit, second)
        waiting = visible(webkit, "#message-outbox")
        wait_for(webkit, lambda _: second in waiting.text, "the message waiting on the phone")
        assert "Waiting to be sent" in waiting.text
    finally:
        http_app.start()
    assert messages_with(http_app, second) == 0
    webkit.execute_script("window.dispatchEvent(new Event('online'))")
    wait_for(webkit, lambda _: messages_with(http_app, second) == 1, "the waiting message sent")
    webkit.execute_script("window.dispatchEvent(new Event('online'))")
    webkit.refresh()
    loaded(webkit, "/messages")
    wait_for(
        webkit,
        lambda d: second in d.find_element(By.CSS_SELECTOR, ".thread").text,
        "the sent message in the conversation",
    )
    assert messages_with(http_app, second) == 1 and messages_with(http_app, first) == 1
    check_page(webkit)
