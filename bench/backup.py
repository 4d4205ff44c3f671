"""Backup while writing: `pwa backup` (SQLite's online backup API) runs while families
keep posting reports to the real server; then the copy is restored into a fresh instance
folder and served.

    .venv/bin/python bench/backup.py [--families 20] [--seconds 8]

Passes when the copy's `PRAGMA integrity_check` is ok, every report the server had
confirmed before the backup started is in the copy, and the restored copy serves.
tests/test_reliability.py runs a small version.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.common import Client, Server, integrity, machine, make_families, run
from bench.load import LoadResult, check_database, family_loop


@dataclass
class BackupResult:
    load: LoadResult
    confirmed_before: int = 0
    in_copy: int = 0
    missing_in_copy: set[str] = field(default_factory=set)
    rows_in_copy: int = 0
    rows_at_end: int = 0
    backup_seconds: float = 0.0
    integrity: str = ""
    restored_serves: bool = False

    @property
    def ok(self) -> bool:
        return (
            self.load.ok
            and self.integrity == "ok"
            and not self.missing_in_copy
            and self.confirmed_before > 0
            and self.restored_serves
        )

    def summary(self) -> str:
        return (
            f"backup took {self.backup_seconds:.2f} s under load; {self.confirmed_before} reports "
            "confirmed before it "
            f"started, {len(self.missing_in_copy)} of them missing in the copy; copy holds "
            f"{self.rows_in_copy} reports "
            f"(the live database {self.rows_at_end} at the end); integrity_check: "
            f"{self.integrity}; restored copy "
            f"serves: {self.restored_serves}; load: {self.load.summary()} -> "
            f"{'ok' if self.ok else 'FAILED'}"
        )


async def run_backup(folder: Path, families_count: int, seconds: float) -> BackupResult:
    instance = folder / "instance"
    families = await make_families(instance, families_count)
    server = Server(instance)
    result = BackupResult(LoadResult(families_count, seconds))
    target = folder / "backup.sqlite3"
    try:
        server.start()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            clients = [Client(session, server.url) for _ in families]
            await asyncio.gather(
                *(c.sign_in(f.email) for c, f in zip(clients, families, strict=True))
            )
            deadline = time.monotonic() + seconds
            rng = random.Random(8)
            writing = asyncio.gather(
                *(
                    family_loop(client, family, deadline, result.load, random.Random(rng.random()))
                    for client, family in zip(clients, families, strict=True)
                )
            )
            await asyncio.sleep(seconds / 3)
            before = set(result.load.accepted)  # the server confirmed these: committed
            started = time.perf_counter()
            await asyncio.to_thread(run, "backup", str(target), instance=instance)
            result.backup_seconds = time.perf_counter() - started
            await writing
        check_database(server.database, families, result.load)
    finally:
        server.stop()
    result.confirmed_before = len(before)
    result.integrity = integrity(str(target))
    connection = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        in_copy = {row[0] for row in connection.execute("SELECT client_uuid FROM report")}
    finally:
        connection.close()
    result.rows_in_copy = len(in_copy)
    result.rows_at_end = result.load.stored_rows
    result.missing_in_copy = before - in_copy
    # Restore: the copy becomes the database of a fresh instance, which must serve.
    restored = folder / "restored" / "instance"
    restored.mkdir(parents=True)
    target.rename(restored / "immuno.sqlite3")
    second = Server(restored)
    try:
        second.start()
        result.restored_serves = True
    except RuntimeError:
        result.restored_serves = False
    finally:
        second.stop()
    return result


async def main_async(families: int, seconds: float) -> BackupResult:
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as folder:
        return await run_backup(Path(folder), families, seconds)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--families", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    result = asyncio.run(main_async(args.families, args.seconds))
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
