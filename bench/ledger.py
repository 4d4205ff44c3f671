"""What each simulated phone sent and what the server told it, and the one check that a
database holds exactly that, field by field.

bench/load.py, crash.py and backup.py (and their small versions in
tests/test_reliability.py) keep one Ledger per run. They compare the database with it at
the end, right after each SIGKILL (the file as the kill left it) and in each backup copy.
A server that drops an answer, a field or a photo, stores a report twice or under another
account, or answers `stored` again for a report it had already acknowledged, fails.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

# received_at is stamped between the first send and the answer; the bench and the server
# read the same clock, so a little slack is plenty.
CLOCK_SLACK = timedelta(seconds=2)
# A JPEG of one flat colour comes back within a few steps of it.
COLOUR_SLACK = 12
LEVELS = ("green", "amber", "red")


@dataclass
class SentReport:
    """One report as the phone first sent it, and what the server answered."""

    content: dict[str, Any]
    account_id: int
    first_sent: datetime
    attempts: int = 0
    level: str | None = None
    answered: datetime | None = None


@dataclass(frozen=True)
class SentPhoto:
    """One photo of a report: a flat colour, so the stored file can be checked."""

    photo_id: str
    report_id: str
    account_id: int
    size: tuple[int, int]
    colour: tuple[int, int, int]

    def jpeg(self) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", self.size, self.colour).save(buffer, "JPEG", quality=95)
        return buffer.getvalue()


@dataclass
class Snapshot:
    """The ids acknowledged at one moment (a backup's start, a kill)."""

    reports: frozenset[str]
    photos: frozenset[str]


class Ledger:
    """Everything the phones sent and were told, across restarts of the server."""

    def __init__(self) -> None:
        self.reports: dict[str, SentReport] = {}
        self.acknowledged: set[str] = set()
        self.photos: dict[str, SentPhoto] = {}
        self.photo_attempts: Counter[str] = Counter()
        self.photos_acknowledged: set[str] = set()
        self.statuses: Counter[str] = Counter()
        self.wrong_answers: list[str] = []
        # Found in the database right after a kill before the phone had its answer: the
        # number of sends it had had then. A later send must not be answered `stored`.
        self.committed_unanswered: dict[str, int] = {}
        self.conflicts_sent = 0

    def snapshot(self) -> Snapshot:
        return Snapshot(frozenset(self.acknowledged), frozenset(self.photos_acknowledged))

    def sending(self, reports: list[dict[str, Any]], account_id: int) -> None:
        now = datetime.now(UTC)
        for report in reports:
            entry = self.reports.get(report["id"])
            if entry is None:
                entry = self.reports[report["id"]] = SentReport(dict(report), account_id, now)
            entry.attempts += 1

    def answered(
        self, reports: list[dict[str, Any]], results: list[Any], *, conflicting: bool = False
    ) -> None:
        """Judge one answer: a report acknowledged before may only be a `duplicate` (same
        content) or a `conflict` (other content) from now on, never `stored` again."""
        ids = [result.get("id") if isinstance(result, dict) else None for result in results]
        if ids != [report["id"] for report in reports]:
            self.wrong_answers.append(f"answer {ids} does not match the batch")
            return
        now = datetime.now(UTC)
        for result in results:
            report_id, status = result["id"], result.get("status")
            self.statuses[status] += 1
            entry = self.reports[report_id]
            if conflicting:
                if status != "conflict":
                    self.wrong_answers.append(f"{report_id}: other content answered {status}")
            elif report_id in self.acknowledged:
                if status != "duplicate" or result.get("level") != entry.level:
                    self.wrong_answers.append(
                        f"{report_id}: sent again after {entry.level} was acknowledged, "
                        f"answered {status} {result.get('level')}"
                    )
            elif status not in {"stored", "duplicate"} or result.get("level") not in LEVELS:
                self.wrong_answers.append(f"{report_id}: answered {result}")
            elif status == "duplicate" and entry.attempts == 1:
                self.wrong_answers.append(f"{report_id}: duplicate on its first send")
            elif status == "stored" and entry.attempts > self.committed_unanswered.get(
                report_id, entry.attempts
            ):
                self.wrong_answers.append(f"{report_id}: stored again though it was committed")
            else:
                self.acknowledged.add(report_id)
                entry.level, entry.answered = result["level"], now

    def photo_sending(self, photo: SentPhoto) -> None:
        self.photos.setdefault(photo.photo_id, photo)
        self.photo_attempts[photo.photo_id] += 1

    def photo_answered(self, photo: SentPhoto, status: int, body: Any) -> None:
        told = body.get("status") if isinstance(body, dict) else None
        if status != 201 or body.get("id") != photo.photo_id or told not in {"stored", "duplicate"}:
            self.wrong_answers.append(f"photo {photo.photo_id}: answered {status} {body}")
            return
        self.statuses[f"photo {told}"] += 1
        if photo.photo_id in self.photos_acknowledged and told != "duplicate":
            self.wrong_answers.append(f"photo {photo.photo_id}: stored again")
        elif (
            told == "duplicate"
            and photo.photo_id not in self.photos_acknowledged
            and self.photo_attempts[photo.photo_id] == 1
        ):
            self.wrong_answers.append(f"photo {photo.photo_id}: duplicate on its first send")
        self.photos_acknowledged.add(photo.photo_id)


@dataclass
class Comparison:
    """How a database differs from what the phones were told."""

    exact: bool
    reports: int = 0
    photos: int = 0
    missing: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    never_sent: list[str] = field(default_factory=list)
    unanswered: set[str] = field(default_factory=set)
    photos_missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        problems = (self.missing, self.wrong, self.doubled, self.never_sent, self.photos_missing)
        return not any(problems) and not (self.exact and self.unanswered)

    def summary(self) -> str:
        first = [*self.missing, *self.wrong, *self.doubled, *self.never_sent, *self.photos_missing]
        return (
            f"{self.reports} reports and {self.photos} photos compared field by field: "
            f"{len(self.missing)} missing, {len(self.wrong)} wrong fields, "
            f"{len(self.doubled)} doubled, {len(self.never_sent)} never sent, "
            f"{len(self.photos_missing)} photos missing, {len(self.unanswered)} stored but "
            f"never answered{' (must be 0)' if self.exact else ''}"
            + (f"; first: {first[:3]}" if first else "")
        )


REPORT_ROWS = """
    SELECT report.client_uuid, report.child_id, report.author_id, report.observed_at,
           report.received_at, report.items, report.note, corrected.client_uuid AS corrects,
           report.level, report.client_level, report.matched_rules, report.content_hash
      FROM report LEFT JOIN report AS corrected ON corrected.id = report.corrects_id
     WHERE report.child_id IN ({marks})
"""
PHOTO_ROWS = """
    SELECT report_photo.client_uuid, report.client_uuid AS report_id, report_photo.width,
           report_photo.height, report_photo.byte_size, report_photo.file_name,
           report_photo.uploaded_by, report_photo.content_type
      FROM report_photo JOIN report ON report.id = report_photo.report_id
     WHERE report.child_id IN ({marks})
"""


def compare(
    database: str | Path,
    ledger: Ledger,
    children: list[int],
    *,
    photo_folder: Path | None = None,
    expected: Snapshot | None = None,
    exact: bool = True,
) -> Comparison:
    """Every report and photo in ``expected`` (default: all acknowledged ones) must be in
    the database, each field as sent and as answered; nothing may be there that no phone
    sent; with ``exact``, nothing that no phone was answered for either.

    Opened read-only, so it can look at a database as a kill left it.
    """
    wanted = expected or ledger.snapshot()
    marks = ",".join("?" * len(children))
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        rows = connection.execute(REPORT_ROWS.format(marks=marks), children).fetchall()
        photo_rows = connection.execute(PHOTO_ROWS.format(marks=marks), children).fetchall()
    finally:
        connection.close()
    result = Comparison(exact, reports=len(wanted.reports), photos=len(wanted.photos))
    counts = Counter(row["client_uuid"] for row in rows)
    result.doubled = [f"{report_id} stored {n} times" for report_id, n in counts.items() if n > 1]
    stored = {row["client_uuid"]: row for row in rows}
    result.missing = [f"{report_id} missing" for report_id in wanted.reports - stored.keys()]
    for report_id, row in stored.items():
        entry = ledger.reports.get(report_id)
        if entry is None:
            result.never_sent.append(f"{report_id} was never sent")
            continue
        if report_id not in ledger.acknowledged:
            result.unanswered.add(report_id)
        result.wrong.extend(_wrong_fields(report_id, entry, row))
    photos = {row["client_uuid"]: row for row in photo_rows}
    result.photos_missing = [f"photo {p} missing" for p in wanted.photos - photos.keys()]
    for photo_id, row in photos.items():
        photo = ledger.photos.get(photo_id)
        if photo is None:
            result.never_sent.append(f"photo {photo_id} was never sent")
            continue
        if photo_id not in ledger.photos_acknowledged:
            result.unanswered.add(photo_id)
        result.wrong.extend(_wrong_photo(photo, row, photo_folder))
    return result


def _wrong_fields(report_id: str, entry: SentReport, row: sqlite3.Row) -> list[str]:
    from pwa.db import from_db
    from pwa.diary.sync import Draft

    content = entry.content
    observed_at = datetime.fromisoformat(content["observed_at"])
    note = content["note"].strip()
    client_level = content.get("client_level") if content.get("client_level") in LEVELS else None
    draft = Draft(
        report_id,
        content["child_id"],
        observed_at,
        content["items"],
        note,
        content.get("corrects"),
        client_level,
    )
    rules = json.loads(row["matched_rules"])
    received = from_db(row["received_at"])
    latest = (entry.answered or datetime.now(UTC)) + CLOCK_SLACK
    checks = {
        "child_id": (content["child_id"], row["child_id"]),
        "author_id": (entry.account_id, row["author_id"]),
        "observed_at": (observed_at, from_db(row["observed_at"])),
        "items": (content["items"], json.loads(row["items"])),
        "note": (note, row["note"]),
        "corrects": (content.get("corrects"), row["corrects"]),
        "client_level": (client_level, row["client_level"]),
        "content_hash": (draft.content_hash(), row["content_hash"]),
        # The level the phone was told (a report committed without an answer: any).
        "level": (entry.level or row["level"], row["level"]),
        "matched_rules": (row["level"] == "green", rules == []),
        "received_at": (True, entry.first_sent - CLOCK_SLACK <= received <= latest),
    }
    return [
        f"{report_id} {name}: sent or told {want!r}, stored {got!r}"
        for name, (want, got) in checks.items()
        if want != got
    ]


def _wrong_photo(photo: SentPhoto, row: sqlite3.Row, folder: Path | None) -> list[str]:
    key = f"photo {photo.photo_id}"
    problems = [
        f"{key} {name}: sent {want!r}, stored {got!r}"
        for name, want, got in (
            ("report", photo.report_id, row["report_id"]),
            ("size", photo.size, (row["width"], row["height"])),
            ("uploaded_by", photo.account_id, row["uploaded_by"]),
            ("content_type", "image/jpeg", row["content_type"]),
        )
        if want != got
    ]
    if folder is None:
        return problems  # a backup copy holds the rows; the files are copied apart
    path = folder / row["file_name"]
    if not path.is_file() or path.stat().st_size != row["byte_size"]:
        return [
            *problems,
            f"{key}: file {row['file_name']} missing or not {row['byte_size']} bytes",
        ]
    with Image.open(path) as image:
        middle = image.convert("RGB").getpixel((image.width // 2, image.height // 2))
        if image.format != "JPEG" or image.size != photo.size:
            problems.append(f"{key}: file is {image.format} {image.size}")
    assert isinstance(middle, tuple)
    if any(abs(a - b) > COLOUR_SLACK for a, b in zip(middle, photo.colour, strict=True)):
        problems.append(f"{key}: colour {middle}, sent {photo.colour}")
    return problems
