"""Which families push actually reaches, so the team knows whom to phone instead.

A caregiver is reached when reminders are switched on and at least one of their devices
is working: delivered at least once, and not failing since (Subscription.working).
"""

from __future__ import annotations

from ..db import Reader

# The same rule as Subscription.working, in SQL.
WORKING_DEVICE = """
    push_subscription.disabled_at IS NULL
    AND push_subscription.last_success_at IS NOT NULL
    AND (push_subscription.last_failure_at IS NULL
         OR push_subscription.last_failure_at < push_subscription.last_success_at)
"""
REACHED_CAREGIVERS = f"""
    SELECT caregiver_child.child_id, caregiver_child.caregiver_id, COUNT(*) AS devices
      FROM caregiver_child
      JOIN account ON account.id = caregiver_child.caregiver_id AND account.disabled_at IS NULL
      JOIN push_subscription ON push_subscription.account_id = account.id
      LEFT JOIN notification_preference ON notification_preference.account_id = account.id
     WHERE COALESCE(notification_preference.reminders_enabled, 1) = 1 AND {WORKING_DEVICE}
"""  # noqa: S608 - constant SQL  # nosec B608  # fixed column lists and names only; every value is a bound parameter


async def children_with_working_reminders(db: Reader) -> set[int]:
    rows = await db.scan(
        f"{REACHED_CAREGIVERS} GROUP BY caregiver_child.child_id, caregiver_child.caregiver_id"
    )
    return {int(row["child_id"]) for row in rows}


async def working_devices_per_caregiver(db: Reader, child_id: int) -> dict[int, int]:
    """Caregiver id -> number of working devices, for one child's caregivers who are reached."""
    rows = await db.fetch_all(
        f"""{REACHED_CAREGIVERS} AND caregiver_child.child_id = :child_id
          GROUP BY caregiver_child.child_id, caregiver_child.caregiver_id""",
        {"child_id": child_id},
    )
    return {int(row["caregiver_id"]): int(row["devices"]) for row in rows}
