"""The security baseline: CSRF on every form, headers everywhere, rate limits, errors."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from quart import Quart
from quart_rate_limiter import (
    QUART_RATE_LIMITER_EXEMPT_ATTRIBUTE,
    QUART_RATE_LIMITER_LIMITS_ATTRIBUTE,
)
from werkzeug.datastructures import FileStorage

from pwa import limits
from pwa.clock import utcnow
from pwa.db import Database
from pwa.diary import sync
from pwa.plans import store as plans
from pwa.plans.changes import create_plan
from pwa.security import Access, access
from tests.conftest import PASSWORD, People, csrf_from, make_child, sign_in
from tests.helpers.fhir import READ, SystemKey
from tests.helpers.guidance import add_page

EXPIRED = "This form has expired"


# Each form post, as a signed-in role would send it with valid data. Without its CSRF
# token it must fail and change nothing; with the token the same post must succeed and
# change the counted rows, so the test proves it is the token that made the difference.
PUBLIC_JWKS = json.dumps(SystemKey.new("ES384").public_jwks())
FORM_POSTS: list[tuple[str, str | None, str, str, dict[str, str], str]] = [
    # (endpoint, role, page with the token, url, form data, rows that the post adds)
    (
        "accounts.login",
        None,
        "/login",
        "/login",
        {"email": "parent@example.org", "password": PASSWORD},
        "SELECT COUNT(*) FROM account_session",
    ),
    (
        "nurse.children",
        "nurse",
        "/nurse/children",
        "/nurse/children",
        {"nickname": "Kim", "birth_date": "2020-01-02", "hospital_number": ""},
        "SELECT COUNT(*) FROM child",
    ),
    (
        "nurse.create_invite",
        "nurse",
        "/nurse/children/{child_id}",
        "/nurse/children/{child_id}/invites",
        {"note": "father"},
        "SELECT COUNT(*) FROM access_code",
    ),
    (
        "nurse.update_card",
        "nurse",
        "/nurse/children/{child_id}",
        "/nurse/children/{child_id}/card",
        {"central_line": "picc", "allergies": "none known", "weight": "", "weighed_on": ""},
        "SELECT COUNT(*) FROM emergency_card",
    ),
    (
        "nurse.create_reset",
        "nurse",
        "/nurse/children/{child_id}",
        "/nurse/children/{child_id}/caregivers/{parent_id}/reset",
        {},
        "SELECT COUNT(*) FROM access_code",
    ),
    (
        "families.phone",
        "caregiver",
        "/settings/phone",
        "/settings/phone",
        {"phone": "+31 6 1234 5678"},
        "SELECT COUNT(*) FROM account WHERE phone IS NOT NULL",
    ),
    (
        "nurse.claim",
        "nurse",
        "/nurse/reports/{report_uuid}",
        "/nurse/reports/{report_uuid}/claim",
        {},
        "SELECT COUNT(*) FROM report_claim",
    ),
    (
        "messages.child_conversation",
        "caregiver",
        "/messages",
        "/messages/{child_id}",
        {"body": "Can she swim?"},
        "SELECT COUNT(*) FROM message",
    ),
    (
        "messages.conversation",
        "nurse",
        "/nurse/messages/{child_id}",
        "/nurse/messages/{child_id}",
        {"body": "Not this week."},
        "SELECT COUNT(*) FROM message",
    ),
    (
        "messages.claim",
        "nurse",
        "/nurse/messages/{child_id}",
        "/nurse/messages/{child_id}/claim",
        {},
        "SELECT COUNT(*) FROM conversation_claim",
    ),
    (
        "nurse.reply",
        "nurse",
        "/nurse/reports/{report_uuid}",
        "/nurse/reports/{report_uuid}/reply",
        {"reply": "We will phone you."},
        "SELECT COUNT(*) FROM report_reply",
    ),
    (
        "accounts.change_password",
        "caregiver",
        "/settings/password",
        "/settings/password",
        {
            "current": PASSWORD,
            "password": "velvet-copper-lantern-91",
            "confirm": "velvet-copper-lantern-91",
        },
        "SELECT COUNT(*) FROM audit_log WHERE action = 'account.password_changed'",
    ),
    (
        "families.switch_child",
        "caregiver",
        "/",
        "/children/switch",
        {"child_id": "{second_child_id}"},
        "SELECT COUNT(*) FROM account_session WHERE child_id = {second_child_id}",
    ),
    (
        "accounts.logout",
        "caregiver",
        "/settings",
        "/logout",
        {},
        "SELECT COUNT(*) FROM account_session WHERE revoked_at IS NOT NULL",
    ),
    (
        "admin.template",
        "admin",
        "/admin/template",
        "/admin/template",
        {
            "courses": "5",
            "spacing_days": "35",
            "visit_kind": "admission",
            "visit_days": "7",
            "start_time": "09:00",
            "end_time": "17:00",
            "time_zone": "Europe/Amsterdam",
            "location": "",
            "medication_periods-0-name": "isotretinoin",
            "medication_periods-0-first_day": "19",
            "medication_periods-0-last_day": "32",
        },
        "SELECT COUNT(*) FROM audit_log WHERE action = 'template.updated'",
    ),
    (
        "admin.packing",
        "admin",
        "/admin/packing",
        "/admin/packing",
        {"english": "Pyjamas\nCharger", "dutch": "Pyjama\nOplader"},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'packing.updated'",
    ),
    (
        "guidance.admin_new",
        "admin",
        "/admin/guidance/new",
        "/admin/guidance/new",
        {"slug": "sleep", "en-title": "Sleep", "en-body": "Rest.", "action": "save"},
        "SELECT COUNT(*) FROM guidance_page",
    ),
    (
        "guidance.admin_edit",
        "admin",
        "/admin/guidance/{guidance_id}",
        "/admin/guidance/{guidance_id}",
        {"slug": "pain", "en-title": "Pain", "en-body": "New words.", "action": "save"},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'guidance.updated'",
    ),
    (
        "guidance.admin_move",
        "admin",
        "/admin/guidance",
        "/admin/guidance/{guidance_id}/move",
        {"direction": "down"},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'guidance.reordered'",
    ),
    (
        "guidance.admin_review",
        "admin",
        "/admin/guidance/{guidance_id}",
        "/admin/guidance/{guidance_id}/review",
        {"reviewed": "1"},
        "SELECT COUNT(*) FROM guidance_page WHERE reviewed_at IS NOT NULL",
    ),
    (
        "guidance.admin_remove",
        "admin",
        "/admin/guidance/{guidance_id}",
        "/admin/guidance/{guidance_id}/remove",
        {},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'guidance.removed'",
    ),
    (
        "guidance.admin_examples",
        "admin",
        "/admin/guidance",
        "/admin/guidance/examples",
        {},
        "SELECT COUNT(*) FROM guidance_page",
    ),
    (
        "admin.diary_items",
        "admin",
        "/admin/diary-items",
        "/admin/diary-items",
        {"pain": "y", "temperature": "y"},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'diary_items.updated'",
    ),
    (
        "admin.new_rule",
        "admin",
        "/admin/rules/new",
        "/admin/rules/new",
        {
            "item": "weight",
            "op": ">=",
            "value": "30",
            "level": "red",
            "reason_en": "Heavy",
            "reason_nl": "Zwaar",
        },
        "SELECT COUNT(*) FROM red_flag_rule",
    ),
    (
        "admin.edit_rule",
        "admin",
        "/admin/rules/1",
        "/admin/rules/1",
        {
            "item": "temperature",
            "op": ">=",
            "value": "39.0",
            "level": "red",
            "reason_en": "Hot",
            "reason_nl": "Heet",
        },
        "SELECT COUNT(*) FROM red_flag_rule WHERE definition LIKE '%39.0%'",
    ),
    (
        "admin.switch_rule",
        "admin",
        "/admin/rules",
        "/admin/rules/1/switch",
        {"enabled": "0"},
        "SELECT COUNT(*) FROM red_flag_rule WHERE enabled = 0",
    ),
    (
        "admin.remove_rule",
        "admin",
        "/admin/rules/1",
        "/admin/rules/1/remove",
        {},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'rules.updated'",
    ),
    (
        "plans.calendar_settings",
        "caregiver",
        "/settings/calendar",
        "/settings/calendar",
        {},
        "SELECT COUNT(*) FROM calendar_feed",
    ),
    ("plans.seen", "caregiver", "/", "/schedule/seen", {}, "SELECT COUNT(*) FROM schedule_seen"),
    (
        "diary.new_report",
        "caregiver",
        "/diary/new",
        "/diary/new",
        {"pain": "2", "observed_date": "{today}", "observed_time": "00:01"},
        "SELECT COUNT(*) FROM report",
    ),
    (
        "nurse.plan",
        "nurse",
        "/nurse/children/{other_child_id}/plan",
        "/nurse/children/{other_child_id}/plan",
        {"start_date": "2027-01-11"},
        "SELECT COUNT(*) FROM treatment_plan",
    ),
    (
        "nurse.add_visit",
        "nurse",
        "/nurse/children/{child_id}/visits/new",
        "/nurse/children/{child_id}/visits/new",
        {
            "course_number": "6",
            "kind": "day_visit",
            "start_date": "2028-01-03",
            "start_time": "10:00",
            "end_date": "2028-01-03",
            "end_time": "12:00",
            "time_zone": "Europe/Amsterdam",
            "status": "planned",
        },
        "SELECT COUNT(*) FROM visit",
    ),
    (
        "nurse.edit_visit",
        "nurse",
        "/nurse/children/{child_id}/visits/{visit_id}",
        "/nurse/children/{child_id}/visits/{visit_id}",
        {
            "course_number": "1",
            "kind": "admission",
            "start_date": "2027-01-11",
            "start_time": "09:00",
            "end_date": "2027-01-17",
            "end_time": "17:00",
            "time_zone": "Europe/Amsterdam",
            "status": "planned",
            "location": "CSRF ward",
        },
        "SELECT COUNT(*) FROM visit WHERE location = 'CSRF ward'",
    ),
    (
        "nurse.cancel_visit",
        "nurse",
        "/nurse/children/{child_id}/visits/{visit_id}",
        "/nurse/children/{child_id}/visits/{visit_id}/cancel",
        {},
        "SELECT COUNT(*) FROM visit WHERE status = 'cancelled'",
    ),
    (
        "nurse.add_short_visit",
        "nurse",
        "/nurse/children/{child_id}/short-visits/new",
        "/nurse/children/{child_id}/short-visits/new",
        {
            "kind": "scan",
            "start_date": "2027-03-12",
            "start_time": "10:30",
            "time_zone": "Europe/Amsterdam",
            "status": "planned",
        },
        "SELECT COUNT(*) FROM visit WHERE kind = 'scan'",
    ),
    (
        "nurse.edit_medication",
        "nurse",
        "/nurse/children/{child_id}/medications/{period_id}",
        "/nurse/children/{child_id}/medications/{period_id}",
        {"first_date": "2027-02-01", "last_date": "2027-02-14"},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'medication.changed'",
    ),
    (
        "diary.add_photo",
        "caregiver",
        "/diary/{report_uuid}",
        "/diary/{report_uuid}/photos",
        {"photo_id": "{photo_id}"},
        "SELECT COUNT(*) FROM report_photo",
    ),
    (
        "admin.accounts_page",
        "admin",
        "/admin/accounts",
        "/admin/accounts",
        {"display_name": "Anna", "email": "anna@example.org", "role": "nurse"},
        "SELECT COUNT(*) FROM account",
    ),
    (
        "admin.hospital_settings",
        "admin",
        "/admin/hospital",
        "/admin/hospital",
        {
            "name": "Ward B",
            "phone_daytime": "+31 30 123 4567",
            "phone_out_of_hours": "030 123 4500",
            "first_day": "1",
            "last_day": "5",
            "staffed_from": "08:00",
            "staffed_until": "17:00",
            "review_red_minutes": "30",
            "escalate_admins_minutes": "30",
            "review_green_days": "2",
        },
        "SELECT COUNT(*) FROM audit_log WHERE action = 'hospital.updated'",
    ),
    (
        "notifications.settings",
        "caregiver",
        "/settings/reminders",
        "/settings/reminders",
        {
            "reminders_enabled": "y",
            "quiet_start": "21:30",
            "quiet_end": "08:00",
            "dose_reminders": "y",
        },
        "SELECT COUNT(*) FROM notification_preference",
    ),
    (
        "doses.dose_times",
        "caregiver",
        "/doses/times",
        "/doses/times",
        {"medicines-0-medicine_id": "1", "medicines-0-time_1": "08:00", "remind": "y"},
        "SELECT COUNT(*) FROM dose_schedule",
    ),
    (
        "admin.fhir_clients",
        "admin",
        "/admin/hospital-systems",
        "/admin/hospital-systems",
        # Braces doubled: every value goes through str.format (fill, below).
        {"name": "HiX", "jwks": PUBLIC_JWKS.replace("{", "{{").replace("}", "}}"), "scopes": READ},
        "SELECT COUNT(*) FROM fhir_client",
    ),
    (
        "nurse.update_hospital_number",
        "nurse",
        "/nurse/children/{child_id}",
        "/nurse/children/{child_id}/hospital-number",
        {"hospital_number": "NL-5"},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'child.number_changed'",
    ),
    (
        "admin.medicines_page",
        "admin",
        "/admin/medicines",
        "/admin/medicines",
        {"name_nl": "Paracetamol", "name_en": "Paracetamol"},
        "SELECT COUNT(*) FROM home_medicine",
    ),
    (
        "admin.medicine_page",
        "admin",
        "/admin/medicines/1",
        "/admin/medicines/1",
        {"name_nl": "Isotretinoïne", "name_en": "Isotretinoin capsules"},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'medicines.updated'",
    ),
    (
        "admin.dose_flag",
        "admin",
        "/admin/dose-flag",
        "/admin/dose-flag",
        {"enabled": "y", "min_count": "3", "within_days": "4", "outcomes": "missed"},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'dose_flag.updated'",
    ),
    (
        "admin.checkins",
        "admin",
        "/admin/checkins",
        "/admin/checkins",
        {"after_stay_days": "2", "medicine_ids": "1"},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'checkins.updated'",
    ),
    (
        "admin.reminder_offsets",
        "admin",
        "/admin/reminders",
        "/admin/reminders",
        {"offsets-0-days_before": "2", "offsets-0-at_time": "18:00"},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'reminders.offsets_updated'",
    ),
    (
        "admin.visit_kinds",
        "admin",
        "/admin/visit-kinds",
        "/admin/visit-kinds",
        {"key": "csrf_kind", "name_en": "CSRF", "name_nl": "CSRF", "default_minutes": "30"},
        "SELECT COUNT(*) FROM visit_kind",
    ),
    (
        "admin.visit_kind",
        "admin",
        "/admin/visit-kinds/scan",
        "/admin/visit-kinds/scan",
        {"name_en": "Scan", "name_nl": "Scan", "default_minutes": "90", "active": "y"},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'visit_kind.changed'",
    ),
    (
        "admin.delete_visit_kind",
        "admin",
        "/admin/visit-kinds/local_blood_test",
        "/admin/visit-kinds/local_blood_test/delete",
        {},
        "SELECT COUNT(*) FROM audit_log WHERE action = 'visit_kind.deleted'",
    ),
]
# Posts that also carry a file (sent multipart): endpoint -> the file field's name.
FILE_POSTS = {"diary.add_photo": "photo", "messages.child_conversation": "photo"}
EMAILS = {
    "caregiver": "parent@example.org",
    "nurse": "nurse@example.org",
    "admin": "admin@example.org",
}


def _files(endpoint: str) -> dict[str, FileStorage] | None:
    if endpoint not in FILE_POSTS:
        return None
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(picture, "JPEG")
    picture.seek(0)
    return {
        FILE_POSTS[endpoint]: FileStorage(picture, filename="photo.jpg", content_type="image/jpeg")
    }


async def _rows(db: Database, sql: str) -> int:
    row = await db.fetch_one(sql)
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("case", FORM_POSTS, ids=[case[0] for case in FORM_POSTS])
async def test_form_post_without_csrf_token_is_refused(
    app: Quart,
    db: Database,
    people: People,
    case: tuple[str, str | None, str, str, dict[str, str], str],
) -> None:
    endpoint, role, page, url, form, counter = case
    second_child_id = await make_child(db, "Zoe", people.parent_id)
    async with db.transaction() as connection:
        plan_id = await create_plan(
            connection,
            child_id=people.child_id,
            start=date(2027, 1, 11),
            template=await plans.select_template(db),
            actor_id=None,
        )
    visit_id = (await plans.select_visits(db, plan_id))[0].id
    period_id = (await plans.select_medications(db, plan_id))[0].id
    report = {
        "id": str(uuid.uuid4()),
        "child_id": people.child_id,
        "observed_at": utcnow().isoformat(),
        "items": {"pain": 1},
        "note": "",
        "corrects": None,
    }
    [stored] = await sync.submit(db, people.parent_id, [report])
    # Two guidance pages, so the first can move down.
    guidance_id = await add_page(db, "pain", {"en": ("Pain", "Words.")})
    await add_page(db, "sleep-well", {"en": ("Sleep", "Rest.")})

    def fill(text: str) -> str:
        return text.format(
            guidance_id=guidance_id,
            child_id=people.child_id,
            parent_id=people.parent_id,
            second_child_id=second_child_id,
            other_child_id=people.other_child_id,
            visit_id=visit_id,
            period_id=period_id,
            report_uuid=stored.id,
            photo_id=str(uuid.uuid4()),
            today=utcnow().astimezone(ZoneInfo("Europe/Amsterdam")).date().isoformat(),
        )

    client = app.test_client()
    if role:
        await sign_in(client, EMAILS[role], staff=role != "caregiver")
    page, url, counter = fill(page), fill(url), fill(counter)
    data = {key: fill(value) for key, value in form.items()}
    before = await _rows(db, counter)

    refused = await client.post(url, form=data, files=_files(endpoint))
    assert refused.status_code != 302
    assert refused.status_code == 400 or EXPIRED in await refused.get_data(as_text=True)
    forged = await client.post(url, form={**data, "csrf_token": "forged"}, files=_files(endpoint))
    assert forged.status_code != 302
    assert await _rows(db, counter) == before

    token = csrf_from(await (await client.get(page)).get_data(as_text=True))
    accepted = await client.post(url, form={**data, "csrf_token": token}, files=_files(endpoint))
    assert accepted.status_code in {200, 302}, await accepted.get_data(as_text=True)
    assert await _rows(db, counter) > before


async def test_every_post_route_is_covered_by_the_csrf_test(app: Quart) -> None:
    """A new form route must be added to FORM_POSTS (or prove CSRF another way)."""
    tested = {case[0] for case in FORM_POSTS}
    # Covered elsewhere: invite/reset/second-factor/enrol/language have their own tests.
    elsewhere = {
        "accounts.invite",
        "accounts.reset",
        "accounts.enter_invite",
        "accounts.second_factor_code",
        "accounts.enrol_second_factor",
        "accounts.choose_language",
        "nurse.revoke_invite",
        "nurse.edit_short_visit",  # tests/test_short_visits.py (needs a short visit)
        "plans.revoke_calendar",  # tests/test_calendar.py
        "diary.sync_reports",  # JSON: same-origin rule, tests/test_diary_sync.py
        "messages.sync_messages",  # JSON: same-origin rule, tests/test_messages_api.py
        "doses.sync_doses",  # JSON: same-origin rule, tests/test_doses_api.py
        "doses.record",  # tests/test_doses_pages.py (a dose time that is due)
        "messages.release",  # tests/test_messages_pages.py
        "diary.upload_photo",  # multipart API: same-origin rule, tests/test_photos.py
        "messages.upload_photo",  # multipart API: same-origin rule, tests/test_message_photos.py
        "nurse.review_green",
        "nurse.report",  # tests/test_queue.py
        "nurse.release",
        "nurse.change_outcome",  # tests/test_queue.py, tests/test_claims.py
        "admin.close_record",  # tests/test_retention.py
        "admin.disable",
        "admin.enable",
        "admin.reset_second_factor",
        "admin.change_role",
        "admin.set_up_code",  # tests/test_admin_accounts.py
        "notifications.subscribe",
        "notifications.send_test",  # JSON: tests/test_push_views.py
        "notifications.remove_device",  # tests/test_push_views.py
        "admin.disable_fhir_client",  # tests/test_fhir_auth.py
        # Hospital systems: a signed assertion or a bearer token, never a cookie
        # (tests/test_fhir_auth.py shows a signed-in nurse's cookie opens nothing there).
        "fhir.token",
        "fhir.transaction",
    }
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    assert posts - tested - elsewhere == set()


async def test_token_from_one_session_does_not_work_in_another(app: Quart, people: People) -> None:
    first, second = app.test_client(), app.test_client()
    await sign_in(first, "nurse@example.org", staff=True)
    token = csrf_from(await (await first.get("/nurse/children")).get_data(as_text=True))
    await sign_in(second, "admin@example.org", staff=True)
    response = await second.post(
        "/nurse/children", form={"csrf_token": token, "nickname": "Kim", "birth_date": "2020-01-02"}
    )
    assert response.status_code != 302
    assert EXPIRED in await response.get_data(as_text=True)


async def test_csrf_failure_keeps_what_was_typed(app: Quart, people: People) -> None:
    client = app.test_client()
    await sign_in(client, "nurse@example.org", staff=True)
    response = await client.post(
        "/nurse/children",
        form={"nickname": "Kim", "birth_date": "2020-01-02", "hospital_number": "H-77"},
    )
    text = await response.get_data(as_text=True)
    assert 'value="Kim"' in text and 'value="H-77"' in text


# --- headers ------------------------------------------------------------------------


def _assert_security_headers(response: Any) -> None:
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    max_age = int(response.headers["Strict-Transport-Security"].split("max-age=")[1].split(";")[0])
    assert max_age >= 365 * 24 * 3600
    assert "includeSubDomains" in response.headers["Strict-Transport-Security"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    "path", ["/login", "/call", "/healthz", "/no-such-page", "/static/css/app.css", "/privacy"]
)
async def test_security_headers_on_every_kind_of_response(client: Any, path: str) -> None:
    response = await client.get(path)
    _assert_security_headers(response)
    if path == "/no-such-page":
        assert response.status_code == 404
        assert "We could not find this page" in await response.get_data(as_text=True)


async def test_pages_with_personal_data_are_not_stored(
    family_client: Any, nurse_client: Any
) -> None:
    for client, path in ((family_client, "/"), (nurse_client, "/nurse/children")):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        _assert_security_headers(response)


async def test_hashed_static_files_are_cached_forever_and_others_revalidated(client: Any) -> None:
    login = await (await client.get("/login")).get_data(as_text=True)
    hashed = login.split('rel="stylesheet" href="')[1].split('"')[0]
    assert "?v=" in hashed
    assert "immutable" in (await client.get(hashed)).headers["Cache-Control"]
    assert (await client.get("/static/css/app.css")).headers["Cache-Control"] == "no-cache"


async def test_forbidden_page_has_headers_and_no_details(family_client: Any) -> None:
    response = await family_client.get("/nurse/children")
    assert response.status_code == 403
    _assert_security_headers(response)
    assert "This page is not for your account" in await response.get_data(as_text=True)


async def test_server_error_page_is_generic(config: dict[str, Any], tmp_path: Any) -> None:
    from pwa.app import create_app

    app = create_app({**config, "PROPAGATE_EXCEPTIONS": False})

    @access(Access.PUBLIC)
    async def explode() -> str:
        raise RuntimeError("secret-internal-detail in /work/main/pwa/db.py line 42")

    app.add_url_rule("/explode", "explode", explode)
    async with app.test_app():
        client = app.test_client()
        response = await client.get("/explode", scheme="https")
        text = await response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in text
    for leak in ("Traceback", "secret-internal-detail", "RuntimeError", ".py"):
        assert leak not in text
    _assert_security_headers(response)


# --- the JSON rule -------------------------------------------------------------------


@pytest.fixture
async def json_app(config: dict[str, Any]) -> Any:
    from pwa.app import create_app
    from tests.conftest import HttpsClient

    app = create_app(config)
    app.test_client_class = HttpsClient  # type: ignore[assignment]  # QuartClient, not quart.typing's protocol

    @access(Access.SIGNED_IN)
    async def echo() -> dict[str, str]:
        return {"ok": "yes"}

    app.add_url_rule("/api/echo", "echo", echo, methods=["POST"])
    async with app.test_app():
        yield app


async def test_json_endpoints_need_json_and_same_origin(json_app: Quart, people: People) -> None:
    client = json_app.test_client()
    await sign_in(client, "parent@example.org")
    same = {"Origin": "https://localhost"}
    form_post = await client.post("/api/echo", form={"a": "b"}, headers=same)
    assert form_post.status_code == 415
    cross = await client.post("/api/echo", json={}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    cross_site = await client.post("/api/echo", json={}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403
    no_origin = await client.post("/api/echo", json={})
    assert no_origin.status_code == 403
    fine = await client.post("/api/echo", json={}, headers=same)
    assert fine.status_code == 200 and (await fine.get_json()) == {"ok": "yes"}
    assert fine.headers["Cache-Control"] == "no-store"
    by_fetch_metadata = await client.post(
        "/api/echo", json={}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert by_fetch_metadata.status_code == 200


async def test_same_origin_means_public_url_not_the_host_header(
    json_app: Quart, people: People
) -> None:
    """A foreign page that also names itself in Host (DNS rebinding,
    or a client setting Host by hand) is refused; only PUBLIC_URL's origin passes."""
    client = json_app.test_client()
    await sign_in(client, "parent@example.org")
    for foreign in ("https://evil.example", "http://localhost", "https://localhost:8443"):
        host = foreign.split("://", 1)[1]
        spoofed = await client.post("/api/echo", json={}, headers={"Origin": foreign, "Host": host})
        assert spoofed.status_code == 403, foreign
    own = await client.post(
        "/api/echo", json={}, headers={"Origin": "https://localhost", "Host": "evil.example"}
    )
    assert own.status_code == 200


@pytest.mark.parametrize(
    ("public_url", "origin"),
    [
        ("https://Care.Hospital.example/", "https://care.hospital.example"),
        ("https://care.hospital.example:443/app", "https://care.hospital.example"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://[::1]:8443", "https://[::1]:8443"),
    ],
)
def test_public_origin_is_written_as_a_browser_writes_origin(public_url: str, origin: str) -> None:
    from pwa.security import public_origin

    assert public_origin(public_url) == origin


async def test_json_endpoints_answer_401_in_json_when_signed_out(json_app: Quart) -> None:
    response = await json_app.test_client().post(
        "/api/echo", json={}, headers={"Origin": "https://localhost"}
    )
    assert response.status_code == 401
    assert (await response.get_json()) == {"error": "Unauthorized"}


# --- rate limits ---------------------------------------------------------------------

# Every guess counts, right or wrong (a code look-up, a current password): strict limits
# in memory, per client or account.
STRICT = {
    "accounts.change_password",
    "accounts.invite",
    "accounts.enter_invite",
    "accounts.reset",
}
# Failures counted in the database (pwa/accounts/lockout.py), so that many right answers
# from one address (a ward at shift change, a calendar service) are never refused; with
# an in-memory cap on their posts' hashing work, if they hash.
FAILURES_COUNTED = {
    "accounts.login": True,
    "accounts.second_factor_code": True,
    "accounts.enrol_second_factor": True,
    "plans.calendar_feed": False,
}
# Quart's own file route serves shipped files; the health check is polled by monitoring.
EXEMPT = {"static", "health.healthz"}


async def test_every_route_is_rate_limited_or_explicitly_exempt(app: Quart) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue  # Quart's own file route; served files only, see EXEMPT reasoning in docs
        view = app.view_functions[rule.endpoint]
        exempt = getattr(view, QUART_RATE_LIMITER_EXEMPT_ATTRIBUTE, False)
        own = getattr(view, QUART_RATE_LIMITER_LIMITS_ATTRIBUTE, [])
        counted = getattr(view, limits.FAILURES_COUNTED_ATTRIBUTE, False)
        if rule.endpoint in EXEMPT:
            assert exempt, rule.endpoint
            continue
        assert not exempt, f"{rule.endpoint} is exempt but not listed"
        assert counted == (rule.endpoint in FAILURES_COUNTED), rule.endpoint
        if rule.endpoint in STRICT:
            assert own and min(limit.count for limit in own) <= limits.PER_CLIENT * 2, rule.endpoint
            assert all(limit.period.total_seconds() >= 15 * 60 for limit in own)
        if FAILURES_COUNTED.get(rule.endpoint):
            assert [limit.count for limit in own] == [limits.SIGN_IN_POSTS_PER_CLIENT]
            assert own[0].period.total_seconds() >= 15 * 60, rule.endpoint


async def test_general_limit_answers_429_with_retry_after(config: dict[str, Any]) -> None:
    from pwa.app import create_app
    from tests.conftest import HttpsClient

    app = create_app({**config, "GENERAL_LIMIT_PER_MINUTE": 5})
    app.test_client_class = HttpsClient  # type: ignore[assignment]  # QuartClient, not quart.typing's protocol
    async with app.test_app():
        client = app.test_client()
        statuses = [(await client.get("/privacy")).status_code for _ in range(6)]
        limited = await client.get("/privacy")
    assert statuses[:5] == [200] * 5
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Too many attempts" in await limited.get_data(as_text=True)


@pytest.mark.parametrize(
    ("hops", "header", "remote", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.1", "10.0.0.1"),
        (1, "6.6.6.6, 1.2.3.4", "10.0.0.1", "1.2.3.4"),
        (1, "", "10.0.0.1", "10.0.0.1"),
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "10.0.0.1", "1.2.3.4"),
    ],
)
async def test_client_address_trusts_only_configured_proxies(
    config: dict[str, Any], hops: int, header: str, remote: str, expected: str
) -> None:
    from pwa.app import create_app
    from pwa.security import client_address

    app = create_app({**config, "TRUSTED_PROXIES": hops})
    # Quart copies the ASGI client address into this header, replacing anything sent.
    headers = {"Remote-Addr": remote, **({"X-Forwarded-For": header} if header else {})}
    async with app.test_request_context("/", headers=headers):
        assert client_address() == expected


async def test_expired_session_says_so_on_the_login_page(nurse_client: Any) -> None:
    import time_machine

    from pwa.clock import utcnow

    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        response = await nurse_client.get("/nurse/children")
        assert response.status_code == 302
        assert "expired=1" in response.location
        page = await nurse_client.get(response.location)
    assert "signed out because the session ended" in await page.get_data(as_text=True)


async def test_a_views_own_security_header_is_kept(config: dict[str, Any]) -> None:
    from pwa.app import create_app

    application = create_app(config)

    @application.route("/stricter")
    @access(Access.PUBLIC)
    async def stricter() -> Any:
        return "x", 200, {"Content-Security-Policy": "default-src 'none'", "x-frame-options": "x"}

    async with application.test_app():
        response = await application.test_client().get("/stricter")
    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert response.headers.getlist("X-Frame-Options") == ["x"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
