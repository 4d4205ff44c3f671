"""Stored garbage: after the fuzz, every row is read straight from the database file
(read-only) and checked by the app's own rules.

Every text in every table must be valid UTF-8 without control characters (line feed and
tab allowed); a report must be one of the family's, with a canonical UUID, answers its
own item checks leave unchanged, a clean note and a known level; a push subscription the
family's, with an endpoint the endpoint policy returns unchanged, keys a browser makes
and a clean one-line name; a photo the family's, its file present.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pwa.config import DEFAULT_PUSH_SERVICE_HOSTS
from pwa.diary.items import NOTE_MAX, check_items
from pwa.notifications import devices
from pwa.notifications.devices import MAX_LABEL_LENGTH
from pwa.notifications.endpoints import EndpointPolicy, EndpointRefused
from pwa.redflags.rules import LEVELS
from pwa.text_input import is_clean

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_LISTED = 10


def _canonical_uuid(text: Any) -> bool:
    try:
        return isinstance(text, str) and str(uuid.UUID(text)) == text
    except ValueError:
        return False


def bad_text(database: str) -> Iterator[str]:
    """Text in any column of any table that is not UTF-8 or holds a control character."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    connection.text_factory = bytes
    try:
        tables = [
            row[0].decode()
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = [
                row[1].decode() for row in connection.execute(f'PRAGMA table_info("{table}")')
            ]
            # Only TEXT values: a BLOB (a token's hash) is bytes by design.
            picked = ", ".join(
                f'CASE WHEN typeof("{c}") = \'text\' THEN "{c}" END' for c in columns
            )
            query = f'SELECT rowid, {picked} FROM "{table}"'  # noqa: S608 - names from the schema  # nosec B608
            for row in connection.execute(query):
                for column, value in zip(columns, row[1:], strict=True):
                    if value is None:
                        continue
                    try:
                        text = value.decode("utf-8")
                    except UnicodeDecodeError:
                        yield f"{table} row {row[0]}: {column} is not UTF-8"
                        continue
                    if _CONTROLS.search(text):
                        yield f"{table} row {row[0]}: {column} holds a control character: {text[:60]!r}"
    finally:
        connection.close()


def bad_reports(connection: sqlite3.Connection, account_id: int, child_id: int) -> Iterator[str]:
    for row in connection.execute("SELECT * FROM report"):
        where = f"report {row['id']}"
        if row["child_id"] != child_id or row["author_id"] != account_id:
            yield f"{where}: not the fuzzed family's (child {row['child_id']})"
        if not _canonical_uuid(row["client_uuid"]):
            yield f"{where}: id {row['client_uuid']!r} is not a canonical UUID"
        try:
            items = json.loads(row["items"])
            clean, problems = check_items(items)
        except (ValueError, TypeError, AttributeError):
            yield f"{where}: items do not parse"
        else:
            if problems or clean != items:
                yield f"{where}: items {row['items'][:80]!r} fail the item checks"
        note = row["note"]
        if not is_clean(note, lines=True) or note != note.strip() or len(note) > NOTE_MAX:
            yield f"{where}: note {note[:60]!r} is not as the app cleans notes"
        if row["level"] not in LEVELS or row["client_level"] not in (*LEVELS, None):
            yield f"{where}: level {row['level']!r} / {row['client_level']!r}"
        try:
            datetime.fromisoformat(row["observed_at"])
            json.loads(row["matched_rules"])
        except ValueError:
            yield f"{where}: observed time or matched rules do not parse"


def bad_subscriptions(connection: sqlite3.Connection, account_id: int) -> Iterator[str]:
    policy = EndpointPolicy.from_config(
        {
            "PUSH_SERVICE_HOSTS": DEFAULT_PUSH_SERVICE_HOSTS,
            "PUSH_ALLOW_INSECURE_TEST_SERVICE": False,
        }
    )
    for row in connection.execute("SELECT * FROM push_subscription"):
        where = f"push_subscription {row['id']}"
        if row["account_id"] != account_id:
            yield f"{where}: not the fuzzed family's"
        try:
            if policy.check(row["endpoint"]) != row["endpoint"]:
                yield f"{where}: endpoint {row['endpoint'][:80]!r} is not stored as validated"
        except EndpointRefused as refused:
            yield f"{where}: endpoint {row['endpoint'][:80]!r} is refused: {refused}"
        try:
            keys = devices._check_keys({"p256dh": row["p256dh"], "auth": row["auth"]})
            if keys != (row["p256dh"], row["auth"]):
                yield f"{where}: keys not stored as validated"
        except devices.InvalidSubscription as invalid:
            yield f"{where}: keys refused: {invalid}"
        label = row["device_label"]
        if not is_clean(label, lines=False) or len(label) > MAX_LABEL_LENGTH:
            yield f"{where}: name {label[:60]!r} is not as the app cleans names"


def bad_photos(connection: sqlite3.Connection, account_id: int, folder: Path) -> Iterator[str]:
    query = "SELECT p.*, r.author_id FROM report_photo p JOIN report r ON r.id = p.report_id"
    for row in connection.execute(query):
        where = f"report_photo {row['id']}"
        if row["author_id"] != account_id or row["uploaded_by"] != account_id:
            yield f"{where}: not on the fuzzed family's report"
        if not _canonical_uuid(row["client_uuid"]):
            yield f"{where}: id {row['client_uuid']!r} is not a canonical UUID"
        if not (folder / row["file_name"]).is_file():
            yield f"{where}: its file is missing"


def bad_message_photos(
    connection: sqlite3.Connection, account_id: int, folder: Path
) -> Iterator[str]:
    query = (
        "SELECT p.*, m.author_id, m.from_ward FROM message_photo p"
        " JOIN message m ON m.id = p.message_id"
    )
    for row in connection.execute(query):
        where = f"message_photo {row['id']}"
        if row["author_id"] != account_id or row["uploaded_by"] != account_id or row["from_ward"]:
            yield f"{where}: not on the fuzzed family's message"
        if not _canonical_uuid(row["client_uuid"]):
            yield f"{where}: id {row['client_uuid']!r} is not a canonical UUID"
        if not (folder / row["file_name"]).is_file():
            yield f"{where}: its file is missing"


def stored_garbage(database: str, *, account_id: int, child_id: int, photos: Path) -> list[str]:
    """Every row that breaks the app's rules (empty: none); the first problems are listed."""
    found = list(bad_text(database))
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        found.extend(bad_reports(connection, account_id, child_id))
        found.extend(bad_subscriptions(connection, account_id))
        found.extend(bad_photos(connection, account_id, photos))
        found.extend(bad_message_photos(connection, account_id, photos))
    finally:
        connection.close()
    return found


def rows_checked(database: str) -> dict[str, int]:
    """How many rows the specific checks read, per table (for the results line)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {
            table: int(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608 - fixed names  # nosec B608
            for table in ("report", "push_subscription", "report_photo", "message_photo")
        }
    finally:
        connection.close()
