"""Load without loss: simulated families post reports and photos concurrently against the
real server (`pwa serve` in a subprocess) for a bounded time. Every family is a real
account with a real session from the sign-in page. Each batch gets fresh UUIDs; a network
error is retried with the same UUIDs; now and then a batch is resent as if its answer was
lost, a photo is added to a stored report (or sent again), and a report already
acknowledged is sent again with other content.

    .venv/bin/python bench/load.py [--families 50] [--seconds 30]

Passes when no request got a 5xx, every answer was the one docs/api.md defines (a resend
of an acknowledged report `duplicate` with the same level, other content `conflict`,
never `stored` again), and the database holds exactly what the phones were told was
stored: every field of every report and photo as sent and answered, none missing, none
doubled, none extra (bench/ledger.py). tests/test_reliability.py runs a small version.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.common import Client, Family, machine, make_families
from bench.ledger import Comparison, Ledger, SentPhoto, compare
from bench.phone import new_photo, new_report, sync_until_confirmed, upload_until_answered
from tests.helpers.served import Server

# How long a phone keeps retrying one request (a restart takes a second or two).
RETRY_SECONDS = 60
MAX_PHOTOS = 3  # per report (docs/api.md)


@dataclass
class LoadResult:
    families: int
    seconds: float
    ledger: Ledger = field(default_factory=Ledger)
    batches: int = 0
    resent_batches: int = 0
    hung_up: int = 0
    photo_uploads: int = 0
    server_errors: list[str] = field(default_factory=list)
    comparison: Comparison | None = None
    access_log_5xx: int = 0

    @property
    def statuses(self) -> Counter[str]:
        return self.ledger.statuses

    @property
    def ok(self) -> bool:
        return (
            not self.server_errors
            and not self.access_log_5xx
            and not self.ledger.wrong_answers
            and self.comparison is not None
            and self.comparison.ok
        )

    def summary(self) -> str:
        compared = self.comparison.summary() if self.comparison else "not compared"
        return (
            f"{self.families} families, {self.seconds:.0f} s: {self.batches} batches "
            f"({self.resent_batches} resent as after a lost answer, {self.hung_up} hung up "
            f"mid-request, {self.ledger.conflicts_sent} reports sent again with other "
            f"content), {self.photo_uploads} photo uploads; answers {dict(self.statuses)}, "
            f"{len(self.ledger.wrong_answers)} not as docs/api.md defines"
            + (f" (first: {self.ledger.wrong_answers[:2]})" if self.ledger.wrong_answers else "")
            + f"; {len(self.ledger.acknowledged)} reports and "
            f"{len(self.ledger.photos_acknowledged)} photos acknowledged; database: {compared}; "
            f"5xx answers: {len(self.server_errors)} (access log: {self.access_log_5xx}) -> "
            f"{'ok' if self.ok else 'FAILED'}"
        )


@dataclass
class Phone:
    """One family's phone: its client and what it has had acknowledged."""

    client: Client
    family: Family
    rng: random.Random
    stored: list[str] = field(default_factory=list)
    photos: dict[str, list[SentPhoto]] = field(default_factory=dict)
    conflicts: int = 0


async def family_loop(phone: Phone, keep_going: Callable[[], bool], result: LoadResult) -> None:
    client, family, rng, ledger = phone.client, phone.family, phone.rng, result.ledger
    previous: list[dict[str, Any]] = []
    while keep_going():
        roll = rng.random()
        deadline = time.monotonic() + RETRY_SECONDS
        # Each phone tries both soon, whatever the dice say, so that a short run has some.
        if phone.stored and (roll < 0.04 or not phone.conflicts):
            phone.conflicts += 1
            await send_conflict(phone, result, deadline)
        elif phone.stored and (roll < 0.1 or not phone.photos):
            await send_photo(phone, result, deadline)
        else:
            if previous and roll < 0.2:
                batch = previous  # the answer "got lost": the outbox sends the same items again
                result.resent_batches += 1
            else:
                batch = [new_batch_report(phone) for _ in range(rng.randint(1, 3))]
                if rng.random() < 0.1:
                    # The phone gives up on the request mid-flight (the network drops): the
                    # server cancels it wherever it is; the outbox sends the same items again.
                    ledger.sending(batch, family.account_id)
                    try:
                        await client.sync(batch, limit=rng.uniform(0.001, 0.03))
                    except (TimeoutError, aiohttp.ClientError, OSError):
                        result.hung_up += 1
            results = await sync_until_confirmed(
                client,
                batch,
                deadline=deadline,
                errors=result.server_errors,
                ledger=ledger,
                account_id=family.account_id,
            )
            result.batches += 1
            phone.stored.extend(
                answer["id"]
                for answer in results
                if answer["id"] in ledger.acknowledged and answer["id"] not in phone.stored
            )
            previous = batch
        await asyncio.sleep(rng.uniform(0, 0.02))


def new_batch_report(phone: Phone) -> dict[str, Any]:
    """A new report; one in ten corrects one of the family's stored reports."""
    corrects = phone.rng.choice(phone.stored) if phone.stored and phone.rng.random() < 0.1 else None
    return new_report(phone.family.child_id, rng=phone.rng, corrects=corrects)


async def send_conflict(phone: Phone, result: LoadResult, deadline: float) -> None:
    """An acknowledged report's id with other content: `conflict`, the stored row unchanged."""
    report_id = phone.rng.choice(phone.stored)
    changed = dict(result.ledger.reports[report_id].content)
    changed["note"] = f"{changed['note']} (changed on another phone)".strip()
    result.ledger.conflicts_sent += 1
    await sync_until_confirmed(
        phone.client,
        [changed],
        deadline=deadline,
        errors=result.server_errors,
        ledger=result.ledger,
        account_id=phone.family.account_id,
        conflicting=True,
    )


async def send_photo(phone: Phone, result: LoadResult, deadline: float) -> None:
    """A photo for a stored report, or one sent before again (the answer was lost)."""
    sent = [photo for photos in phone.photos.values() for photo in photos]
    if sent and phone.rng.random() < 0.2:
        photo = phone.rng.choice(sent)
    else:
        room = [r for r in phone.stored if len(phone.photos.get(r, [])) < MAX_PHOTOS]
        if not room:
            return
        photo = new_photo(phone.rng.choice(room), phone.family.account_id, phone.rng)
        phone.photos.setdefault(photo.report_id, []).append(photo)
    result.photo_uploads += 1
    await upload_until_answered(
        phone.client, photo, deadline=deadline, errors=result.server_errors, ledger=result.ledger
    )


async def start_phones(
    session: aiohttp.ClientSession, server: Server, families: list[Family], seed: int
) -> list[Phone]:
    """A signed-in phone per family, each with its own random stream."""
    rng = random.Random(seed)
    phones = [
        Phone(Client(session, server.url), family, random.Random(rng.random()))
        for family in families
    ]
    await asyncio.gather(*(phone.client.sign_in(phone.family.email) for phone in phones))
    return phones


async def run_load(
    server: Server, families: list[Family], seconds: float, seed: int = 5
) -> LoadResult:
    result = LoadResult(len(families), seconds)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        phones = await start_phones(session, server, families, seed)
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(family_loop(phone, lambda: time.monotonic() < deadline, result) for phone in phones)
        )
    check_database(server, families, result)
    return result


def check_database(server: Server, families: list[Family], result: LoadResult) -> None:
    """The database against the ledger, exactly; and no 5xx in the server's access log."""
    result.comparison = compare(
        server.database,
        result.ledger,
        [family.child_id for family in families],
        photo_folder=server.instance / "photos",
    )
    result.access_log_5xx = len(
        re.findall(r'"POST /api/reports[^"]*" 5\d\d ', server.log.read_text())
    )


async def main_async(families_count: int, seconds: float) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        instance = Path(folder) / "instance"
        families = await make_families(instance, families_count)
        server = Server(instance)
        server.start()
        try:
            result = await run_load(server, families, seconds)
        finally:
            server.stop()
        return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--families", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    started = time.perf_counter()
    result = asyncio.run(main_async(args.families, args.seconds))
    print(result.summary())
    print(
        f"reports accepted per second: {len(result.ledger.acknowledged) / args.seconds:.0f}; total run "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
