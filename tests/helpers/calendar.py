"""Calendar feeds as a family makes them and a calendar app fetches them."""

from __future__ import annotations

import re
from typing import Any

from icalendar import Calendar, Event
from quart import Quart

from tests.conftest import post_form

FEED_URL = re.compile(r'value="https://localhost(/calendar/([A-Z0-9]+)\.ics)"')


async def new_feed(client: Any) -> tuple[str, str]:
    """Make a feed through the settings page; the path and token it shows once."""
    response = await post_form(client, "/settings/calendar", {})
    assert response.status_code == 200
    match = FEED_URL.search(await response.get_data(as_text=True))
    assert match, "the new link is shown"
    return match.group(1), match.group(2)


async def fetch_calendar(app: Quart, path: str) -> Calendar:
    """Fetch as a calendar app does: no cookies, no language."""
    response = await app.test_client().get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(await response.get_data())


def events_by_uid(calendar: Calendar) -> dict[str, Event]:
    return {
        str(event["UID"]): event for event in calendar.walk("VEVENT") if isinstance(event, Event)
    }
