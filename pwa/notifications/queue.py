"""The sender's side of the job queue: claim due jobs under a lease, fan them out to
devices, record each delivery's answer, retry with back-off, finish, and commit the
outcomes of jobs sent at the same time together.

Two senders never send a job twice: a claim is one write transaction. A sender that dies
mid-send leaves a lease that expires, and the job is claimed again. Every job ends in one
statement, ``finish``.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from ..db import Database, Reader, Transaction, to_db
from .jobs import Job
from .store import Subscription

LEASE = timedelta(minutes=2)
BATCH = 200
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """Exponential back-off with full jitter, capped."""
    ceiling = min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=random.uniform(ceiling.total_seconds() / 2, ceiling.total_seconds()))


async def claim(tx: Transaction, now: datetime) -> tuple[list[Job], int]:
    """Lease up to BATCH due jobs and fan each out to its recipient's devices now; return
    them with how many jobs expired meanwhile (in the transaction ``tx``)."""
    changed = await tx.execute(
        """
        UPDATE notification_job SET status = 'expired', finished_at = :now
         WHERE status IN ('pending', 'claimed') AND expires_at <= :now
        """,
        {"now": to_db(now)},
    )
    expired = changed
    rows = await tx.fetch_all(
        """
        SELECT * FROM notification_job
         WHERE (status = 'pending' AND next_attempt_at <= :now)
            OR (status = 'claimed' AND lease_until <= :now)
         ORDER BY next_attempt_at, id
         LIMIT :batch
        """,
        {"now": to_db(now), "batch": BATCH},
    )
    jobs = [Job.from_row(row, row["attempts"] + 1) for row in rows]
    kept = [job for job in jobs if not await _superseded(tx, job, now)]
    expired += len(jobs) - len(kept)
    # Two statements for the whole batch, not two per job.
    ids = json.dumps([job.id for job in kept])
    await tx.execute(
        """
        UPDATE notification_job SET status = 'claimed', lease_until = :lease, attempts = attempts + 1
         WHERE id IN (SELECT value FROM json_each(:ids))
        """,
        {"lease": to_db(now + LEASE), "ids": ids},
    )
    # Fan out to the devices the recipient has now: a phone subscribed after the job was
    # planned still gets it, and a resend never doubles a row.
    await tx.execute(
        """
        INSERT INTO notification_delivery (job_id, subscription_id)
        SELECT notification_job.id, push_subscription.id
          FROM notification_job
          JOIN push_subscription ON push_subscription.account_id = notification_job.recipient_id
         WHERE notification_job.id IN (SELECT value FROM json_each(:ids))
           AND notification_job.channel = 'push'
           AND push_subscription.disabled_at IS NULL
         ORDER BY notification_job.id, push_subscription.id
        ON CONFLICT (job_id, subscription_id) DO NOTHING
        """,
        {"ids": ids},
    )
    return kept, expired


async def _superseded(tx: Transaction, job: Job, now: datetime) -> bool:
    """An overdue visit reminder is pointless once a later one for that visit is due: after
    downtime the family gets one message, not a burst. Such a job expires here."""
    if not job.kind.startswith("visit_reminder") or job.about.visit_id is None:
        return False
    later = await tx.fetch_one(
        """
        SELECT 1 FROM notification_job
         WHERE visit_id = :visit AND recipient_id = :recipient AND revision = :revision
           AND kind LIKE 'visit_reminder%' AND status IN ('pending', 'claimed')
           AND due_at > :due AND due_at <= :now
        """,
        {
            "visit": job.about.visit_id,
            "recipient": job.recipient_id,
            "revision": job.revision,
            "due": to_db(job.due_at),
            "now": to_db(now),
        },
    )
    if later is not None:
        await finish(tx, job.id, now, "expired")
    return later is not None


async def pending_deliveries(db: Reader, job_id: int) -> list[tuple[int, Subscription]]:
    """The job's deliveries still to try, each with its (switched-on) device."""
    rows = await db.fetch_all(
        """
        SELECT notification_delivery.id AS delivery_id, push_subscription.*
          FROM notification_delivery
          JOIN push_subscription ON push_subscription.id = notification_delivery.subscription_id
         WHERE notification_delivery.job_id = :job AND notification_delivery.status = 'pending'
           AND push_subscription.disabled_at IS NULL
        """,
        {"job": job_id},
    )
    return [(int(row["delivery_id"]), Subscription.from_row(row)) for row in rows]


async def record_delivery(
    tx: Transaction,
    delivery_id: int,
    status: int | None,
    final: str | None,
    now: datetime,
) -> None:
    """One attempt of one delivery: the answer, and its state when ``final`` says it is final."""
    await tx.execute(
        """
        UPDATE notification_delivery
           SET attempts = attempts + 1, last_status = :status,
               status = COALESCE(:final, status),
               sent_at = CASE WHEN :final = 'sent' THEN :now ELSE sent_at END
         WHERE id = :id
        """,
        {"status": status, "final": final, "now": to_db(now), "id": delivery_id},
    )


async def reschedule(tx: Transaction, job_id: int, at: datetime, *, attempted: bool) -> None:
    """Back to pending until ``at``; a job held back before sending (``attempted`` False)
    gives its claimed attempt back, so quiet hours do not count as tries."""
    await tx.execute(
        """
        UPDATE notification_job SET status = 'pending', lease_until = NULL, next_attempt_at = :at,
               attempts = attempts - :undo
         WHERE id = :id
        """,
        {"at": to_db(at), "id": job_id, "undo": 0 if attempted else 1},
    )


async def finish(tx: Transaction, job_id: int, now: datetime, status: str | None = None) -> str:
    """End a job, as ``status`` or else 'sent' when any device got it and 'failed' when
    none did (also when none was left to try); return the state it ended in."""
    row = await tx.fetch_one(
        """
        UPDATE notification_job
           SET status = COALESCE(:status, CASE WHEN EXISTS (
                   SELECT 1 FROM notification_delivery WHERE job_id = :id AND status = 'sent')
                   THEN 'sent' ELSE 'failed' END),
               lease_until = NULL, finished_at = :now
         WHERE id = :id
        RETURNING status
        """,
        {"status": status, "now": to_db(now), "id": job_id},
    )
    return str(row["status"]) if row is not None else "failed"


async def record_mail(tx: Transaction, job_id: int, code: int | None) -> None:
    """An e-mail job's attempt: the relay's answer (its reply code, None when unreached)."""
    await tx.execute(
        "UPDATE notification_job SET last_status = :code WHERE id = :id",
        {"code": code, "id": job_id},
    )


Step = Callable[[Transaction], Awaitable[None]]


class GroupCommit:
    """Writes that arrive while another commits, committed together in the next transaction.

    A job's outcome is committed before its send returns, as with a transaction each; but
    while one transaction commits (an fsync: synchronous = FULL), the outcomes that arrive
    queue up and go into the next transaction together, instead of one fsync each.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.waiting: list[tuple[Step, asyncio.Future[None]]] = []
        self.lock = asyncio.Lock()

    async def write(self, step: Step) -> None:
        own: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((step, own))
        async with self.lock:
            if not own.done():  # nobody took ours along: commit everything queued now
                batch, self.waiting = self.waiting, []
                try:
                    async with self.db.transaction() as tx:
                        for queued, _ in batch:
                            await queued(tx)
                except BaseException as error:
                    for _, other in batch:
                        if other is not own:
                            other.set_exception(error)
                    raise
                for _, done in batch:
                    done.set_result(None)
        await own
