"""Arabic in WebKit (every iPhone browser): the page turns right to left with one tap,
mirrors, fits the phone, and a temperature typed in Arabic-Indic digits gives red advice
at once, with the ward's number kept left to right."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from pwa.i18n import translate
from tests.helpers.served import Server
from tests.helpers.webkit import (
    PARENT,
    PHONE_WIDTH,
    check_page,
    loaded,
    sign_in_parent,
    type_into,
    visible,
    wait_for,
)

pytestmark = pytest.mark.webkit


@pytest.fixture
def parent_back_in_english(http_app: Server) -> Iterator[None]:
    """The demo parent is shared by this module's tests: their language goes back after."""
    yield
    with sqlite3.connect(http_app.database) as connection:
        connection.execute("UPDATE account SET locale = 'en' WHERE email = ?", (PARENT.email,))


@pytest.mark.usefixtures("parent_back_in_english")
def test_an_arabic_reading_parent_gets_a_mirrored_page_and_red_advice(
    webkit: WebDriver, http_app: Server
) -> None:
    """Hazard H31: the same in WebKit."""
    sign_in_parent(webkit, http_app)
    webkit.find_element(By.CSS_SELECTOR, "button[name=lang][value=ar]").click()
    wait_for(
        webkit,
        lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl",
        "right to left",
    )
    loaded(webkit, "/")
    check_page(webkit)
    assert webkit.find_element(By.TAG_NAME, "h1").text == translate(
        "ar", "Hello, %(name)s", name=PARENT.display_name
    )
    # Mirrored: the menu's first entry sits at the right edge.
    first = webkit.find_element(By.CSS_SELECTOR, ".site-nav a")
    right = first.location["x"] + first.size["width"]
    assert right > PHONE_WIDTH - 40, right

    # Home's main action, then a temperature typed the Arabic way.
    webkit.find_element(By.CSS_SELECTOR, ".main-action a").click()
    loaded(webkit, "/diary/new")
    visible(webkit, "form[data-report-form] button[type=submit]")
    check_page(webkit)
    type_into(webkit, webkit.find_element(By.ID, "temperature"), "٣٩٫٥")
    webkit.find_element(By.CSS_SELECTOR, "form[data-report-form] button[type=submit]").click()
    alarm = visible(webkit, "[data-advice=red]")
    assert alarm.find_element(By.TAG_NAME, "h2").text == translate("ar", "Call the hospital now")
    number = next(
        element
        for element in alarm.find_elements(By.CSS_SELECTOR, "a.button--call bdi")
        if element.is_displayed()
    )
    assert number.get_attribute("dir") == "ltr" and number.text.startswith("+31")
    check_page(webkit)
