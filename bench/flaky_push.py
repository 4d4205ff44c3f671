"""A flaky push service: random 5xx, 429 (with Retry-After) and timeouts during a
reminder run that starts shortly before the families' quiet hours (21:30-08:00).

The strict fake push service (tests/helpers/push_service.py) answers from a random script per
device; the real sender runs again and again with its clock moved forward (time-machine)
to the next moment something is due, as the in-app loop would, until every job is done.

    .venv/bin/python bench/flaky_push.py [--reminders 1000] [--seed 7]

Passes when every reminder was accepted by the push service at least once, to its own
device, any extra acceptance being a resend with the same Topic (a phone replaces it),
and no accepted delivery arrived in quiet hours by the sender's clock.
tests/test_reliability.py runs a small version.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import time_machine

from bench.common import machine, make_families
from tests.helpers.push_service import PushService, Script
from tests.helpers.served import push_test_service

AMS = ZoneInfo("Europe/Amsterdam")
# A Tuesday evening, 20 minutes before the default quiet hours begin: retries and
# Retry-After waits run into the night and must wait for the morning.
START = datetime(2027, 1, 12, 21, 10, tzinfo=AMS)
SENDER_TIMEOUT = 0.2
PER_FAMILY = 5
QUIET_START, QUIET_END = dt_time(21, 30), dt_time(8, 0)  # the default preference


@dataclass
class Arrival:
    device: str
    topic: str
    at: datetime  # the sender's clock when the request arrived
    status: int
    slow: bool  # answered after the sender had given up waiting


@dataclass
class TimedPushService(PushService):
    """The fake push service, also noting when (by the patched clock) each push arrived."""

    arrivals: list[Arrival] = field(default_factory=list)

    async def _handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]]]:
        arrived, began = datetime.now(UTC), time.perf_counter()
        status, extra = await super()._handle(path, headers, body)
        slow = time.perf_counter() - began > SENDER_TIMEOUT
        self.arrivals.append(
            Arrival(path.rsplit("/", 1)[-1], headers.get("topic", ""), arrived, status, slow)
        )
        return status, extra


@dataclass
class FlakyResult:
    reminders: int
    answers: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    wrong_device: int = 0
    in_quiet_hours: int = 0
    deferred: int = 0
    runs: int = 0
    final_states: dict[str, int] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            len(self.topics) == self.reminders
            and self.wrong_device == 0
            and self.in_quiet_hours == 0
            and self.final_states == {"sent": self.reminders}
            and not self.rejected
            and self.deferred > 0
        )

    def summary(self) -> str:
        extra = sum(self.topics.values()) - len(self.topics)
        return (
            f"{self.reminders} reminders, {self.runs} sender runs, {self.seconds:.0f} s; push "
            "service answers "
            f"{dict(self.answers)}; {len(self.topics)} reminders accepted, {extra} extra "
            "acceptances "
            f"(resends after a timeout, same Topic), {self.wrong_device} to a wrong device, "
            f"{self.in_quiet_hours} in quiet hours; {self.deferred} sends deferred to the morning; "
            f"job states {self.final_states} -> {'ok' if self.ok else 'FAILED'}"
        )


def flaky_script(rng: random.Random, attempts: int) -> list[Script]:
    """Answers for one device's next pushes: mostly fine, often not."""
    answers = []
    for _ in range(attempts):
        roll = rng.random()
        if roll < 0.12:
            answers.append(Script(rng.choice((500, 502, 503, 504))))
        elif roll < 0.22:
            answers.append(Script(429, retry_after=rng.choice((1, 60, 300, 1200))))
        elif roll < 0.27:
            # Too slow for the sender, which gives up; the push service may still deliver.
            answers.append(Script(rng.choice((201, 503)), delay=SENDER_TIMEOUT + 0.1))
        else:
            answers.append(Script(201))
    return answers


async def run_flaky(folder: Path, reminders: int, seed: int = 7) -> FlakyResult:
    from pwa.app import create_app
    from pwa.db import Database, from_db
    from pwa.notifications import jobs
    from pwa.notifications import store as push_store
    from pwa.notifications.quiet import in_quiet_hours
    from pwa.notifications.sender import Sender

    started = time.perf_counter()
    rng = random.Random(seed)
    instance = folder / "instance"
    families = await make_families(instance, max(1, reminders // PER_FAMILY))
    service = TimedPushService()
    task, stop = await service.start()
    app = create_app({"INSTANCE_PATH": str(instance), **push_test_service(service.origin)})
    db = Database(app.config["DATABASE"], read_connections=1)
    await db.open()
    result = FlakyResult(reminders)
    owners: dict[int, str] = {}
    try:
        async with db.transaction() as connection:
            made = 0
            for family in families:
                device = service.new_device()
                service.script(device, *flaky_script(rng, PER_FAMILY * 3))
                info = device.subscription_json()
                await push_store.upsert_subscription(
                    connection,
                    account_id=family.account_id,
                    endpoint=info["endpoint"],
                    p256dh=info["keys"]["p256dh"],
                    auth=info["keys"]["auth"],
                    vapid_public_key=app.extensions["vapid"].public_key,
                    device_label="phone",
                )
                owners[family.account_id] = device.name
                for number in range(PER_FAMILY):
                    if made == reminders:
                        break
                    made += 1
                    # A reply notification; the sender never reads its report, so none is made.
                    await jobs.insert(
                        connection,
                        kind="reply",
                        about=jobs.About(),
                        revision=number + 1,
                        recipient_id=family.account_id,
                        due_at=START - timedelta(minutes=rng.randint(0, 30)),
                        expires_at=START + timedelta(hours=48),
                    )
        topic_owner = {
            f"j{row['id']}": owners[row["recipient_id"]]
            for row in await db.fetch_all("SELECT id, recipient_id FROM notification_job")
        }
        result.reminders = len(topic_owner)
        sender = Sender(
            db,
            app.extensions["vapid"],
            endpoints=app.extensions["push_endpoints"],
            origin=app.config["PUBLIC_URL"],
            timeout=SENDER_TIMEOUT,
            name="flaky",
        )
        moment = START
        async with aiohttp.ClientSession() as session:
            while moment < START + timedelta(hours=47):
                with time_machine.travel(moment, tick=False):
                    summary = await sender.run_once(session)
                result.runs += 1
                result.deferred += summary.deferred
                row = await db.fetch_one(
                    "SELECT MIN(next_attempt_at) AS due FROM notification_job WHERE status IN "
                    "('pending', 'claimed')"
                )
                if row is None or row["due"] is None:
                    break
                due = from_db(row["due"])
                assert due is not None
                # On to whatever is due next (at least a second later), as the loop would get there.
                moment = max(moment + timedelta(seconds=1), due)
        await asyncio.sleep(
            SENDER_TIMEOUT + 0.2
        )  # let slow answers still in the push service finish
        states = await db.fetch_all(
            "SELECT status, COUNT(*) AS n FROM notification_job GROUP BY status"
        )
        result.final_states = {row["status"]: row["n"] for row in states}
    finally:
        await db.close()
        stop.set()
        await task
    for arrival in service.arrivals:
        label = f"timeout, then {arrival.status}" if arrival.slow else str(arrival.status)
        result.answers[label] += 1
        if arrival.status in (200, 201, 202):
            result.topics[arrival.topic] += 1
            if topic_owner.get(arrival.topic) != arrival.device:
                result.wrong_device += 1
            if in_quiet_hours(arrival.at, QUIET_START, QUIET_END):
                result.in_quiet_hours += 1
    result.rejected = list(service.rejected)
    result.seconds = time.perf_counter() - started
    return result


async def main_async(reminders: int, seed: int) -> FlakyResult:
    with tempfile.TemporaryDirectory(prefix="bench-flaky-") as folder:
        return await run_flaky(Path(folder), reminders, seed)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    result = asyncio.run(main_async(args.reminders, args.seed))
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
