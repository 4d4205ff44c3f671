"""Every SQLite connection the app opens runs in WAL mode with synchronous = FULL.

"A report the phone was told is stored survives a power cut" rests on these two settings
(docs/reliability.md), and SQLite keeps synchronous per connection: one connection
opened without them would weaken every write it makes. The first test watches
``sqlite3.connect`` itself (aiosqlite calls it too), runs every way the app opens its
database (start-up with its migrations and production's demo-account check, the writer,
the pooled readers, the event loop's own reader, requests, and the `pwa` commands
migrate, create-admin, send-reminders, purge and backup, the copy included), and reads
each connection's settings as it closes. foreign_keys = 1 shows the app's settings were
applied at all: this SQLite's own defaults happen to be FULL, and a file remembers WAL.
The second test keeps new code from opening SQLite outside pwa/db.py's two factories.
"""

from __future__ import annotations

import ast
import asyncio
import sqlite3
import threading
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pwa import cli
from pwa.app import create_app
from tests.conftest import HttpsClient, make_account, make_child, sign_in, test_config

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}


@dataclass
class Opened:
    database: str
    where: str
    settings: dict[str, Any] | None = None


class _Watched(sqlite3.Connection):
    """A connection that notes its settings as it closes, in the thread that uses it."""

    opened: Opened

    def close(self) -> None:
        if self.opened.settings is None:
            self.opened.settings = {
                name: self.execute(f"PRAGMA {name}").fetchone()[0] for name in REQUIRED
            }
        super().close()


def _where() -> str:
    """The app's line that asked for the connection (aiosqlite opens it in its own thread)."""
    frames = [
        f"{Path(frame.filename).relative_to(ROOT)}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_stack()
        if frame.filename.startswith(str(ROOT / "pwa"))
        and frame.name not in {"connect", "connect_sync"}
    ]
    return frames[-1] if frames else f"aiosqlite's {threading.current_thread().name}"


def watch_connections(monkeypatch: pytest.MonkeyPatch) -> list[Opened]:
    opened: list[Opened] = []
    real_connect = sqlite3.connect

    def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        assert "factory" not in kwargs, "the app's connections are plain sqlite3 ones"
        connection = real_connect(database, *args, factory=_Watched, **kwargs)
        assert isinstance(connection, _Watched)
        connection.opened = Opened(str(database), _where())
        opened.append(connection.opened)
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect)
    return opened


async def _serve_a_family(tmp_path: Path) -> None:
    """The app as served: start-up, a sign-in, a report, a history page, the health check."""
    app = create_app(test_config(tmp_path))
    app.test_client_class = HttpsClient  # type: ignore[assignment]  # as tests/conftest.py
    async with app.test_app():
        db = app.extensions["db"]
        parent = await make_account(db, app, "parent@example.org", "caregiver")
        child = await make_child(db, "Sam", parent)
        client: Any = app.test_client()
        await sign_in(client, "parent@example.org")
        report = {
            "id": "6f1c1b7e-3c55-4c52-9a53-0d5f4a1d2b11",
            "child_id": child,
            "observed_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "items": {"temperature": 37.2},
        }
        response = await client.post(
            "/api/reports", json={"reports": [report]}, headers={"Origin": "https://localhost"}
        )
        assert response.status_code == 200
        assert (await client.get("/diary")).status_code == 200
        assert (await client.get("/healthz")).status_code == 200


async def _start_in_production(folder: Path) -> None:
    """Production's start-up also asks whether the database holds demo accounts."""
    app = create_app(test_config(folder, ENV="production"))
    app.test_client_class = HttpsClient  # type: ignore[assignment]  # as tests/conftest.py
    async with app.test_app():
        assert (await app.test_client().get("/healthz")).status_code == 200


def test_every_connection_the_app_opens_is_wal_with_synchronous_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PWA_ENV", "PWA_DATABASE", "PWA_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PWA_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PWA_SECRET_KEY", "cli-test-secret-key-long-enough-for-production")
    monkeypatch.setenv("PWA_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("PWA_ARGON2_MEMORY_KIB", "64")
    opened = watch_connections(monkeypatch)
    backup = tmp_path / "backup.sqlite3"

    assert cli.main(["migrate"]) == 0
    password = "harbour-lantern-kite-morning"  # a throwaway test account
    assert cli.main(["create-admin", "admin@example.org", "--password", password]) == 0
    assert cli.main(["send-reminders"]) == 0
    assert cli.main(["purge"]) == 0
    assert cli.main(["backup", str(backup)]) == 0
    asyncio.run(_serve_a_family(tmp_path))
    asyncio.run(_start_in_production(tmp_path / "production"))

    for each in opened:
        assert each.settings is not None, f"never closed: {each}"
        assert each.settings == REQUIRED, f"{each.where} on {each.database}: {each.settings}"
    # Every kind of connection was among them.
    databases = {each.database.removeprefix("file:").split("?")[0] for each in opened}
    assert any(name.endswith(".partial") for name in databases), "the backup's copy"
    assert str(tmp_path / "production" / "instance" / "immuno.sqlite3") in databases
    assert any("mode=ro" in each.database for each in opened), "read-only ones"
    assert len(opened) >= 10, [each.where for each in opened]


class _Connects(ast.NodeVisitor):
    """Where a module calls sqlite3.connect or aiosqlite.connect: (file, function)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.functions = ["<module>"]
        self.found: set[tuple[str, str]] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module in {"sqlite3", "aiosqlite"} and any(
            alias.name == "connect" for alias in node.names
        ):
            self.found.add((self.file, f"imports {node.module}.connect"))

    def visit_Call(self, node: ast.Call) -> None:
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "connect"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"sqlite3", "aiosqlite"}
        ):
            self.found.add((self.file, self.functions[-1]))
        self.generic_visit(node)


def test_sqlite_is_opened_only_through_the_apps_two_connection_factories() -> None:
    """A new sqlite3.connect or aiosqlite.connect elsewhere would skip the settings."""
    found: set[tuple[str, str]] = set()
    for path in sorted((ROOT / "pwa").rglob("*.py")):
        visitor = _Connects(str(path.relative_to(ROOT)))
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        found |= visitor.found
    assert found == {("pwa/db.py", "connect"), ("pwa/db.py", "connect_sync")}
