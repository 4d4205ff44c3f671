"""Who is handling a report: a nurse claims it with a button, sees who else holds it, and
takes it over only after confirming, so two nurses never phone the same family unaware
(hazard H8). Opening a report never claims it; every claim, take-over and release is
audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import audit
from ..clock import utcnow
from ..db import Reader, Transaction, from_db, now_text
from ..diary.store import Report

CLAIM_LASTS = timedelta(minutes=30)


@dataclass(frozen=True)
class Claim:
    """A nurse's current hold on a report (only claims younger than CLAIM_LASTS count)."""

    nurse_id: int
    nurse_name: str
    since: datetime


_SELECT = """
    SELECT report_claim.nurse_id, account.display_name, report_claim.claimed_at
      FROM report_claim JOIN account ON account.id = report_claim.nurse_id
     WHERE report_claim.report_id = :report
"""


def _current(row: object, now: datetime) -> Claim | None:
    if row is None:
        return None
    since = from_db(row["claimed_at"])  # type: ignore[index]
    if now - since >= CLAIM_LASTS:
        return None
    return Claim(int(row["nurse_id"]), row["display_name"], since)  # type: ignore[index]


async def select_claim(db: Reader, report_id: int) -> Claim | None:
    """The claim a report page shows: who handles it and since when, if anyone still does."""
    return _current(await db.fetch_one(_SELECT, {"report": report_id}), utcnow())


async def current_claim(db: Reader, report_id: int) -> Claim | None:
    """The same, read inside the writer's transaction so a decision acts on what is true."""
    return _current(await db.fetch_one(_SELECT, {"report": report_id}), utcnow())


def held_by_other(claim: Claim | None, nurse_id: int) -> bool:
    return claim is not None and claim.nurse_id != nurse_id


async def claim(tx: Transaction, report: Report, nurse_id: int, taken_from: Claim | None) -> None:
    """Hold the report from now on; audited as a claim, or as a take-over from a colleague."""
    await tx.execute(
        """
        INSERT INTO report_claim (report_id, nurse_id, claimed_at) VALUES (:report, :nurse, :now)
        ON CONFLICT (report_id) DO UPDATE SET nurse_id = excluded.nurse_id, claimed_at = excluded.claimed_at
        """,
        {"report": report.id, "nurse": nurse_id, "now": now_text()},
    )
    if held_by_other(taken_from, nurse_id):
        assert taken_from is not None
        await audit.record(
            tx,
            actor_id=nurse_id,
            action="report.claim_taken_over",
            child_id=report.child_id,
            detail=f"{report.client_uuid} from {taken_from.nurse_name} (account {taken_from.nurse_id})",
        )
    else:
        await audit.record(
            tx,
            actor_id=nurse_id,
            action="report.claimed",
            child_id=report.child_id,
            detail=report.client_uuid,
        )


async def release(tx: Transaction, report: Report, nurse_id: int) -> bool:
    """Let go of one's own claim; False when this nurse does not hold it."""
    changed = await tx.execute(
        "DELETE FROM report_claim WHERE report_id = :report AND nurse_id = :nurse",
        {"report": report.id, "nurse": nurse_id},
    )
    if changed != 1:
        return False
    await audit.record(
        tx,
        actor_id=nurse_id,
        action="report.claim_released",
        child_id=report.child_id,
        detail=report.client_uuid,
    )
    return True
