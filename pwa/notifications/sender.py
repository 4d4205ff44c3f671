"""The notification sender's loop: plan today's medication and check-in reminders and the escalations
due (escalation.py), claim due jobs from the queue (queue.py), send each push job to its
recipient's devices (transport.py) and each e-mail job through the relay (mail_jobs.py)
outside any transaction, and record what the services answered.

Two senders at once send a job once; a sender that dies mid-send leaves a lease that
expires, so the job goes out again at most once more, with the same Topic and tag (the
phone replaces rather than doubles).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

import aiohttp
from quart import Quart

from .. import clock
from ..clock import utcnow
from ..db import Database, Transaction, to_db
from . import escalation, mail_jobs, payloads, planner, queue, quiet, store
from .endpoints import EndpointPolicy
from .jobs import EMAIL, Job
from .keys import VapidKeys
from .mail import MailSettings
from .transport import NEVER_WORKED_LIMIT, Answer, Device, Transport, verdict

log = logging.getLogger(__name__)

# Jobs of one run sent at the same time (each to all of its recipient's devices).
SEND_CONCURRENCY = 16
FAMILY_KINDS = (
    "visit_reminder",
    "visit_changed",
    "medication",
    "reply",
    "ward_message",
    "checkin",
)
URGENT_KINDS = ("red_report", "red_escalation", "red_escalation_admin")


@dataclass(frozen=True)
class Outcome:
    """One delivery's answer."""

    delivery_id: int
    subscription_id: int
    answer: Answer


# Records one job's outcomes: in a transaction of its own, or with others (queue.GroupCommit).
Recorder = Callable[[list[Outcome]], Awaitable[None]]


@dataclass
class Summary:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    expired: int = 0
    statuses: list[int | None] = field(default_factory=list)


class Sender:
    """One sender; several may run at once (in the app, from cron, a test press)."""

    def __init__(
        self,
        db: Database,
        keys: VapidKeys,
        *,
        endpoints: EndpointPolicy,
        origin: str,
        timeout: float = 10.0,
        name: str = "sender",
        mail: MailSettings | None = None,
    ) -> None:
        self.db = db
        self.transport = Transport(keys, endpoints, timeout)
        self.origin = origin  # PUBLIC_URL: where a tapped notification opens the app
        self.name = name
        self.mail = mail  # the hospital's relay; None: no e-mail

    @classmethod
    def for_app(cls, app: Quart, db: Database, *, name: str = "sender") -> Sender:
        """The sender as ``app`` is configured (its VAPID keys, the push services it may
        connect to, PUSH_TIMEOUT_SECONDS), writing to ``db``."""
        return cls(
            db,
            app.extensions["vapid"],
            endpoints=app.extensions["push_endpoints"],
            origin=app.config["PUBLIC_URL"],
            timeout=app.config["PUSH_TIMEOUT_SECONDS"],
            name=name,
            mail=app.extensions.get("mail"),
        )

    async def run_once(self, session: aiohttp.ClientSession) -> Summary:
        summary = Summary()
        now = utcnow()
        async with self.db.transaction() as tx:
            today = clock.today(now)
            for day in (today, today + timedelta(days=1)):
                await planner.plan_medication_reminders(tx, day)
            await planner.plan_checkin_reminders(tx, today)
            await escalation.plan(tx, now, email=self.mail is not None)
        due = await self._claim(now, summary)
        # Jobs are independent: send several at once, so the push service's round trips
        # and our own database writes overlap (one at a time, 10,000 reminders took minutes).
        # Each job's outcome is committed as soon as the writer is free, together with
        # those of the jobs that finished meanwhile (one transaction, one fsync).
        limit = asyncio.Semaphore(SEND_CONCURRENCY)
        recorder = queue.GroupCommit(self.db)

        async def send(job: Job) -> None:
            async def record(outcomes: list[Outcome]) -> None:
                await recorder.write(
                    partial(self._record_in, job=job, outcomes=outcomes, summary=summary)
                )

            async with limit:
                await self._send_job(session, job, summary, record)

        ends = await asyncio.gather(*(send(job) for job in due), return_exceptions=True)
        await self._beat()
        for end in ends:
            if isinstance(end, BaseException):
                raise end  # the rest were sent and recorded; this one's lease expires
        return summary

    async def _claim(self, now: datetime, summary: Summary) -> list[Job]:
        async with self.db.transaction() as tx:
            claimed, expired = await queue.claim(tx, now)
        summary.claimed += len(claimed)
        summary.expired += expired
        return claimed

    async def _send_job(
        self,
        session: aiohttp.ClientSession,
        job: Job,
        summary: Summary,
        record: Recorder | None = None,
    ) -> None:
        """Send one claimed job to each device still to try, then ``record`` the answers
        (by default in a transaction of its own)."""
        now = utcnow()
        family = job.kind.startswith(FAMILY_KINDS)
        if job.channel == EMAIL:
            # A family's e-mail waits for the end of their quiet time like their pushes:
            # a phone chimes for mail too.
            if family and job.recipient_id is not None:
                preference = await store.select_preference(self.db, job.recipient_id)
                if await self._held_in_quiet_time(job, preference, now, summary):
                    return
            await mail_jobs.send(self.db, job, self.mail, self.origin, summary)
            return
        assert job.recipient_id is not None  # only e-mail goes to the ward's address
        preference = await store.select_preference(self.db, job.recipient_id)
        message = await payloads.build(self.db, job, now)
        deliveries = await queue.pending_deliveries(self.db, job.id)
        if message is None:  # what it was about is gone or no longer true
            await self._end(job, "cancelled")
            return
        if family and await self._held_in_quiet_time(job, preference, now, summary):
            return
        if not deliveries:
            # No device left to try: none at all (the in-app view still shows it), or each
            # one got it already (a resend after an expired lease whose first sender
            # finished meanwhile: that job was sent, not failed).
            _count(summary, await self._end(job, None))
            return
        ttl = (
            quiet.family_ttl(
                job.kind,
                job.due_at,
                now,
                job.expires_at,
                preference.quiet_start,
                preference.quiet_end,
            )
            if family
            else int((job.expires_at - now).total_seconds())
        )
        data = message.encode(self.origin)
        answers = await asyncio.gather(
            *(
                self.transport.send(
                    session,
                    subscription,
                    data,
                    ttl=max(ttl, 0),
                    topic=payloads.topic_for(job),
                    urgent=job.kind in URGENT_KINDS,
                )
                for _, subscription in deliveries
            )
        )
        outcomes = [
            Outcome(delivery_id, subscription.id, answer)
            for (delivery_id, subscription), answer in zip(deliveries, answers, strict=True)
        ]
        await (record(outcomes) if record else self._record(job, outcomes, summary))

    async def _held_in_quiet_time(
        self, job: Job, preference: store.Preference, now: datetime, summary: Summary
    ) -> bool:
        """In the family's quiet time: the job waits until it ends (or expires when it
        would be useless by then). Whether it was held."""
        if quiet.may_sound(job.kind, job.due_at, now, preference.quiet_start, preference.quiet_end):
            return False
        resume = quiet.quiet_ends(now, preference.quiet_start, preference.quiet_end)
        if resume >= job.expires_at:
            await self._end(job, "expired")
            summary.expired += 1
            return True
        async with self.db.transaction() as tx:
            await queue.reschedule(tx, job.id, resume, attempted=False)
        summary.deferred += 1
        return True

    async def _record(self, job: Job, outcomes: list[Outcome], summary: Summary) -> None:
        async with self.db.transaction() as tx:
            await self._record_in(tx, job, outcomes, summary)

    async def _record_in(
        self,
        tx: Transaction,
        job: Job,
        outcomes: list[Outcome],
        summary: Summary,
    ) -> None:
        """Apply each answer's verdict, then retry the job or end it (in an open transaction)."""
        retry_at: datetime | None = None
        now = utcnow()
        for outcome in outcomes:
            answer = outcome.answer
            summary.statuses.append(answer.status)
            ruling = verdict(answer)
            # One statement per delivery: the attempt, the answer and (when final) its state.
            await queue.record_delivery(
                tx, outcome.delivery_id, answer.status, ruling.delivery, now
            )
            await _device(tx, ruling.device, outcome.subscription_id, answer.status)
            if ruling.problem is not None:
                words = {"status": answer.status, "job": job.id, "device": outcome.subscription_id}
                log.log(ruling.problem.level, "%s", ruling.problem.message.format(**words))
                await store.record_problem(
                    tx, ruling.problem.kind, ruling.problem.detail.format(**words)
                )
            if ruling.retry:
                wait = (
                    timedelta(seconds=answer.retry_after)
                    if answer.retry_after
                    else queue.backoff(job.attempts)
                )
                retry_at = now + wait if retry_at is None else max(retry_at, now + wait)
        if retry_at is not None and retry_at < job.expires_at:
            await queue.reschedule(tx, job.id, retry_at, attempted=True)
            summary.retried += 1
            return
        ended = await queue.finish(tx, job.id, now, "expired" if retry_at else None)
        _count(summary, ended)

    async def _end(self, job: Job, status: str | None) -> str:
        async with self.db.transaction() as tx:
            return await queue.finish(tx, job.id, utcnow(), status)

    async def _beat(self) -> None:
        """The heartbeat that /healthz and the admin status page read (status.py)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                """
                INSERT INTO sender_heartbeat (name, beat_at) VALUES (:name, :now)
                ON CONFLICT (name) DO UPDATE SET beat_at = excluded.beat_at
                """,
                {"name": self.name, "now": to_db(utcnow())},
            )


def _count(summary: Summary, ended: str) -> None:
    if ended == "sent":
        summary.sent += 1
    else:
        summary.failed += 1


async def _device(
    tx: Transaction, effect: Device, subscription_id: int, status: int | None
) -> None:
    """What an answer does to the device's row."""
    if effect is Device.WORKS:
        await store.record_success(tx, subscription_id)
    elif effect is Device.GONE:
        await store.delete_gone_subscription(tx, subscription_id)
    elif effect is not Device.UNTOUCHED:
        never_worked_failures = await store.record_failure(tx, subscription_id, status)
        if effect is Device.SWITCHED_OFF or (
            effect is Device.NEVER_WORKED and never_worked_failures >= NEVER_WORKED_LIMIT
        ):
            await store.disable_subscription(tx, subscription_id)


async def run_loop(sender: Sender, interval: float, stop: asyncio.Event) -> None:
    """The in-app loop: run, sleep, repeat; one failing run never stops the loop."""
    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            try:
                await sender.run_once(session)
            except Exception:
                log.exception("reminder sender run failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
