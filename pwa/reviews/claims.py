"""Who is handling a report or a family's conversation: a nurse claims it with a button,
sees who else holds it, and takes it over only after confirming, so two nurses never
phone the same family unaware (hazard H8). Opening never claims; every claim, take-over
and release is audited. Reports and conversations share this one mechanism through
``Held``; only their table and audit words differ."""

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
    """A nurse's current hold (only claims younger than CLAIM_LASTS count)."""

    nurse_id: int
    nurse_name: str
    since: datetime


@dataclass(frozen=True)
class Held:
    """What a claim is on: a report (``key`` its id) or a child's conversation (``key``
    the child's id), with the audit row's subject."""

    kind: str  # "report" or "conversation"
    key: int
    child_id: int
    detail: str


def of_report(report: Report) -> Held:
    return Held("report", report.id, report.child_id, report.client_uuid)


def of_conversation(child_id: int) -> Held:
    return Held("conversation", child_id, child_id, f"child {child_id}")


# One statement per kind and verb: table names are never built from values.
_SELECT = {
    "report": """
        SELECT report_claim.nurse_id, account.display_name, report_claim.claimed_at
          FROM report_claim JOIN account ON account.id = report_claim.nurse_id
         WHERE report_claim.report_id = :key
    """,
    "conversation": """
        SELECT conversation_claim.nurse_id, account.display_name, conversation_claim.claimed_at
          FROM conversation_claim JOIN account ON account.id = conversation_claim.nurse_id
         WHERE conversation_claim.child_id = :key
    """,
}
_UPSERT = {
    "report": """
        INSERT INTO report_claim (report_id, nurse_id, claimed_at) VALUES (:key, :nurse, :now)
        ON CONFLICT (report_id) DO UPDATE SET nurse_id = excluded.nurse_id, claimed_at = excluded.claimed_at
    """,
    "conversation": """
        INSERT INTO conversation_claim (child_id, nurse_id, claimed_at) VALUES (:key, :nurse, :now)
        ON CONFLICT (child_id) DO UPDATE SET nurse_id = excluded.nurse_id, claimed_at = excluded.claimed_at
    """,
}
_DELETE = {
    "report": "DELETE FROM report_claim WHERE report_id = :key AND nurse_id = :nurse",
    "conversation": "DELETE FROM conversation_claim WHERE child_id = :key AND nurse_id = :nurse",
}


def _current(row: object, now: datetime) -> Claim | None:
    if row is None:
        return None
    since = from_db(row["claimed_at"])  # type: ignore[index]
    if now - since >= CLAIM_LASTS:
        return None
    return Claim(int(row["nurse_id"]), row["display_name"], since)  # type: ignore[index]


async def select_hold(db: Reader, held: Held) -> Claim | None:
    """Who handles it and since when, if anyone still does; inside the writer's
    transaction this is what a decision acts on."""
    return _current(await db.fetch_one(_SELECT[held.kind], {"key": held.key}), utcnow())


async def select_claim(db: Reader, report_id: int) -> Claim | None:
    """The claim a report page shows."""
    return _current(await db.fetch_one(_SELECT["report"], {"key": report_id}), utcnow())


async def current_claim(db: Reader, report_id: int) -> Claim | None:
    """The same, read inside the writer's transaction so a decision acts on what is true."""
    return await select_claim(db, report_id)


def held_by_other(claim: Claim | None, nurse_id: int) -> bool:
    return claim is not None and claim.nurse_id != nurse_id


async def take(tx: Transaction, held: Held, nurse_id: int, taken_from: Claim | None) -> None:
    """Hold it from now on; audited as a claim, or as a take-over from a colleague."""
    await tx.execute(_UPSERT[held.kind], {"key": held.key, "nurse": nurse_id, "now": now_text()})
    if held_by_other(taken_from, nurse_id):
        assert taken_from is not None
        await audit.record(
            tx,
            actor_id=nurse_id,
            action=f"{held.kind}.claim_taken_over",
            child_id=held.child_id,
            detail=f"{held.detail} from {taken_from.nurse_name} (account {taken_from.nurse_id})",
        )
    else:
        await audit.record(
            tx,
            actor_id=nurse_id,
            action=f"{held.kind}.claimed",
            child_id=held.child_id,
            detail=held.detail,
        )


async def let_go(tx: Transaction, held: Held, nurse_id: int) -> bool:
    """Let go of one's own claim; False when this nurse does not hold it."""
    changed = await tx.execute(_DELETE[held.kind], {"key": held.key, "nurse": nurse_id})
    if changed != 1:
        return False
    await audit.record(
        tx,
        actor_id=nurse_id,
        action=f"{held.kind}.claim_released",
        child_id=held.child_id,
        detail=held.detail,
    )
    return True


async def claim(tx: Transaction, report: Report, nurse_id: int, taken_from: Claim | None) -> None:
    """Hold the report from now on (see ``take``)."""
    await take(tx, of_report(report), nurse_id, taken_from)


async def release(tx: Transaction, report: Report, nurse_id: int) -> bool:
    """Let go of one's own claim on a report (see ``let_go``)."""
    return await let_go(tx, of_report(report), nurse_id)
