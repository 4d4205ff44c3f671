"""The schema: numbered migrations applied at start-up, and the start-up checks on it.

Migrations run synchronously, before any async connection is opened (pwa/db.py), so a
migration is never interleaved with app traffic.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from .db import connect_sync, now_text

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migration_files() -> list[tuple[int, str, str]]:
    """The numbered migrations shipped with the package, in order."""
    found = []
    for entry in resources.files("pwa.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    check_numbers([number for number, _, _ in found])
    return found


def check_numbers(numbers: list[int]) -> None:
    """Refuse anything but 1, 2, ... n, each once: a database that started earlier must
    apply the migrations in the same order as a new one, so a number never lands below
    one already applied somewhere. Work built side by side is renumbered when it lands.
    """
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migration numbers must run 1, 2, ... without gaps, found {numbers}")


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
