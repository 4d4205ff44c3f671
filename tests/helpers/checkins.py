"""Check-in days the short way: the default template's plan from 11 January 2027, whose
check-in days are 18-20 January (days 1-3 after the first stay, 11-17 January) and
29 January - 11 February (the isotretinoin period); a moment in local time; a caregiver's
check-in time and quiet hours."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pwa.db import Database
from pwa.notifications import store as notifications

AMS = ZoneInfo("Europe/Amsterdam")
PLAN_START = date(2027, 1, 11)
STAY_DAYS = {date(2027, 1, 18), date(2027, 1, 19), date(2027, 1, 20)}
MEDICATION_DAYS = {date(2027, 1, 29 + n) if n < 3 else date(2027, 2, n - 2) for n in range(14)}
# Tuesday 19 January 2027: the second day after the first stay.
CHECKIN_DAY = date(2027, 1, 19)
# Monday 25 January 2027: at home, no window.
PLAIN_DAY = date(2027, 1, 25)


def at(day: date, clock: str) -> datetime:
    """A local moment on ``day`` ("19:00")."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=AMS)


async def set_checkin(
    db: Database,
    account_id: int,
    checkin_time: time | None,
    *,
    quiet: tuple[time, time] = (time(21, 30), time(8, 0)),
    email: bool = False,
) -> None:
    async with db.transaction() as tx:
        await notifications.save_preference(
            tx,
            account_id,
            notifications.Preference(
                quiet_start=quiet[0],
                quiet_end=quiet[1],
                checkin_time=checkin_time,
                email_reminders=email,
            ),
        )
