"""A message's photo: the outbox's upload, and the private picture for the family and staff.

Who may see it is decided by its message: the family whose child the message is about
(in the SQL, 404 otherwise) and staff, whose every look is written to the audit log.
"""

from __future__ import annotations

from quart import g
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_limit

from ..db import get_db
from ..photo_requests import (
    UPLOAD_LIMITS,
    family_image,
    photo_uuid,
    read_multipart,
    read_upload,
    refusal,
    staff_image,
)
from ..photos import PhotoRefused, photo_folder
from ..security import Access, access, not_found_unless
from . import blueprint, photos


@blueprint.route("/api/messages/<client_uuid>/photos", methods=["POST"])
@access(Access.FAMILY)
@rate_limit(limits=UPLOAD_LIMITS)
async def upload_photo(client_uuid: str) -> ResponseReturnValue:
    """One photo for a family's message, multipart: ``photo`` (the file) and ``photo_id``
    (a UUID). 404 until the message is stored, so the phone keeps the photo queued."""
    db = get_db()
    message = await photos.select_family_message(db, client_uuid, g.account.id)
    not_found_unless(message)
    assert message is not None
    try:
        form, files = await read_multipart()
        uuid_of_photo = photo_uuid(form.get("photo_id"))
        if uuid_of_photo is None:
            raise PhotoRefused("no_photo")
        status = await photos.save_photo(
            db,
            photo_folder(),
            message_id=message.id,
            photo_uuid=uuid_of_photo,
            upload=await read_upload(files.get("photo")),
            uploader_id=g.account.id,
        )
    except PhotoRefused as refused:
        return refusal(refused)
    return {"id": uuid_of_photo, "status": status}, 201


@blueprint.route("/messages/<client_uuid>/photos/<photo_id>")
@access(Access.FAMILY)
async def family_photo(client_uuid: str, photo_id: str) -> ResponseReturnValue:
    return await family_image(
        await photos.select_photo_for_caregiver(get_db(), client_uuid, photo_id, g.account.id)
    )


@blueprint.route("/nurse/messages/<client_uuid>/photos/<photo_id>")
@access(Access.STAFF)
async def nurse_photo(client_uuid: str, photo_id: str) -> ResponseReturnValue:
    """A family's photo for a nurse: logged, like a report's photo, as a look at the child."""
    photo = await photos.select_photo(get_db(), client_uuid, photo_id)
    return await staff_image(photo, f"message {client_uuid} photo {photo_id}")
