"""A photo over HTTP, the same for a report's and a message's: the upload limit per
account, reading one multipart upload without reading more than allowed, the refusal
as JSON, the form field, and the stored picture as a private response."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any, Protocol

from babel.support import LazyProxy
from quart import Response, g, request
from quart.datastructures import FileStorage as PostedFile
from quart.typing import ResponseReturnValue
from quart_rate_limiter import RateLimit
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import FileField

from . import audit
from .db import get_db
from .i18n import lazy_gettext as _l
from .limits import unless_post
from .photos import MAX_REQUEST_BYTES, MAX_UPLOAD_BYTES, PhotoRefused, photo_folder, read_file
from .security import client_address, not_found_unless

UPLOADS_PER_WINDOW = 60
UPLOAD_WINDOW = timedelta(minutes=15)
ACCEPT = "image/jpeg,image/png,image/webp"


async def by_uploader() -> str:
    """Uploads are counted per account (decoding is the costly part), else per address."""
    account = g.get("account")
    return f"photo-uploader:{account.id}" if account is not None else f"client:{client_address()}"


# One budget for every photo upload route: a report's and a message's decode alike.
UPLOAD_LIMITS = [RateLimit(UPLOADS_PER_WINDOW, UPLOAD_WINDOW, by_uploader)]
# A page whose form posts may carry a photo: its posts count in the same budget, its
# GETs not at all.
POSTED_PHOTO_LIMITS = [RateLimit(UPLOADS_PER_WINDOW, UPLOAD_WINDOW, by_uploader, unless_post)]


def photo_field(label: LazyProxy) -> FileField:
    """The file field of a photo form, saying what it accepts."""
    return FileField(
        label,
        description=_l(
            "A JPEG, PNG or WebP picture of up to %(megabytes)s MB.",
            megabytes=MAX_UPLOAD_BYTES // 2**20,
        ),
        render_kw={"accept": ACCEPT},
    )


def photo_uuid(raw: object) -> str | None:
    """The photo id as the database keeps it, or None when it is not a UUID."""
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        return None


async def read_multipart() -> tuple[MultiDict[str, Any], MultiDict[str, PostedFile]]:
    """The posted fields and files, refusing a body larger than one photo and its form
    before reading it (declared) or while reading it (sent)."""
    if request.content_length is not None and request.content_length > MAX_REQUEST_BYTES:
        raise PhotoRefused("too_large")
    request.max_content_length = MAX_REQUEST_BYTES
    try:
        return await request.form, await request.files
    except RequestEntityTooLarge as error:
        raise PhotoRefused("too_large") from error


def chosen(upload: object) -> FileStorage | None:
    """The file of a form's photo field, or None when no file was chosen."""
    if isinstance(upload, FileStorage) and upload.filename:
        return upload
    return None


async def read_upload(upload: FileStorage | None) -> bytes:
    """The uploaded file's bytes, refusing a missing, empty or too large one."""
    if upload is None or not upload.filename:
        raise PhotoRefused("no_photo")
    # Read one byte more than allowed: enough to know it is too large, never the whole of it.
    data: bytes = await asyncio.to_thread(upload.read, MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused("too_large")
    if not data:
        raise PhotoRefused("no_photo")
    return data


def refusal(refused: PhotoRefused) -> ResponseReturnValue:
    return {"error": refused.code, "message": refused.message}, refused.status


async def image(file_name: str) -> ResponseReturnValue:
    """A stored photo as a private JPEG (404 when its file has gone)."""
    data = await read_file(photo_folder(), file_name)
    not_found_unless(data is not None)
    assert data is not None
    response = Response(data, status=200, content_type="image/jpeg")
    headers: dict[str, Any] = {
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": 'inline; filename="photo.jpg"',
        # Only our own pages may show it, never another site's <img>.
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    response.headers.update(headers)
    return response


class Shown(Protocol):
    """What serving a photo needs of its row, whichever kind it is."""

    @property
    def file_name(self) -> str: ...

    @property
    def child_id(self) -> int: ...


async def family_image(photo: Shown | None) -> ResponseReturnValue:
    """A family's own photo (the caller's query found it among their children), else 404."""
    not_found_unless(photo)
    assert photo is not None
    return await image(photo.file_name)


async def staff_image(photo: Shown | None, named: str) -> ResponseReturnValue:
    """A family's photo for staff, logged as a look at the child (``photo.viewed``, NEN
    7513) with ``named`` saying which photo of what; else 404."""
    not_found_unless(photo)
    assert photo is not None
    await audit.record_read(
        get_db(),
        actor_id=g.account.id,
        action="photo.viewed",
        child_id=photo.child_id,
        detail=named,
    )
    return await image(photo.file_name)
