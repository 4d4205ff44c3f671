"""The admin's rule for check-in days (the only module that writes ``checkin_rule``).

Shipped as an example, to be confirmed by the hospital (docs/clinical.md): the first three
days after each hospital stay ends, and every day of an isotretinoin period at home.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..db import Reader, Transaction, now_text

SHIPPED_AFTER_STAY_DAYS = 3
SHIPPED_MEDICINE_KEYS = ("isotretinoin",)
MAX_AFTER_STAY_DAYS = 14


@dataclass(frozen=True)
class CheckinRule:
    # Days 1..N after the last day of each stay (0: none).
    after_stay_days: int = SHIPPED_AFTER_STAY_DAYS
    # Home medicines whose periods are check-in days, every day.
    medicine_ids: tuple[int, ...] = ()

    @property
    def asks_anything(self) -> bool:
        return self.after_stay_days > 0 or bool(self.medicine_ids)


async def select_rule(db: Reader) -> CheckinRule:
    row = await db.fetch_one("SELECT after_stay_days, medicine_ids FROM checkin_rule WHERE id = 1")
    if row is None:
        return CheckinRule(after_stay_days=0)
    return CheckinRule(
        after_stay_days=int(row["after_stay_days"]),
        medicine_ids=tuple(sorted(int(i) for i in json.loads(row["medicine_ids"]))),
    )


async def save_rule(tx: Transaction, rule: CheckinRule) -> None:
    await tx.execute(
        """
        UPDATE checkin_rule SET after_stay_days = :days, medicine_ids = :medicines, updated_at = :now
         WHERE id = 1
        """,
        {
            "days": rule.after_stay_days,
            "medicines": json.dumps(sorted(rule.medicine_ids)),
            "now": now_text(),
        },
    )


async def is_shipped_example(db: Reader, rule: CheckinRule) -> bool:
    """Whether the rule still holds the values the app shipped with (the admin page says
    they are examples to be confirmed)."""
    rows = await db.fetch_all(
        "SELECT id FROM home_medicine WHERE key IN (SELECT value FROM json_each(:keys))",
        {"keys": json.dumps(SHIPPED_MEDICINE_KEYS)},
    )
    shipped = tuple(sorted(int(row["id"]) for row in rows))
    return rule.after_stay_days == SHIPPED_AFTER_STAY_DAYS and rule.medicine_ids == shipped
