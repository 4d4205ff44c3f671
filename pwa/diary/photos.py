"""Report photos: the ``report_photo`` rows, up to three per report.

What a photo may be, how it is re-encoded and where its file lives is the same for every
photo (pwa/photos.py); this module says whose a report's photo is and keeps its row.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..db import Database, Reader, from_db
from ..i18n import lazy_gettext as _l
from ..photos import Belonging, rules, save

MAX_PHOTOS = 3
TOO_MANY = _l(
    "A report can have up to %(count)s photos, and this one has them already.",
    count=MAX_PHOTOS,
)
CONFLICT = _l("This photo was already sent with another report.")


# --- rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    id: int
    client_uuid: str
    report_id: int
    report_uuid: str
    child_id: int
    width: int
    height: int
    byte_size: int
    file_name: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Photo:
        return cls(
            id=row["id"],
            client_uuid=row["client_uuid"],
            report_id=row["report_id"],
            report_uuid=row["report_uuid"],
            child_id=row["child_id"],
            width=row["width"],
            height=row["height"],
            byte_size=row["byte_size"],
            file_name=row["file_name"],
            created_at=from_db(row["created_at"]),
        )


PHOTO_SELECT = """
    SELECT report_photo.id, report_photo.client_uuid, report_photo.report_id,
           report.client_uuid AS report_uuid, report.child_id, report_photo.width,
           report_photo.height, report_photo.byte_size, report_photo.file_name,
           report_photo.created_at
      FROM report_photo
      JOIN report ON report.id = report_photo.report_id
"""


async def select_photos(db: Reader, report_id: int) -> list[Photo]:
    rows = await db.fetch_all(
        PHOTO_SELECT + " WHERE report_photo.report_id = :report_id ORDER BY report_photo.id",
        {"report_id": report_id},
    )
    return [Photo.from_row(row) for row in rows]


async def select_photo_for_caregiver(
    db: Reader, report_uuid: str, photo_uuid: str, caregiver_id: int
) -> Photo | None:
    """A photo only if its report is about one of this caregiver's children (else 404)."""
    row = await db.fetch_one(
        PHOTO_SELECT
        + """
          JOIN caregiver_child ON caregiver_child.child_id = report.child_id
          JOIN child ON child.id = report.child_id
         WHERE report.client_uuid = :report_uuid AND report_photo.client_uuid = :photo_uuid
           AND caregiver_child.caregiver_id = :caregiver_id AND child.closed_at IS NULL
        """,
        {"report_uuid": report_uuid, "photo_uuid": photo_uuid, "caregiver_id": caregiver_id},
    )
    return Photo.from_row(row) if row else None


async def select_photo(db: Reader, report_uuid: str, photo_uuid: str) -> Photo | None:
    """A photo of a report, for staff."""
    row = await db.fetch_one(
        PHOTO_SELECT
        + " WHERE report.client_uuid = :report_uuid AND report_photo.client_uuid = :photo_uuid",
        {"report_uuid": report_uuid, "photo_uuid": photo_uuid},
    )
    return Photo.from_row(row) if row else None


async def save_photo(
    db: Database, folder: Path, *, report_id: int, photo_uuid: str, upload: bytes, uploader_id: int
) -> str:
    """Keep one uploaded photo for a report: "stored" or "duplicate", else ``PhotoRefused``.

    A known photo id is a "duplicate" for the same report and a conflict for another;
    a report with its three photos refuses a fourth (checked again while writing).
    """

    belonging = Belonging("report_photo", "report_id", report_id, MAX_PHOTOS, CONFLICT, TOO_MANY)
    settle, insert = rules(belonging, photo_uuid, uploader_id)
    return await save(db, folder, upload, settle=settle, insert=insert)
