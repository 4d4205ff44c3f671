"""Reports, diary item settings and red-flag rules as rows: dataclasses and SQL."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..db import Reader, Transaction, from_db, to_db
from ..redflags.rules import Earlier
from .items import ITEMS


@dataclass(frozen=True)
class Report:
    id: int
    client_uuid: str
    child_id: int
    author_id: int | None
    author_name: str | None
    observed_at: datetime
    received_at: datetime
    items: dict[str, Any]
    note: str
    corrects_uuid: str | None
    level: str
    client_level: str | None
    matched_rules: list[str]

    @property
    def server_raised_level(self) -> bool:
        """The server saw more danger than the phone showed (newer rules, other readings)."""
        order = ("green", "amber", "red")
        return self.client_level is not None and order.index(self.level) > order.index(
            self.client_level
        )

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Report:
        return cls(
            id=row["id"],
            client_uuid=row["client_uuid"],
            child_id=row["child_id"],
            author_id=row["author_id"],
            author_name=row["author_name"],
            observed_at=from_db(row["observed_at"]),
            received_at=from_db(row["received_at"]),
            items=json.loads(row["items"]),
            note=row["note"],
            corrects_uuid=row["corrects_uuid"],
            level=row["level"],
            client_level=row["client_level"],
            matched_rules=json.loads(row["matched_rules"]),
        )


REPORT_COLUMNS = """
    report.id, report.client_uuid, report.child_id, report.author_id,
    account.display_name AS author_name, report.observed_at, report.received_at,
    report.items, report.note, corrected.client_uuid AS corrects_uuid, report.level,
    report.client_level, report.matched_rules
"""
REPORT_FROM = """
      FROM report
      LEFT JOIN account ON account.id = report.author_id
      LEFT JOIN report AS corrected ON corrected.id = report.corrects_id
"""
REPORT_SELECT = f"SELECT {REPORT_COLUMNS} {REPORT_FROM}"


# --- configuration: items and rules ------------------------------------------------


async def select_enabled_items(db: Reader) -> set[str]:
    rows = await db.fetch_all("SELECT key, enabled FROM diary_item_setting")
    stored = {row["key"]: bool(row["enabled"]) for row in rows}
    return {item.key for item in ITEMS if stored.get(item.key, item.default_on)}


async def save_enabled_items(tx: Transaction, enabled: set[str]) -> None:
    for item in ITEMS:
        await tx.execute(
            """
            INSERT INTO diary_item_setting (key, enabled) VALUES (:key, :enabled)
            ON CONFLICT (key) DO UPDATE SET enabled = excluded.enabled
            """,
            {"key": item.key, "enabled": int(item.key in enabled)},
        )


# --- reports -----------------------------------------------------------------------


async def select_by_uuid(db: Reader, client_uuid: str) -> sqlite3.Row | None:
    return await db.fetch_one(
        "SELECT id, child_id, content_hash, level FROM report WHERE client_uuid = :uuid",
        {"uuid": client_uuid},
    )


async def select_earlier(
    db: Reader, child_id: int, since: datetime, before: datetime
) -> list[Earlier]:
    """Reports of this child observed in [since, before), for look-back rules."""
    rows = await db.fetch_all(
        """
        SELECT observed_at, items FROM report
         WHERE child_id = :child_id AND observed_at >= :since AND observed_at < :before
        """,
        {"child_id": child_id, "since": to_db(since), "before": to_db(before)},
    )
    return [Earlier(from_db(row["observed_at"]), json.loads(row["items"])) for row in rows]


async def insert_report(tx: Transaction, values: dict[str, Any]) -> int:
    row = await tx.fetch_one(
        """
        INSERT INTO report (client_uuid, child_id, author_id, observed_at, received_at, items, note,
                            corrects_id, level, client_level, matched_rules, content_hash)
        VALUES (:client_uuid, :child_id, :author_id, :observed_at, :received_at, :items, :note,
                :corrects_id, :level, :client_level, :matched_rules, :content_hash)
        RETURNING id
        """,
        values,
    )
    assert row is not None
    return int(row["id"])


async def select_report_for_caregiver(
    db: Reader, client_uuid: str, caregiver_id: int
) -> Report | None:
    """A report only if it is about one of this caregiver's children (else None -> 404)."""
    row = await db.fetch_one(
        REPORT_SELECT
        + """
          JOIN caregiver_child ON caregiver_child.child_id = report.child_id
          JOIN child ON child.id = report.child_id
         WHERE report.client_uuid = :uuid AND caregiver_child.caregiver_id = :caregiver_id
           AND child.closed_at IS NULL
        """,
        {"uuid": client_uuid, "caregiver_id": caregiver_id},
    )
    return Report.from_row(row) if row else None


async def select_report(db: Reader, client_uuid: str) -> Report | None:
    """A report by its id, for staff."""
    row = await db.fetch_one(
        REPORT_SELECT + " WHERE report.client_uuid = :uuid", {"uuid": client_uuid}
    )
    return Report.from_row(row) if row else None


async def select_reports_for_child(
    db: Reader, child_id: int, since: datetime | None = None, limit: int = 200
) -> list[Report]:
    rows = await db.scan(
        REPORT_SELECT
        + """
         WHERE report.child_id = :child_id AND report.observed_at >= :since
         ORDER BY report.observed_at DESC, report.id DESC
         LIMIT :limit
        """,
        {"child_id": child_id, "since": to_db(since) if since else "", "limit": limit},
    )
    return [Report.from_row(row) for row in rows]


async def select_recent_values(db: Reader, child_id: int, since: datetime) -> list[dict[str, Any]]:
    """Observed times and answers of recent reports, for look-back rules on the phone."""
    rows = await db.scan(
        "SELECT observed_at, items FROM report WHERE child_id = :child_id AND observed_at >= :since",
        {"child_id": child_id, "since": to_db(since)},
    )
    return [
        {"observed_at": from_db(row["observed_at"]).isoformat(), "items": json.loads(row["items"])}
        for row in rows
    ]


@dataclass(frozen=True)
class Reading:
    """One answer to one number question, with its report and when it was observed."""

    client_uuid: str
    observed_at: datetime
    value: float


async def select_readings(db: Reader, child_id: int, item: str, limit: int = 50) -> list[Reading]:
    """The child's newest answers to ``item`` (a number question), newest first; corrected
    reports are among them (``history.Corrections`` tells which are current)."""
    rows = await db.fetch_all(
        """
        SELECT client_uuid, observed_at, json_extract(items, '$.' || :item) AS value
          FROM report
         WHERE child_id = :child_id AND json_extract(items, '$.' || :item) IS NOT NULL
         ORDER BY observed_at DESC, id DESC
         LIMIT :limit
        """,
        {"child_id": child_id, "item": item, "limit": limit},
    )
    return [
        Reading(row["client_uuid"], from_db(row["observed_at"]), float(row["value"]))
        for row in rows
    ]


@dataclass(frozen=True)
class CorrectionLink:
    """One report and the later report that corrects it (both stay visible)."""

    corrected_uuid: str
    corrected_observed_at: datetime
    correction_uuid: str
    correction_received_at: datetime


_CORRECTION_LINKS = """
        SELECT corrected.client_uuid AS corrected_uuid, corrected.observed_at AS corrected_observed_at,
               report.client_uuid AS correction_uuid, report.received_at AS correction_received_at
          FROM report
          JOIN report AS corrected ON corrected.id = report.corrects_id
"""


def _correction_links(rows: list[sqlite3.Row]) -> list[CorrectionLink]:
    return [
        CorrectionLink(
            corrected_uuid=row["corrected_uuid"],
            corrected_observed_at=from_db(row["corrected_observed_at"]),
            correction_uuid=row["correction_uuid"],
            correction_received_at=from_db(row["correction_received_at"]),
        )
        for row in rows
    ]


async def select_correction_links(db: Reader, child_id: int) -> list[CorrectionLink]:
    """Every correction of this child's reports, oldest first."""
    rows = await db.scan(
        _CORRECTION_LINKS
        + " WHERE report.child_id = :child_id ORDER BY report.received_at, report.id",
        {"child_id": child_id},
    )
    return _correction_links(rows)


# Every correction of the children with a report waiting, read from the corrections (the
# partial index report_by_correction), not from every report of those children: 0.1 ms
# instead of 0.8 s at 500,000 reports (bench/scale.py). The unary + keeps the planner off
# report_by_child for the child term.
QUEUE_CORRECTION_LINKS = f"""{_CORRECTION_LINKS}
     WHERE report.corrects_id IS NOT NULL
       AND +report.child_id IN (
           SELECT waiting.child_id FROM report_queue
             JOIN report AS waiting ON waiting.id = report_queue.report_id)
     ORDER BY report.received_at, report.id
"""  # noqa: S608  # nosec B608  # fixed text only; nothing in it comes from outside


async def select_correction_links_for_queue(db: Reader) -> list[CorrectionLink]:
    """Every correction of the children with a report waiting for review, oldest first:
    the queue needs whole families of corrections to know which report is current."""
    rows = await db.scan(QUEUE_CORRECTION_LINKS)
    return _correction_links(rows)
