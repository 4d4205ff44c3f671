"""What the exports for the medical record carry: one child's record in a date range
(visits, reports, how each report was handled) and its CSV form.

Dates in the range are local calendar dates in the hospital's zone (pwa/clock.py); times are written as
local ISO 8601 with their offset, so a reader never has to guess the zone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from ..clock import HOSPITAL_ZONE, utcnow
from ..db import Reader, to_db
from ..diary import store as diary
from ..diary.history import Corrections
from ..diary.items import BY_KEY, ITEMS
from ..doses import medicines as home_medicines
from ..doses import store as doses
from ..families.store import Child
from ..i18n import gettext
from ..plans import store as plans
from ..reviews import store as reviews
from ..reviews.outcomes import outcome_label

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV
# injection"); a leading apostrophe makes it plain text in Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class BadRange(ValueError):
    """The requested dates cannot be used; the message is translated, for the nurse."""


@dataclass(frozen=True)
class DateRange:
    """Local calendar dates, both ends included; None is an open end."""

    first: date | None = None
    last: date | None = None

    @property
    def since(self) -> datetime | None:
        return datetime.combine(self.first, time(0), tzinfo=HOSPITAL_ZONE) if self.first else None

    @property
    def until(self) -> datetime | None:
        """The start of the local day after ``last`` (exclusive)."""
        if self.last is None:
            return None
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=HOSPITAL_ZONE)

    @property
    def whole_record(self) -> bool:
        return self.first is None and self.last is None

    def describe(self) -> str:
        """Plain ASCII, for audit rows and file names: '2027-01-01..2027-01-31', 'all'."""
        if self.whole_record:
            return "all"
        first = self.first.isoformat() if self.first else ""
        last = self.last.isoformat() if self.last else ""
        return f"{first}..{last}"

    def overlaps(self, starts: datetime, ends: datetime) -> bool:
        since, until = self.since, self.until
        return (since is None or ends >= since) and (until is None or starts < until)


def _parse_date(raw: str | None, message: str) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not _ISO_DATE.fullmatch(text):
        raise BadRange(message)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRange(message) from None


def parse_range(args: Mapping[str, str]) -> DateRange:
    """``from`` and ``to`` as YYYY-MM-DD, each optional; empty means an open end."""
    first = _parse_date(
        args.get("from"),
        gettext("The start date must be a date written as YYYY-MM-DD, e.g. 2027-01-31."),
    )
    last = _parse_date(
        args.get("to"),
        gettext("The end date must be a date written as YYYY-MM-DD, e.g. 2027-01-31."),
    )
    if first and last and first > last:
        raise BadRange(gettext("The start date is after the end date."))
    return DateRange(first, last)


@dataclass(frozen=True)
class ExportedReport:
    """A report with how it was handled and where it stands among its corrections."""

    report: diary.Report
    state: reviews.ReviewState
    corrects: diary.CorrectionLink | None = None  # the report this one corrects
    superseded_by: diary.CorrectionLink | None = None  # the newest report replacing this one

    @property
    def current(self) -> bool:
        """False once a later report replaced it: its values must never read as valid."""
        return self.superseded_by is None


@dataclass(frozen=True)
class ChildRecord:
    child: Child
    dates: DateRange
    visits: list[plans.Visit]
    reports: list[ExportedReport]  # oldest first
    made_at: datetime
    doses: list[doses.Dose] = field(default_factory=list)  # by dose time, oldest first
    medicines: dict[int, home_medicines.Medicine] = field(default_factory=dict)


async def select_reports(db: Reader, child_id: int, dates: DateRange) -> list[diary.Report]:
    """Every report of the child observed in the range, oldest first (no limit)."""
    since, until = dates.since, dates.until
    rows = await db.scan(
        diary.REPORT_SELECT
        + """
         WHERE report.child_id = :child_id AND report.observed_at >= :since
           AND (:until IS NULL OR report.observed_at < :until)
         ORDER BY report.observed_at, report.id
        """,
        {
            "child_id": child_id,
            "since": to_db(since) if since else "",
            "until": to_db(until) if until else None,
        },
    )
    return [diary.Report.from_row(row) for row in rows]


async def load_record(db: Reader, child: Child, dates: DateRange) -> ChildRecord:
    plan = await plans.select_plan(db, child.id)
    visits = await plans.select_visits(db, plan.id) if plan else []
    reports = await select_reports(db, child.id, dates)
    # All the child's corrections, not only those in the range: a report is superseded
    # even when the report that replaced it lies outside the exported dates.
    corrections = Corrections.from_links(await diary.select_correction_links(db, child.id))
    states = await reviews.select_review_states(db, child.id)
    return ChildRecord(
        child=child,
        dates=dates,
        visits=[visit for visit in visits if dates.overlaps(visit.starts_at, visit.ends_at)],
        reports=[
            ExportedReport(
                report,
                states.get(report.id, reviews.NOT_HANDLED),
                corrects=corrections.of(report.client_uuid),
                superseded_by=corrections.superseded_by(report.client_uuid),
            )
            for report in reports
        ],
        made_at=utcnow(),
        doses=await doses.select_for_child(db, child.id, dates.first, dates.last),
        medicines={medicine.id: medicine for medicine in await home_medicines.select_all(db)},
    )


def home_time(moment: datetime) -> datetime:
    """The moment on the hospital's clocks (for the date and clock filters)."""
    return moment.astimezone(HOSPITAL_ZONE)


def local_iso(moment: datetime) -> str:
    """'2027-01-12T10:05:00+01:00': the moment in the hospital's time, with its offset."""
    return home_time(moment).isoformat(timespec="seconds")


def plain_value(key: str, value: Any) -> str:
    """An answer as a person reads it, without units: '7', '38.6', 'Hard to breathe'."""
    item = BY_KEY.get(key)
    if item is None:
        return str(value)
    if item.kind == "choice":
        return str(dict(item.choices).get(value, value))
    if item.kind == "number":
        return f"{float(value):.1f}"
    return str(value)


def file_stem(child: Child, dates: DateRange) -> str:
    """No name in a file name: the patient number when set, else our child id."""
    number = re.sub(r"[^A-Za-z0-9_-]+", "-", child.hospital_number or "").strip("-")
    who = f"patient-{number}" if number else f"child-{child.id}"
    return f"immuno-companion-{who}-{dates.describe().replace('..', '_to_')}"


# --- CSV -----------------------------------------------------------------------------

CSV_HEADER = (
    "patient_number",
    "child",
    "report_id",
    "status",
    "observed_at",
    "received_at",
    "reported_by",
    "level",
    *(item.key for item in ITEMS),
    "note",
    "corrects",
    "superseded_by",
    "reviewed_by",
    "reviewed_at",
    "outcome",
    "replies",
)


def safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas: a cell that would start one starts with ' instead."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def report_status(exported: ExportedReport) -> str:
    """'current', 'current, corrects <id>' or 'superseded by <id>', in the reader's language."""
    if exported.superseded_by is not None:
        return gettext("superseded by %(id)s", id=exported.superseded_by.correction_uuid)
    if exported.report.corrects_uuid:
        return gettext("current, corrects %(id)s", id=exported.report.corrects_uuid)
    return gettext("current")


def csv_rows(record: ChildRecord) -> list[list[str]]:
    rows = []
    for exported in record.reports:
        report, state = exported.report, exported.state
        replies = "\n".join(
            f"{reply.nurse} ({local_iso(reply.at)}): {reply.body}" for reply in state.replies
        )
        cells = [
            record.child.hospital_number or "",
            record.child.nickname,
            report.client_uuid,
            report_status(exported),
            local_iso(report.observed_at),
            local_iso(report.received_at),
            report.author_name or "",
            report.level,
            *(
                plain_value(item.key, report.items[item.key]) if item.key in report.items else ""
                for item in ITEMS
            ),
            report.note,
            report.corrects_uuid or "",
            exported.superseded_by.correction_uuid if exported.superseded_by else "",
            state.reviewed_by or "",
            local_iso(state.reviewed_at) if state.reviewed_at else "",
            outcome_label(state.outcome),
            replies,
        ]
        rows.append([safe_cell(cell) for cell in cells])
    return rows


def csv_bytes(record: ChildRecord) -> bytes:
    """UTF-8 with a byte order mark, so Excel reads accents and symbols correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(record))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
