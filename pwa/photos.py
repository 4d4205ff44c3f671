"""Photos from families: refuse what is not a safe picture, re-encode the rest, keep them private.

Report photos (pwa/diary/photos.py) and a message's photo (pwa/messages/photos.py) follow
the same rules, kept here once. An upload is decoded with Pillow (JPEG, PNG or WebP
only), turned upright from its EXIF orientation, shrunk to at most ``MAX_SIDE`` pixels
on the long side and saved as a new JPEG built from the pixels alone: no EXIF (so no
GPS), no XMP, no ICC profile, no comments. Files live in ``<INSTANCE_PATH>/photos/``
under random names, outside the static folder; only routes that check who asks read them.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import secrets
import tempfile
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from babel.support import LazyProxy
from PIL import Image, ImageOps, UnidentifiedImageError
from quart import current_app

from .db import Database, Reader, Transaction, now_text
from .i18n import lazy_gettext as _l

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# Room for the multipart boundaries and the form's other fields around the file itself.
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
JPEG_QUALITY = 85
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# At most this many photos are decoded at once: a 40-megapixel PNG needs ~160 MB.
DECODE_SLOTS = 2
FOLDER = "photos"
_FILE_NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")
# Every table that names a file in the folder: a file none of them names is an orphan.
_REFERENCED_FILES = (
    "SELECT file_name FROM report_photo UNION ALL SELECT file_name FROM message_photo"
)

# Pillow warns between MAX_IMAGE_PIXELS and twice that, and raises above. A warning is
# not a refusal, so make it an error here (it only comes from Pillow's size check) and
# refuse both; the explicit check in ``reencode`` holds even if someone resets this.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


# --- refusals ----------------------------------------------------------------------

STATUSES = {
    "too_large": 413,
    "too_many_pixels": 413,
    "not_a_photo": 415,
    "no_photo": 400,
    "too_many": 409,
    "conflict": 409,
}
# The words of the refusals every photo shares; "too_many" and "conflict" depend on
# what the photo belongs to, so its owner gives them.
REFUSALS: dict[str, LazyProxy] = {
    "too_large": _l(
        "This photo is too large. A photo can be up to %(megabytes)s MB.",
        megabytes=MAX_UPLOAD_BYTES // 2**20,
    ),
    "too_many_pixels": _l(
        "This photo has too many pixels. A photo can be up to %(megapixels)s megapixels.",
        megapixels=MAX_PIXELS // 1_000_000,
    ),
    "not_a_photo": _l("We could not use this file as a photo. Choose a JPEG, PNG or WebP picture."),
    "no_photo": _l("Choose a photo to send."),
}


class PhotoRefused(Exception):
    """An upload the app will not keep; ``code`` is a key of ``STATUSES``."""

    def __init__(self, code: str, text: LazyProxy | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.text = text

    @property
    def status(self) -> int:
        return STATUSES[self.code]

    @property
    def message(self) -> str:
        return str(self.text if self.text is not None else REFUSALS[self.code])


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

    Synchronous and CPU-bound: call it through ``encode``.
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


def _decode_slots() -> asyncio.Semaphore:
    slots: asyncio.Semaphore = current_app.extensions.setdefault(
        "photo_decode_slots", asyncio.Semaphore(DECODE_SLOTS)
    )
    return slots


async def encode(upload: bytes) -> Encoded:
    """Refuse an upload over the size limit, else re-encode it in a thread (a few at once)."""
    if len(upload) > MAX_UPLOAD_BYTES:
        raise PhotoRefused("too_large")
    async with _decode_slots():
        return await asyncio.to_thread(reencode, upload)


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


async def read_file(folder: Path, file_name: str) -> bytes | None:
    """The stored JPEG, or None when the file has gone missing."""
    try:
        return await asyncio.to_thread(photo_path(folder, file_name).read_bytes)
    except FileNotFoundError:
        return None


# --- keeping one photo ---------------------------------------------------------------

# Says whether an upload may be kept, reading with the reader it is given: None to go on,
# "duplicate" for a photo id already kept for the same thing, or raises PhotoRefused.
Settle = Callable[[Reader], Awaitable[str | None]]
# Writes the photo's row (the owner's table) inside the transaction.
Insert = Callable[[Transaction, Encoded, str], Awaitable[None]]


@dataclass(frozen=True)
class Belonging:
    """Whose photo: the owner's photo table and the column naming its owner (a report's
    or a message's), the owner, how many photos it may have, and what to say when a
    photo id belongs to another owner or the owner has its photos already."""

    table: Literal["report_photo", "message_photo"]
    column: Literal["report_id", "message_id"]
    owner_id: int
    most: int
    conflict: LazyProxy
    too_many: LazyProxy


def rules(belonging: Belonging, photo_uuid: str, uploader_id: int) -> tuple[Settle, Insert]:
    """The same decision for every kind of photo: a known photo id is a "duplicate" for
    the same owner and a conflict for another; an owner with its photos refuses one more."""
    table, column = belonging.table, belonging.column

    async def settle(reader: Reader) -> str | None:
        known = await reader.fetch_one(
            f"SELECT {column} FROM {table} WHERE client_uuid = :uuid",  # noqa: S608  # nosec B608  # fixed names only
            {"uuid": photo_uuid},
        )
        if known is not None:
            if known[0] != belonging.owner_id:
                raise PhotoRefused("conflict", belonging.conflict)
            return "duplicate"
        count = await reader.fetch_one(
            f"SELECT COUNT(*) FROM {table} WHERE {column} = :owner",  # noqa: S608  # nosec B608  # fixed names only
            {"owner": belonging.owner_id},
        )
        if count is not None and int(count[0]) >= belonging.most:
            raise PhotoRefused("too_many", belonging.too_many)
        return None

    async def insert(tx: Transaction, encoded: Encoded, file_name: str) -> None:
        await tx.execute(
            f"""
            INSERT INTO {table} ({column}, client_uuid, content_type, width, height,
                                 byte_size, file_name, uploaded_by, created_at)
            VALUES (:owner, :client_uuid, 'image/jpeg', :width, :height,
                    :byte_size, :file_name, :uploaded_by, :created_at)
            """,  # noqa: S608  # nosec B608  # fixed names only; every value is bound
            {
                "owner": belonging.owner_id,
                "client_uuid": photo_uuid,
                "width": encoded.width,
                "height": encoded.height,
                "byte_size": len(encoded.data),
                "file_name": file_name,
                "uploaded_by": uploader_id,
                "created_at": now_text(),
            },
        )

    return settle, insert


async def keep(
    db: Database, folder: Path, encoded: Encoded, *, settle: Settle, insert: Insert
) -> str:
    """Write the file, then its row in a transaction that settles again first, so
    concurrent uploads cannot pass a limit or store one id twice. "stored", or what
    ``settle`` answered; the file is removed again unless its row was committed."""
    file_name = await asyncio.to_thread(write_atomically, folder, encoded.data)
    answer: str | None = None
    kept = False
    try:
        async with db.transaction() as tx:
            answer = await settle(tx)
            if answer is None:
                await insert(tx, encoded, file_name)
        kept = answer is None
    finally:
        if not kept:
            await asyncio.to_thread(remove_file, folder, file_name)
    return answer or "stored"


async def save(db: Database, folder: Path, upload: bytes, *, settle: Settle, insert: Insert) -> str:
    """Keep one upload: a retry with a known photo id is settled before anything is
    decoded (the first upload wins); otherwise re-encode it and ``keep`` it."""
    answer = await settle(db)
    if answer is not None:
        return answer
    return await keep(db, folder, await encode(upload), settle=settle, insert=insert)


# --- files no row names --------------------------------------------------------------

# A file younger than this may belong to an upload whose row is being written right now.
ORPHAN_MIN_AGE = timedelta(hours=1)


async def sweep_orphans(
    db: Reader, folder: Path, now: datetime, min_age: timedelta = ORPHAN_MIN_AGE
) -> int:
    """Delete photo files no report or message refers to: left when the server stopped
    between writing a file and committing its row, or a half-written ``.part``. Returns
    how many."""
    referenced = {row["file_name"] for row in await db.scan(_REFERENCED_FILES)}
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
