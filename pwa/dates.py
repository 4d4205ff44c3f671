"""One way to write dates and times per language, the same on the server and in scripts.

Every page shows a moment as "Thu 3 Dec, 14:05" (Dutch "do 3 dec, 14:05"), a day as
"3 Dec", a visit's day as "Thursday 3 December" and a time as "14:05"; a date outside the
current year also shows its year. Scripts write the same text with ``Intl.DateTimeFormat``
and the options in ``static/js/dates.js``; the patterns below are what Chromium's ICU
writes for those options in each region (a browser test compares the two).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from quart import g, has_request_context

from .clock import HOSPITAL_ZONE_NAME, utcnow

# Per region, per style: the pattern this year and the pattern for another year. ICU puts
# a comma after the English weekday once a year follows; Dutch never does.
PATTERNS: dict[str, dict[str, tuple[str, str]]] = {
    "en_GB": {
        "moment": ("EEE d MMM, HH:mm", "EEE, d MMM y, HH:mm"),
        "day": ("d MMM", "d MMM y"),
        "long_day": ("EEEE d MMMM", "EEEE, d MMMM y"),
    },
    "nl_NL": {
        "moment": ("EEE d MMM, HH:mm", "EEE d MMM y, HH:mm"),
        "day": ("d MMM", "d MMM y"),
        "long_day": ("EEEE d MMMM", "EEEE d MMMM y"),
    },
    # Arabic separates with the Arabic comma; its short weekday is the full name.
    "ar": {
        "moment": ("EEE، d MMM، HH:mm", "EEE، d MMM y، HH:mm"),
        "day": ("d MMM", "d MMM y"),
        "long_day": ("EEEE، d MMMM", "EEEE، d MMMM y"),
    },
    "pl_PL": {
        "moment": ("EEE, d MMM, HH:mm", "EEE, d MMM y, HH:mm"),
        "day": ("d MMM", "d MMM y"),
        "long_day": ("EEEE, d MMMM", "EEEE, d MMMM y"),
    },
    # Turkish puts the day before the month and the weekday after the date.
    "tr_TR": {
        "moment": ("d MMM EEE HH:mm", "d MMM y EEE HH:mm"),
        "day": ("d MMM", "d MMM y"),
        "long_day": ("d MMMM EEEE", "d MMMM y EEEE"),
    },
    # Ukrainian marks a year with "р." (рік).
    "uk_UA": {
        "moment": ("EEE, d MMM, HH:mm", "EEE, d MMM y 'р'., HH:mm"),
        "day": ("d MMM", "d MMM y 'р'."),
        "long_day": ("EEEE, d MMMM", "EEEE, d MMMM y 'р'."),
    },
}
CLOCK = "HH:mm"


def with_years() -> None:
    """For the rest of this request every date says its year: paper outlives the year."""
    g.dates_with_years = True


def _pattern(region: str, style: str, year: int, zone: str) -> str:
    this_year, other_year = PATTERNS.get(region, PATTERNS["en_GB"])[style]
    if has_request_context() and g.get("dates_with_years"):
        return other_year
    return this_year if year == utcnow().astimezone(ZoneInfo(zone)).year else other_year


def moment(value: datetime, region: str, zone: str = HOSPITAL_ZONE_NAME) -> str:
    """An aware moment in ``zone``: 'Thu 3 Dec, 14:05'."""
    local = value.astimezone(ZoneInfo(zone))
    pattern = _pattern(region, "moment", local.year, zone)
    return str(babel_dates.format_datetime(local, pattern, tzinfo=local.tzinfo, locale=region))


def day(value: date | datetime, region: str, zone: str = HOSPITAL_ZONE_NAME) -> str:
    """A day as written (a local date or wall-clock time): '3 Dec'."""
    return str(babel_dates.format_date(value, _pattern(region, "day", value.year, zone), region))


def long_day(value: date | datetime, region: str, zone: str = HOSPITAL_ZONE_NAME) -> str:
    """A visit's day as written: 'Thursday 3 December'."""
    pattern = _pattern(region, "long_day", value.year, zone)
    return str(babel_dates.format_date(value, pattern, locale=region))


def clock(value: datetime, region: str) -> str:
    """A wall-clock time, 24-hour in both languages: '09:00'."""
    return str(babel_dates.format_time(value, CLOCK, locale=region))
