"""The queue's colours (hazard H10): a report's level is the loudest thing on its item; an
overdue green stays a plain green item with a quiet "overdue" mark (text and a clock),
never tinted or edged like a red, in the light and the dark scheme."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.helpers.browser import ServedApp, assert_accessible, horizontal_overflow, sign_in_nurse
from tests.helpers.browser_families import add_report, new_family

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

COLOURS = """(selectors) => {
    const probe = document.createElement("div");
    document.body.append(probe);
    const resolve = (value) => { probe.style.color = value; return getComputedStyle(probe).color; };
    const theme = {
        danger: resolve("var(--danger)"), dangerBg: resolve("var(--danger-bg)"),
        surface: resolve("var(--surface)"),
    };
    probe.remove();
    const item = (selector) => {
        const element = document.querySelector(selector);
        const style = getComputedStyle(element);
        const mark = element.querySelector(".overdue");
        return {
            background: style.backgroundColor,
            borders: [style.borderTopColor, style.borderInlineStartColor],
            mark: mark ? getComputedStyle(mark).color : null,
            icon: !!(mark && mark.querySelector("svg")),
        };
    };
    return { theme, red: item(selectors.red), green: item(selectors.green) };
}"""


async def colours(page: Page, red: str, green: str) -> dict[str, Any]:
    selectors = {
        "red": f'.queue-item:has(a[href="/nurse/reports/{red}"])',
        "green": f'.queue-item:has(a[href="/nurse/reports/{green}"])',
    }
    return await page.evaluate(COLOURS, selectors)  # type: ignore[no-any-return]


@pytest.mark.parametrize("width", [360, 1366])
async def test_an_overdue_green_never_looks_louder_than_a_new_red(
    page: Page, served_app: ServedApp, width: int
) -> None:
    """Hazard H10: level colour dominates; overdue is a quiet mark, never a red tint."""
    family = await new_family(served_app, "Jip", "Wessel")
    green = await add_report(
        served_app, family, {"pain": 1, "temperature": 36.6}, waited=timedelta(days=5)
    )
    red = await add_report(served_app, family, {"temperature": 40.7})
    await page.set_viewport_size({"width": width, "height": 900})
    await sign_in_nurse(page)
    green_item = page.locator(f'.queue-item:has(a[href="/nurse/reports/{green}"])')
    await expect(green_item.locator(".overdue")).to_have_text("overdue")
    await expect(green_item.locator(".tag")).to_have_text("Green")
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        found = await colours(page, red, green)
        theme = found["theme"]
        assert found["red"]["background"] == theme["dangerBg"], scheme
        assert found["green"]["background"] == theme["surface"], scheme
        assert theme["danger"] not in found["green"]["borders"], scheme
        assert found["green"]["mark"] not in (theme["danger"], None), scheme
        assert found["green"]["icon"], scheme
    await page.emulate_media(color_scheme="light")
    await assert_accessible(page)
    assert await horizontal_overflow(page) == 0
