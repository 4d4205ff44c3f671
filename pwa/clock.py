"""The clock and the hospital's place in time: "now", the hospital's zone and today there.

Every moment is stored and compared in UTC; a person reads it in the hospital's zone,
where the families live and the ward works. Nothing else in the app reads the system
clock or names the zone, so a test that fixes the time (or a hospital in another zone)
changes it here. Pages hand the zone's name to their scripts (``<html data-zone>``), so the
phone counts days and writes times in the same zone. A visit abroad keeps its own zone
(``visit.time_zone``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

HOSPITAL_ZONE_NAME = "Europe/Amsterdam"
HOSPITAL_ZONE = ZoneInfo(HOSPITAL_ZONE_NAME)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def local(moment: datetime) -> datetime:
    """A moment as the hospital's wall clock shows it."""
    return moment.astimezone(HOSPITAL_ZONE)


def today(now: datetime | None = None) -> date:
    """The hospital's calendar date now (or at ``now``)."""
    return local(now or utcnow()).date()
