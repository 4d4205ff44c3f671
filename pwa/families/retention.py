"""The end of a child's record: closing it (families lose access at once) and purging
its personal data after the retention period. The audit log is kept: it refers to the
child by id only, and the law requires it to outlive the data it describes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .. import audit
from ..db import Database, Transaction, now_text, to_db
from ..messages import photos as message_photos
from ..notifications import jobs
from ..photos import remove_file


async def close_record(tx: Transaction, child_id: int, actor_id: int) -> bool:
    """Close a record: pending reminders are cancelled, calendar links stop working."""
    changed = await tx.execute(
        "UPDATE child SET closed_at = :now WHERE id = :id AND closed_at IS NULL",
        {"now": now_text(), "id": child_id},
    )
    if changed != 1:
        return False
    await jobs.cancel_visit_jobs_of_child(tx, child_id)
    await tx.execute(
        "UPDATE calendar_feed SET revoked_at = :now WHERE child_id = :id AND revoked_at IS NULL",
        {"now": now_text(), "id": child_id},
    )
    await tx.execute(
        "UPDATE access_code SET revoked_at = :now WHERE child_id = :id AND used_at IS NULL AND revoked_at IS NULL",
        {"now": now_text(), "id": child_id},
    )
    await audit.record(tx, actor_id=actor_id, action="record.closed", child_id=child_id)
    return True


@dataclass(frozen=True)
class PurgeSummary:
    children: int
    caregivers: int
    photos: int


async def purge(
    db: Database, now: datetime, retention: timedelta, photo_folder: Path
) -> PurgeSummary:
    """Remove closed records older than the retention period, with their caregivers'
    accounts when those follow no other child; then delete the photo files."""
    cutoff = to_db(now - retention)
    files: list[str] = []
    async with db.transaction() as tx:
        children = [
            int(row[0])
            for row in await tx.fetch_all(
                "SELECT id FROM child WHERE closed_at IS NOT NULL AND closed_at < :cutoff",
                {"cutoff": cutoff},
            )
        ]
        caregivers: set[int] = set()
        for child_id in children:
            files.extend(
                row[0]
                for row in await tx.fetch_all(
                    """
                SELECT report_photo.file_name FROM report_photo
                  JOIN report ON report.id = report_photo.report_id
                 WHERE report.child_id = :id
                """,
                    {"id": child_id},
                )
            )
            files.extend(await message_photos.file_names_of_child(tx, child_id))
            caregivers.update(
                int(row[0])
                for row in await tx.fetch_all(
                    "SELECT caregiver_id FROM caregiver_child WHERE child_id = :id",
                    {"id": child_id},
                )
            )
            # Cascades remove links, plan, visits, reports, messages, photos' rows, reviews, feeds.
            await tx.execute("DELETE FROM child WHERE id = :id", {"id": child_id})
            await audit.record(tx, actor_id=None, action="record.purged", child_id=child_id)
        removed_accounts = 0
        for caregiver_id in caregivers:
            changed = await tx.execute(
                """
                DELETE FROM account WHERE id = :id AND role = 'caregiver'
                   AND NOT EXISTS (SELECT 1 FROM caregiver_child WHERE caregiver_id = :id)
                """,
                {"id": caregiver_id},
            )
            removed_accounts += changed
    for name in files:
        remove_file(photo_folder, name)
    return PurgeSummary(len(children), removed_accounts, len(files))
