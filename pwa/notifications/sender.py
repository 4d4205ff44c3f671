"""The reminder sender: claim due jobs atomically, send outside the transaction, record
each outcome as docs/reminders.md's response table says. Two senders at once send a job once;
a sender that dies mid-send leaves a lease that expires, so the job goes out again at
most once more, with the same Topic and tag (the phone replaces rather than doubles)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from pywebpush import WebPushException, webpush_async

from .. import clock
from ..clock import utcnow
from ..db import Database, fetch_one, from_db, to_db
from . import payloads, planner, quiet, store
from .endpoints import EndpointPolicy, EndpointRefused, NoRedirects
from .keys import VapidKeys
from .store import Job, Subscription

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 200
# Jobs of one run sent at the same time (each to all of its recipient's devices).
SEND_CONCURRENCY = 16
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
# A subscription that never once worked is switched off after this many 400 answers.
NEVER_WORKED_LIMIT = 3
FAMILY_KINDS = ("visit_reminder", "visit_changed", "medication", "reply")
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}


@dataclass
class Outcome:
    delivery_id: int
    subscription_id: int
    status: int | None  # HTTP status, None for a timeout or connection error
    retry_after: int | None = None
    refused: bool = False  # not sent: the endpoint is not one this server connects to


@dataclass
class Summary:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    expired: int = 0
    statuses: list[int | None] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """Exponential back-off with full jitter, capped."""
    ceiling = min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=random.uniform(ceiling.total_seconds() / 2, ceiling.total_seconds()))


class Sender:
    def __init__(
        self,
        db: Database,
        keys: VapidKeys,
        *,
        endpoints: EndpointPolicy,
        timeout: float = 10.0,
        name: str = "sender",
    ) -> None:
        self.db = db
        self.keys = keys
        self.endpoints = endpoints
        self.timeout = timeout
        self.name = name

    async def run_once(self, session: aiohttp.ClientSession) -> Summary:
        summary = Summary()
        now = utcnow()
        async with self.db.transaction() as connection:
            today = clock.today(now)
            for day in (today, today + timedelta(days=1)):
                await planner.plan_medication_reminders(connection, day)
        jobs = await self._claim(now, summary)
        # Jobs are independent: send several at once, so the push service's round trips
        # and our own database writes overlap (one at a time, 10,000 reminders took minutes).
        # Each job's outcome is committed as soon as the writer is free, together with
        # those of the jobs that finished meanwhile (one transaction, one fsync).
        limit = asyncio.Semaphore(SEND_CONCURRENCY)
        recorder = _GroupCommit(self)

        async def send(job: Job) -> None:
            async with limit:
                await self._send_job(session, job, summary, recorder.record)

        outcomes = await asyncio.gather(*(send(job) for job in jobs), return_exceptions=True)
        await self._beat()
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome  # the rest were sent and recorded; this one's lease expires
        return summary

    async def _claim(self, now: datetime, summary: Summary) -> list[Job]:
        async with self.db.transaction() as connection:
            cursor = await connection.execute(
                """
                UPDATE notification_job SET status = 'expired', finished_at = :now
                 WHERE status IN ('pending', 'claimed') AND expires_at <= :now
                """,
                {"now": to_db(now)},
            )
            summary.expired += cursor.rowcount
            async with connection.execute(
                """
                SELECT id, subject, kind, revision, recipient_id, due_at, expires_at, attempts
                  FROM notification_job
                 WHERE (status = 'pending' AND next_attempt_at <= :now)
                    OR (status = 'claimed' AND lease_until <= :now)
                 ORDER BY next_attempt_at, id
                 LIMIT :batch
                """,
                {"now": to_db(now), "batch": BATCH},
            ) as rows:
                jobs = [
                    Job(
                        row["id"],
                        row["subject"],
                        row["kind"],
                        row["revision"],
                        row["recipient_id"],
                        from_db(row["due_at"]),
                        from_db(row["expires_at"]),
                        row["attempts"] + 1,
                    )  # type: ignore[arg-type]
                    for row in await rows.fetchall()
                ]
            jobs = await self._drop_superseded(connection, jobs, now, summary)
            # Two statements for the whole batch, not two per job.
            ids = json.dumps([job.id for job in jobs])
            await connection.execute(
                """
                UPDATE notification_job SET status = 'claimed', lease_until = :lease, attempts = attempts + 1
                 WHERE id IN (SELECT value FROM json_each(:ids))
                """,
                {"lease": to_db(now + LEASE), "ids": ids},
            )
            # Fan out to the devices the recipient has now: a phone subscribed after
            # the job was planned still gets it, and a resend never doubles a row.
            await connection.execute(
                """
                INSERT INTO notification_delivery (job_id, subscription_id)
                SELECT notification_job.id, push_subscription.id
                  FROM notification_job
                  JOIN push_subscription ON push_subscription.account_id = notification_job.recipient_id
                 WHERE notification_job.id IN (SELECT value FROM json_each(:ids))
                   AND push_subscription.disabled_at IS NULL
                 ORDER BY notification_job.id, push_subscription.id
                ON CONFLICT (job_id, subscription_id) DO NOTHING
                """,
                {"ids": ids},
            )
        summary.claimed += len(jobs)
        return jobs

    @staticmethod
    async def _drop_superseded(
        connection: Any, jobs: list[Job], now: datetime, summary: Summary
    ) -> list[Job]:
        """An overdue visit reminder is pointless once a later one for that visit is due:
        after downtime the family gets one message, not a burst."""
        keep = []
        for job in jobs:
            if job.kind.startswith("visit_reminder"):
                later = await fetch_one(
                    connection,
                    """
                    SELECT 1 FROM notification_job
                     WHERE subject = :subject AND recipient_id = :recipient AND revision = :revision
                       AND kind LIKE 'visit_reminder%' AND status IN ('pending', 'claimed')
                       AND due_at > :due AND due_at <= :now
                    """,
                    {
                        "subject": job.subject,
                        "recipient": job.recipient_id,
                        "revision": job.revision,
                        "due": to_db(job.due_at),
                        "now": to_db(now),
                    },
                )
                if later is not None:
                    await connection.execute(
                        "UPDATE notification_job SET status = 'expired', finished_at = :now WHERE id = :id",
                        {"now": to_db(now), "id": job.id},
                    )
                    summary.expired += 1
                    continue
            keep.append(job)
        return keep

    async def _send_job(
        self,
        session: aiohttp.ClientSession,
        job: Job,
        summary: Summary,
        record: Recorder | None = None,
    ) -> None:
        now = utcnow()
        async with self.db.read() as connection:
            preference = await store.select_preference(connection, job.recipient_id)
            message = await payloads.build(connection, job, now)
            rows = list(
                await connection.execute_fetchall(
                    """
                    SELECT notification_delivery.id AS delivery_id, push_subscription.*
                      FROM notification_delivery
                      JOIN push_subscription ON push_subscription.id = notification_delivery.subscription_id
                     WHERE notification_delivery.job_id = :job AND notification_delivery.status = 'pending'
                       AND push_subscription.disabled_at IS NULL
                    """,
                    {"job": job.id},
                )
            )
        if message is None:
            await self._finish(job, "cancelled")
            return
        family = job.kind.startswith(FAMILY_KINDS)
        if family and not quiet.may_sound(
            job.kind, job.due_at, now, preference.quiet_start, preference.quiet_end
        ):
            resume = quiet.quiet_ends(now, preference.quiet_start, preference.quiet_end)
            await self._reschedule(job, resume, summary, deferred=True)
            return
        if not rows:
            # No device left to try: none at all (the in-app view still shows it), or each
            # one got it already (a resend after an expired lease whose first sender
            # finished meanwhile: that job was sent, not failed).
            async with self.db.transaction() as connection:
                final = await self._final_status(connection, job.id)
                await connection.execute(
                    "UPDATE notification_job SET status = :s, lease_until = NULL, finished_at = :now WHERE id = :id",
                    {"s": final, "now": to_db(utcnow()), "id": job.id},
                )
            if final == "sent":
                summary.sent += 1
            else:
                summary.failed += 1
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
        pairs = [(row["delivery_id"], Subscription.from_row(row)) for row in rows]
        outcomes = await asyncio.gather(
            *(
                self._push(session, job, subscription, message.encode(), max(ttl, 0), delivery_id)
                for delivery_id, subscription in pairs
            )
        )
        await (record or self._record)(job, outcomes, summary)

    async def _push(
        self,
        session: aiohttp.ClientSession,
        job: Job,
        subscription: Subscription,
        data: str,
        ttl: int,
        delivery_id: int,
    ) -> Outcome:
        try:
            # Checked again before each connection: a row stored under an older, wider
            # setting (or before endpoints were checked at all) is never connected to.
            refused = self.endpoints.check(subscription.endpoint) != subscription.endpoint
        except EndpointRefused:
            refused = True
        if refused:
            return Outcome(delivery_id, subscription.id, None, refused=True)
        headers = {
            "Topic": payloads.topic_for(job),
            "Urgency": "high" if job.kind == "red_report" else "normal",
        }
        try:
            response = await webpush_async(
                subscription_info=subscription.info(),  # type: ignore[arg-type]
                data=data,
                vapid_private_key=self.keys.vapid,
                # pywebpush fills in aud and exp by mutating this dict: a fresh one each call.
                vapid_claims={"sub": self.keys.subject},
                ttl=ttl,
                timeout=self.timeout,
                headers=headers,
                aiohttp_session=NoRedirects(session),
            )
        except WebPushException as error:
            response = error.response
            if response is None:
                return Outcome(delivery_id, subscription.id, None)
            return Outcome(delivery_id, subscription.id, _status(response), _retry_after(response))
        except (TimeoutError, aiohttp.ClientError, OSError):
            return Outcome(delivery_id, subscription.id, None)
        return Outcome(delivery_id, subscription.id, _status(response), _retry_after(response))

    async def _record(self, job: Job, outcomes: list[Outcome], summary: Summary) -> None:
        async with self.db.transaction() as connection:
            await self._record_in(connection, job, outcomes, summary)

    async def _record_in(
        self, connection: Any, job: Job, outcomes: list[Outcome], summary: Summary
    ) -> None:
        """Record one job's outcomes inside a transaction already open."""
        retry_at: datetime | None = None
        now = utcnow()
        for outcome in outcomes:
            summary.statuses.append(outcome.status)
            status = outcome.status
            final = "failed" if outcome.refused else _delivery_status(status)
            # One statement per delivery: the attempt, the answer and (when final) its state.
            await connection.execute(
                """
                UPDATE notification_delivery
                   SET attempts = attempts + 1, last_status = :status,
                       status = COALESCE(:final, status),
                       sent_at = CASE WHEN :final = 'sent' THEN :now ELSE sent_at END
                 WHERE id = :id
                """,
                {"status": status, "final": final, "now": to_db(now), "id": outcome.delivery_id},
            )
            if outcome.refused:
                await self._refused(connection, outcome.subscription_id)
            elif status in (200, 201, 202):
                await store.record_success(connection, outcome.subscription_id)
            elif status in (404, 410):
                # The push service says this subscription is gone: forget the device.
                await store.delete_subscription(connection, outcome.subscription_id)
            elif status == 413:
                log.error("push payload too large for job %s: our bug, not retried", job.id)
                await store.record_problem(connection, "payload_too_large", f"job {job.id}")
            elif status in (401, 403):
                await store.record_failure(connection, outcome.subscription_id, status)
                log.error(
                    "push service refused our VAPID credentials (%s) for job %s", status, job.id
                )
                await store.record_problem(
                    connection, "vapid_rejected", f"status {status}, job {job.id}"
                )
            elif status is not None and 300 <= status < 400:
                # Never followed (NoRedirects): a push service has no reason to redirect,
                # so this delivery fails; the endpoint stays out of the log.
                await store.record_failure(connection, outcome.subscription_id, status)
                log.warning(
                    "a push service answered %s (redirect not followed), job %s", status, job.id
                )
                await store.record_problem(
                    connection,
                    "push_redirect",
                    f"status {status}, device {outcome.subscription_id}",
                )
            elif status == 400:
                never_worked_failures = await store.record_failure(
                    connection, outcome.subscription_id, status
                )
                if never_worked_failures >= NEVER_WORKED_LIMIT:
                    await store.disable_subscription(connection, outcome.subscription_id)
            elif final is None:  # a timeout, 408, 429 or 5xx: try again later
                await store.record_failure(connection, outcome.subscription_id, status)
                wait = (
                    timedelta(seconds=outcome.retry_after)
                    if outcome.retry_after
                    else backoff(job.attempts)
                )
                candidate = now + wait
                retry_at = candidate if retry_at is None else max(retry_at, candidate)
            else:
                await store.record_failure(connection, outcome.subscription_id, status)
        if retry_at is not None and retry_at < job.expires_at:
            await connection.execute(
                "UPDATE notification_job SET status = 'pending', lease_until = NULL, next_attempt_at = :at WHERE id = :id",
                {"at": to_db(retry_at), "id": job.id},
            )
            summary.retried += 1
            return
        row = await fetch_one(
            connection,
            """
            UPDATE notification_job
               SET status = CASE WHEN :expired THEN 'expired'
                                 WHEN EXISTS (SELECT 1 FROM notification_delivery
                                               WHERE job_id = :id AND status = 'sent') THEN 'sent'
                                 ELSE 'failed' END,
                   lease_until = NULL, finished_at = :now
             WHERE id = :id
            RETURNING status
            """,
            {"expired": retry_at is not None, "now": to_db(now), "id": job.id},
        )
        if row is not None and row["status"] == "sent":
            summary.sent += 1
        else:
            summary.failed += 1

    @staticmethod
    async def _refused(connection: Any, subscription_id: int) -> None:
        """A stored endpoint this server will not connect to: the device is switched off
        (the phone is asked to subscribe again on its next app open) and an admin told."""
        await store.record_failure(connection, subscription_id, None)
        await store.disable_subscription(connection, subscription_id)
        log.warning(
            "device %s has a push endpoint outside PUSH_SERVICE_HOSTS: switched off",
            subscription_id,
        )
        await store.record_problem(connection, "endpoint_refused", f"device {subscription_id}")

    @staticmethod
    async def _final_status(connection: Any, job_id: int) -> str:
        row = await fetch_one(
            connection,
            "SELECT COUNT(*) AS n FROM notification_delivery WHERE job_id = :id AND status = 'sent'",
            {"id": job_id},
        )
        return "sent" if row and row["n"] else "failed"

    async def _reschedule(
        self, job: Job, at: datetime, summary: Summary, *, deferred: bool
    ) -> None:
        async with self.db.transaction() as connection:
            if at >= job.expires_at:
                status, summary.expired = "expired", summary.expired + 1
                await connection.execute(
                    "UPDATE notification_job SET status = :s, lease_until = NULL, finished_at = :now WHERE id = :id",
                    {"s": status, "now": to_db(utcnow()), "id": job.id},
                )
                return
            await connection.execute(
                """
                UPDATE notification_job SET status = 'pending', lease_until = NULL, next_attempt_at = :at,
                       attempts = attempts - :undo
                 WHERE id = :id
                """,
                {"at": to_db(at), "id": job.id, "undo": 1 if deferred else 0},
            )
        summary.deferred += 1

    async def _finish(self, job: Job, status: str) -> None:
        async with self.db.transaction() as connection:
            await connection.execute(
                "UPDATE notification_job SET status = :s, lease_until = NULL, finished_at = :now WHERE id = :id",
                {"s": status, "now": to_db(utcnow()), "id": job.id},
            )

    async def _beat(self) -> None:
        async with self.db.transaction() as connection:
            await connection.execute(
                """
                INSERT INTO sender_heartbeat (name, beat_at) VALUES (:name, :now)
                ON CONFLICT (name) DO UPDATE SET beat_at = excluded.beat_at
                """,
                {"name": self.name, "now": to_db(utcnow())},
            )


Recorder = Callable[[Job, list[Outcome], Summary], Awaitable[None]]


class _GroupCommit:
    """Outcomes of jobs sent at the same time, recorded together (group commit).

    A job's outcome is committed before its send returns, as before; but while one
    transaction commits (an fsync: synchronous = FULL), the outcomes that arrive queue
    up and go into the next transaction together, instead of one fsync each.
    """

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.waiting: list[tuple[Job, list[Outcome], asyncio.Future[None]]] = []
        self.lock = asyncio.Lock()

    async def record(self, job: Job, outcomes: list[Outcome], summary: Summary) -> None:
        own: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((job, outcomes, own))
        async with self.lock:
            if not own.done():  # nobody took ours along: commit everything queued now
                batch, self.waiting = self.waiting, []
                try:
                    async with self.sender.db.transaction() as connection:
                        for queued_job, queued_outcomes, _ in batch:
                            await self.sender._record_in(
                                connection, queued_job, queued_outcomes, summary
                            )
                except BaseException as error:
                    for _, _, other in batch:
                        if other is not own:
                            other.set_exception(error)
                    raise
                for _, _, done in batch:
                    done.set_result(None)
        await own


def _delivery_status(status: int | None) -> str | None:
    """A delivery's state after this answer; None while it stays pending (or is deleted)."""
    if status in (200, 201, 202):
        return "sent"
    if status is None or status in (404, 410) or status in RETRY_STATUSES or status >= 500:
        return None
    return "failed"


def _status(response: Any) -> int | None:
    status = getattr(response, "status", None)
    if status is None:
        status = getattr(response, "status_code", None)
    return int(status) if status is not None else None


def _retry_after(response: Any) -> int | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0, int(value))
    except ValueError:
        return None


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
