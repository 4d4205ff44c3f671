"""SQLite access: connection settings, one way to read, one locked writer, backups.

Nothing else in the app opens SQLite or imports aiosqlite. Store functions that only
read take a ``Reader``: the ``Database`` itself, or a ``Transaction`` when the read must
see the transaction's own writes. Functions that write take a ``Transaction``, from
``Database.transaction()``, which holds an asyncio lock for its whole ``BEGIN IMMEDIATE``
so coroutines never interleave statements inside one another's transaction.

Where reads run. Outside a transaction, a keyed look-up (``fetch_one``, ``fetch_all``: a
session, a child's plan, a report; an index finds a handful of rows) takes SQLite a few
microseconds, far less than a trip to another thread and back, so it runs at once on
the event loop's own read-only connection; it blocks the loop only that long. A read
that may visit many rows (``scan``: the review queue, the children list, histories,
exports, audit searches) runs in one of the pooled reader threads, so the loop keeps
serving meanwhile. In WAL mode neither waits for the writer. Inside a transaction every
statement, read or write, runs on the writer connection in its thread: only there are
the transaction's own uncommitted writes visible.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, overload

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


class Reader(Protocol):
    """What a store's read function needs: a ``Database`` or a ``Transaction``."""

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a keyed look-up (or None)."""

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """The rows of a keyed look-up: few, found by an index."""

    async def scan(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """The rows of a read that may visit many rows."""


class Transaction:
    """One ``BEGIN IMMEDIATE`` transaction on the writer: its reads see its own writes.

    Each call is one trip to the writer's thread (the write lock is held meanwhile, so
    fewer trips mean more writes per second). Usable only inside its ``async with``.
    """

    __slots__ = ("_connection",)

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection: aiosqlite.Connection | None = connection

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a statement (a SELECT, or a write with RETURNING)."""
        return _first(await self._writer().execute_fetchall(sql, params))

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Every row of a statement (a SELECT, or a write with RETURNING)."""
        return list(await self._writer().execute_fetchall(sql, params))

    async def scan(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Every row of a read that may visit many rows (on the writer, like all here)."""
        return list(await self._writer().execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement that returns no rows; the number of rows it changed."""
        cursor = await self._writer().execute(sql, params)
        return cursor.rowcount

    async def executemany(self, sql: str, many: Iterable[Params]) -> int:
        """Run one statement once per set of parameters; the number of rows changed."""
        cursor = await self._writer().executemany(sql, many)
        return cursor.rowcount

    def _writer(self) -> aiosqlite.Connection:
        if self._connection is None:
            raise RuntimeError("the transaction has ended")
        return self._connection

    def _end(self) -> None:
        self._connection = None


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
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Run the block as one ``BEGIN IMMEDIATE`` transaction on the single writer."""
        if self._writer is None:
            raise RuntimeError("database is not open")
        writer = self._writer
        async with self._write_lock:
            transaction = Transaction(writer)
            try:
                await _to_the_end(writer.execute("BEGIN IMMEDIATE"))
                yield transaction
            except BaseException:
                # Also when cancelled (a phone hung up): never hand the writer on while
                # still inside this transaction, or every later write would fail.
                if writer.in_transaction:
                    await _to_the_end(writer.execute("ROLLBACK"))
                raise
            else:
                await _to_the_end(writer.execute("COMMIT"))
            finally:
                transaction._end()

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
        reader = await self._readers.get()
        try:
            # One trip to the connection's thread instead of three (execute, fetch, close).
            return list(await reader.execute_fetchall(sql, params))
        finally:
            self._readers.put_nowait(reader)

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


def _first(rows: Iterable[sqlite3.Row]) -> sqlite3.Row | None:
    return next(iter(rows), None)


def get_db() -> Database:
    """The app's database, for views (the sender loop and CLI get it passed in)."""
    from quart import current_app

    db: Database = current_app.extensions["db"]
    return db
