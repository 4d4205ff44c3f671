"""Report photos: refuse what is not a safe picture, re-encode the rest, keep them private.

An upload is decoded with Pillow (JPEG, PNG or WebP only), turned upright from its EXIF
orientation, shrunk to at most ``MAX_SIDE`` pixels on the long side and saved as a new
JPEG built from the pixels alone: no EXIF (so no GPS), no XMP, no ICC profile, no
comments. Files live in ``<INSTANCE_PATH>/photos/`` under random names, outside the
static folder; only the routes in ``photo_views.py`` read them, after checking who asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import secrets
import sqlite3
import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from babel.support import LazyProxy
from PIL import Image, ImageOps, UnidentifiedImageError
from quart import current_app

from ..db import Database, Reader, from_db, now_text
from ..i18n import lazy_gettext as _l

MAX_PHOTOS = 3
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# Room for the multipart boundaries and the photo_id field around the file itself.
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
JPEG_QUALITY = 85
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# At most this many photos are decoded at once: a 40-megapixel PNG needs ~160 MB.
DECODE_SLOTS = 2
FOLDER = "photos"
_FILE_NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")

# Pillow warns between MAX_IMAGE_PIXELS and twice that, and raises above. A warning is
# not a refusal, so make it an error here (it only comes from Pillow's size check) and
# refuse both; the explicit check in ``reencode`` holds even if someone resets this.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


# --- refusals ----------------------------------------------------------------------

REFUSALS: dict[str, tuple[int, LazyProxy]] = {
    "too_large": (
        413,
        _l(
            "This photo is too large. A photo can be up to %(megabytes)s MB.",
            megabytes=MAX_UPLOAD_BYTES // 2**20,
        ),
    ),
    "too_many_pixels": (
        413,
        _l(
            "This photo has too many pixels. A photo can be up to %(megapixels)s megapixels.",
            megapixels=MAX_PIXELS // 1_000_000,
        ),
    ),
    "not_a_photo": (
        415,
        _l("We could not use this file as a photo. Choose a JPEG, PNG or WebP picture."),
    ),
    "no_photo": (400, _l("Choose a photo to send.")),
    "too_many": (
        409,
        _l(
            "A report can have up to %(count)s photos, and this one has them already.",
            count=MAX_PHOTOS,
        ),
    ),
    "conflict": (409, _l("This photo was already sent with another report.")),
}


class PhotoRefused(Exception):
    """An upload the app will not keep; ``code`` is a key of ``REFUSALS``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def status(self) -> int:
        return REFUSALS[self.code][0]

    @property
    def message(self) -> str:
        return str(REFUSALS[self.code][1])


# --- re-encoding -------------------------------------------------------------------


@dataclass(frozen=True)
class Encoded:
    data: bytes
    width: int
    height: int


def _flatten(image: Image.Image) -> Image.Image:
    """Plain RGB; transparent parts become white (JPEG has no transparency)."""
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in {"I", "I;16", "I;16B", "I;16L", "F"}:
        # 16-bit and float greyscale: scale into 8 bits before making it RGB.
        return image.point(lambda value: value / 256).convert("L").convert("RGB")
    return image.convert("RGB")


def reencode(upload: bytes) -> Encoded:
    """A new JPEG made from the upload's pixels only, or ``PhotoRefused``.

    Synchronous and CPU-bound: call it through ``asyncio.to_thread``.
    """
    try:
        with Image.open(io.BytesIO(upload), formats=ACCEPTED_FORMATS) as source:
            width, height = source.size
            if width * height > MAX_PIXELS:
                raise PhotoRefused("too_many_pixels")
            # JPEG only: let libjpeg decode at 1/2, 1/4 or 1/8 size when that still
            # leaves at least MAX_SIDE pixels, which saves most of the memory and time.
            source.draft("RGB", (MAX_SIDE, MAX_SIDE))
            source.load()
            upright = ImageOps.exif_transpose(source)
            pixels = _flatten(upright)
            pixels.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            # A fresh image carries nothing from the upload but its pixels.
            clean = Image.new("RGB", pixels.size)
            clean.paste(pixels)
            output = io.BytesIO()
            clean.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True)
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoRefused("too_many_pixels") from error
    except UnidentifiedImageError as error:
        raise PhotoRefused("not_a_photo") from error
    except Exception as error:  # any decoder failure on untrusted bytes is a refusal
        raise PhotoRefused("not_a_photo") from error
    return Encoded(output.getvalue(), clean.width, clean.height)


# --- files -------------------------------------------------------------------------


def photo_folder() -> Path:
    return Path(current_app.instance_path) / FOLDER


def write_atomically(folder: Path, data: bytes) -> str:
    """Write the file under a new random name: complete, or not there at all."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.jpg"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return name


def photo_path(folder: Path, file_name: str) -> Path:
    """The stored file; the name comes from the database but is checked all the same."""
    if not _FILE_NAME.match(file_name):
        raise ValueError("not a stored photo name")
    return folder / file_name


def remove_file(folder: Path, file_name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        photo_path(folder, file_name).unlink()


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


async def _existing(db: Reader, photo_uuid: str) -> sqlite3.Row | None:
    return await db.fetch_one(
        "SELECT report_id FROM report_photo WHERE client_uuid = :uuid", {"uuid": photo_uuid}
    )


async def _count(db: Reader, report_id: int) -> int:
    row = await db.fetch_one(
        "SELECT COUNT(*) AS n FROM report_photo WHERE report_id = :report_id",
        {"report_id": report_id},
    )
    assert row is not None
    return int(row["n"])


def _repeat(existing: sqlite3.Row, report_id: int) -> str:
    """A known photo id: the same upload again, or an id taken by another report."""
    if existing["report_id"] != report_id:
        raise PhotoRefused("conflict")
    return "duplicate"


def _decode_slots() -> asyncio.Semaphore:
    slots: asyncio.Semaphore = current_app.extensions.setdefault(
        "photo_decode_slots", asyncio.Semaphore(DECODE_SLOTS)
    )
    return slots


async def save_photo(
    db: Database, folder: Path, *, report_id: int, photo_uuid: str, upload: bytes, uploader_id: int
) -> str:
    """Keep one uploaded photo for a report: "stored" or "duplicate", else ``PhotoRefused``.

    A retry with the same photo id answers "duplicate" without decoding anything (the
    first upload wins). The checks are repeated inside the write transaction, so
    concurrent uploads cannot pass the limit or store one id twice.
    """
    existing = await _existing(db, photo_uuid)
    if existing is not None:
        return _repeat(existing, report_id)
    if await _count(db, report_id) >= MAX_PHOTOS:
        raise PhotoRefused("too_many")
    if len(upload) > MAX_UPLOAD_BYTES:
        raise PhotoRefused("too_large")
    async with _decode_slots():
        encoded = await asyncio.to_thread(reencode, upload)
    file_name = await asyncio.to_thread(write_atomically, folder, encoded.data)
    kept = False
    try:
        async with db.transaction() as tx:
            existing = await _existing(tx, photo_uuid)
            if existing is not None:
                return _repeat(existing, report_id)
            if await _count(tx, report_id) >= MAX_PHOTOS:
                raise PhotoRefused("too_many")
            await tx.execute(
                """
                INSERT INTO report_photo (report_id, client_uuid, content_type, width, height,
                                          byte_size, file_name, uploaded_by, created_at)
                VALUES (:report_id, :client_uuid, 'image/jpeg', :width, :height,
                        :byte_size, :file_name, :uploaded_by, :created_at)
                """,
                {
                    "report_id": report_id,
                    "client_uuid": photo_uuid,
                    "width": encoded.width,
                    "height": encoded.height,
                    "byte_size": len(encoded.data),
                    "file_name": file_name,
                    "uploaded_by": uploader_id,
                    "created_at": now_text(),
                },
            )
            kept = True
    finally:
        if not kept:
            await asyncio.to_thread(remove_file, folder, file_name)
    return "stored"


# A file younger than this may belong to an upload whose row is being written right now.
ORPHAN_MIN_AGE = timedelta(hours=1)


async def sweep_orphans(
    db: Reader, folder: Path, now: datetime, min_age: timedelta = ORPHAN_MIN_AGE
) -> int:
    """Delete photo files no report refers to: left when the server stopped between
    writing a file and committing its row, or a half-written ``.part``. Returns how many."""
    rows = await db.scan("SELECT file_name FROM report_photo")
    referenced = {row["file_name"] for row in rows}
    cutoff = (now - min_age).timestamp()

    def sweep() -> int:
        removed = 0
        if not folder.is_dir():
            return removed
        for path in folder.iterdir():
            ours = _FILE_NAME.match(path.name) or (
                path.name.startswith(".upload-") and path.name.endswith(".part")
            )
            if not ours or path.name in referenced or not path.is_file():
                continue
            if path.stat().st_mtime < cutoff:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                removed += 1
        return removed

    return await asyncio.to_thread(sweep)


async def read_photo(folder: Path, photo: Photo) -> bytes | None:
    """The stored JPEG, or None when the file has gone missing."""
    try:
        return await asyncio.to_thread(photo_path(folder, photo.file_name).read_bytes)
    except FileNotFoundError:
        return None
