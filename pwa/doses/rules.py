"""When the nurses' list flags a child for its doses at home: the admin's rule (the only
module that writes ``dose_flag_rule``) and the children it flags now.

The rule counts dose times recorded with one of its outcomes in the last days ("2 or more
doses missed, refused or vomited in the last 3 days"); a dose time two caregivers both
recorded counts once. Dose times nobody recorded do not count: a family that does not use
the app would be flagged every day. They show on the child's page instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from ..db import Reader, Transaction, now_text

# What the rule may count; "given" never is.
COUNTABLE = ("partly", "vomited", "refused", "missed")
SHIPPED = (2, 3, ("vomited", "refused", "missed"))


@dataclass(frozen=True)
class FlagRule:
    enabled: bool = True
    min_count: int = 2
    within_days: int = 3
    outcomes: tuple[str, ...] = ("vomited", "refused", "missed")

    @property
    def is_shipped_example(self) -> bool:
        return (self.min_count, self.within_days, tuple(sorted(self.outcomes))) == (
            SHIPPED[0],
            SHIPPED[1],
            tuple(sorted(SHIPPED[2])),
        )

    def first_day(self, today: date) -> date:
        return today - timedelta(days=self.within_days - 1)


async def select_rule(db: Reader) -> FlagRule:
    row = await db.fetch_one("SELECT * FROM dose_flag_rule WHERE id = 1")
    if row is None:
        return FlagRule()
    return FlagRule(
        enabled=bool(row["enabled"]),
        min_count=int(row["min_count"]),
        within_days=int(row["within_days"]),
        outcomes=tuple(o for o in json.loads(row["outcomes"]) if o in COUNTABLE),
    )


async def save_rule(tx: Transaction, rule: FlagRule) -> None:
    await tx.execute(
        """
        UPDATE dose_flag_rule
           SET enabled = :enabled, min_count = :count, within_days = :days, outcomes = :outcomes,
               updated_at = :now
         WHERE id = 1
        """,
        {
            "enabled": int(rule.enabled),
            "count": rule.min_count,
            "days": rule.within_days,
            "outcomes": json.dumps(list(rule.outcomes)),
            "now": now_text(),
        },
    )


async def flagged_children(db: Reader, rule: FlagRule, today: date) -> dict[int, int]:
    """Children of open records the rule flags today, with how many dose times counted."""
    if not rule.enabled or not rule.outcomes:
        return {}
    rows = await db.fetch_all(
        """
        SELECT child_id, COUNT(*) AS counted FROM (
            SELECT DISTINCT dose.child_id, dose.medication_period_id, dose.slot_day, dose.slot_time
              FROM dose JOIN child ON child.id = dose.child_id
             WHERE child.closed_at IS NULL AND dose.slot_day BETWEEN :first AND :today
               AND dose.outcome IN (SELECT value FROM json_each(:outcomes)))
         GROUP BY child_id HAVING COUNT(*) >= :count
        """,
        {
            "first": rule.first_day(today).isoformat(),
            "today": today.isoformat(),
            "outcomes": json.dumps(list(rule.outcomes)),
            "count": rule.min_count,
        },
    )
    return {int(row["child_id"]): int(row["counted"]) for row in rows}
