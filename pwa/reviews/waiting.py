"""The reports a family is waiting on: amber and red reports no nurse has reviewed yet,
with who took each one up. The family's home shows them with the ward's promise (when a
nurse reads it, or that nobody reads the app now) until a nurse acts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..db import Reader, from_db


@dataclass(frozen=True)
class WaitingReport:
    client_uuid: str
    level: str  # "amber" or "red"
    received_at: datetime
    taken_up_by: str | None  # the nurse who claimed it, if one did
    taken_up_at: datetime | None


async def select_waiting(db: Reader, child_id: int) -> list[WaitingReport]:
    """A child's amber and red reports without a review, newest first; a report the family
    corrected later is left out (its correction waits instead)."""
    rows = await db.fetch_all(
        """
        SELECT report.client_uuid, report.level, report.received_at,
               account.display_name, report_claim.claimed_at
          FROM report
          LEFT JOIN report_review ON report_review.report_id = report.id
          LEFT JOIN report_claim ON report_claim.report_id = report.id
          LEFT JOIN account ON account.id = report_claim.nurse_id
         WHERE report.child_id = :child
           AND report.level IN ('amber', 'red')
           AND report_review.report_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM report AS later WHERE later.corrects_id = report.id)
         ORDER BY report.received_at DESC, report.id DESC
        """,
        {"child": child_id},
    )
    return [
        WaitingReport(
            row["client_uuid"],
            row["level"],
            from_db(row["received_at"]),
            row["display_name"],
            from_db(row["claimed_at"]),
        )
        for row in rows
    ]
