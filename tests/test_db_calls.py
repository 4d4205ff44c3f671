"""One way to call the database: a Transaction reads its own writes, store read functions
take a Reader (the Database or a Transaction), and nothing outside pwa/db.py reaches for
aiosqlite or asks which of the two it was given."""

from __future__ import annotations

import ast
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from pwa.db import Database, Reader, Transaction
from pwa.families import store as families

ROOT = Path(__file__).resolve().parents[1]

# Modules that may import aiosqlite besides pwa/db.py, and why.
AIOSQLITE_ALLOWED = {
    # Simulates a backup that fails half-way by replacing aiosqlite's Connection.backup.
    "tests/test_db.py",
}


async def _add_child(tx: Transaction, nickname: str) -> int:
    return await families.insert_child(
        tx, nickname=nickname, birth_date=date(2019, 5, 31), hospital_number=None, created_by=None
    )


async def test_a_transaction_reads_its_own_uncommitted_writes(db: Database) -> None:
    async with db.transaction() as tx:
        child_id = await _add_child(tx, "Sam")
        row = await tx.fetch_one("SELECT nickname FROM child WHERE id = :id", {"id": child_id})
        assert row is not None and row["nickname"] == "Sam"
        assert [r["nickname"] for r in await tx.fetch_all("SELECT nickname FROM child")] == ["Sam"]
        assert [r["nickname"] for r in await tx.scan("SELECT nickname FROM child")] == ["Sam"]
        # Not yet committed: the database's own readers do not see it.
        assert await db.fetch_one("SELECT 1 FROM child WHERE id = :id", {"id": child_id}) is None
        assert await db.scan("SELECT 1 FROM child") == []
    assert await db.fetch_one("SELECT 1 FROM child WHERE id = :id", {"id": child_id}) is not None


async def test_a_store_read_function_takes_the_database_or_a_transaction(db: Database) -> None:
    async def nicknames(reader: Reader, child_id: int) -> tuple[str | None, list[str]]:
        one = await families.select_child(reader, child_id)  # a keyed read: fetch_one
        every = await families.select_all_children(reader)  # a many-row read: scan
        return (one.nickname if one else None), [child.nickname for child in every]

    async with db.transaction() as tx:
        child_id = await _add_child(tx, "Robin")
        assert await nicknames(tx, child_id) == ("Robin", ["Robin"])
        assert await nicknames(db, child_id) == (None, [])
    assert await nicknames(db, child_id) == ("Robin", ["Robin"])


async def test_execute_answers_how_many_rows_changed(db: Database) -> None:
    async with db.transaction() as tx:
        added = await tx.executemany(
            "INSERT INTO hospital_setting (name, value) VALUES (?, ?)",
            [("a", "1"), ("b", "2"), ("c", "3")],
        )
        changed = await tx.execute("UPDATE hospital_setting SET value = 'x' WHERE name != 'a'")
        none = await tx.execute("DELETE FROM hospital_setting WHERE name = 'nothing'")
    assert (added, changed, none) == (3, 2, 0)
    rows = await db.fetch_all("SELECT name, value FROM hospital_setting ORDER BY name")
    assert [tuple(row) for row in rows] == [("a", "1"), ("b", "x"), ("c", "x")]


async def test_a_transaction_cannot_be_used_after_its_block(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO hospital_setting (name, value) VALUES ('a', '1')")
    with pytest.raises(RuntimeError, match="ended"):
        await tx.execute("INSERT INTO hospital_setting (name, value) VALUES ('b', '2')")
    with pytest.raises(RuntimeError, match="ended"):
        await tx.fetch_one("SELECT 1")
    assert [row["name"] for row in await db.fetch_all("SELECT name FROM hospital_setting")] == ["a"]


async def test_a_failed_statement_inside_a_transaction_rolls_it_all_back(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO hospital_setting (name, value) VALUES ('a', '1')")
            await tx.execute("INSERT INTO hospital_setting (name, value) VALUES ('a', '2')")
    assert await db.fetch_all("SELECT * FROM hospital_setting") == []


def _python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def _imports_aiosqlite(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == "aiosqlite" for alias in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "aiosqlite":
            return True
    return False


def test_only_pwa_db_imports_aiosqlite() -> None:
    """Stores see Reader and Transaction, never a raw connection."""
    found = {
        str(path.relative_to(ROOT))
        for path in _python_files("pwa", "bench", "tests")
        if "node_modules" not in path.parts and _imports_aiosqlite(ast.parse(path.read_text()))
    }
    assert found == {"pwa/db.py"} | AIOSQLITE_ALLOWED


def test_no_code_asks_whether_it_got_the_database() -> None:
    """A store that branches on Database vs. Transaction defeats the Reader protocol."""
    branching = []
    for path in _python_files("pwa"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "isinstance"
                and len(node.args) == 2
                and "Database" in ast.unparse(node.args[1])
            ):
                branching.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert branching == []
