"""Where a SIGKILL of the server landed, and the database file exactly as it left it.

Right before the signal, each phone's request in flight is noted (bench/common.py
Client.in_flight; the event loop runs no phone code between the note and the kill). Right
after it, before any restart, the database is opened read-only: `PRAGMA integrity_check`,
every report and photo acknowledged so far present with all its fields (bench/ledger.py),
and, for each request in flight, which of its reports had been committed. A report
committed whose answer the phone never had must be answered `duplicate` when the phone
sends it again, never `stored` (the ledger checks that).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from bench.common import Client, integrity
from bench.ledger import Comparison, Ledger, compare
from tests.helpers.served import Server

# Where a kill found each phone.
BETWEEN = "between requests"
NOTHING_COMMITTED = "in flight, nothing committed"
PART_COMMITTED = "in flight, part of the batch committed"
COMMITTED_UNANSWERED = "committed, not answered"
RESEND = "in flight, a resend of acknowledged reports"
PHOTO_IN_FLIGHT = "photo in flight, not committed"
PHOTO_COMMITTED = "photo committed, not answered"


@dataclass
class Kill:
    """One SIGKILL: what the phones were doing, and what the file held afterwards."""

    label: str
    landed: Counter[str] = field(default_factory=Counter)
    reports_committed_unanswered: int = 0
    reports_not_committed: int = 0
    integrity: str = ""
    comparison: Comparison | None = None

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and self.comparison is not None and self.comparison.ok

    def summary(self) -> str:
        compared = self.comparison.summary() if self.comparison else "not compared"
        return (
            f"{self.label}: phones {dict(self.landed)}; reports in flight: "
            f"{self.reports_committed_unanswered} committed without an answer, "
            f"{self.reports_not_committed} not committed; the file as the kill left it: "
            f"integrity_check {self.integrity}, {compared}"
        )


def kill_and_inspect(
    server: Server, clients: list[Client], ledger: Ledger, children: list[int], label: str
) -> Kill:
    """SIGKILL the server and look at the database before anything opens it for writing."""
    in_flight = [list(client.in_flight) for client in clients]
    server.kill()
    kill = Kill(label)
    kill.integrity = integrity(server.database)
    kill.comparison = compare(
        server.database,
        ledger,
        children,
        photo_folder=server.instance / "photos",
        exact=False,
    )
    present = _present(server.database, [key for keys in in_flight for key in keys])
    for keys in in_flight:
        kill.landed[_landing(keys, present, ledger, kill)] += 1
    return kill


def _landing(keys: list[str], present: set[str], ledger: Ledger, kill: Kill) -> str:
    if not keys:
        return BETWEEN
    if keys[0].startswith("photo "):
        return PHOTO_COMMITTED if keys[0] in present else PHOTO_IN_FLIGHT
    new = [key for key in keys if key not in ledger.acknowledged]
    if not new:
        return RESEND
    committed = [key for key in new if key in present]
    for key in committed:
        ledger.committed_unanswered[key] = ledger.reports[key].attempts
    kill.reports_committed_unanswered += len(committed)
    kill.reports_not_committed += len(new) - len(committed)
    if len(committed) == len(new):
        return COMMITTED_UNANSWERED
    return PART_COMMITTED if committed else NOTHING_COMMITTED


def _present(database: str, keys: list[str]) -> set[str]:
    """Which of these report ids (and "photo <id>"s) the file holds, read-only."""
    reports = [key for key in keys if not key.startswith("photo ")]
    photos = [key.removeprefix("photo ") for key in keys if key.startswith("photo ")]
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        found = {
            row[0]
            for row in connection.execute(
                f"SELECT client_uuid FROM report WHERE client_uuid IN ({','.join('?' * len(reports))})",  # noqa: S608 - only placeholders  # nosec B608
                reports,
            )
        }
        found |= {
            f"photo {row[0]}"
            for row in connection.execute(
                f"SELECT client_uuid FROM report_photo WHERE client_uuid IN ({','.join('?' * len(photos))})",  # noqa: S608 - only placeholders  # nosec B608
                photos,
            )
        }
    finally:
        connection.close()
    return found


def landed_in_total(kills: list[Kill]) -> Counter[str]:
    total: Counter[str] = Counter()
    for kill in kills:
        total.update(kill.landed)
    return total
