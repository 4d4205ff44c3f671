"""SQLite access: connection settings, readers, one locked writer, migrations.

Nothing else in the app opens SQLite. All writes go through ``Database.transaction()``,
which holds an asyncio lock for the whole ``BEGIN IMMEDIATE`` transaction so that
coroutines can never interleave statements inside one another's transaction.

Reads come in two sizes. A keyed look-up (``fetch_one``, ``fetch_all``: a session, a
child's plan, a report) takes SQLite a few microseconds, far less than handing it to
another thread and back, so it runs at once on the event loop's own read-only
connection. A read that may visit many rows (``scan``: the review queue, the children
list, histories, exports, audit searches) runs in one of the pooled reader threads, so
the loop keeps serving other requests meanwhile. In WAL mode readers never wait for the
writer, so neither kind blocks on a write in progress.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, overload

import aiosqlite

from .clock import utcnow

Params = Mapping[str, Any] | tuple[Any, ...]

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    # Health data: a committed report must survive a power cut, not just a crash.
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def to_db(moment: datetime) -> str:
    """Store a moment as sortable UTC ISO-8601 text with a Z suffix."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware one")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@overload
def from_db(text: str) -> datetime: ...
@overload
def from_db(text: None) -> None: ...
@overload
def from_db(text: str | None) -> datetime | None: ...
def from_db(text: str | None) -> datetime | None:
    """Read a moment stored by ``to_db`` (a NULL column reads as None)."""
    if text is None:
        return None
    # fromisoformat is C code and reads the Z suffix (3.11+); strptime was a visible share
    # of every list page's time at scale (bench/scale.py).
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def now_text() -> str:
    return to_db(utcnow())


def _pragmas(*, read_only: bool) -> list[str]:
    # A read-only connection cannot set the journal mode; the writer set WAL for the file.
    return [pragma for pragma in PRAGMAS if not (read_only and "journal_mode" in pragma)]


async def connect(path: str, *, read_only: bool) -> aiosqlite.Connection:
    """An aiosqlite connection with the app's settings: every async connection starts here."""
    if read_only:
        connection = await aiosqlite.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    else:
        connection = await aiosqlite.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    for pragma in _pragmas(read_only=read_only):
        await connection.execute(pragma)
    return connection


def connect_sync(path: str, *, read_only: bool) -> sqlite3.Connection:
    """A plain sqlite3 connection with the app's settings, for the event loop's own reader,
    migrations and start-up checks: every synchronous connection starts here."""
    if read_only:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    else:
        connection = sqlite3.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    for pragma in _pragmas(read_only=read_only):
        connection.execute(pragma)
    return connection


class Database:
    """The app's SQLite database: pooled readers and a single serialised writer."""

    def __init__(self, path: str, read_connections: int = 4) -> None:
        self.path = path
        self._read_connections = read_connections
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._writer: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._inline: sqlite3.Connection | None = None

    async def open(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = await connect(self.path, read_only=False)
        # Opened here, on the event loop's thread: sqlite3 refuses use from any other.
        self._inline = connect_sync(self.path, read_only=True)
        for _ in range(self._read_connections):
            reader = await connect(self.path, read_only=True)
            self._all_readers.append(reader)
            self._readers.put_nowait(reader)

    async def close(self) -> None:
        for reader in self._all_readers:
            await reader.close()
        self._all_readers.clear()
        self._readers = asyncio.Queue()
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        if self._writer is not None:
            await self._writer.close()
            self._writer = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Borrow a read-only connection for a few queries."""
        reader = await self._readers.get()
        try:
            yield reader
        finally:
            self._readers.put_nowait(reader)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block as one ``BEGIN IMMEDIATE`` transaction on the single writer."""
        if self._writer is None:
            raise RuntimeError("database is not open")
        writer = self._writer
        async with self._write_lock:
            try:
                await _to_the_end(writer.execute("BEGIN IMMEDIATE"))
                yield writer
            except BaseException:
                # Also when cancelled (a phone hung up): never hand the writer on while
                # still inside this transaction, or every later write would fail.
                if writer.in_transaction:
                    await _to_the_end(writer.execute("ROLLBACK"))
                raise
            else:
                await _to_the_end(writer.execute("COMMIT"))

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a keyed look-up, read at once on the event loop's thread."""
        # fetchall, not fetchone: a statement left unfinished would keep this connection's
        # read snapshot open (stale reads, and a WAL that cannot be checkpointed).
        return _first(self._inline_reader().execute(sql, params).fetchall())

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """The few rows of a keyed look-up (an index finds them), read at once."""
        return self._inline_reader().execute(sql, params).fetchall()

    async def scan(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Rows of a read that may visit many rows, read in a pooled reader's thread."""
        # One trip to the connection's thread instead of three (execute, fetch, close).
        async with self.read() as connection:
            return list(await connection.execute_fetchall(sql, params))

    def _inline_reader(self) -> sqlite3.Connection:
        if self._inline is None:
            raise RuntimeError("database is not open")
        return self._inline

    async def backup(self, target: str) -> None:
        """Copy the live database with SQLite's online backup API, all or nothing.

        The copy is written as ``<target>.partial``, checked and synced to disk before it
        takes the target's name, so a backup that dies half-way (killed, disk full) never
        leaves a damaged file, or an earlier good backup overwritten, under that name.
        """
        if self._writer is None:
            raise RuntimeError("database is not open")
        final = Path(target)
        partial = await asyncio.to_thread(_make_room, final)
        destination = await connect(str(partial), read_only=False)
        try:
            await self._writer.backup(destination)
            verdict = [
                row[0] for row in await destination.execute_fetchall("PRAGMA integrity_check")
            ]
        finally:
            await destination.close()
        if verdict != ["ok"]:
            raise RuntimeError(f"the copy failed its integrity check: {verdict[:3]}")
        await asyncio.to_thread(_publish, partial, final)


# A backup being written, or one that was interrupted: never a usable copy.
PARTIAL_SUFFIX = ".partial"


def _make_room(final: Path) -> Path:
    """The name to write the copy under, cleared of what an interrupted run left behind."""
    if Path(f"{final}-wal").exists():
        raise RuntimeError(f"{final} is open elsewhere (it has a -wal file): pick another name")
    partial = final.with_name(final.name + PARTIAL_SUFFIX)
    for leftover in (partial, *(Path(f"{partial}{end}") for end in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)
    return partial


def _publish(partial: Path, final: Path) -> None:
    """Give a finished copy its name: its bytes on disk first, then the rename, then that."""
    with partial.open("rb+") as copy:
        os.fsync(copy.fileno())
    os.replace(partial, final)
    directory = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


async def _to_the_end(step: Awaitable[Any]) -> None:
    """Await a BEGIN, COMMIT or ROLLBACK to its end, even if this task is cancelled.

    The statement runs in the connection's thread whether or not anyone still awaits it.
    A cancelled request (the client disconnected) must learn how it ended before the
    write lock is released; the cancellation is raised again afterwards.
    """
    task = asyncio.ensure_future(step)
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError as error:
            if task.done():
                break
            cancelled = error
    task.result()  # the statement's own error, if any
    if cancelled is not None:
        raise cancelled


async def fetch_one(
    connection: aiosqlite.Connection, sql: str, params: Params = ()
) -> sqlite3.Row | None:
    """One row from a connection already held (inside a transaction), in one thread trip:
    the write lock is held meanwhile, so fewer trips mean more writes per second."""
    return _first(await connection.execute_fetchall(sql, params))


def _first(rows: Iterable[sqlite3.Row]) -> sqlite3.Row | None:
    return next(iter(rows), None)


def migration_files() -> list[tuple[int, str, str]]:
    """The numbered migrations shipped with the package, in order."""
    found = []
    for entry in resources.files("pwa.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {numbers}")
    return found


def migrate(path: str) -> list[str]:
    """Apply every migration not yet applied; return the names applied now.

    Runs synchronously at start-up and from ``pwa migrate``, before any async connection
    is opened, so a migration is never interleaved with app traffic.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    applied_now: list[str] = []
    connection = connect_sync(path, read_only=False)
    try:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migration ("
            " number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in connection.execute("SELECT number FROM schema_migration")}
        for number, name, sql in migration_files():
            if number in done:
                continue
            # executescript commits on its own, so the bookkeeping row goes in the script.
            # Its values are the shipped file's number and name (checked by _MIGRATION_NAME).
            connection.executescript(
                "BEGIN IMMEDIATE;\n"  # nosec B608  # the package's own migration files only
                + sql
                + "\nINSERT INTO schema_migration (number, name, applied_at) VALUES "  # nosec B608
                + f"({number}, '{name}', '{now_text()}');\nCOMMIT;"
            )
            applied_now.append(name)
    finally:
        connection.close()
    return applied_now


def has_demo_accounts(path: str) -> bool:
    """Whether demo logins exist (production refuses to start with them)."""
    connection = connect_sync(path, read_only=True)
    try:
        return (
            connection.execute("SELECT 1 FROM account WHERE is_demo = 1 LIMIT 1").fetchone()
            is not None
        )
    finally:
        connection.close()


def get_db() -> Database:
    """The app's database, for views (the sender loop and CLI get it passed in)."""
    from quart import current_app

    db: Database = current_app.extensions["db"]
    return db
