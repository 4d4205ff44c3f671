"""Photo routes: upload (JSON API and a plain form), and the private image for family and staff.

Who may see a photo is decided by its report: the family whose child it is about (in
the SQL, 404 otherwise) and staff, whose every look is written to the audit log.
"""

from __future__ import annotations

import uuid
from typing import Any

from quart import g, redirect, url_for
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_limit
from werkzeug.datastructures import CombinedMultiDict
from wtforms import HiddenField

from ..db import get_db
from ..families.context import family_context
from ..i18n import lazy_gettext as _l
from ..photo_requests import (
    UPLOAD_LIMITS,
    chosen,
    family_image,
    photo_field,
    photo_uuid,
    read_multipart,
    read_upload,
    refusal,
    staff_image,
)
from ..photos import PhotoRefused, photo_folder
from ..rendering import render_template
from ..security import Access, CsrfForm, access, not_found_unless
from . import blueprint, photos, store


class PhotoForm(CsrfForm):
    """The no-JavaScript way to add one photo to a report already sent."""

    photo = photo_field(_l("Add a photo"))
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
        form, files = await read_multipart()
        uuid_of_photo = photo_uuid(form.get("photo_id"))
        if uuid_of_photo is None:
            raise PhotoRefused("no_photo")
        status = await photos.save_photo(
            db,
            photo_folder(),
            report_id=report.id,
            photo_uuid=uuid_of_photo,
            upload=await read_upload(files.get("photo")),
            uploader_id=g.account.id,
        )
    except PhotoRefused as refused:
        return refusal(refused)
    # A retry gets the first answer again, marked as a duplicate.
    return {"id": uuid_of_photo, "status": status}, 201


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
        form = PhotoForm(formdata=CombinedMultiDict(list(await read_multipart())))
        if not form.validate():
            return await _form_page(report, form, 400)
        await photos.save_photo(
            db,
            photo_folder(),
            report_id=report.id,
            photo_uuid=photo_uuid(form.photo_id.data) or str(uuid.uuid4()),
            upload=await read_upload(chosen(form.photo.data)),
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


@blueprint.route("/diary/<client_uuid>/photos/<photo_id>")
@access(Access.FAMILY)
async def family_photo(client_uuid: str, photo_id: str) -> ResponseReturnValue:
    return await family_image(
        await photos.select_photo_for_caregiver(get_db(), client_uuid, photo_id, g.account.id)
    )


@blueprint.route("/nurse/reports/<client_uuid>/photos/<photo_id>")
@access(Access.STAFF)
async def nurse_photo(client_uuid: str, photo_id: str) -> ResponseReturnValue:
    photo = await photos.select_photo(get_db(), client_uuid, photo_id)
    return await staff_image(photo, f"report {client_uuid} photo {photo_id}")
