"""Load without loss: simulated families post reports concurrently against the real
server (`pwa serve` in a subprocess) for a bounded time. Every family is a real account
with a real session from the sign-in page. Each batch gets fresh UUIDs; a network error is
retried with the same UUIDs, and now and then a batch is resent as if its answer was lost.

    .venv/bin/python bench/load.py [--families 50] [--seconds 30]

Passes when no request got a 5xx and the database holds exactly the reports the clients
believe were accepted (stored or duplicate): none missing, none doubled, none extra.
tests/test_reliability.py runs a small version.
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
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.common import (
    Client,
    Family,
    Server,
    machine,
    make_families,
    new_report,
    sync_until_confirmed,
)


@dataclass
class LoadResult:
    families: int
    seconds: float
    batches: int = 0
    resent_batches: int = 0
    hung_up: int = 0
    accepted: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    stored_rows: int = 0
    distinct_uuids_in_db: int = 0
    missing: set[str] = field(default_factory=set)
    extra: int = 0
    access_log_5xx: int = 0

    @property
    def ok(self) -> bool:
        return (
            not self.server_errors
            and not self.access_log_5xx
            and not self.missing
            and self.extra == 0
            and self.stored_rows == len(self.accepted)
            and self.stored_rows == self.distinct_uuids_in_db
        )

    def summary(self) -> str:
        return (
            f"{self.families} families, {self.seconds:.0f} s: {self.batches} batches "
            f"({self.resent_batches} resent as after a lost answer, {self.hung_up} hung up "
            "mid-request), "
            f"{sum(self.statuses.values())} "
            "report results "
            f"{dict(self.statuses)}; {len(self.accepted)} accepted by the clients, "
            f"{self.stored_rows} rows in the "
            f"database, {len(self.missing)} missing, {self.extra} extra; 5xx answers: "
            f"{len(self.server_errors)} "
            f"(access log: {self.access_log_5xx}) -> {'ok' if self.ok else 'FAILED'}"
        )


async def family_loop(
    client: Client, family: Family, deadline: float, result: LoadResult, rng: random.Random
) -> None:
    previous: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        if previous and rng.random() < 0.1:
            batch = previous  # the answer "got lost": the outbox sends the same items again
            result.resent_batches += 1
        else:
            batch = [
                new_report(family.child_id, temperature=round(rng.uniform(36.4, 37.6), 1))
                for _ in range(rng.randint(1, 3))
            ]
        if rng.random() < 0.1:
            # The phone gives up on the request mid-flight (the network drops): the server
            # cancels that request wherever it is; the outbox sends the same items again.
            try:
                await client.sync(batch, limit=rng.uniform(0.001, 0.03))
            except (TimeoutError, aiohttp.ClientError, OSError):
                result.hung_up += 1
        answered = await sync_until_confirmed(
            client, batch, deadline=deadline + 30, errors=result.server_errors
        )
        result.batches += 1
        for report_id, status in answered.items():
            result.statuses[status] += 1
            if status in {"stored", "duplicate"}:
                result.accepted.add(report_id)
        previous = batch
        await asyncio.sleep(rng.uniform(0, 0.02))


async def run_load(
    server: Server, families: list[Family], seconds: float, seed: int = 5
) -> LoadResult:
    result = LoadResult(len(families), seconds)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        clients = [Client(session, server.url) for _ in families]
        await asyncio.gather(
            *(
                client.sign_in(family.email)
                for client, family in zip(clients, families, strict=True)
            )
        )
        deadline = time.monotonic() + seconds
        rng = random.Random(seed)
        await asyncio.gather(
            *(
                family_loop(client, family, deadline, result, random.Random(rng.random()))
                for client, family in zip(clients, families, strict=True)
            )
        )
    check_database(server.database, families, result)
    result.access_log_5xx = len(
        re.findall(r'"POST /api/reports [^"]*" 5\d\d ', server.log.read_text())
    )
    return result


def check_database(database: str, families: list[Family], result: LoadResult) -> None:
    import sqlite3

    children = [family.child_id for family in families]
    marks = ",".join("?" * len(children))
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = [
            row[0]
            for row in connection.execute(
                f"SELECT client_uuid FROM report WHERE child_id IN ({marks})",  # noqa: S608 - only placeholders  # nosec B608  # fixed column lists and names only; every value is a bound parameter
                children,
            )
        ]
    finally:
        connection.close()
    in_db = set(rows)
    result.stored_rows = len(rows)
    result.distinct_uuids_in_db = len(in_db)
    result.missing = result.accepted - in_db
    result.extra = len(in_db - result.accepted)


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
        f"reports accepted per second: {len(result.accepted) / args.seconds:.0f}; total run "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
