"""Crash without loss: SIGKILL the server again and again in the middle of a burst of
report and photo syncs and of a reminder run, look at the database as each kill left it,
restart, let the phones retry.

The server (`pwa serve`, subprocess) runs the in-app reminder sender every second against
the strict fake push service (tests/helpers/push_service.py) running in this process; families
sync reports all the while (bench/load.py's phones). When part of the reminders has
reached the push service, the server gets SIGKILL, mid-transaction for all it knows; a
few more kills follow at random moments after each restart. Right after each kill, before
the restart, the file is opened read-only (bench/kills.py): integrity_check, every
acknowledged report and photo present with all its fields, and where the kill landed for
each phone (between requests; a request in flight with nothing, part or all of it
committed). After the restart the phones retry with the same UUIDs, and the reminders
whose lease died with a process go out again once the lease has expired (a sender run
LEASE later; its clock is moved forward).

    .venv/bin/python bench/crash.py [--families 30] [--reminders 600] [--kills 5]

Passes when every kill left an intact file holding every acknowledged report, the final
database holds exactly what the phones were told, field by field (a report committed
without an answer stored once and answered `duplicate` when sent again), every reminder
reached the push service at least once and at most twice, always with the same Topic, and
`PRAGMA integrity_check` says ok. tests/test_reliability.py runs a small version.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import time_machine

from bench.common import Family, give_due_reminders, integrity, machine, make_families
from bench.kills import Kill, kill_and_inspect, landed_in_total
from bench.load import LoadResult, check_database, family_loop, start_phones
from tests.helpers.push_service import Device, PushService, Script
from tests.helpers.served import Server, push_test_service, push_test_service_env


@dataclass
class CrashResult:
    reports: LoadResult
    reminders: int
    kills: list[Kill] = field(default_factory=list)
    received_at_kill: int = 0
    claimed_at_kill: int = 0
    topics: Counter[str] = field(default_factory=Counter)
    wrong_device: int = 0
    integrity: str = ""
    final_states: dict[str, int] = field(default_factory=dict)

    @property
    def reminders_ok(self) -> bool:
        return (
            len(self.topics) == self.reminders
            and all(1 <= count <= 2 for count in self.topics.values())
            and self.wrong_device == 0
        )

    @property
    def ok(self) -> bool:
        return (
            self.reports.ok
            and self.reminders_ok
            and self.integrity == "ok"
            and bool(self.kills)
            and all(kill.ok for kill in self.kills)
        )

    def summary(self) -> str:
        twice = sum(1 for count in self.topics.values() if count == 2)
        committed = sum(kill.reports_committed_unanswered for kill in self.kills)
        lost_in_flight = sum(kill.reports_not_committed for kill in self.kills)
        return (
            f"{len(self.kills)} kills, the first with {self.received_at_kill} of "
            f"{self.reminders} reminders at the push service and {self.claimed_at_kill} jobs "
            f"leased by the killed processes; where the kills found the phones: "
            f"{dict(landed_in_total(self.kills))}; reports in flight at a kill: {committed} "
            f"committed without an answer, {lost_in_flight} not committed; every file as a "
            f"kill left it intact with every acknowledged report: "
            f"{all(kill.ok for kill in self.kills)}; afterwards {len(self.topics)} of "
            f"{self.reminders} reminders delivered, {twice} of them twice with the same "
            f"Topic, {sum(1 for c in self.topics.values() if c > 2)} more than twice; job "
            f"states {self.final_states}; reports: {self.reports.summary()}; integrity_check: "
            f"{self.integrity} -> {'ok' if self.ok else 'FAILED'}"
        )


async def prepare_push(
    instance: Path, families: list[Family], service: PushService, per_family: int
) -> dict[str, str]:
    """A phone per family subscribed, no quiet hours, and ``per_family`` due reminders each.

    Returns {topic: device name}: which device each reminder belongs to.
    """
    from pwa.app import create_app
    from pwa.db import Database

    app = create_app({"INSTANCE_PATH": str(instance)})
    db = Database(app.config["DATABASE"], read_connections=1)
    await db.open()
    owners: dict[str, str] = {}
    now = datetime.now(UTC)
    try:
        async with db.transaction() as connection:
            for family in families:
                device: Device = service.new_device()
                await give_due_reminders(
                    connection,
                    family,
                    device.subscription_json(),
                    app.extensions["vapid"].public_key,
                    per_family,
                    now,
                )
        for row in await db.fetch_all(
            "SELECT notification_job.id, push_subscription.endpoint FROM notification_job "
            "JOIN push_subscription ON push_subscription.account_id = notification_job.recipient_id"
        ):
            owners[f"j{row['id']}"] = row["endpoint"].rsplit("/", 1)[-1]
    finally:
        await db.close()
    return owners


def _read(database: str, sql: str) -> list[tuple[object, ...]]:
    """A read-only query: never the first to open a killed server's file for writing."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def job_states(database: str) -> dict[str, int]:
    sql = "SELECT status, COUNT(*) FROM notification_job GROUP BY status"
    return {str(status): int(str(count)) for status, count in _read(database, sql)}


def claimed_ids(database: str) -> set[int]:
    sql = "SELECT id FROM notification_job WHERE status = 'claimed'"
    return {int(str(job_id)) for (job_id,) in _read(database, sql)}


async def run_crash(
    folder: Path,
    families_count: int,
    reminders: int,
    *,
    burst_seconds: float = 6.0,
    kills: int = 5,
    seed: int = 6,
) -> CrashResult:
    from pwa.app import create_app
    from pwa.db import Database
    from pwa.notifications.queue import LEASE
    from pwa.notifications.sender import Sender

    instance = folder / "instance"
    families = await make_families(instance, families_count)
    children = [family.child_id for family in families]
    per_family = max(1, reminders // families_count)
    service = PushService()
    task, stop = await service.start()
    owners = await prepare_push(instance, families, service, per_family)
    # Each push takes the push service a little while, so the kill lands mid-run.
    for device in service.devices.values():
        service.script(device, *[Script(201, delay=0.05)] * per_family * 2)
    total = len(owners)
    server = Server(
        instance,
        env_extra={
            "PWA_SENDER_IN_APP": "true",
            "PWA_SENDER_INTERVAL_SECONDS": "1",
            **push_test_service_env(service.origin),
        },
    )
    result = CrashResult(LoadResult(families_count, burst_seconds), total)
    rng = random.Random(seed)
    try:
        server.start()
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            phones = await start_phones(session, server, families, seed)
            clients = [phone.client for phone in phones]
            burst_end = time.monotonic() + burst_seconds
            done = asyncio.Event()
            syncing = asyncio.gather(
                *(family_loop(phone, lambda: not done.is_set(), result.reports) for phone in phones)
            )
            # The first kill once a third of the reminders reached the push service.
            give_up = time.monotonic() + 60
            while len(service.received) < total // 3 and time.monotonic() < give_up:  # noqa: ASYNC110
                await asyncio.sleep(0.01)  # the fake push service has no event to wait on
            stale: set[int] = set()
            for number in range(1, kills + 1):
                if number > 1:
                    await asyncio.sleep(rng.uniform(0.2, 0.7))
                kill = kill_and_inspect(
                    server, clients, result.reports.ledger, children, f"kill {number}"
                )
                if number == 1:
                    result.received_at_kill = len(service.received)
                result.kills.append(kill)
                stale |= claimed_ids(server.database)
                await asyncio.sleep(0.1)
                # Same port; the phones retry meanwhile with the same UUIDs.
                await asyncio.to_thread(server.start)
            result.claimed_at_kill = len(stale)
            await asyncio.sleep(max(0.0, burst_end - time.monotonic()))
            done.set()
            await syncing
            # The restarted server's sender sends what was never claimed; the jobs leased
            # by the killed processes wait for their lease to expire.
            give_up = time.monotonic() + 60
            while time.monotonic() < give_up:
                states = job_states(server.database)
                if not states.get("pending") and claimed_ids(server.database) <= stale:
                    break
                await asyncio.sleep(0.2)
        server.stop()
        # LEASE later a sender run (here: the clock moved forward, no other sender
        # running) sends the reminders whose lease died with the process once more.
        app = create_app({"INSTANCE_PATH": str(instance), **push_test_service(service.origin)})
        db = Database(server.database, read_connections=1)
        await db.open()
        try:
            later = datetime.now(UTC) + LEASE + timedelta(seconds=30)
            async with aiohttp.ClientSession() as push_session:
                for _ in range(20):
                    with time_machine.travel(later, tick=True):
                        await Sender(
                            db,
                            app.extensions["vapid"],
                            endpoints=app.extensions["push_endpoints"],
                            origin=app.config["PUBLIC_URL"],
                            timeout=5,
                            name="after-crash",
                        ).run_once(push_session)
                    states = job_states(server.database)
                    if not states.get("pending") and not states.get("claimed"):
                        break
                    await asyncio.sleep(0.5)
        finally:
            await db.close()
        check_database(server, families, result.reports)
        result.final_states = job_states(server.database)
        accepted = [delivery for delivery in service.received if delivery.status in (200, 201, 202)]
        result.topics = Counter(delivery.headers.get("topic", "") for delivery in accepted)
        result.wrong_device = sum(
            1 for d in accepted if owners.get(d.headers.get("topic", "")) != d.device
        )
        result.integrity = integrity(server.database)
    finally:
        server.stop()
        stop.set()
        await task
    return result


async def main_async(families: int, reminders: int, kills: int) -> CrashResult:
    with tempfile.TemporaryDirectory(prefix="bench-crash-") as folder:
        return await run_crash(Path(folder), families, reminders, kills=kills)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--families", type=int, default=30)
    parser.add_argument("--reminders", type=int, default=600)
    parser.add_argument("--kills", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    started = time.perf_counter()
    result = asyncio.run(main_async(args.families, args.reminders, args.kills))
    for kill in result.kills:
        print(kill.summary())
    print(result.summary())
    print(f"total run {time.perf_counter() - started:.0f} s")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
