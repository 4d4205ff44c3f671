"""Backups under load and under kills: `pwa backup` (SQLite's online backup API, written as
FILE.partial and renamed when checked) runs while families keep posting reports and photos
to the real server, in three ways:

1. the backup process gets SIGKILL mid-copy: no file may appear under the backup's name
   (at most one named `.partial`), and the live database stays intact while it serves;
2. a backup runs to its end under load: the copy passes `PRAGMA integrity_check` and holds
   every report and photo acknowledged before it started, field by field;
3. the server gets SIGKILL while a backup is copying: the backup still finishes with a
   sound copy, and the live file as the kill left it is intact and holds every
   acknowledged report (bench/kills.py); the server restarts and the phones retry.

The copy of way 3 is then restored into a fresh instance folder and served. The database
starts with some megabytes of older reports, so that a copy takes long enough for a kill
to land in the middle of it.

    .venv/bin/python bench/backup.py [--families 20] [--seconds 8] [--megabytes 64]

tests/test_reliability.py runs a small version.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.common import integrity, machine, make_families
from bench.kills import Kill, kill_and_inspect
from bench.ledger import Comparison, compare
from bench.load import LoadResult, check_database, family_loop, start_phones
from tests.helpers.served import ROOT, Server, app_env, run

PARTIAL = ".partial"  # pwa/db.py PARTIAL_SUFFIX: a copy not yet checked and renamed
BEFORE, MID_COPY, AFTER = "before the copy", "mid-copy", "after the copy"
# A copy counts as under way once this much of it is on disk.
UNDER_WAY_BYTES = 1 << 20


@dataclass
class BackupResult:
    load: LoadResult
    megabytes: int
    # 1. The backup process killed.
    backup_kill_landed: str = ""
    target_after_backup_kill: str = ""
    live_after_backup_kill: str = ""
    live_comparison: Comparison | None = None
    # 2. A backup to its end.
    confirmed_before: int = 0
    backup_seconds: float = 0.0
    integrity: str = ""
    copy: Comparison | None = None
    partial_left: bool = True
    # 3. The server killed during a backup.
    server_kill: Kill | None = None
    server_kill_landed: str = ""
    backup_exit: int | None = None
    integrity_after_server_kill: str = ""
    copy_after_server_kill: Comparison | None = None
    restored_serves: bool = False
    rows_in_copy: int = 0
    rows_at_end: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        copies = (self.copy, self.copy_after_server_kill, self.live_comparison)
        return (
            self.load.ok
            # Killed before its end, nothing may carry the backup's name (an empty but
            # sound database there would pass for a backup); after it, the whole copy.
            and self.target_after_backup_kill
            == ("intact" if self.backup_kill_landed == AFTER else "absent")
            and self.live_after_backup_kill == "ok"
            and self.integrity == "ok"
            and self.integrity_after_server_kill == "ok"
            and all(copy is not None and copy.ok for copy in copies)
            and self.confirmed_before > 0
            and not self.partial_left
            and self.server_kill is not None
            and self.server_kill.ok
            and self.backup_exit == 0
            and self.restored_serves
        )

    def summary(self) -> str:
        def said(comparison: Comparison | None) -> str:
            return comparison.summary() if comparison else "not compared"

        kill = self.server_kill.summary() if self.server_kill else "no kill"
        return (
            f"database padded with {self.megabytes} MB of older reports.\n"
            f"1. backup process killed {self.backup_kill_landed}: the backup's name "
            f"{self.target_after_backup_kill}; the live database while serving: "
            f"integrity_check {self.live_after_backup_kill}, {said(self.live_comparison)}.\n"
            f"2. backup under load took {self.backup_seconds:.2f} s; {self.confirmed_before} "
            f"reports acknowledged before it started; copy: integrity_check {self.integrity}, "
            f"{said(self.copy)}; .partial left: {self.partial_left}.\n"
            f"3. server killed {self.server_kill_landed} of a backup; {kill}; the backup "
            f"exited {self.backup_exit}, its copy: integrity_check "
            f"{self.integrity_after_server_kill}, {said(self.copy_after_server_kill)}, "
            f"{self.rows_in_copy} reports in all (the phones had {self.rows_at_end} "
            "acknowledged at the end); "
            f"restored copy serves: {self.restored_serves}.\nLoad: {self.load.summary()} -> "
            f"{'ok' if self.ok else 'FAILED'}"
        )


def pad(database: str, megabytes: int) -> None:
    """About ``megabytes`` of an earlier child's reports, so that a copy takes a while."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        child = connection.execute(
            "INSERT INTO child (nickname, birth_date, created_at) VALUES "
            "('Earlier family', '2019-01-01', '2026-01-01T00:00:00.000000Z') RETURNING id"
        ).fetchone()[0]
        connection.execute(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
            INSERT INTO report (client_uuid, child_id, observed_at, received_at, items, note,
                                level, content_hash)
            SELECT lower(hex(randomblob(16))), :child, '2026-01-01T00:00:00.000000Z',
                   '2026-01-01T00:00:00.000000Z', '{}', hex(randomblob(900)), 'green',
                   lower(hex(randomblob(32)))
              FROM n
            """,
            {"rows": megabytes * 500, "child": child},
        )
        connection.execute("COMMIT")
    finally:
        connection.close()


def start_backup(instance: Path, target: Path) -> subprocess.Popen[bytes]:
    """`pwa backup TARGET` as its own process, as cron or an operator runs it."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "pwa", "backup", str(target)],
        env=app_env(instance, "http://127.0.0.1:8000"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def copy_state(backup: subprocess.Popen[bytes], target: Path) -> str:
    """How far a running backup to ``target`` has got, from what is on disk."""
    if backup.poll() is not None:
        return AFTER
    names = (target, *(Path(f"{target}{PARTIAL}{end}") for end in ("", "-wal", "-journal")))
    copied = sum(path.stat().st_size for path in names if path.exists())
    return MID_COPY if copied >= UNDER_WAY_BYTES else BEFORE


async def wait_until_copying(backup: subprocess.Popen[bytes], target: Path) -> str:
    """Wait until the copy is under way (or over): where a kill now lands."""
    deadline = time.monotonic() + 60
    while (state := copy_state(backup, target)) == BEFORE and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.001)  # the files on disk are all there is to watch
    return state


def partial_left(target: Path) -> bool:
    return Path(f"{target}{PARTIAL}").exists()


def what_is_named(target: Path) -> str:
    """What a killed backup left under the backup's own name."""
    if not target.exists():
        return "absent"
    try:
        return "intact" if integrity(target) == "ok" else "DAMAGED"
    except sqlite3.DatabaseError as error:
        return f"DAMAGED ({error})"


async def run_backup(
    folder: Path, families_count: int, seconds: float, *, megabytes: int = 64, seed: int = 8
) -> BackupResult:
    instance = folder / "instance"
    families = await make_families(instance, families_count)
    children = [family.child_id for family in families]
    pad(str(instance / "immuno.sqlite3"), megabytes)
    server = Server(instance)
    result = BackupResult(LoadResult(families_count, seconds), megabytes)
    ledger = result.load.ledger
    first, second = folder / "backup.sqlite3", folder / "backup-during-kill.sqlite3"
    try:
        server.start()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            phones = await start_phones(session, server, families, seed)
            done = asyncio.Event()
            writing = asyncio.gather(
                *(family_loop(phone, lambda: not done.is_set(), result.load) for phone in phones)
            )
            await asyncio.sleep(seconds / 4)

            # 1. The backup process dies mid-copy.
            backup = start_backup(instance, first)
            result.backup_kill_landed = await wait_until_copying(backup, first)
            backup.send_signal(signal.SIGKILL)
            await asyncio.to_thread(backup.communicate)
            result.target_after_backup_kill = what_is_named(first)
            result.live_after_backup_kill = integrity(server.database)
            result.live_comparison = compare(
                server.database, ledger, children, photo_folder=instance / "photos", exact=False
            )

            # 2. A backup to its end under load, over what the killed one left.
            before = ledger.snapshot()
            result.confirmed_before = len(before.reports)
            started = time.perf_counter()
            await asyncio.to_thread(run, "backup", str(first), instance=instance)
            result.backup_seconds = time.perf_counter() - started
            result.partial_left = partial_left(first)
            result.integrity = integrity(first)
            result.copy = compare(first, ledger, children, expected=before, exact=False)

            # 3. The server dies while a backup copies.
            during = ledger.snapshot()
            backup = start_backup(instance, second)
            result.server_kill_landed = await wait_until_copying(backup, second)
            result.server_kill = kill_and_inspect(
                server,
                [phone.client for phone in phones],
                ledger,
                children,
                "server killed during a backup",
            )
            _, errors = await asyncio.to_thread(backup.communicate)
            result.backup_exit = backup.returncode
            if backup.returncode:
                result.notes.append(errors.decode(errors="replace")[-2000:])
            result.integrity_after_server_kill = integrity(second)
            result.copy_after_server_kill = compare(
                second, ledger, children, expected=during, exact=False
            )
            await asyncio.to_thread(server.start)
            await asyncio.sleep(seconds / 4)
            done.set()
            await writing
        check_database(server, families, result.load)
    finally:
        server.stop()
    connection = sqlite3.connect(f"file:{second}?mode=ro", uri=True)
    try:
        marks = ",".join("?" * len(children))
        result.rows_in_copy = connection.execute(
            f"SELECT COUNT(*) FROM report WHERE child_id IN ({marks})",  # noqa: S608 - only placeholders  # nosec B608
            children,
        ).fetchone()[0]
    finally:
        connection.close()
    result.rows_at_end = len(ledger.acknowledged)
    # Restore: the copy becomes the database of a fresh instance, which must serve.
    restored = folder / "restored" / "instance"
    restored.mkdir(parents=True)
    second.rename(restored / "immuno.sqlite3")
    again = Server(restored)
    try:
        again.start()
        result.restored_serves = True
    except RuntimeError:
        result.restored_serves = False
    finally:
        again.stop()
    return result


async def main_async(families: int, seconds: float, megabytes: int) -> BackupResult:
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as folder:
        return await run_backup(Path(folder), families, seconds, megabytes=megabytes)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--families", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--megabytes", type=int, default=64)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    result = asyncio.run(main_async(args.families, args.seconds, args.megabytes))
    print(result.summary())
    for note in result.notes:
        print(note)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
