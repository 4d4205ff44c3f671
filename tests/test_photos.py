"""Report photos: re-encoded without metadata, limited, private to the family, audited for staff."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from quart import Quart
from quart.typing import TestClientProtocol as Client
from werkzeug.datastructures import FileStorage

from pwa import photos
from pwa.clock import utcnow
from pwa.db import Database
from pwa.diary import sync
from tests.conftest import People, csrf_from, sign_in
from tests.helpers.photos import (
    GPS_IFD,
    TRACES,
    declared_png,
    folder,
    jpeg,
    jpeg_with_gps,
    open_image,
    open_image_bytes,
    outside_static,
    png,
    stored_files,
)

SAME_ORIGIN = {"Origin": "https://localhost"}


# --- helpers -------------------------------------------------------------------------


async def make_report(db: Database, caregiver_id: int, child_id: int) -> str:
    report_uuid = str(uuid.uuid4())
    raw = {
        "id": report_uuid,
        "child_id": child_id,
        "observed_at": utcnow().isoformat(),
        "items": {"pain": 2},
        "note": "",
        "corrects": None,
    }
    [result] = await sync.submit(db, caregiver_id, [raw])
    assert result.status == "stored", result
    return report_uuid


async def upload(
    client: Client,
    report_uuid: str,
    data: bytes,
    photo_id: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    filename: str = "photo.jpg",
) -> Any:
    return await client.post(
        f"/api/reports/{report_uuid}/photos",
        form={"photo_id": photo_id or str(uuid.uuid4())},
        files={
            "photo": FileStorage(io.BytesIO(data), filename=filename, content_type="image/jpeg")
        },
        headers=SAME_ORIGIN if headers is None else headers,
    )


async def photo_rows(db: Database) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM report_photo")
    assert row is not None
    return int(row[0])


async def stored_path(db: Database, app: Quart, photo_id: str) -> Path:
    row = await db.fetch_one(
        "SELECT file_name FROM report_photo WHERE client_uuid = :id", {"id": photo_id}
    )
    assert row is not None
    return folder(app) / row["file_name"]


async def stored_photo(db: Database, app: Quart, photo_id: str) -> Image.Image:
    return open_image(await stored_path(db, app, photo_id))


@pytest.fixture
async def report_uuid(db: Database, people: People) -> str:
    return await make_report(db, people.parent_id, people.child_id)


@pytest.fixture
async def other_family(app: Quart, people: People) -> Client:
    client = app.test_client()
    await sign_in(client, "other@example.org")
    return client


# --- what is kept of a photo ---------------------------------------------------------


async def test_gps_and_all_other_metadata_are_removed(
    app: Quart, db: Database, family_client: Client, report_uuid: str
) -> None:
    original = jpeg_with_gps()
    assert open_image_bytes(original).getexif().get_ifd(GPS_IFD)  # the test photo has GPS
    photo_id = str(uuid.uuid4())

    response = await upload(family_client, report_uuid, original, photo_id)

    assert response.status_code == 201, await response.get_data(as_text=True)
    assert await response.get_json() == {"id": photo_id, "status": "stored"}
    kept = await stored_photo(db, app, photo_id)
    assert kept.format == "JPEG"
    assert len(kept.getexif()) == 0 and not kept.getexif().get_ifd(GPS_IFD)
    for key in ("exif", "xmp", "icc_profile", "comment"):
        assert key not in kept.info, key
    raw = (await stored_path(db, app, photo_id)).read_bytes()
    for trace in TRACES:
        assert trace not in raw
    served = await family_client.get(f"/diary/{report_uuid}/photos/{photo_id}")
    assert await served.get_data() == raw


async def test_exif_orientation_is_applied(
    app: Quart, db: Database, family_client: Client, report_uuid: str
) -> None:
    # Stored sideways: red on the left, blue on the right; orientation 6 = turn 90° clockwise.
    sideways = Image.new("RGB", (80, 40), "blue")
    sideways.paste(Image.new("RGB", (40, 40), "red"), (0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    sideways.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    photo_id = str(uuid.uuid4())

    assert (
        await upload(family_client, report_uuid, buffer.getvalue(), photo_id)
    ).status_code == 201

    upright = (await stored_photo(db, app, photo_id)).convert("RGB")
    assert upright.size == (40, 80)
    top, bottom = upright.getpixel((20, 10)), upright.getpixel((20, 70))
    assert top[0] > 200 and top[2] < 60, top  # red is on top now
    assert bottom[2] > 200 and bottom[0] < 60, bottom
    row = await db.fetch_one(
        "SELECT width, height FROM report_photo WHERE client_uuid = :id", {"id": photo_id}
    )
    assert row is not None and (row["width"], row["height"]) == (40, 80)


@pytest.mark.parametrize(
    ("size", "mode", "expected"),
    [
        ((3000, 1000), "RGB", (2048, 683)),
        ((900, 2400), "RGBA", (768, 2048)),
        ((300, 200), "P", (300, 200)),
    ],
)
async def test_photos_are_shrunk_to_2048_pixels_and_made_jpeg(
    app: Quart,
    db: Database,
    family_client: Client,
    report_uuid: str,
    size: tuple[int, int],
    mode: str,
    expected: tuple[int, int],
) -> None:
    photo_id = str(uuid.uuid4())
    response = await upload(
        family_client, report_uuid, png(size, mode), photo_id, filename="scan.png"
    )
    assert response.status_code == 201
    kept = await stored_photo(db, app, photo_id)
    assert (kept.format, kept.mode, kept.size) == ("JPEG", "RGB", expected)


async def test_webp_is_accepted(
    app: Quart, db: Database, family_client: Client, report_uuid: str
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50), "orange").save(buffer, "WEBP")
    photo_id = str(uuid.uuid4())
    assert (
        await upload(family_client, report_uuid, buffer.getvalue(), photo_id)
    ).status_code == 201
    assert (await stored_photo(db, app, photo_id)).format == "JPEG"


# --- what is refused ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (100_000, 100_000),  # far over: Pillow's DecompressionBombError
        (7_000, 7_000),  # 49 MP, within Pillow's warning band: must be refused too
        (40_001, 1_000),  # just over the 40 MP limit
    ],
)
async def test_decompression_bomb_is_refused_and_nothing_is_written(
    app: Quart,
    db: Database,
    family_client: Client,
    report_uuid: str,
    width: int,
    height: int,
) -> None:
    response = await upload(
        family_client, report_uuid, declared_png(width, height), filename="bomb.png"
    )
    assert response.status_code == 413
    body = await response.get_json()
    assert body["error"] == "too_many_pixels"
    assert body["message"] == "This photo has too many pixels. A photo can be up to 40 megapixels."
    assert await photo_rows(db) == 0
    assert stored_files(app) == []


def test_pillows_bomb_warning_is_refused_without_leaking_outside_pytest() -> None:
    """In production no warnings filter is set to 'error': the refusal must not depend on one."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from tests.helpers.photos import declared_png\n"
        "from pwa.photos import reencode, PhotoRefused\n"
        "try:\n    reencode(declared_png(7000, 7000))\n"
        "except PhotoRefused as refused:\n    print(refused.code)\n"
    )
    root = str(Path(__file__).resolve().parent.parent)
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, root],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PYTHONWARNINGS": "default"},
    )
    assert done.stdout.strip() == "too_many_pixels", done.stderr
    assert "DecompressionBombWarning" not in done.stderr


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"<script>alert(1)</script> not a picture", "photo.jpg"),
        (b"%PDF-1.7 a document", "letter.pdf"),
        (b"GIF89a" + b"\0" * 40, "anim.gif"),
        (jpeg()[:200], "cut-off.jpg"),  # a truncated JPEG
    ],
)
async def test_non_images_are_refused_with_a_translated_error(
    app: Quart,
    db: Database,
    family_client: Client,
    report_uuid: str,
    data: bytes,
    filename: str,
) -> None:
    response = await upload(family_client, report_uuid, data, filename=filename)
    assert response.status_code == 415
    assert await response.get_json() == {
        "error": "not_a_photo",
        "message": "We could not use this file as a photo. Choose a JPEG, PNG or WebP picture.",
    }
    assert await photo_rows(db) == 0
    assert stored_files(app) == []


async def test_gif_made_by_pillow_is_refused(family_client: Client, report_uuid: str) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "GIF")
    assert (await upload(family_client, report_uuid, buffer.getvalue())).status_code == 415


async def test_refusal_message_follows_the_language(
    family_client: Client, report_uuid: str
) -> None:
    from pwa.i18n import load_catalogues

    message = "We could not use this file as a photo. Choose a JPEG, PNG or WebP picture."
    response = await family_client.post(
        f"/api/reports/{report_uuid}/photos",
        form={"photo_id": str(uuid.uuid4())},
        files={"photo": FileStorage(io.BytesIO(b"nope"), filename="x.jpg")},
        headers={**SAME_ORIGIN, "Accept-Language": "nl"},
    )
    assert response.status_code == 415
    assert (await response.get_json())["message"] == load_catalogues()["nl"].gettext(message)


async def test_a_file_over_8_mb_is_refused(
    app: Quart, db: Database, family_client: Client, report_uuid: str
) -> None:
    big = jpeg() + b"\0" * (photos.MAX_UPLOAD_BYTES + 1)
    response = await upload(family_client, report_uuid, big)
    assert response.status_code == 413
    assert (await response.get_json())["error"] == "too_large"
    assert await photo_rows(db) == 0 and stored_files(app) == []


async def test_a_request_declared_too_large_is_refused_before_reading(
    family_client: Client, report_uuid: str
) -> None:
    response = await family_client.post(
        f"/api/reports/{report_uuid}/photos",
        data=b"x" * (photos.MAX_REQUEST_BYTES + 1),
        headers={**SAME_ORIGIN, "Content-Type": "multipart/form-data; boundary=abc"},
    )
    assert response.status_code == 413
    assert (await response.get_json())["error"] == "too_large"


@pytest.mark.parametrize("form", [{"photo_id": "not-a-uuid"}, {}])
async def test_a_photo_id_must_be_a_uuid(
    family_client: Client, report_uuid: str, form: dict[str, str]
) -> None:
    response = await family_client.post(
        f"/api/reports/{report_uuid}/photos",
        form=form,
        files={"photo": FileStorage(io.BytesIO(jpeg()), filename="photo.jpg")},
        headers=SAME_ORIGIN,
    )
    assert response.status_code == 400
    assert (await response.get_json())["error"] == "no_photo"


async def test_a_request_without_a_file_is_refused(family_client: Client, report_uuid: str) -> None:
    response = await family_client.post(
        f"/api/reports/{report_uuid}/photos",
        form={"photo_id": str(uuid.uuid4())},
        files={"other": FileStorage(io.BytesIO(jpeg()), filename="photo.jpg")},
        headers=SAME_ORIGIN,
    )
    assert response.status_code == 400


async def test_a_fourth_photo_is_refused(
    app: Quart, db: Database, family_client: Client, report_uuid: str
) -> None:
    for _ in range(3):
        assert (await upload(family_client, report_uuid, jpeg())).status_code == 201
    fourth = await upload(family_client, report_uuid, jpeg())
    assert fourth.status_code == 409
    assert (await fourth.get_json())["error"] == "too_many"
    assert await photo_rows(db) == 3
    assert len(stored_files(app)) == 3


async def test_concurrent_uploads_cannot_pass_the_limit(
    app: Quart, db: Database, family_client: Client, report_uuid: str
) -> None:
    answers = await asyncio.gather(*(upload(family_client, report_uuid, jpeg()) for _ in range(6)))
    assert sorted(answer.status_code for answer in answers) == [201, 201, 201, 409, 409, 409]
    assert await photo_rows(db) == 3
    assert len(stored_files(app)) == 3  # the refused ones left no file behind


async def test_the_database_itself_refuses_a_fourth_photo(
    db: Database, people: People, report_uuid: str
) -> None:
    import sqlite3

    report = await db.fetch_one(
        "SELECT id FROM report WHERE client_uuid = :uuid", {"uuid": report_uuid}
    )
    assert report is not None
    with pytest.raises(sqlite3.IntegrityError, match="at most 3 photos"):
        async with db.transaction() as connection:
            for number in range(4):
                await connection.execute(
                    """
                    INSERT INTO report_photo (report_id, client_uuid, width, height, byte_size,
                                              file_name, created_at)
                    VALUES (?, ?, 1, 1, 1, ?, '2026-11-27T00:00:00.000000Z')
                    """,
                    (report["id"], str(uuid.uuid4()), f"{number:032x}.jpg"),
                )


# --- idempotency ----------------------------------------------------------------------


async def test_the_same_photo_id_twice_keeps_one_photo(
    app: Quart, db: Database, family_client: Client, report_uuid: str
) -> None:
    photo_id = str(uuid.uuid4())
    first = await upload(family_client, report_uuid, jpeg(), photo_id)
    again = await upload(family_client, report_uuid, jpeg(color="navy"), photo_id.upper())
    assert first.status_code == again.status_code == 201
    assert await first.get_json() == {"id": photo_id, "status": "stored"}
    assert await again.get_json() == {"id": photo_id, "status": "duplicate"}
    assert await photo_rows(db) == 1
    assert len(stored_files(app)) == 1


async def test_concurrent_retries_of_one_photo_store_it_once(
    app: Quart, db: Database, family_client: Client, report_uuid: str
) -> None:
    photo_id = str(uuid.uuid4())
    answers = await asyncio.gather(
        *(upload(family_client, report_uuid, jpeg(), photo_id) for _ in range(8))
    )
    statuses = sorted([(await answer.get_json())["status"] for answer in answers])
    assert statuses == ["duplicate"] * 7 + ["stored"]
    assert await photo_rows(db) == 1
    assert len(stored_files(app)) == 1


async def test_a_photo_id_of_another_report_is_a_conflict(
    db: Database, people: People, family_client: Client, report_uuid: str
) -> None:
    photo_id = str(uuid.uuid4())
    assert (await upload(family_client, report_uuid, jpeg(), photo_id)).status_code == 201
    second_report = await make_report(db, people.parent_id, people.child_id)
    response = await upload(family_client, second_report, jpeg(), photo_id)
    assert response.status_code == 409
    assert (await response.get_json())["error"] == "conflict"
    assert await photo_rows(db) == 1


# --- who may upload and see -----------------------------------------------------------


async def test_another_family_can_neither_upload_to_nor_see_a_photo(
    app: Quart,
    db: Database,
    people: People,
    family_client: Client,
    other_family: Client,
    report_uuid: str,
) -> None:
    photo_id = str(uuid.uuid4())
    assert (await upload(family_client, report_uuid, jpeg(), photo_id)).status_code == 201

    assert (await upload(other_family, report_uuid, jpeg())).status_code == 404
    assert (await other_family.get(f"/diary/{report_uuid}/photos/{photo_id}")).status_code == 404
    # Nor by putting the photo id under a report of their own.
    own_report = await make_report(db, people.other_parent_id, people.other_child_id)
    assert (await other_family.get(f"/diary/{own_report}/photos/{photo_id}")).status_code == 404
    assert (
        await other_family.get(f"/nurse/reports/{report_uuid}/photos/{photo_id}")
    ).status_code == 403
    assert (
        await app.test_client().get(f"/diary/{report_uuid}/photos/{photo_id}")
    ).status_code == 302
    assert await photo_rows(db) == 1
    assert (await family_client.get(f"/diary/{report_uuid}/photos/{photo_id}")).status_code == 200


async def test_unknown_report_or_photo_is_404(family_client: Client, report_uuid: str) -> None:
    assert (await upload(family_client, str(uuid.uuid4()), jpeg())).status_code == 404
    assert (
        await family_client.get(f"/diary/{report_uuid}/photos/{uuid.uuid4()}")
    ).status_code == 404


async def test_photo_responses_are_private_jpegs(family_client: Client, report_uuid: str) -> None:
    photo_id = str(uuid.uuid4())
    await upload(family_client, report_uuid, jpeg(), photo_id)
    response = await family_client.get(f"/diary/{report_uuid}/photos/{photo_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "X-Offline-Cacheable" not in response.headers


async def test_staff_opening_a_photo_is_audited(
    db: Database,
    people: People,
    family_client: Client,
    nurse_client: Client,
    report_uuid: str,
) -> None:
    photo_id = str(uuid.uuid4())
    await upload(family_client, report_uuid, jpeg(), photo_id)
    await family_client.get(
        f"/diary/{report_uuid}/photos/{photo_id}"
    )  # the family's own look is not
    audited = "SELECT actor_id, child_id, detail FROM audit_log WHERE action = 'photo.viewed'"
    assert await db.fetch_all(audited) == []

    response = await nurse_client.get(f"/nurse/reports/{report_uuid}/photos/{photo_id}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    [entry] = await db.fetch_all(audited)
    assert (entry["actor_id"], entry["child_id"]) == (people.nurse_id, people.child_id)
    assert photo_id in entry["detail"]
    missing = await nurse_client.get(f"/nurse/reports/{report_uuid}/photos/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert len(await db.fetch_all(audited)) == 1


async def test_photo_files_are_not_under_static(
    app: Quart, db: Database, family_client: Client, report_uuid: str
) -> None:
    photo_id = str(uuid.uuid4())
    await upload(family_client, report_uuid, jpeg(), photo_id)
    [path] = stored_files(app)
    assert outside_static(app, path)
    client = app.test_client()
    for url in (
        f"/static/{path.name}",
        f"/static/photos/{path.name}",
        f"/static/../instance/photos/{path.name}",
    ):
        assert (await client.get(url)).status_code == 404
        assert (await family_client.get(url)).status_code == 404
    assert path.stat().st_mode & 0o077 == 0  # readable by the app's user only


# --- the same-origin rule -------------------------------------------------------------


async def test_upload_needs_same_origin_and_multipart(
    db: Database, app: Quart, family_client: Client, report_uuid: str
) -> None:
    cross = await upload(
        family_client, report_uuid, jpeg(), headers={"Origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    cross_site = await upload(
        family_client, report_uuid, jpeg(), headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross_site.status_code == 403
    no_origin = await upload(family_client, report_uuid, jpeg(), headers={})
    assert no_origin.status_code == 403
    as_json = await family_client.post(
        f"/api/reports/{report_uuid}/photos", json={}, headers=SAME_ORIGIN
    )
    assert as_json.status_code == 415
    assert await photo_rows(db) == 0 and stored_files(app) == []
    by_fetch_metadata = await upload(
        family_client, report_uuid, jpeg(), headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert by_fetch_metadata.status_code == 201


async def test_upload_when_signed_out_is_401(app: Quart, report_uuid: str) -> None:
    response = await upload(app.test_client(), report_uuid, jpeg())
    assert response.status_code == 401
    assert await response.get_json() == {"error": "Unauthorized"}


async def test_staff_cannot_upload(nurse_client: Client, report_uuid: str) -> None:
    assert (await upload(nurse_client, report_uuid, jpeg())).status_code == 403


# --- the report page and the form without JavaScript ----------------------------------


async def test_report_page_shows_thumbnails_with_alt_text(
    family_client: Client, report_uuid: str
) -> None:
    ids = [str(uuid.uuid4()) for _ in range(2)]
    for photo_id in ids:
        await upload(family_client, report_uuid, jpeg(), photo_id)
    page = await (await family_client.get(f"/diary/{report_uuid}")).get_data(as_text=True)
    for number, photo_id in enumerate(ids, start=1):
        assert (
            f'src="/diary/{report_uuid}/photos/{photo_id}" alt="Photo {number} of the report"'
            in page
        )
    assert 'enctype="multipart/form-data"' in page  # room for one more


async def test_report_page_offers_no_form_when_full(
    family_client: Client, report_uuid: str
) -> None:
    for _ in range(3):
        await upload(family_client, report_uuid, jpeg())
    page = await (await family_client.get(f"/diary/{report_uuid}")).get_data(as_text=True)
    assert "Photo 3 of the report" in page
    assert 'enctype="multipart/form-data"' not in page


async def _post_form(client: Client, report_uuid: str, data: bytes, **extra: str) -> Any:
    page = await (await client.get(f"/diary/{report_uuid}")).get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "photo_id": page.split('name="photo_id" type="hidden" value="')[1][:36],
    }
    return await client.post(
        f"/diary/{report_uuid}/photos",
        form={**form, **extra},
        files={
            "photo": FileStorage(io.BytesIO(data), filename="rash.jpg", content_type="image/jpeg")
        },
    )


async def test_photo_form_works_without_javascript(
    app: Quart, db: Database, family_client: Client, report_uuid: str
) -> None:
    response = await _post_form(family_client, report_uuid, jpeg_with_gps())
    assert response.status_code == 302
    assert response.location == f"/diary/{report_uuid}#photos"
    assert await photo_rows(db) == 1
    [path] = stored_files(app)
    assert len(open_image(path).getexif()) == 0
    page = await (await family_client.get(f"/diary/{report_uuid}")).get_data(as_text=True)
    assert "Photo 1 of the report" in page


async def test_photo_form_sent_twice_keeps_one_photo(
    db: Database, family_client: Client, report_uuid: str
) -> None:
    page = await (await family_client.get(f"/diary/{report_uuid}")).get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "photo_id": page.split('name="photo_id" type="hidden" value="')[1][:36],
    }
    for _ in range(2):
        response = await family_client.post(
            f"/diary/{report_uuid}/photos",
            form=form,
            files={"photo": FileStorage(io.BytesIO(jpeg()), filename="rash.jpg")},
        )
        assert response.status_code == 302
    assert await photo_rows(db) == 1


async def test_photo_form_shows_what_went_wrong(
    db: Database, family_client: Client, report_uuid: str
) -> None:
    response = await _post_form(family_client, report_uuid, b"not a picture")
    assert response.status_code == 415
    page = await response.get_data(as_text=True)
    assert "We could not use this file as a photo." in page
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    assert await photo_rows(db) == 0


async def test_photo_form_without_csrf_token_is_refused(
    app: Quart, db: Database, family_client: Client, report_uuid: str
) -> None:
    response = await family_client.post(
        f"/diary/{report_uuid}/photos",
        form={"photo_id": str(uuid.uuid4())},
        files={"photo": FileStorage(io.BytesIO(jpeg()), filename="rash.jpg")},
    )
    assert response.status_code == 400
    assert "This form has expired" in await response.get_data(as_text=True)
    assert await photo_rows(db) == 0 and stored_files(app) == []


async def test_photo_form_of_another_family_is_404(
    db: Database, other_family: Client, people: People, report_uuid: str
) -> None:
    own_report = await make_report(db, people.other_parent_id, people.other_child_id)
    page = await (await other_family.get(f"/diary/{own_report}")).get_data(as_text=True)
    response = await other_family.post(
        f"/diary/{report_uuid}/photos",
        form={"csrf_token": csrf_from(page), "photo_id": str(uuid.uuid4())},
        files={"photo": FileStorage(io.BytesIO(jpeg()), filename="rash.jpg")},
    )
    assert response.status_code == 404
    assert await photo_rows(db) == 0


async def test_report_form_offers_the_photo_picker_only_to_javascript(
    family_client: Client,
) -> None:
    page = await (await family_client.get("/diary/new")).get_data(as_text=True)
    picker = page.split("data-photo-picker", 1)[1].split(">", 1)[0]
    assert " hidden" in picker
    assert "Add photos (max 3)" in page
    assert "/static/js/photos.js?v=" in page
    assert (
        'type="file"' in page
        and 'name="photo' not in page.split("data-photo-picker", 1)[1].split("</div>", 1)[0]
    )


async def test_nurse_report_page_shows_the_photos_and_each_opening_is_audited(
    db: Database,
    people: People,
    family_client: Client,
    nurse_client: Client,
    report_uuid: str,
) -> None:
    ids = [str(uuid.uuid4()) for _ in range(2)]
    for photo_id in ids:
        await upload(family_client, report_uuid, jpeg(), photo_id)
    page = await (await nurse_client.get(f"/nurse/reports/{report_uuid}")).get_data(as_text=True)
    for number, photo_id in enumerate(ids, start=1):
        src = f"/nurse/reports/{report_uuid}/photos/{photo_id}"
        assert f'src="{src}" alt="Photo {number} of the report"' in page
    audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'photo.viewed'"
    assert await _count(db, audited) == 0  # the page alone opened no photo
    for photo_id in ids:
        await nurse_client.get(f"/nurse/reports/{report_uuid}/photos/{photo_id}")
    assert await _count(db, audited) == 2


async def _count(db: Database, sql: str) -> int:
    row = await db.fetch_one(sql)
    assert row is not None
    return int(row[0])


async def test_files_no_report_refers_to_are_swept_once_an_hour_old(
    app: Quart, db: Database, people: People, family_client: Client
) -> None:
    """A server stopped between writing a photo and committing its row leaves a file."""
    import os
    from datetime import timedelta

    report_uuid = await make_report(db, people.parent_id, people.child_id)
    assert (await upload(family_client, report_uuid, jpeg())).status_code == 201
    (kept,) = [path for path in folder(app).iterdir() if path.suffix == ".jpg"]
    orphan = folder(app) / f"{'a' * 32}.jpg"
    half_written = folder(app) / ".upload-x1y2.part"
    in_flight = folder(app) / f"{'b' * 32}.jpg"
    unrelated = folder(app) / "README"
    for path in (orphan, half_written, in_flight, unrelated):
        path.write_bytes(b"x")
    two_hours_ago = (utcnow() - timedelta(hours=2)).timestamp()
    for path in (kept, orphan, half_written, unrelated):
        os.utime(path, (two_hours_ago, two_hours_ago))

    assert await photos.sweep_orphans(db, folder(app), utcnow()) == 2
    left = sorted(path.name for path in folder(app).iterdir())
    assert left == sorted([kept.name, in_flight.name, "README"])
    page = await family_client.get(f"/diary/{report_uuid}")
    assert page.status_code == 200  # the report's own photo is still there to show
