"""Photo routes: upload (JSON API and a plain form), and the private image for family and staff.

Who may see a photo is decided by its report: the family whose child it is about (in
the SQL, 404 otherwise) and staff, whose every look is written to the audit log.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from quart import Response, g, redirect, request, url_for
from quart.typing import ResponseReturnValue
from quart_rate_limiter import RateLimit, rate_limit
from werkzeug.datastructures import CombinedMultiDict, FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import FileField, HiddenField

from .. import audit
from ..db import get_db
from ..families.context import family_context
from ..i18n import lazy_gettext as _l
from ..rendering import render_template
from ..security import Access, CsrfForm, access, client_address, not_found_unless
from . import blueprint, photos, store
from .photos import MAX_REQUEST_BYTES, MAX_UPLOAD_BYTES, PhotoRefused

UPLOADS_PER_WINDOW = 60
UPLOAD_WINDOW = timedelta(minutes=15)


async def by_uploader() -> str:
    """Uploads are counted per account (decoding is the costly part), else per address."""
    account = g.get("account")
    return f"photo-uploader:{account.id}" if account is not None else f"client:{client_address()}"


UPLOAD_LIMITS = [RateLimit(UPLOADS_PER_WINDOW, UPLOAD_WINDOW, by_uploader)]


class PhotoForm(CsrfForm):
    """The no-JavaScript way to add one photo to a report already sent."""

    photo = FileField(
        _l("Add a photo"),
        description=_l(
            "A JPEG, PNG or WebP picture of up to %(megabytes)s MB.",
            megabytes=MAX_UPLOAD_BYTES // 2**20,
        ),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    # Made when the form is shown, so sending the same form twice keeps one photo.
    photo_id = HiddenField()


def new_photo_form() -> PhotoForm:
    return PhotoForm(photo_id=str(uuid.uuid4()))


async def report_page_photos(report: store.Report) -> dict[str, Any]:
    """What the family's report page needs for its photos part (diary/_report_photos.html)."""
    return {
        "photos": await photos.select_photos(get_db(), report.id),
        "photo_form_for_report": new_photo_form(),
    }


def _photo_uuid(raw: object) -> str | None:
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        return None


async def _read_upload(upload: FileStorage | None) -> bytes:
    if upload is None or not upload.filename:
        raise PhotoRefused("no_photo")
    # Read one byte more than allowed: enough to know it is too large, never the whole of it.
    data: bytes = await asyncio.to_thread(upload.read, MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused("too_large")
    if not data:
        raise PhotoRefused("no_photo")
    return data


def _declared_too_large() -> bool:
    return request.content_length is not None and request.content_length > MAX_REQUEST_BYTES


def _refusal(refused: PhotoRefused) -> ResponseReturnValue:
    return {"error": refused.code, "message": refused.message}, refused.status


@blueprint.route("/api/reports/<client_uuid>/photos", methods=["POST"])
@access(Access.FAMILY)
@rate_limit(limits=UPLOAD_LIMITS)
async def upload_photo(client_uuid: str) -> ResponseReturnValue:
    """One photo per request, multipart: ``photo`` (the file) and ``photo_id`` (a UUID)."""
    db = get_db()
    report = await store.select_report_for_caregiver(db, client_uuid, g.account.id)
    not_found_unless(report)
    assert report is not None
    try:
        if _declared_too_large():
            raise PhotoRefused("too_large")
        request.max_content_length = MAX_REQUEST_BYTES
        try:
            form, files = await request.form, await request.files
        except RequestEntityTooLarge as error:
            raise PhotoRefused("too_large") from error
        photo_uuid = _photo_uuid(form.get("photo_id"))
        if photo_uuid is None:
            raise PhotoRefused("no_photo")
        status = await photos.save_photo(
            db,
            photos.photo_folder(),
            report_id=report.id,
            photo_uuid=photo_uuid,
            upload=await _read_upload(files.get("photo")),
            uploader_id=g.account.id,
        )
    except PhotoRefused as refused:
        return _refusal(refused)
    # A retry gets the first answer again, marked as a duplicate.
    return {"id": photo_uuid, "status": status}, 201


@blueprint.route("/diary/<client_uuid>/photos", methods=["POST"])
@access(Access.FAMILY)
@rate_limit(limits=UPLOAD_LIMITS)
async def add_photo(client_uuid: str) -> ResponseReturnValue:
    """The report page's photo form, for phones without JavaScript."""
    db = get_db()
    report = await store.select_report_for_caregiver(db, client_uuid, g.account.id)
    not_found_unless(report)
    assert report is not None
    await family_context()
    form = new_photo_form()
    try:
        if _declared_too_large():
            raise PhotoRefused("too_large")
        request.max_content_length = MAX_REQUEST_BYTES
        try:
            formdata = CombinedMultiDict([await request.form, await request.files])
        except RequestEntityTooLarge as error:
            raise PhotoRefused("too_large") from error
        form = PhotoForm(formdata=formdata)
        if not form.validate():
            return await _form_page(report, form, 400)
        await photos.save_photo(
            db,
            photos.photo_folder(),
            report_id=report.id,
            photo_uuid=_photo_uuid(form.photo_id.data) or str(uuid.uuid4()),
            upload=await _read_upload(
                form.photo.data if isinstance(form.photo.data, FileStorage) else None
            ),
            uploader_id=g.account.id,
        )
    except PhotoRefused as refused:
        form.photo.errors = [*form.photo.errors, refused.message]
        return await _form_page(report, form, refused.status)
    return redirect(url_for("diary.report", client_uuid=report.client_uuid, _anchor="photos"))


async def _form_page(report: store.Report, form: PhotoForm, status: int) -> ResponseReturnValue:
    """The form again with what went wrong (and a fresh photo id for the next try)."""
    form.photo_id.data = str(uuid.uuid4())
    count = len(await photos.select_photos(get_db(), report.id))
    page = await render_template(
        "diary/photo_add.html", report=report, form=form, photo_count=count
    )
    return page, status


async def _image(photo: photos.Photo) -> ResponseReturnValue:
    data = await photos.read_photo(photos.photo_folder(), photo)
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


@blueprint.route("/diary/<client_uuid>/photos/<photo_id>")
@access(Access.FAMILY)
async def family_photo(client_uuid: str, photo_id: str) -> ResponseReturnValue:
    photo = await photos.select_photo_for_caregiver(get_db(), client_uuid, photo_id, g.account.id)
    not_found_unless(photo)
    assert photo is not None
    return await _image(photo)


@blueprint.route("/nurse/reports/<client_uuid>/photos/<photo_id>")
@access(Access.STAFF)
async def nurse_photo(client_uuid: str, photo_id: str) -> ResponseReturnValue:
    db = get_db()
    photo = await photos.select_photo(db, client_uuid, photo_id)
    not_found_unless(photo)
    assert photo is not None
    await audit.record_read(
        db,
        actor_id=g.account.id,
        action="photo.viewed",
        child_id=photo.child_id,
        detail=f"report {photo.report_uuid} photo {photo.client_uuid}",
    )
    return await _image(photo)
