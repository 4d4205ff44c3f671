"""Subscriptions, preferences, reminder offsets and push problems: rows and SQL (the jobs
and their deliveries are jobs.py and queue.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, time

from ..db import Reader, Transaction, from_db, now_text


@dataclass(frozen=True)
class Subscription:
    id: int
    account_id: int
    endpoint: str
    p256dh: str
    auth: str
    vapid_public_key: str
    device_label: str
    created_at: datetime
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_failure_status: int | None
    success_count: int
    failure_count: int

    @property
    def working(self) -> bool:
        """Delivered at least once, and not failing since its last success."""
        if self.last_success_at is None:
            return False
        return self.last_failure_at is None or self.last_failure_at < self.last_success_at

    def info(self) -> dict[str, object]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Subscription:
        return cls(
            id=row["id"],
            account_id=row["account_id"],
            endpoint=row["endpoint"],
            p256dh=row["p256dh"],
            auth=row["auth"],
            vapid_public_key=row["vapid_public_key"],
            device_label=row["device_label"],
            created_at=from_db(row["created_at"]),
            last_success_at=from_db(row["last_success_at"]),
            last_failure_at=from_db(row["last_failure_at"]),
            last_failure_status=row["last_failure_status"],
            success_count=row["success_count"],
            failure_count=row["failure_count"],
        )


CHECKIN_DEFAULT = time(19, 0)


@dataclass(frozen=True)
class Preference:
    reminders_enabled: bool = True
    quiet_start: time = time(21, 30)
    quiet_end: time = time(8, 0)
    # A push at each of the child's dose times during a home-medication period (the
    # family chooses the times once, pwa/doses/times.py).
    dose_reminders: bool = False
    red_alerts: bool = False
    # Visit reminders and change notices by e-mail too (for a phone without working push).
    email_reminders: bool = False
    # The one check-in reminder on a check-in day without a report (pwa/checkins/), at
    # this local time; None: off.
    checkin_time: time | None = CHECKIN_DEFAULT
    # When the reminders "1 day before" come (None: the hospital's time for that visit).
    reminder_time: time | None = None


SUBSCRIPTION_COLUMNS = """
    id, account_id, endpoint, p256dh, auth, vapid_public_key, device_label, created_at,
    last_success_at, last_failure_at, last_failure_status, success_count, failure_count
"""


# --- subscriptions -----------------------------------------------------------------


async def upsert_subscription(
    tx: Transaction,
    *,
    account_id: int,
    endpoint: str,
    p256dh: str,
    auth: str,
    vapid_public_key: str,
    device_label: str,
) -> int:
    """Save a device; the same endpoint re-subscribed (new keys, other account) replaces the old."""
    row = await tx.fetch_one(
        """
        INSERT INTO push_subscription (account_id, endpoint, p256dh, auth, vapid_public_key, device_label, created_at)
        VALUES (:account_id, :endpoint, :p256dh, :auth, :vapid_public_key, :device_label, :now)
        ON CONFLICT (endpoint) DO UPDATE SET
            account_id = excluded.account_id, p256dh = excluded.p256dh, auth = excluded.auth,
            vapid_public_key = excluded.vapid_public_key, device_label = excluded.device_label,
            disabled_at = NULL, failure_count = 0, last_failure_at = NULL, last_failure_status = NULL
        RETURNING id
        """,
        {
            "account_id": account_id,
            "endpoint": endpoint,
            "p256dh": p256dh,
            "auth": auth,
            "vapid_public_key": vapid_public_key,
            "device_label": device_label[:80],
            "now": now_text(),
        },
    )
    assert row is not None
    return int(row["id"])


async def delete_subscription(tx: Transaction, subscription_id: int) -> None:
    await tx.execute("DELETE FROM push_subscription WHERE id = :id", {"id": subscription_id})


async def delete_gone_subscription(tx: Transaction, subscription_id: int) -> None:
    """The push service says this device is gone: forget it, and remember that this
    account lost one (its family is offered e-mail reminders, ``push_in_trouble``)."""
    await tx.execute(
        """
        INSERT INTO notification_preference (account_id, push_lost_at, updated_at)
        SELECT account_id, :now, :now FROM push_subscription WHERE id = :id
        ON CONFLICT (account_id) DO UPDATE SET push_lost_at = excluded.push_lost_at
        """,
        {"now": now_text(), "id": subscription_id},
    )
    await delete_subscription(tx, subscription_id)


async def delete_subscription_of(tx: Transaction, account_id: int, endpoint: str) -> bool:
    changed = await tx.execute(
        "DELETE FROM push_subscription WHERE account_id = :account_id AND endpoint = :endpoint",
        {"account_id": account_id, "endpoint": endpoint},
    )
    return changed == 1


async def delete_device_of(tx: Transaction, account_id: int, subscription_id: int) -> bool:
    """Remove one of the account's own devices; another account's id removes nothing."""
    changed = await tx.execute(
        "DELETE FROM push_subscription WHERE id = :id AND account_id = :account_id",
        {"id": subscription_id, "account_id": account_id},
    )
    return changed == 1


async def select_subscriptions(db: Reader, account_id: int) -> list[Subscription]:
    rows = await db.fetch_all(
        f"SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscription WHERE account_id = :id AND disabled_at IS NULL ORDER BY id",  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"id": account_id},
    )
    return [Subscription.from_row(row) for row in rows]


async def select_subscription(db: Reader, subscription_id: int) -> Subscription | None:
    # Fixed column list; every value is a bound parameter.
    sql = f"SELECT {SUBSCRIPTION_COLUMNS} FROM push_subscription WHERE id = :id"  # noqa: S608  # nosec B608
    row = await db.fetch_one(sql, {"id": subscription_id})
    return Subscription.from_row(row) if row else None


async def record_success(tx: Transaction, subscription_id: int) -> None:
    await tx.execute(
        """
        UPDATE push_subscription SET last_success_at = :now, success_count = success_count + 1
         WHERE id = :id
        """,
        {"now": now_text(), "id": subscription_id},
    )


async def record_failure(tx: Transaction, subscription_id: int, status: int | None) -> int:
    row = await tx.fetch_one(
        """
        UPDATE push_subscription
           SET last_failure_at = :now, last_failure_status = :status, failure_count = failure_count + 1
         WHERE id = :id
        RETURNING failure_count, success_count
        """,
        {"now": now_text(), "status": status, "id": subscription_id},
    )
    return int(row["failure_count"]) if row and row["success_count"] == 0 else 0


async def disable_subscription(tx: Transaction, subscription_id: int) -> None:
    await tx.execute(
        "UPDATE push_subscription SET disabled_at = :now WHERE id = :id",
        {"now": now_text(), "id": subscription_id},
    )


async def push_in_trouble(db: Reader, account_id: int) -> bool:
    """Whether this account's pushes have been failing: a device of theirs failed or was
    given up or lost (the push service said it is gone), and none is left that works or
    may yet (a device added since and not tried counts as hope, not as trouble)."""
    row = await db.fetch_one(
        """
        SELECT NOT EXISTS (
                   SELECT 1 FROM push_subscription
                    WHERE account_id = :id AND disabled_at IS NULL
                      AND (last_failure_at IS NULL OR last_failure_at < last_success_at))
           AND (EXISTS (
                   SELECT 1 FROM push_subscription
                    WHERE account_id = :id
                      AND (disabled_at IS NOT NULL OR last_failure_at IS NOT NULL))
                OR EXISTS (
                   SELECT 1 FROM notification_preference
                    WHERE account_id = :id AND push_lost_at IS NOT NULL))
        """,
        {"id": account_id},
    )
    return bool(row and row[0])


# --- preferences and offsets -------------------------------------------------------


async def select_preference(db: Reader, account_id: int) -> Preference:
    row = await db.fetch_one(
        "SELECT * FROM notification_preference WHERE account_id = :id", {"id": account_id}
    )
    if row is None:
        return Preference()
    return Preference(
        reminders_enabled=bool(row["reminders_enabled"]),
        quiet_start=time.fromisoformat(row["quiet_start"]),
        quiet_end=time.fromisoformat(row["quiet_end"]),
        dose_reminders=bool(row["dose_reminders"]),
        red_alerts=bool(row["red_alerts"]),
        email_reminders=bool(row["email_reminders"]),
        checkin_time=time.fromisoformat(row["checkin_time"]) if row["checkin_time"] else None,
        reminder_time=time.fromisoformat(row["reminder_time"]) if row["reminder_time"] else None,
    )


async def save_preference(tx: Transaction, account_id: int, preference: Preference) -> None:
    await tx.execute(
        """
        INSERT INTO notification_preference (account_id, reminders_enabled, quiet_start, quiet_end,
                                             dose_reminders, red_alerts, email_reminders,
                                             checkin_time, reminder_time, updated_at)
        VALUES (:id, :enabled, :start, :end, :doses, :red, :email, :checkin, :reminder_time, :now)
        ON CONFLICT (account_id) DO UPDATE SET
            reminders_enabled = excluded.reminders_enabled, quiet_start = excluded.quiet_start,
            quiet_end = excluded.quiet_end, dose_reminders = excluded.dose_reminders,
            red_alerts = excluded.red_alerts, email_reminders = excluded.email_reminders,
            checkin_time = excluded.checkin_time, reminder_time = excluded.reminder_time,
            updated_at = excluded.updated_at
        """,
        {
            "id": account_id,
            "enabled": int(preference.reminders_enabled),
            "start": preference.quiet_start.strftime("%H:%M"),
            "end": preference.quiet_end.strftime("%H:%M"),
            "doses": int(preference.dose_reminders),
            "red": int(preference.red_alerts),
            "email": int(preference.email_reminders),
            "checkin": preference.checkin_time.strftime("%H:%M")
            if preference.checkin_time
            else None,
            "reminder_time": (
                preference.reminder_time.strftime("%H:%M") if preference.reminder_time else None
            ),
            "now": now_text(),
        },
    )


async def select_offsets(db: Reader) -> list[tuple[int, time]]:
    rows = await db.fetch_all(
        "SELECT days_before, at_time FROM reminder_offset ORDER BY days_before DESC, at_time"
    )
    return [(int(row["days_before"]), time.fromisoformat(row["at_time"])) for row in rows]


async def replace_offsets(tx: Transaction, offsets: list[tuple[int, time]]) -> None:
    await tx.execute("DELETE FROM reminder_offset")
    for days, at in offsets:
        await tx.execute(
            "INSERT INTO reminder_offset (days_before, at_time) VALUES (:days, :at)",
            {"days": days, "at": at.strftime("%H:%M")},
        )


# --- problems -----------------------------------------------------------------------


async def record_problem(tx: Transaction, kind: str, detail: str) -> None:
    await tx.execute(
        "INSERT INTO push_problem (at, kind, detail) VALUES (:now, :kind, :detail)",
        {"now": now_text(), "kind": kind, "detail": detail[:500]},
    )
