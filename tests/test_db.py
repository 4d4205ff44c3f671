"""The SQLite layer: migrations, pragmas, the single writer, the audit log, backups."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import aiosqlite
import pytest

from pwa import audit
from pwa.db import Database, from_db, to_db
from pwa.schema import check_numbers, migrate, migration_files


def test_migrations_apply_to_an_empty_database_once(tmp_path: Path) -> None:
    path = str(tmp_path / "fresh.sqlite3")
    applied = migrate(path)
    assert applied == [name for _, name, _ in migration_files()]
    assert migrate(path) == []
    with sqlite3.connect(path) as connection:
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        assert {
            "account",
            "account_session",
            "child",
            "caregiver_child",
            "access_code",
            "audit_log",
        } <= tables
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    connection.close()


def test_migration_files_have_one_number_each_from_1() -> None:
    numbers = [number for number, _, _ in migration_files()]
    assert numbers[0] == 1 and numbers == sorted(set(numbers))
    check_numbers([1, 2, 3])
    for broken in ([1, 2, 2], [0, 1], [1, 2, 24]):
        with pytest.raises(RuntimeError, match="without gaps"):
            check_numbers(broken)


async def test_connections_use_the_required_pragmas(db: Database) -> None:
    # scan reads on a pooled reader: every reader has the settings.
    for _ in db._all_readers:
        assert [row[0] for row in await db.scan("PRAGMA journal_mode")] == ["wal"]
        assert [row[0] for row in await db.scan("PRAGMA foreign_keys")] == [1]
        assert [row[0] for row in await db.scan("PRAGMA synchronous")] == [2]  # FULL
    async with db.transaction() as tx:
        row = await tx.fetch_one("PRAGMA synchronous")
        assert row is not None and row[0] == 2
    # The event loop's own reader (fetch_one / fetch_all) has the same settings.
    for pragma, expected in (
        ("journal_mode", "wal"),
        ("foreign_keys", 1),
        ("synchronous", 2),
        ("busy_timeout", 5000),
    ):
        row = await db.fetch_one(f"PRAGMA {pragma}")
        assert row is not None and row[0] == expected, pragma


async def test_readers_cannot_write(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.scan("INSERT INTO hospital_setting (name, value) VALUES ('x', 'y')")


async def test_keyed_reads_see_every_committed_write_at_once(db: Database) -> None:
    # fetch_one reads on the event loop's own connection: a statement left open there
    # would pin an old snapshot, and the next read would miss this write.
    assert await db.fetch_one("SELECT name FROM hospital_setting") is None
    for round_number in range(3):
        await db.fetch_one("SELECT name FROM hospital_setting ORDER BY name")
        async with db.transaction() as connection:
            await connection.execute(
                "INSERT INTO hospital_setting (name, value) VALUES (:name, 'v')",
                {"name": f"setting-{round_number}"},
            )
        rows = await db.fetch_all("SELECT name FROM hospital_setting ORDER BY name")
        assert [row["name"] for row in rows] == [f"setting-{n}" for n in range(round_number + 1)]
        assert [row["name"] for row in await db.scan("SELECT name FROM hospital_setting")] == [
            row["name"] for row in rows
        ]


async def test_keyed_reads_stay_on_the_loop_and_scans_leave_it(db: Database) -> None:
    loop_thread = threading.get_ident()
    threads: set[int] = set()

    def record(_: str) -> None:
        threads.add(threading.get_ident())

    assert db._inline is not None  # the loop's own connection (private; observed here)
    db._inline.set_trace_callback(record)
    await db.fetch_one("SELECT 1")
    await db.fetch_all("SELECT 1")
    assert threads == {loop_thread}
    scanned_on: list[int] = []
    # A scan runs in a pooled reader's thread, whichever reader it borrows.
    for reader in db._all_readers:
        await reader.set_trace_callback(lambda _: scanned_on.append(threading.get_ident()))
    await db.scan("SELECT 1")
    assert scanned_on and loop_thread not in scanned_on


async def test_keyed_reads_cannot_write(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError):
        await db.fetch_one("INSERT INTO hospital_setting (name, value) VALUES ('x', 'y')")


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as connection:
            await connection.execute("INSERT INTO hospital_setting (name, value) VALUES ('a', '1')")
            raise RuntimeError("boom")
    assert await db.fetch_one("SELECT * FROM hospital_setting WHERE name = 'a'") is None


async def test_concurrent_transactions_never_interleave(db: Database) -> None:
    """Read-modify-write under the lock: 50 concurrent increments give exactly 50."""
    async with db.transaction() as connection:
        await connection.execute(
            "INSERT INTO hospital_setting (name, value) VALUES ('counter', '0')"
        )

    async def increment() -> None:
        async with db.transaction() as connection:
            row = await connection.fetch_one(
                "SELECT value FROM hospital_setting WHERE name = 'counter'"
            )
            assert row is not None
            value = int(row[0])
            await asyncio.sleep(0)  # give other coroutines every chance to interleave
            await connection.execute(
                "UPDATE hospital_setting SET value = :value WHERE name = 'counter'",
                {"value": str(value + 1)},
            )

    await asyncio.gather(*(increment() for _ in range(50)))
    row = await db.fetch_one("SELECT value FROM hospital_setting WHERE name = 'counter'")
    assert row is not None and row["value"] == "50"


async def test_audit_log_is_append_only(db: Database) -> None:
    async with db.transaction() as connection:
        await audit.record(connection, actor_id=1, action="child.viewed", child_id=7)
    for statement in ("UPDATE audit_log SET action = 'tampered'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            async with db.transaction() as connection:
                await connection.execute(statement)
    entries = await audit.select_for_child(db, 7)
    assert [entry.action for entry in entries] == ["child.viewed"]


async def test_audit_log_outlives_the_child_it_refers_to(db: Database) -> None:
    from tests.conftest import make_child

    child_id = await make_child(db, "Sam")
    async with db.transaction() as connection:
        await audit.record(connection, actor_id=None, action="child.created", child_id=child_id)
        await connection.execute("DELETE FROM child WHERE id = :id", {"id": child_id})
    assert [entry.action for entry in await audit.select_for_child(db, child_id)] == [
        "child.created"
    ]


def test_timestamps_are_utc_text_that_sorts() -> None:
    amsterdam = timezone(timedelta(hours=1))
    moment = datetime(2026, 3, 29, 2, 30, tzinfo=amsterdam)
    text = to_db(moment)
    assert text == "2026-03-29T01:30:00.000000Z"
    assert from_db(text) == moment
    assert to_db(datetime(2026, 1, 1, tzinfo=UTC)) < to_db(
        datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    )
    with pytest.raises(ValueError):
        to_db(datetime(2026, 1, 1))


async def test_backup_and_restore(db: Database, tmp_path: Path) -> None:
    from tests.conftest import make_child

    await make_child(db, "Sam")
    target = tmp_path / "backup.sqlite3"
    await db.backup(str(target))
    restored = Database(str(target), read_connections=1)
    await restored.open()
    try:
        row = await restored.fetch_one("SELECT nickname FROM child")
        assert row is not None and row["nickname"] == "Sam"
        check = await restored.fetch_one("PRAGMA integrity_check")
        assert check is not None and check[0] == "ok"
    finally:
        await restored.close()


async def test_a_backup_that_fails_half_way_leaves_the_earlier_backup_untouched(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy is written as FILE.partial and takes FILE's name only once it is whole and
    checked: a backup that dies half-way (here: the disk fills up after one table) never
    damages the earlier good backup, and the next run clears what it left."""
    from tests.conftest import make_child

    await make_child(db, "Sam")
    target = tmp_path / "backup.sqlite3"
    await db.backup(str(target))
    good = target.read_bytes()
    real_backup = aiosqlite.Connection.backup

    async def half_a_copy(self: aiosqlite.Connection, copy: aiosqlite.Connection) -> None:
        await copy.execute("CREATE TABLE half_copied (x)")
        raise OSError("No space left on device")

    monkeypatch.setattr(aiosqlite.Connection, "backup", half_a_copy)
    await make_child(db, "Robin")
    with pytest.raises(OSError, match="No space"):
        await db.backup(str(target))
    assert target.read_bytes() == good
    assert (tmp_path / "backup.sqlite3.partial").exists(), "the unfinished copy is marked"

    monkeypatch.setattr(aiosqlite.Connection, "backup", real_backup)
    await db.backup(str(target))
    assert not (tmp_path / "backup.sqlite3.partial").exists()
    copy = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = {row[0] for row in copy.execute("SELECT nickname FROM child")}
    finally:
        copy.close()
    assert names == {"Sam", "Robin"}
