"""Loss and crash checks, small and bounded: the same code as bench/load.py, crash.py,
flaky_push.py, backup.py and relay_stall.py (docs/reliability.md, docs/performance.md),
with fewer families and seconds.

Each runs the real server (`pwa serve` in a subprocess on 127.0.0.1) or the real sender
against the strict fake push service, and asserts on what the database and the push
service hold afterwards, not on timings: every field of every report and photo the
phones were told was stored (bench/ledger.py), at the end, in each backup copy and in
the file exactly as each SIGKILL left it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import time_machine
from quart import Quart

from bench.backup import MID_COPY, run_backup
from bench.common import make_families
from bench.crash import run_crash
from bench.flaky_push import run_flaky
from bench.kills import BETWEEN, landed_in_total
from bench.load import run_load
from bench.relay_stall import Plan, run_stall
from bench.relays import SILENT
from pwa.db import Database
from pwa.notifications import jobs
from pwa.notifications.jobs import About
from pwa.notifications.queue import LEASE
from pwa.notifications.sender import Sender, Summary
from tests.conftest import People
from tests.helpers.push import subscribe
from tests.helpers.push_service import PushService
from tests.helpers.served import Server, run


async def test_families_posting_at_once_lose_and_double_nothing(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    families = await make_families(instance, 8)
    server = Server(instance)
    server.start()
    try:
        result = await run_load(server, families, seconds=2.5)
    finally:
        server.stop()
    assert result.server_errors == [] and result.access_log_5xx == 0, result.summary()
    assert result.ledger.acknowledged, "the clients got reports acknowledged"
    assert result.statuses["duplicate"] > 0, "some batches were resent, as after a lost answer"
    assert result.ledger.conflicts_sent > 0, "acknowledged ids were sent with other content"
    assert result.statuses["conflict"] == result.ledger.conflicts_sent, result.summary()
    assert result.statuses["photo stored"] > 0, "photos were added to stored reports"
    assert result.ledger.wrong_answers == [], result.summary()
    assert result.comparison is not None and result.comparison.ok, result.summary()
    assert result.comparison.reports == len(result.ledger.acknowledged), result.summary()
    assert result.comparison.photos == len(result.ledger.photos_acknowledged) > 0


async def test_a_killed_server_loses_no_report_and_resends_a_reminder_at_most_once(
    tmp_path: Path,
) -> None:
    result = await run_crash(tmp_path, families_count=5, reminders=60, burst_seconds=3, kills=3)
    assert 0 < result.received_at_kill < result.reminders, (
        "the first kill landed in the middle of the reminder run"
    )
    assert len(result.kills) == 3
    for kill in result.kills:
        # The file exactly as the kill left it, before any restart: sound, and holding
        # every report and photo acknowledged so far with all their fields.
        assert kill.integrity == "ok", kill.summary()
        assert kill.comparison is not None and kill.comparison.ok, kill.summary()
        assert sum(kill.landed.values()) == 5, "each phone's state at the kill was noted"
    last = result.kills[-1].comparison
    assert last is not None and last.reports > 0, "the later kills had reports to look for"
    landed = landed_in_total(result.kills)
    assert sum(landed.values()) - landed[BETWEEN] > 0, f"no kill caught a request: {landed}"
    ledger = result.reports.ledger
    # A report committed without an answer is there once and, sent again, is a duplicate
    # (the ledger counts a `stored` for it as a wrong answer); the others were stored later.
    assert set(ledger.committed_unanswered) <= ledger.acknowledged, result.summary()
    assert ledger.wrong_answers == [], result.summary()
    assert result.reports.ok, result.summary()
    assert len(result.topics) == result.reminders, result.summary()
    assert max(result.topics.values()) <= 2, result.summary()
    assert result.wrong_device == 0, result.summary()
    assert result.final_states == {"sent": result.reminders}, result.summary()
    assert result.integrity == "ok"


async def test_a_flaky_push_service_still_delivers_each_reminder_once_and_never_at_night(
    tmp_path: Path,
) -> None:
    result = await run_flaky(tmp_path, reminders=60, seed=11)
    faults = {answer for answer in result.answers if answer != "201"}
    assert {"429"} <= faults and any(a.startswith("5") for a in faults), (
        f"faults were injected: {result.answers}"
    )
    assert any(a.startswith("timeout") for a in faults), f"timeouts were injected: {result.answers}"
    assert result.deferred > 0, "some retries ran into quiet hours and waited for the morning"
    assert len(result.topics) == result.reminders, result.summary()
    assert result.wrong_device == 0, result.summary()
    assert result.in_quiet_hours == 0, result.summary()
    assert result.final_states == {"sent": result.reminders}, result.summary()
    assert result.rejected == []


async def test_a_backup_taken_while_writing_holds_everything_committed_before_it(
    tmp_path: Path,
) -> None:
    result = await run_backup(tmp_path, families_count=5, seconds=2, megabytes=12)
    # 1. The backup process killed mid-copy leaves nothing under the backup's name, and
    # the live database, still serving, is sound and complete.
    assert result.backup_kill_landed == MID_COPY, result.summary()
    assert result.target_after_backup_kill == "absent", result.summary()
    assert result.live_after_backup_kill == "ok", result.summary()
    assert result.live_comparison is not None and result.live_comparison.ok, result.summary()
    # 2. A backup under load: sound, with every acknowledged report and photo as sent.
    assert result.confirmed_before > 0
    assert result.integrity == "ok"
    assert result.copy is not None and result.copy.ok, result.summary()
    assert result.copy.reports == result.confirmed_before and result.copy.photos > 0
    assert not result.partial_left, "the killed run's .partial was cleared"
    # 3. The server killed while a backup copies: the backup finishes with a sound copy,
    # and the live file as the kill left it is sound and complete.
    assert result.server_kill_landed == MID_COPY, result.summary()
    assert result.backup_exit == 0, result.notes
    assert result.integrity_after_server_kill == "ok"
    assert result.copy_after_server_kill is not None and result.copy_after_server_kill.ok
    assert result.server_kill is not None and result.server_kill.ok, result.summary()
    assert result.rows_in_copy <= result.rows_at_end
    assert result.restored_serves, result.summary()
    assert result.load.ok, result.summary()


async def test_a_mail_relay_that_never_answers_holds_up_no_page_and_loses_no_e_mail(
    tmp_path: Path,
) -> None:
    """The served app with its sender busy on e-mail escalations through a relay that
    accepts and never says a word: the family home, the nurse queue and report posts all
    answer, the sender did reach the relay, and the e-mail it held up waits to be tried
    again, none given up."""
    demo = tmp_path / "demo" / "instance"
    run("demo", instance=demo)
    plan = Plan(seconds=2, clients=1, smtp_timeout=1)
    result = await run_stall(tmp_path / "silent", demo, SILENT, plan)
    assert result.all_answered, result.rows()
    assert all(result.timings.values()), "each page was asked"
    assert result.relay_hits, result.mail_line()
    mail = result.mail
    assert mail is not None and mail.attempts > 0, result.mail_line()
    assert mail.retried > 0, result.mail_line()
    assert set(mail.statuses) <= {"pending", "claimed"}, result.mail_line()
    assert mail.lost == 0


async def test_a_job_resent_after_its_lease_expired_is_sent_when_the_first_sender_finished(
    app: Quart, db: Database, people: People, push_service: PushService
) -> None:
    """Two senders hold one job (the first one's lease expired while it was still
    sending): whichever finishes second finds no device left to try. The reminder went
    out, so the job is 'sent', not 'failed'."""
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    now = datetime.now(UTC)
    async with db.transaction() as connection:
        await jobs.insert(
            connection,
            kind="red_report",
            about=About(),
            revision=1,
            recipient_id=people.parent_id,
            due_at=now - timedelta(minutes=1),
            expires_at=now + timedelta(hours=2),
        )
    slow = Sender(
        db,
        app.extensions["vapid"],
        endpoints=app.extensions["push_endpoints"],
        origin=app.config["PUBLIC_URL"],
        timeout=5,
        name="slow",
    )
    [job] = await slow._claim(now, Summary())
    later = Sender(
        db,
        app.extensions["vapid"],
        endpoints=app.extensions["push_endpoints"],
        origin=app.config["PUBLIC_URL"],
        timeout=5,
        name="later",
    )
    with time_machine.travel(now + LEASE + timedelta(seconds=5), tick=True):
        [same] = await later._claim(datetime.now(UTC), Summary())
    assert same.id == job.id
    async with aiohttp.ClientSession() as session:
        first, second = Summary(), Summary()
        await slow._send_job(session, job, first)
        await later._send_job(session, same, second)
    row = await db.fetch_one("SELECT status FROM notification_job WHERE id = :id", {"id": job.id})
    assert row is not None and row["status"] == "sent"
    assert (first.sent, second.sent, second.failed) == (1, 1, 0)
    assert len(push_service.for_device(device)) == 1


async def test_a_request_cancelled_mid_transaction_never_leaves_the_writer_in_a_transaction(
    db: Database, people: People
) -> None:
    """A phone that disconnects gets its request cancelled, at any await: while BEGIN,
    the body or COMMIT runs in the connection's thread. Found by bench/throughput.py:
    one cancellation at BEGIN left the single writer inside a transaction and every
    later write failed with "cannot start a transaction within a transaction"."""

    async def write(name: str) -> None:
        async with db.transaction() as connection:
            await connection.execute(
                "INSERT INTO hospital_setting (name, value) VALUES (:name, 'x')", {"name": name}
            )

    for marker in range(60):
        task = asyncio.create_task(write(f"cancelled-{marker}"))
        for _ in range(marker % 6):
            await asyncio.sleep(0)  # cancel after a different number of steps each time
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await write(f"after-{marker}")  # the writer still works
    written = await db.fetch_one(
        "SELECT COUNT(*) AS n FROM hospital_setting WHERE name LIKE 'after-%'"
    )
    assert written is not None and written["n"] == 60
