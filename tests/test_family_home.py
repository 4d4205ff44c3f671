"""The family's way in, on the server: home leads to the diary, the menu has it, the reply
banner quotes the reply, the manifest has shortcuts, and the plan pages' small fixes."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from quart import Quart

from pwa.db import Database
from pwa.plans import store as plans
from tests.conftest import People, make_plan, sign_in
from tests.helpers.reports import add_report

AMS = ZoneInfo("Europe/Amsterdam")


async def page(client: Any, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, path
    return str(await response.get_data(as_text=True))


def main_part(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


async def test_home_leads_to_the_diary_first(family_client: Any) -> None:
    """Hazard H1: the first action on home is the report form; the menu has the diary."""
    html = await page(family_client, "/")
    buttons = re.findall(r'<a class="button[^"]*" href="([^"]+)">([^<]+)</a>', main_part(html))
    assert buttons[0] == ("/diary/new", "How is Sam today? — log symptoms")
    assert 'href="/diary">Diary: earlier reports and trends</a>' in html
    nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="([^"]+)"', nav) == [
        "/",
        "/diary",
        "/schedule",
        "/messages",
        "/guidance",
        "/settings",
    ]
    # The install card comes right after the main action, not at the bottom of the page.
    body = main_part(html)
    assert body.index(">How is Sam today?") < body.index('id="install-help"')
    assert body.index('id="install-help"') < body.index('aria-labelledby="next-heading"')


async def test_settings_reach_every_family_page_with_one_language_switch(
    family_client: Any,
) -> None:
    """Hazard H1: settings link the reminders, calendar, data download and access log."""
    html = await page(family_client, "/settings")
    for path in (
        "/settings/reminders",
        "/settings/calendar",
        "/settings/access-log",
        "/settings/data",
    ):
        assert f'href="{path}"' in html, path
    assert html.count('class="language-switch"') == 1


async def test_the_reply_banner_quotes_the_first_line_and_links_the_report(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    """Hazard H12: home shows each unread reply's first line (trimmed) and links to it."""
    uid = await add_report(db, people, {"pain": 6})
    async with db.transaction() as connection:
        await connection.execute(
            "INSERT INTO report_reply (report_id, nurse_id, body, created_at)"
            " SELECT id, :nurse, :body, '2026-12-03T13:05:00.000000Z' FROM report"
            " WHERE client_uuid = :uuid",
            {
                "nurse": people.nurse_id,
                "uuid": uid,
                "body": "\n  Please call the ward now.  \nWe want to check the pain.",
            },
        )
    html = await page(family_client, "/")
    banner = html.split('class="banner banner--reply"', 1)[1].split("</section>", 1)[0]
    link = re.search(r'<a href="([^"]+)">(.*?)</a>', banner, re.S)
    assert link is not None and link.group(1) == f"/diary/{uid}"
    assert '<span class="reply-list__line">Please call the ward now.</span>' in link.group(2)
    assert "We want to check" not in banner
    assert re.search(r"Nurse, Thu,? 3 Dec( 2026)?, 14:05", link.group(2))


async def test_the_manifest_offers_a_new_report_and_when_to_call(
    client: Any,
) -> None:
    """Hazard H1: a long press on the app icon offers the report form and the call card."""
    manifest = json.loads(await page(client, "/manifest.webmanifest"))
    shortcuts = {item["url"]: item for item in manifest["shortcuts"]}
    assert list(shortcuts) == ["/diary/new", "/call"]
    for item in shortcuts.values():
        [icon] = item["icons"]
        assert icon["sizes"] == "192x192" and icon["type"] == "image/png"
        response = await client.get(icon["src"])
        assert response.status_code == 200
        assert (await response.get_data())[:8] == b"\x89PNG\r\n\x1a\n"


async def test_visit_page_links_its_calendar_file_and_the_timeline_marks_today(
    app: Quart, db: Database, people: People
) -> None:
    """The visit page offers "Add to calendar" (its .ics); the timeline marks today once,
    and a changed visit says so once."""
    with time_machine.travel(datetime(2027, 2, 1, 10, tzinfo=AMS), tick=False):
        client = app.test_client()
        await sign_in(client, "parent@example.org")
        plan = await make_plan(db, people.child_id, date(2027, 1, 11))
        visits = await plans.select_visits(db, plan.id)
        html = await page(client, f"/schedule/visits/{visits[1].id}")
        assert f'href="/schedule/visits/{visits[1].id}.ics" download>Add to calendar</a>' in html
        assert (await client.get(f"/schedule/visits/{visits[1].id}.ics")).status_code == 200
        timeline = await page(client, "/schedule")
        assert timeline.count('class="timeline-today"') == 1
        assert "Today, Monday 1 February" in timeline
        # Between course 1 (done) and course 2 (coming).
        assert timeline.index("Course 1: Hospital stay") < timeline.index("timeline-today")
        assert timeline.index("timeline-today") < timeline.index("Course 2: Hospital stay")
