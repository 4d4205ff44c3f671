"""How visits read on a page: kinds and statuses in words, dates and times per locale."""

from __future__ import annotations

from datetime import date, datetime

from .. import dates
from ..i18n import format_region, gettext


def _region() -> str:
    return format_region()


def weekday_date(value: date | datetime) -> str:
    """'Monday 12 January' (with the year outside this year)."""
    return dates.long_day(value, _region())


def short_date(value: date | datetime) -> str:
    """'12 Jan' (with the year outside this year)."""
    return dates.day(value, _region())


def clock(value: datetime) -> str:
    """'09:00' (24-hour in both languages)."""
    return dates.clock(value, _region())


def kind_label(kind: str) -> str:
    labels = {
        "admission": gettext("Hospital stay"),
        "day_visit": gettext("Day visit"),
        "home_infusion": gettext("Home infusion"),
    }
    return labels.get(kind, kind)


def status_label(status: str) -> str:
    labels = {
        "planned": gettext("Planned"),
        "confirmed": gettext("Confirmed"),
        "changed": gettext("Changed"),
        "completed": gettext("Done"),
        "cancelled": gettext("Cancelled"),
    }
    return labels.get(status, status)


def medication_label(name: str) -> str:
    labels = {"isotretinoin": gettext("Isotretinoin capsules at home")}
    return labels.get(name, name)
