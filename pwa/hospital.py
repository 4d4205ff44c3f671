"""Hospital settings an admin edits (phone numbers, staffed hours), with shipped defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, time, timedelta
from typing import Any

from markupsafe import Markup

from . import clock, hospital_texts
from .db import Reader, Transaction
from .hospital_texts import Shown


@dataclass(frozen=True)
class HospitalSettings:
    """What families need to reach the team. Defaults are examples for a first install."""

    name: str = "Children's oncology ward (example)"
    phone_daytime: str = "+31 30 000 0000"
    phone_out_of_hours: str = "+31 30 000 0001"
    staffed_days: str = "1-5"
    staffed_from: str = "08:00"
    staffed_until: str = "17:00"
    # Review targets: red within minutes, amber the same staffed day, green within days.
    review_red_minutes: str = "30"
    review_green_days: str = "2"
    # Escalation of a red report nobody took up by its target: the ward's shared inbox is
    # e-mailed and every nurse's phone alerted; this many minutes later the admins too.
    ward_email: str = ""
    escalate_admins_minutes: str = "30"
    # "yes": escalate outside staffed hours too (a ward that watches the app at night).
    escalate_out_of_hours: str = "no"
    # The language ``name`` is written in: "nl" or "en" (the example name is English).
    name_language: str = "en"
    # The ward's name in the family languages (pwa/hospital_texts.py); not a setting row.
    name_texts: Mapping[str, str] = field(default_factory=dict, compare=False)

    def shown_name(self, reader: str | None = None) -> Shown:
        """The ward's name for a reader: in their language, else as the admin wrote it."""
        return hospital_texts.pick({self.name_language: self.name, **self.name_texts}, reader)

    @property
    def staffed_weekdays(self) -> list[int]:
        """ISO weekdays (1 = Monday) when reports are read, from 'first-last'."""
        first, _, last = self.staffed_days.partition("-")
        return list(range(int(first), int(last or first) + 1))


def staffed_at(settings: HospitalSettings, moment: datetime) -> bool:
    """Whether someone reads reports at this moment: staffed days, from <= time < until.

    The one place the server decides this; static/js/staffed.js is the phone's copy and
    tests/staffed_cases.json runs through both.
    """
    local = clock.local(moment)
    wall_clock = f"{local:%H:%M}"
    return (
        local.isoweekday() in settings.staffed_weekdays
        and settings.staffed_from <= wall_clock < settings.staffed_until
    )


def next_opening(settings: HospitalSettings, moment: datetime) -> datetime:
    """The moment itself while staffed, else when the ward next opens."""
    if staffed_at(settings, moment):
        return moment
    local = clock.local(moment)
    opening = time.fromisoformat(settings.staffed_from)
    for days in range(8):
        day = local.date() + timedelta(days=days)
        candidate = datetime.combine(day, opening, tzinfo=clock.HOSPITAL_ZONE)
        if candidate > local and day.isoweekday() in settings.staffed_weekdays:
            return candidate
    return moment  # no staffed day at all: nothing to wait for


def next_staffed_change(settings: HospitalSettings, moment: datetime) -> datetime:
    """When the ward next opens or closes after ``moment``."""
    if not staffed_at(settings, moment):
        return next_opening(settings, moment)
    local = clock.local(moment)
    closing = time.fromisoformat(settings.staffed_until)
    return datetime.combine(local.date(), closing, tzinfo=clock.HOSPITAL_ZONE)


def review_deadline(level: str, received: datetime, settings: HospitalSettings) -> datetime:
    """When a report should have been read, by the hospital's targets: what the nurses'
    queue marks as overdue and what the family's home promises.

    Red: the red target counted from arrival, or from the next opening when it arrived
    while nobody reads the app (the family was told to call instead) and the hospital does
    not escalate at night. Amber: closing time
    of the day it arrived, or of the next staffed day when it came after closing or on a
    day off. Green: the green target in days.
    """
    if level == "red":
        # A ward that watches the app at night (escalate_out_of_hours) counts from arrival.
        watched = settings.escalate_out_of_hours == "yes"
        start = received if watched else next_opening(settings, received)
        return start + timedelta(minutes=int(settings.review_red_minutes))
    if level == "amber":
        local = clock.local(received)
        closing = time.fromisoformat(settings.staffed_until)
        day = local.date()
        if local.time() >= closing:
            day += timedelta(days=1)
        while day.isoweekday() not in settings.staffed_weekdays:
            day += timedelta(days=1)
        return datetime.combine(day, closing, tzinfo=clock.HOSPITAL_ZONE)
    return received + timedelta(days=int(settings.review_green_days))


def staffed_hours_data(settings: HospitalSettings) -> dict[str, Any]:
    """The staffed hours as static/js/staffed.js reads them, to decide on the phone."""
    return {
        "days": settings.staffed_weekdays,
        "from": settings.staffed_from,
        "until": settings.staffed_until,
        # The zone the staffed hours are kept in, for static/js/staffed.js.
        "zone": clock.HOSPITAL_ZONE_NAME,
    }


FIELD_NAMES = tuple(
    setting.name for setting in fields(HospitalSettings) if setting.name != "name_texts"
)


async def hospital_settings(db: Reader) -> HospitalSettings:
    rows = await db.fetch_all("SELECT name, value FROM hospital_setting")
    stored = {row["name"]: row["value"] for row in rows if row["name"] in FIELD_NAMES}
    names = await hospital_texts.select_texts(db, "ward_name", hospital_texts.WARD)
    return HospitalSettings(**stored, name_texts=names)


async def save_hospital_settings(tx: Transaction, settings: HospitalSettings) -> None:
    for name in FIELD_NAMES:
        await tx.execute(
            """
            INSERT INTO hospital_setting (name, value) VALUES (:name, :value)
            ON CONFLICT (name) DO UPDATE SET value = excluded.value
            """,
            {"name": name, "value": str(getattr(settings, name))},
        )


def staffed_hours_text(settings: HospitalSettings) -> Markup:
    """'Monday to Friday, 08:00-17:00' in the page's language, for a page.

    The hours are one left-to-right piece (``<bdi dir="ltr">``, never split): on a narrow
    phone "08:00-" would otherwise end one line and "17:00" start the next.
    """
    from babel.dates import get_day_names

    from .i18n import current_locale, gettext, time_ranges_together

    names = get_day_names("wide", locale=current_locale())
    days = settings.staffed_weekdays
    first, last = names[days[0] - 1], names[days[-1] - 1]
    start, end = settings.staffed_from, settings.staffed_until
    if len(days) == 1:
        text = gettext("on %(day)s, %(start)s-%(end)s", day=first, start=start, end=end)
    else:
        text = gettext(
            "%(first)s to %(last)s, %(start)s-%(end)s",
            first=first,
            last=last,
            start=start,
            end=end,
        )
    return time_ranges_together(text)
