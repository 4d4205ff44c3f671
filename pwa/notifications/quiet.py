"""Quiet hours in the family's local time: when a message may arrive, and for how long a
push service may hold it (its TTL) without it arriving at night.

A medicine reminder at a time the family chose itself (a 07:30 breakfast dose) is the
exception: it sounds at that time even inside quiet hours, because the family asked for
it then. Only close to that time, though: sent late (after downtime) it waits like the rest.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..clock import HOSPITAL_ZONE_NAME

# Jobs whose time the family picked on the reminders page (planner.plan_medication_reminders).
CHOSEN_TIME_KINDS = ("medication:",)
# How long after its own time a chosen-time reminder may still sound in quiet hours.
CHOSEN_TIME_GRACE = timedelta(minutes=30)


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def in_quiet_hours(
    moment: datetime, start: time, end: time, zone: str = HOSPITAL_ZONE_NAME
) -> bool:
    """Whether a moment falls in [start, end) local time; the window may cross midnight."""
    clock = _local(moment, zone).time()
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def quiet_ends(
    moment: datetime, start: time, end: time, zone: str = HOSPITAL_ZONE_NAME
) -> datetime:
    """The first moment at or after ``moment`` outside quiet hours."""
    if not in_quiet_hours(moment, start, end, zone):
        return moment
    local = _local(moment, zone)
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=ZoneInfo(zone))


def next_quiet_start(
    moment: datetime, start: time, end: time, zone: str = HOSPITAL_ZONE_NAME
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
    now: datetime, expires_at: datetime, start: time, end: time, zone: str = HOSPITAL_ZONE_NAME
) -> int:
    """Seconds a push service may keep the message: until it expires or quiet hours begin."""
    limit = expires_at
    quiet = next_quiet_start(now, start, end, zone)
    if quiet is not None and quiet < limit:
        limit = quiet
    return max(0, int((limit - now).total_seconds()))


def at_chosen_time(kind: str, due_at: datetime, now: datetime) -> bool:
    """A reminder at a time the family chose, going out close to that time."""
    return kind.startswith(CHOSEN_TIME_KINDS) and due_at <= now <= due_at + CHOSEN_TIME_GRACE


def may_sound(
    kind: str,
    due_at: datetime,
    now: datetime,
    start: time,
    end: time,
    zone: str = HOSPITAL_ZONE_NAME,
) -> bool:
    """Whether a family message may go out now: outside quiet hours, or at its chosen time."""
    return not in_quiet_hours(now, start, end, zone) or at_chosen_time(kind, due_at, now)


def family_ttl(
    kind: str,
    due_at: datetime,
    now: datetime,
    expires_at: datetime,
    start: time,
    end: time,
    zone: str = HOSPITAL_ZONE_NAME,
) -> int:
    """The TTL of a family message: it must not arrive in quiet hours, except a chosen-time
    reminder within its grace (and on, if quiet hours are over by then)."""
    if not (in_quiet_hours(now, start, end, zone) and at_chosen_time(kind, due_at, now)):
        return ttl_seconds(now, expires_at, start, end, zone)
    limit = min(expires_at, due_at + CHOSEN_TIME_GRACE)
    over = quiet_ends(now, start, end, zone)
    if over <= due_at + CHOSEN_TIME_GRACE:
        # The grace runs into the morning: it may arrive until it expires or quiet returns.
        limit = expires_at
        quiet_again = next_quiet_start(over, start, end, zone)
        if quiet_again is not None and quiet_again < limit:
            limit = quiet_again
    return max(0, int((limit - now).total_seconds()))


def in_quiet_time(moment: time, start: time, end: time) -> bool:
    """The same rule as ``in_quiet_hours``, for a clock time on its own (the settings page)."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end
