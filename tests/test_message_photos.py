"""A message's photo over the API: kept once by its photo id, only after its message,
under the same rules as report photos (re-encoded, limited, private), one per message,
visible to the family and to staff, whose every look is audited."""

from __future__ import annotations

import asyncio
import io
import os
import uuid
from datetime import timedelta
from typing import Any

import pytest
from quart import Quart
from werkzeug.datastructures import FileStorage

from pwa import photos
from pwa.clock import utcnow
from pwa.db import Database, to_db
from pwa.families.retention import purge
from tests.conftest import People, csrf_from, sign_in
from tests.helpers.messages import message, post_messages, sent_message, upload_photo
from tests.helpers.photos import (
    TRACES,
    declared_png,
    folder,
    jpeg,
    jpeg_with_gps,
    open_image,
    outside_static,
    stored_files,
)


async def _rows(db: Database) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM message_photo")
    assert row is not None
    return int(row[0])


async def _file(db: Database, app: Quart, photo_id: str) -> Any:
    row = await db.fetch_one(
        "SELECT file_name FROM message_photo WHERE client_uuid = :id", {"id": photo_id}
    )
    assert row is not None
    return folder(app) / row["file_name"]


@pytest.fixture
async def message_uuid(family_client: Any, people: People) -> str:
    return await sent_message(family_client, people.child_id, body="A rash on her arm")


@pytest.fixture
async def other_family(app: Quart, people: People) -> Any:
    client = app.test_client()
    await sign_in(client, "other@example.org")
    return client


# --- stored once ---------------------------------------------------------------------


async def test_a_photo_is_stored_re_encoded_without_metadata_and_private(
    app: Quart, db: Database, family_client: Any, message_uuid: str
) -> None:
    photo_id = str(uuid.uuid4())
    response = await upload_photo(family_client, message_uuid, jpeg_with_gps(), photo_id)
    assert response.status_code == 201
    assert await response.get_json() == {"id": photo_id, "status": "stored"}
    path = await _file(db, app, photo_id)
    kept = open_image(path)
    assert kept.format == "JPEG" and len(kept.getexif()) == 0
    assert not any(trace in path.read_bytes() for trace in TRACES)
    assert path.stat().st_mode & 0o077 == 0  # readable by the app's user only
    assert outside_static(app, path)

    served = await family_client.get(f"/messages/{message_uuid}/photos/{photo_id}")
    assert served.status_code == 200
    assert await served.get_data() == path.read_bytes()
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["Cache-Control"] == "no-store"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert served.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "X-Offline-Cacheable" not in served.headers


async def test_the_same_photo_twice_is_a_duplicate_and_one_photo(
    app: Quart, db: Database, family_client: Any, message_uuid: str
) -> None:
    photo_id = str(uuid.uuid4())
    first = await upload_photo(family_client, message_uuid, jpeg(), photo_id)
    again = await upload_photo(family_client, message_uuid, jpeg(color="navy"), photo_id.upper())
    assert (first.status_code, again.status_code) == (201, 201)
    assert await again.get_json() == {"id": photo_id, "status": "duplicate"}
    assert await _rows(db) == 1 and len(stored_files(app)) == 1


async def test_concurrent_uploads_of_one_photo_store_it_once(
    app: Quart, db: Database, family_client: Any, message_uuid: str
) -> None:
    photo_id = str(uuid.uuid4())
    answers = await asyncio.gather(
        *(upload_photo(family_client, message_uuid, jpeg(), photo_id) for _ in range(8))
    )
    statuses = sorted([(await answer.get_json())["status"] for answer in answers])
    assert statuses == ["duplicate"] * 7 + ["stored"]
    assert await _rows(db) == 1
    assert len(stored_files(app)) == 1  # the losers' files are gone again


async def test_before_its_message_is_stored_the_photo_is_404_then_stored(
    db: Database, family_client: Any, people: People
) -> None:
    """The phone keeps a photo queued while its message is still in the outbox."""
    waiting = message(people.child_id, body="Swollen line site")
    photo_id = str(uuid.uuid4())
    early = await upload_photo(family_client, waiting["id"], jpeg(), photo_id)
    assert early.status_code == 404
    assert await _rows(db) == 0
    await post_messages(family_client, waiting)
    later = await upload_photo(family_client, waiting["id"], jpeg(), photo_id)
    assert later.status_code == 201 and (await later.get_json())["status"] == "stored"


# --- refused -------------------------------------------------------------------------


async def test_a_photo_id_of_another_message_is_a_conflict(
    db: Database, family_client: Any, people: People, message_uuid: str
) -> None:
    photo_id = str(uuid.uuid4())
    assert (await upload_photo(family_client, message_uuid, jpeg(), photo_id)).status_code == 201
    second = await sent_message(family_client, people.child_id, body="And now on her leg")
    response = await upload_photo(family_client, second, jpeg(), photo_id)
    assert response.status_code == 409
    assert await response.get_json() == {
        "error": "conflict",
        "message": "This photo was already sent with another message.",
    }
    assert await _rows(db) == 1


async def test_a_message_keeps_one_photo_also_when_two_arrive_at_once(
    app: Quart, db: Database, family_client: Any, message_uuid: str
) -> None:
    answers = await asyncio.gather(
        *(upload_photo(family_client, message_uuid, jpeg()) for _ in range(4))
    )
    assert sorted(answer.status_code for answer in answers) == [201, 409, 409, 409]
    refused = next(answer for answer in answers if answer.status_code == 409)
    assert (await refused.get_json())["error"] == "too_many"
    assert await _rows(db) == 1 and len(stored_files(app)) == 1


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        (jpeg() + b"\0" * (photos.MAX_UPLOAD_BYTES + 1), 413, "too_large"),
        (declared_png(7_000, 7_000), 413, "too_many_pixels"),
        (b"%PDF-1.7 a letter", 415, "not_a_photo"),
        (b"GIF89a" + b"\0" * 40, 415, "not_a_photo"),
    ],
)
async def test_what_report_photos_refuse_a_message_refuses_alike(
    app: Quart,
    db: Database,
    family_client: Any,
    message_uuid: str,
    data: bytes,
    status: int,
    error: str,
) -> None:
    response = await upload_photo(family_client, message_uuid, data)
    assert response.status_code == status
    body = await response.get_json()
    assert body["error"] == error and body["message"]
    assert await _rows(db) == 0 and stored_files(app) == []


async def test_a_request_declared_too_large_is_refused_before_reading(
    family_client: Any, message_uuid: str
) -> None:
    response = await family_client.post(
        f"/api/messages/{message_uuid}/photos",
        data=b"x" * (photos.MAX_REQUEST_BYTES + 1),
        headers={"Origin": "https://localhost", "Content-Type": "multipart/form-data; boundary=a"},
    )
    assert response.status_code == 413
    assert (await response.get_json())["error"] == "too_large"


async def test_upload_needs_same_origin_multipart_and_a_caregiver(
    app: Quart, db: Database, family_client: Any, nurse_client: Any, message_uuid: str
) -> None:
    cross = await upload_photo(
        family_client, message_uuid, jpeg(), headers={"Origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    as_json = await family_client.post(
        f"/api/messages/{message_uuid}/photos", json={}, headers={"Origin": "https://localhost"}
    )
    assert as_json.status_code == 415
    assert (await upload_photo(nurse_client, message_uuid, jpeg())).status_code == 403
    assert (await upload_photo(app.test_client(), message_uuid, jpeg())).status_code == 401
    assert await _rows(db) == 0 and stored_files(app) == []


# --- who may upload and see ----------------------------------------------------------


async def test_another_family_can_neither_upload_to_nor_see_a_message_photo(
    app: Quart,
    db: Database,
    people: People,
    family_client: Any,
    other_family: Any,
    message_uuid: str,
) -> None:
    photo_id = str(uuid.uuid4())
    assert (await upload_photo(family_client, message_uuid, jpeg(), photo_id)).status_code == 201

    assert (await upload_photo(other_family, message_uuid, jpeg())).status_code == 404
    assert (
        await other_family.get(f"/messages/{message_uuid}/photos/{photo_id}")
    ).status_code == 404
    # Nor by putting the photo id under a message of their own.
    own = await sent_message(other_family, people.other_child_id)
    assert (await other_family.get(f"/messages/{own}/photos/{photo_id}")).status_code == 404
    assert (
        await other_family.get(f"/nurse/messages/{message_uuid}/photos/{photo_id}")
    ).status_code == 403
    assert await _rows(db) == 1
    assert (
        await family_client.get(f"/messages/{message_uuid}/photos/{photo_id}")
    ).status_code == 200


async def test_a_ward_message_takes_no_photo(
    db: Database, family_client: Any, nurse_client: Any, people: People
) -> None:
    page = await (await nurse_client.get(f"/nurse/messages/{people.child_id}")).get_data(
        as_text=True
    )
    ward_id = str(uuid.uuid4())
    answered = await nurse_client.post(
        f"/nurse/messages/{people.child_id}",
        form={"csrf_token": csrf_from(page), "message_id": ward_id, "body": "Send us a photo"},
    )
    assert answered.status_code == 302
    assert (await upload_photo(family_client, ward_id, jpeg())).status_code == 404
    assert await _rows(db) == 0


async def test_staff_opening_a_message_photo_is_audited_with_the_child(
    db: Database, people: People, family_client: Any, nurse_client: Any, message_uuid: str
) -> None:
    photo_id = str(uuid.uuid4())
    await upload_photo(family_client, message_uuid, jpeg(), photo_id)
    await family_client.get(f"/messages/{message_uuid}/photos/{photo_id}")  # not audited
    audited = "SELECT actor_id, child_id, detail FROM audit_log WHERE action = 'photo.viewed'"
    assert await db.fetch_all(audited) == []

    response = await nurse_client.get(f"/nurse/messages/{message_uuid}/photos/{photo_id}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    [entry] = await db.fetch_all(audited)
    assert (entry["actor_id"], entry["child_id"]) == (people.nurse_id, people.child_id)
    assert message_uuid in entry["detail"] and photo_id in entry["detail"]
    missing = await nurse_client.get(f"/nurse/messages/{message_uuid}/photos/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert len(await db.fetch_all(audited)) == 1


# --- files ---------------------------------------------------------------------------


async def test_sweeping_keeps_message_photos_and_purging_removes_them(
    app: Quart, db: Database, people: People, family_client: Any, message_uuid: str
) -> None:
    photo_id = str(uuid.uuid4())
    await upload_photo(family_client, message_uuid, jpeg(), photo_id)
    path = await _file(db, app, photo_id)
    long_ago = (utcnow() - timedelta(hours=2)).timestamp()
    os.utime(path, (long_ago, long_ago))
    assert await photos.sweep_orphans(db, folder(app), utcnow()) == 0
    assert path.exists()  # a message's photo is no orphan

    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE child SET closed_at = :at WHERE id = :id",
            {"at": to_db(utcnow() - timedelta(days=400)), "id": people.child_id},
        )
    summary = await purge(db, utcnow(), timedelta(days=365), folder(app))
    assert summary.children == 1 and summary.photos == 1
    assert not path.exists()
    assert await _rows(db) == 0


async def test_a_form_field_named_photo_id_alone_is_refused(
    family_client: Any, message_uuid: str
) -> None:
    response = await family_client.post(
        f"/api/messages/{message_uuid}/photos",
        form={"photo_id": "not-a-uuid"},
        files={"photo": FileStorage(io.BytesIO(jpeg()), filename="photo.jpg")},
        headers={"Origin": "https://localhost"},
    )
    assert response.status_code == 400
    assert (await response.get_json())["error"] == "no_photo"
