"""How visits read on a page: kinds and statuses in words, dates and times per locale."""

from __future__ import annotations

from datetime import date, datetime

from .. import dates
from ..hospital_texts import Shown
from ..i18n import format_region, gettext, ngettext
from .store import Visit


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


def kind_label(kind: str | Visit) -> str | Shown:
    """A visit's kind as the admin named it, in the reader's language (marked when it is
    in another, pwa/hospital_texts.py); for a bare key (the template's course kind) the
    app's own words. ``|string`` gives the bare words, for a page's <title>."""
    if isinstance(kind, Visit):
        return kind.kind_shown()
    labels = {
        "admission": gettext("Hospital stay"),
        "day_visit": gettext("Day visit"),
        "home_infusion": gettext("Home infusion"),
    }
    return labels.get(kind, kind)


def visit_title(visit: Visit) -> str | Shown:
    """What the family reads for a visit: the nurse's title, else the kind's name."""
    return visit.title or visit.kind_shown()


def duration(minutes: int) -> str:
    """'45 minutes', '1 hour', '1 hour 30 minutes'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return ngettext("%(num)s minute", "%(num)s minutes", rest)
    text = ngettext("%(num)s hour", "%(num)s hours", hours)
    if rest:
        return gettext(
            "%(hours)s %(minutes)s",
            hours=text,
            minutes=ngettext("%(num)s minute", "%(num)s minutes", rest),
        )
    return text


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
