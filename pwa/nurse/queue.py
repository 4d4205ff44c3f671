"""The review queue: unreviewed reports, red first, oldest first within a level, with how
long each has waited against the hospital's target and who is handling it; and the
nurse's actions on a report (review it, change its outcome openly, reply), which never
change what the family wrote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..db import Reader, from_db
from ..diary.history import Corrections
from ..diary.store import (
    REPORT_COLUMNS,
    REPORT_FROM,
    CorrectionLink,
    Report,
    select_correction_links_for_queue,
)
from ..hospital import HospitalSettings, review_deadline
from ..reviews.claims import CLAIM_LASTS


@dataclass(frozen=True)
class QueueItem:
    report: Report
    child_nickname: str
    deadline: datetime
    overdue: bool
    waited: timedelta
    claimed_by: str | None
    claimed_since: datetime | None = None
    # The family's newer report that replaces this one; None while this one is current.
    superseded_by: CorrectionLink | None = None


# The queue page shows the most urgent reports first; past this many, the rest wait for
# the next page load (a ward with hundreds unreviewed needs the top of the list, fast).
QUEUE_PAGE = 200


async def count_queue(db: Reader) -> int:
    rows = await db.scan(
        """
        SELECT COUNT(*) FROM report_queue
          JOIN report ON report.id = report_queue.report_id
          JOIN child ON child.id = report.child_id
         WHERE child.closed_at IS NULL
        """
    )
    return int(rows[0][0]) if rows else 0


async def select_queue(
    db: Reader, now: datetime, settings: HospitalSettings, limit: int | None = None
) -> list[QueueItem]:
    """Unreviewed reports (report_queue, kept by triggers: migration 0007), most urgent
    first, a superseded report right after the report that corrects it (hazard H6)."""
    rows = await db.scan(
        f"""
        SELECT child.nickname AS child_nickname, claimer.display_name AS claimer,
               report_claim.claimed_at, {REPORT_COLUMNS} {REPORT_FROM}"""
        + """
          JOIN report_queue ON report_queue.report_id = report.id
          JOIN child ON child.id = report.child_id
          LEFT JOIN report_claim ON report_claim.report_id = report.id
          LEFT JOIN account AS claimer ON claimer.id = report_claim.nurse_id
         WHERE child.closed_at IS NULL
         ORDER BY CASE report.level WHEN 'red' THEN 0 WHEN 'amber' THEN 1 ELSE 2 END, report.received_at, report.id
         LIMIT :limit
        """,
        {"limit": limit or QUEUE_PAGE},
    )
    corrections = Corrections.from_links(await select_correction_links_for_queue(db))
    items = []
    for row in rows:
        report = Report.from_row(row)
        deadline = review_deadline(report.level, report.received_at, settings)
        claimed_at = from_db(row["claimed_at"])
        held = claimed_at is not None and now - claimed_at < CLAIM_LASTS
        items.append(
            # max(): a phone's clock ahead of ours must not show a negative wait.
            QueueItem(
                report,
                row["child_nickname"],
                deadline,
                now > deadline,
                max(timedelta(0), now - report.received_at),
                row["claimer"] if held else None,
                claimed_at if held else None,
                corrections.superseded_by(report.client_uuid),
            )
        )
    return beside_corrections(items)


def beside_corrections(items: list[QueueItem]) -> list[QueueItem]:
    """The queue with each family of corrections together: the current report first, its
    superseded reports right after it, all at the place of the family's most urgent report.

    A superseded report stays reviewable (a nurse may have acted on it) but never stands
    alone as if current; and a red corrected to green still surfaces where the red was.
    """

    def family(item: QueueItem) -> str:
        link = item.superseded_by
        return link.correction_uuid if link else item.report.client_uuid

    members: dict[str, list[QueueItem]] = {}
    for item in items:
        members.setdefault(family(item), []).append(item)
    ordered: list[QueueItem] = []
    for item in items:
        group = members.pop(family(item), None)
        if group is not None:
            ordered.extend(sorted(group, key=lambda member: member.superseded_by is not None))
    return ordered
