"""Quiet hours in the family's local time: when a message may arrive, and for how long a
push service may hold it (its TTL) without it arriving at night."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

HOME_ZONE = "Europe/Amsterdam"


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def in_quiet_hours(moment: datetime, start: time, end: time, zone: str = HOME_ZONE) -> bool:
    """Whether a moment falls in [start, end) local time; the window may cross midnight."""
    clock = _local(moment, zone).time()
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def quiet_ends(moment: datetime, start: time, end: time, zone: str = HOME_ZONE) -> datetime:
    """The first moment at or after ``moment`` outside quiet hours."""
    if not in_quiet_hours(moment, start, end, zone):
        return moment
    local = _local(moment, zone)
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=ZoneInfo(zone))


def next_quiet_start(
    moment: datetime, start: time, end: time, zone: str = HOME_ZONE
) -> datetime | None:
    """When the next quiet period begins after ``moment`` (None if there is none)."""
    if start == end:
        return None
    local = _local(moment, zone)
    candidate = datetime.combine(local.date(), start, tzinfo=ZoneInfo(zone))
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), start, tzinfo=ZoneInfo(zone))
    return candidate


def ttl_seconds(
    now: datetime, expires_at: datetime, start: time, end: time, zone: str = HOME_ZONE
) -> int:
    """Seconds a push service may keep the message: until it expires or quiet hours begin."""
    limit = expires_at
    quiet = next_quiet_start(now, start, end, zone)
    if quiet is not None and quiet < limit:
        limit = quiet
    return max(0, int((limit - now).total_seconds()))
