"""iCalendar for visits: the caregiver's subscribed feed and one-off files for one visit.

Events carry the visit's local wall-clock time with its IANA zone (TZID plus a VTIMEZONE),
so a phone shows 09:00 whatever daylight-saving does. The UID never changes and SEQUENCE
follows the visit's change counter, so calendar apps update an event instead of adding a
second one. The text says what kind of visit it is and no more: phones show calendar
entries on lock screens and sync them to third-party clouds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from icalendar import CLASS, STATUS, Calendar, Event, vDuration

from ..i18n import current_locale, gettext
from .feeds import CalendarVisit
from .store import Visit

PRODID = "-//Immuno Companion//Treatment plan//EN"
# How often calendar apps that honour it (Apple, Outlook) should fetch the feed again.
REFRESH_INTERVAL = timedelta(hours=1)
EVENT_STATUS = {
    "planned": STATUS.TENTATIVE,
    "confirmed": STATUS.CONFIRMED,
    "changed": STATUS.CONFIRMED,
    "completed": STATUS.CONFIRMED,
    "cancelled": STATUS.CANCELLED,
}


def summary(visit: Visit) -> str:
    """ "Hospital stay (course 3)" or "Hospital visit: Scan", in the current language,
    marked when cancelled. A short visit shows its kind's name, never the nurse's title
    (a title may say more than a lock screen should)."""
    if visit.short:
        text = gettext("Hospital visit: %(kind)s", kind=visit.kind_name(current_locale()))
    elif visit.kind == "day_visit":
        text = gettext("Day visit (course %(number)s)", number=visit.course_number)
    elif visit.kind == "home_infusion":
        text = gettext("Home infusion (course %(number)s)", number=visit.course_number)
    else:
        text = gettext("Hospital stay (course %(number)s)", number=visit.course_number)
    if visit.cancelled:
        # Some calendar apps show cancelled events like any other: say it in the title too.
        return gettext("Cancelled: %(visit)s", visit=text)
    return text


def visit_event(item: CalendarVisit, visit_url: Callable[[int], str]) -> Event:
    visit = item.visit
    return Event.new(
        uid=visit.uid,
        sequence=visit.sequence,
        start=visit.starts_at,
        end=visit.ends_at,
        summary=summary(visit),
        location=visit.location or None,
        description=str(visit.note()) or None,
        status=EVENT_STATUS.get(visit.status, STATUS.TENTATIVE),
        classification=CLASS.PRIVATE,
        # Without a METHOD, DTSTAMP means the same as LAST-MODIFIED (RFC 5545 3.8.7.2),
        # which also keeps the file identical between fetches until something changes.
        stamp=item.modified_at,
        last_modified=item.modified_at,
        url=visit_url(visit.id),
    )


def _zone_years(visits: Sequence[Visit]) -> tuple[date, date]:
    """The span the VTIMEZONE rules must cover: whole years around every visit."""
    first = min(visit.starts for visit in visits).year
    last = max(visit.ends for visit in visits).year
    return date(first, 1, 1), date(last + 2, 1, 1)


def build_calendar(
    items: Sequence[CalendarVisit], *, name: str, visit_url: Callable[[int], str]
) -> bytes:
    """A complete VCALENDAR with the given visits and the time zones they use."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.calendar_name = name
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    for item in items:
        calendar.add_component(visit_event(item, visit_url))
    if items:
        first, last = _zone_years([item.visit for item in items])
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return bytes(calendar.to_ical())
