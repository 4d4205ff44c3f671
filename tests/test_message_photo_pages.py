"""A message's photo on the conversation pages: the thumbnail on both sides, and the
composer without JavaScript, which posts the message and its photo in one request and
shows the form again, with the text as typed, when the photo cannot be used."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

from quart import Quart
from werkzeug.datastructures import FileStorage

from pwa import photos
from pwa.db import Database
from pwa.i18n import load_catalogues
from pwa.photo_requests import UPLOADS_PER_WINDOW
from tests.conftest import People, choose_language, csrf_from
from tests.helpers.messages import sent_message, upload_photo
from tests.helpers.photos import TRACES, jpeg, jpeg_with_gps, stored_files

ALT = re.compile(r'<img src="([^"]+)" alt="Photo from the family, ([^"]+)"')


async def _text(client: Any, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, path
    return str(await response.get_data(as_text=True))


async def _count(db: Database, table: str) -> int:
    row = await db.fetch_one(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - the tests' own names
    assert row is not None
    return int(row[0])


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page)
    assert found, name
    return found.group(1)


async def _compose(
    client: Any, child_id: int, body: str, picture: bytes | None, page: str | None = None
) -> Any:
    """The composer as a browser without JavaScript posts it: multipart, photo optional."""
    page = page or await _text(client, "/messages")
    files = None
    if picture is not None:
        files = {
            "photo": FileStorage(
                io.BytesIO(picture), filename="rash.jpg", content_type="image/jpeg"
            )
        }
    return await client.post(
        f"/messages/{child_id}",
        form={
            "csrf_token": csrf_from(page),
            "message_id": _hidden(page, "message_id"),
            "photo_id": _hidden(page, "photo_id"),
            "body": body,
        },
        files=files,
    )


async def test_both_sides_see_the_photo_as_a_thumbnail_linking_to_the_picture(
    db: Database, people: People, family_client: Any, nurse_client: Any
) -> None:
    message_uuid = await sent_message(family_client, people.child_id, body="Rash since noon")
    photo_id = str(uuid.uuid4())
    assert (await upload_photo(family_client, message_uuid, jpeg(), photo_id)).status_code == 201

    family = await _text(family_client, "/messages")
    [(src, when)] = ALT.findall(family)
    assert src == f"/messages/{message_uuid}/photos/{photo_id}"
    assert f'<a href="{src}">' in family and when
    nurse = await _text(nurse_client, f"/nurse/messages/{people.child_id}")
    [(nurse_src, nurse_when)] = ALT.findall(nurse)
    assert nurse_src == f"/nurse/messages/{message_uuid}/photos/{photo_id}"
    assert f'<a href="{nurse_src}">' in nurse and nurse_when == when
    # The page alone opened no photo; the nurse's opening of the picture is what is logged.
    assert await _count(db, "audit_log WHERE action = 'photo.viewed'") == 0


async def test_the_composer_without_javascript_sends_message_and_photo_in_one_post(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    page = await _text(family_client, "/messages")
    assert 'enctype="multipart/form-data"' in page and 'name="photo" type="file"' in page

    first = await _compose(
        family_client, people.child_id, "Her line site is red", jpeg_with_gps(), page
    )
    again = await _compose(family_client, people.child_id, "Her line site is red", jpeg(), page)

    assert (first.status_code, again.status_code) == (302, 302)
    assert await _count(db, "message") == 1 and await _count(db, "message_photo") == 1
    [path] = stored_files(app)
    assert not any(trace in path.read_bytes() for trace in TRACES)
    row = await db.fetch_one(
        "SELECT message.body, message_photo.client_uuid FROM message_photo"
        " JOIN message ON message.id = message_photo.message_id"
    )
    assert row is not None and row["body"] == "Her line site is red"
    assert row["client_uuid"] == _hidden(page, "photo_id")
    assert len(ALT.findall(await _text(family_client, "/messages"))) == 1


async def test_a_photo_that_cannot_be_used_stores_nothing_and_keeps_the_text(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    response = await _compose(family_client, people.child_id, "Look at this rash", b"%PDF-1.7")
    assert response.status_code == 415
    page = await response.get_data(as_text=True)
    assert "We could not use this file as a photo." in page
    assert "Look at this rash</textarea>" in page
    assert await _count(db, "message") == 0 and stored_files(app) == []


async def test_a_photo_too_large_stores_nothing_and_keeps_the_text(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    big = jpeg() + b"\0" * (photos.MAX_UPLOAD_BYTES + 1)
    response = await _compose(family_client, people.child_id, "A big photo", big)
    assert response.status_code == 413
    page = await response.get_data(as_text=True)
    assert "This photo is too large. A photo can be up to 8 MB." in page
    assert "A big photo</textarea>" in page
    assert await _count(db, "message") == 0 and stored_files(app) == []


async def test_the_refusal_is_in_the_familys_language(
    db: Database, people: People, family_client: Any
) -> None:
    await choose_language(family_client, "nl")
    response = await _compose(family_client, people.child_id, "Kijk naar deze uitslag", b"nope")
    assert response.status_code == 415
    page = await response.get_data(as_text=True)
    english = "We could not use this file as a photo. Choose a JPEG, PNG or WebP picture."
    dutch = load_catalogues()["nl"].gettext(english)
    assert dutch != english and dutch in page
    assert "Kijk naar deze uitslag</textarea>" in page
    assert await _count(db, "message") == 0


async def test_an_empty_message_with_a_photo_keeps_neither(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    response = await _compose(family_client, people.child_id, "", jpeg())
    assert response.status_code == 400
    assert "Write your message first." in await response.get_data(as_text=True)
    assert await _count(db, "message") == 0 and stored_files(app) == []


async def test_a_message_without_a_photo_is_sent_as_before(
    db: Database, people: People, family_client: Any
) -> None:
    response = await _compose(family_client, people.child_id, "Can she swim?", None)
    assert response.status_code == 302
    assert await _count(db, "message") == 1 and await _count(db, "message_photo") == 0
    assert ALT.findall(await _text(family_client, "/messages")) == []


async def test_composer_posts_count_in_the_photo_upload_budget_and_reading_does_not(
    db: Database, people: People, family_client: Any
) -> None:
    """A post may carry a photo to decode, so posts are counted per account like uploads."""
    page = await _text(family_client, "/messages")
    form = {"csrf_token": csrf_from(page), "body": "Short question"}
    for _ in range(UPLOADS_PER_WINDOW):
        sent = await family_client.post(
            f"/messages/{people.child_id}", form={**form, "message_id": str(uuid.uuid4())}
        )
        assert sent.status_code == 302
    refused = await family_client.post(
        f"/messages/{people.child_id}", form={**form, "message_id": str(uuid.uuid4())}
    )
    assert refused.status_code == 429
    assert await _count(db, "message") == UPLOADS_PER_WINDOW
    assert (await family_client.get(f"/messages/{people.child_id}")).status_code == 200
