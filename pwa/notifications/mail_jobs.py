"""One e-mail job from claim to end: write it (letters.build_mail), send it through the
relay (mail.py) outside any transaction, and record the relay's answer on the job: sent,
again later with back-off (4xx, or the relay unreachable), or failed for good (5xx)."""

from __future__ import annotations

from typing import Protocol

from ..clock import utcnow
from ..db import Database
from ..hospital import hospital_settings
from . import letters, mail, queue, store
from .jobs import Job
from .mail import MailSettings, Verdict


class Counts(Protocol):
    sent: int
    retried: int
    failed: int


async def send(
    db: Database, job: Job, settings: MailSettings | None, origin: str, summary: Counts
) -> None:
    ward_email = (await hospital_settings(db)).ward_email
    letter = await letters.build_mail(db, job, origin, ward_email, utcnow()) if settings else None
    if settings is None or letter is None:
        # No relay (any more), nobody to write to, or nothing left to say: not an error
        # of this job's making, and retrying cannot change it.
        async with db.transaction() as tx:
            await queue.finish(tx, job.id, utcnow(), "cancelled")
        return
    message = mail.compose(settings, letter, message_id=f"job-{job.id}", origin=origin)
    answer = await mail.send(settings, message)
    now = utcnow()
    backoff = queue.backoff(job.attempts)  # jittered: drawn once, for the test and the time
    async with db.transaction() as tx:
        await queue.record_mail(tx, job.id, answer.code)
        if answer.verdict is Verdict.SENT:
            await queue.finish(tx, job.id, now, "sent")
            summary.sent += 1
        elif answer.verdict is Verdict.RETRY and (retry_at := now + backoff) < job.expires_at:
            await queue.reschedule(tx, job.id, retry_at, attempted=True)
            summary.retried += 1
        else:
            ended = "failed" if answer.verdict is Verdict.FAILED else "expired"
            await queue.finish(tx, job.id, now, ended)
            await store.record_problem(tx, "mail_failed", f"job {job.id}: {answer.detail}")
            summary.failed += 1
