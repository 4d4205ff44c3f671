"""The family's conversation with the ward: read it, write in it (also offline, through
the outbox), and the outbox's batch upload."""

from __future__ import annotations

import uuid

from quart import flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue
from quart_rate_limiter import rate_limit
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from ..clock import utcnow
from ..db import get_db
from ..families.context import family_context
from ..families.store import Child
from ..hospital import hospital_settings, staffed_at
from ..i18n import gettext
from ..json_bodies import batch, checks_text_per_item
from ..photo_requests import POSTED_PHOTO_LIMITS, chosen, photo_uuid, read_upload
from ..photos import Encoded, PhotoRefused, encode, photo_folder
from ..rendering import render_template
from ..reviews import replies
from ..security import Access, access, not_found_unless
from ..shell.pages import offline_page
from . import blueprint, photos, store, sync
from .forms import FamilyMessageForm
from .thread import select_entries


async def _render(child: Child, form: FamilyMessageForm | None = None) -> str:
    db = get_db()
    entries = await select_entries(db, child.id)
    if any(entry.from_ward and entry.read_at is None for entry in entries):
        # Opening the conversation is reading it: the nurse sees "read by the family".
        async with db.transaction() as tx:
            await store.mark_read(tx, child.id, from_ward=True, reader_id=g.account.id)
            await replies.mark_child_replies_read(tx, child.id)
    hospital = await hospital_settings(db)
    return await render_template(
        "messages/family.html",
        conversation_child=child,
        entries=entries,
        form=form or _new_form(),
        hospital=hospital,
        staffed=staffed_at(hospital, utcnow()),
        max_messages=sync.MAX_BATCH,
    )


def _new_form() -> FamilyMessageForm:
    return FamilyMessageForm(message_id=str(uuid.uuid4()), photo_id=str(uuid.uuid4()))


@blueprint.route("/messages")
@access(Access.FAMILY)
@offline_page
async def family_conversation() -> ResponseReturnValue:
    """The conversation about the child the session is looking at."""
    _, child = await family_context()
    if child is None:
        return redirect(url_for("families.home"))
    return await _render(child)


async def _own_child(child_id: int) -> Child:
    children, _ = await family_context()
    found = next((child for child in children if child.id == child_id), None)
    not_found_unless(found)  # another family's child looks like no child at all
    assert found is not None
    return found


@blueprint.route("/messages/<int:child_id>", methods=["GET", "POST"])
@access(Access.FAMILY)
@rate_limit(limits=POSTED_PHOTO_LIMITS)
async def child_conversation(child_id: int) -> ResponseReturnValue:
    """One child's conversation; POST is the composer without JavaScript."""
    child = await _own_child(child_id)
    if request.method == "GET":
        return await _render(child)
    return await _post(child)


async def _read_form() -> FamilyMessageForm | None:
    """The posted composer with its file; None when the body is over the app's limit
    (then nothing of it can be read, the text neither)."""
    try:
        posted = CombinedMultiDict([await request.form, await request.files])
    except RequestEntityTooLarge:
        return None
    return FamilyMessageForm(formdata=posted)


async def _checked_photo(form: FamilyMessageForm) -> Encoded | None:
    """The chosen photo re-encoded, None without one, or ``PhotoRefused`` with the
    refusal also on the form's photo field."""
    upload = chosen(form.photo.data)
    if upload is None:
        return None
    try:
        return await encode(await read_upload(upload))
    except PhotoRefused as refused:
        form.photo.errors = [*form.photo.errors, refused.message]
        raise


async def _post(child: Child) -> ResponseReturnValue:
    """The composer without JavaScript: the message and its optional photo in one post.
    The photo is checked before the message is stored, so a bad photo stores nothing
    and the form comes back with the text as typed."""
    form = await _read_form()
    if form is None:
        form = _new_form()
        form.photo.errors = [PhotoRefused("too_large").message]
        return await _render(child, form), 413
    valid = form.validate()
    try:
        encoded = await _checked_photo(form)
    except PhotoRefused as refused:
        return await _render(child, form), refused.status
    if not valid:
        return await _render(child, form), 400
    raw = {
        "id": form.message_id.data or str(uuid.uuid4()),
        "child_id": child.id,
        "body": form.body.data or "",
        "urgent": bool(form.urgent.data),
    }
    result = (await sync.submit(get_db(), g.account.id, [raw]))[0]
    if result.status not in {"stored", "duplicate"}:
        for key, message in result.errors.items():
            field = form._fields.get(key, form.body)
            field.errors = [*field.errors, message]
        return await _render(child, form), 409 if result.status == "conflict" else 400
    if encoded is not None:
        try:
            await _keep_photo(result.id, form, encoded)
        except PhotoRefused as refused:
            form.photo.errors = [*form.photo.errors, refused.message]
            return await _render(child, form), refused.status
    if raw["urgent"]:
        await flash(gettext("Your message was sent. If it cannot wait, call the ward now."))
    else:
        await flash(gettext("Your message was sent."))
    return redirect(url_for("messages.child_conversation", child_id=child.id))


async def _keep_photo(message_uuid: str, form: FamilyMessageForm, encoded: Encoded) -> None:
    db = get_db()
    message = await photos.select_family_message(db, message_uuid, g.account.id)
    assert message is not None  # stored (or found) just now for this caregiver
    await photos.keep_photo(
        db,
        photo_folder(),
        message_id=message.id,
        photo_uuid=photo_uuid(form.photo_id.data) or str(uuid.uuid4()),
        encoded=encoded,
        uploader_id=g.account.id,
    )


@blueprint.route("/api/messages", methods=["POST"])
@access(Access.FAMILY)
@checks_text_per_item
async def sync_messages() -> ResponseReturnValue:
    """The outbox's batch upload: one result per message, in order (docs/api.md)."""
    results = await sync.submit(get_db(), g.account.id, await batch("messages", sync.MAX_BATCH))
    return {"results": [result.as_json() for result in results]}
