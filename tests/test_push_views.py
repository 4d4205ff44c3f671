"""Reminders as people use them: the push API a page calls, the reminders settings page,
the admin's offsets and status panel, /healthz, the nurse pages and `pwa send-reminders`."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from pwa import cli, demo
from pwa.clock import utcnow
from pwa.db import Database, to_db
from pwa.notifications import devices
from pwa.notifications import store as push_store
from pwa.notifications.devices import InvalidSubscription, endpoint_digest
from pwa.notifications.endpoints import EndpointPolicy
from tests.conftest import People, get_csrf, make_plan, post_form
from tests.helpers.push import SUBSCRIPTIONS, browser_subscription, run_sender, subscribe
from tests.helpers.push_service import PushService
from tests.helpers.reports import SAME_ORIGIN
from tests.helpers.rows import count, jobs

NO_REMINDERS = "No working reminders — phone the family before each stay"
FAMILY_PREFERENCES = {"reminders_enabled": "y", "quiet_start": "21:30", "quiet_end": "08:00"}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def future_monday(weeks: int = 6) -> date:
    today = date.today()
    return today + timedelta(days=7 * weeks - today.weekday())


# --- the JSON API ---------------------------------------------------------------------


async def test_public_key_is_the_vapid_key_and_lists_known_devices_as_digests(
    app: Quart,
    db: Database,
    people: People,
    family_client: Client,
    push_service: PushService,
) -> None:
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    body = await (await family_client.get("/api/push/public-key")).get_json()
    assert body["publicKey"] == app.extensions["vapid"].public_key
    assert body["devices"] == [endpoint_digest(device.endpoint)]
    assert device.endpoint not in str(body)
    signed_out = await app.test_client().get("/api/push/public-key")
    assert signed_out.status_code == 401


async def test_a_browser_subscription_is_stored_once_for_the_caller(
    db: Database, people: People, family_client: Client, push_service: PushService
) -> None:
    subscription = browser_subscription(push_service, label="  Kitchen   tablet ")
    first = await family_client.post(SUBSCRIPTIONS, json=subscription, headers=SAME_ORIGIN)
    assert first.status_code == 201
    again = await family_client.post(SUBSCRIPTIONS, json=subscription, headers=SAME_ORIGIN)
    assert again.status_code == 201
    [row] = await db.fetch_all(
        "SELECT account_id, endpoint, p256dh, auth, device_label FROM push_subscription"
    )
    assert row["account_id"] == people.parent_id
    assert row["endpoint"] == subscription["endpoint"]
    assert row["p256dh"] == subscription["keys"]["p256dh"]
    assert row["device_label"] == "Kitchen tablet"
    listed = await (await family_client.get("/api/push/public-key")).get_json()
    assert listed["devices"] == [endpoint_digest(subscription["endpoint"])]


async def test_an_unnamed_device_is_named_after_the_browser(
    db: Database, people: People, family_client: Client, push_service: PushService
) -> None:
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"
    )
    response = await family_client.post(
        SUBSCRIPTIONS,
        json=browser_subscription(push_service),
        headers={**SAME_ORIGIN, "User-Agent": iphone},
    )
    assert response.status_code == 201
    row = await db.fetch_one("SELECT device_label FROM push_subscription")
    assert row is not None and row["device_label"] == "iPhone · Safari"


def _bad_subscriptions(push_service: PushService) -> list[tuple[str, Any]]:
    good = browser_subscription(push_service)
    keys = good["keys"]
    point = base64.urlsafe_b64decode(keys["p256dh"] + "==")
    compressed = bytes([2 + (point[-1] & 1)]) + point[1:33]
    off_curve = b"\x04" + bytes(range(1, 65))
    return [
        ("not an object", ["endpoint"]),
        ("no endpoint", {"keys": keys}),
        ("plain http elsewhere", {**good, "endpoint": "http://push.example/abc"}),
        ("not a URL", {**good, "endpoint": "push-service"}),
        ("credentials in URL", {**good, "endpoint": "https://user:pw@push.example/abc"}),
        ("endpoint too long", {**good, "endpoint": "https://push.example/" + "a" * 3000}),
        ("no keys", {"endpoint": good["endpoint"]}),
        ("p256dh too short", {**good, "keys": {**keys, "p256dh": b64url(point[:64])}}),
        ("compressed point", {**good, "keys": {**keys, "p256dh": b64url(compressed)}}),
        ("not on the curve", {**good, "keys": {**keys, "p256dh": b64url(off_curve)}}),
        ("not base64url", {**good, "keys": {**keys, "p256dh": keys["p256dh"][:-4] + "+/+/"}}),
        ("auth of 15 bytes", {**good, "keys": {**keys, "auth": b64url(os.urandom(15))}}),
        ("auth not text", {**good, "keys": {**keys, "auth": 16}}),
        ("label not text", {**good, "label": ["phone"]}),
    ]


async def test_bad_subscriptions_are_refused_and_nothing_is_stored(
    db: Database, people: People, family_client: Client, push_service: PushService
) -> None:
    for name, body in _bad_subscriptions(push_service):
        response = await family_client.post(SUBSCRIPTIONS, json=body, headers=SAME_ORIGIN)
        assert response.status_code == 400, name
    assert await count(db, "SELECT COUNT(*) FROM push_subscription") == 0


def test_plain_http_is_only_for_the_listed_local_test_service() -> None:
    key = b64url(
        bytes.fromhex("04")
        + bytes.fromhex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")
        + bytes.fromhex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
    )  # the P-256 generator point: a valid public key
    body = {
        "endpoint": "http://127.0.0.1:9/push/x",
        "keys": {"p256dh": key, "auth": b64url(b"a" * 16)},
    }
    development = EndpointPolicy(("fcm.googleapis.com",), test_ports=(9,))
    production = EndpointPolicy(("fcm.googleapis.com",))
    assert devices.parse(body, endpoints=development, user_agent="").endpoint == body["endpoint"]
    with pytest.raises(InvalidSubscription):
        devices.parse(body, endpoints=production, user_agent="")
    for elsewhere in ("http://localhost:9/x", "http://127.0.0.1:10/x", "https://127.0.0.1:9/x"):
        with pytest.raises(InvalidSubscription):
            devices.parse({**body, "endpoint": elsewhere}, endpoints=development, user_agent="")


async def test_push_api_calls_must_be_same_origin_json(
    db: Database, people: People, family_client: Client, push_service: PushService
) -> None:
    subscription = browser_subscription(push_service)
    for method, path, body in (
        ("POST", SUBSCRIPTIONS, subscription),
        ("DELETE", SUBSCRIPTIONS, {"endpoint": subscription["endpoint"]}),
        ("POST", "/api/push/test", {}),
    ):
        cross = await family_client.open(
            path, method=method, json=body, headers={"Origin": "https://evil.example"}
        )
        assert cross.status_code == 403, (method, path)
        no_origin = await family_client.open(path, method=method, json=body)
        assert no_origin.status_code == 403, (method, path)
        as_form = await family_client.open(
            path, method=method, form={"endpoint": "x"}, headers=SAME_ORIGIN
        )
        assert as_form.status_code == 415, (method, path)
    assert await count(db, "SELECT COUNT(*) FROM push_subscription") == 0
    assert await count(db, "SELECT COUNT(*) FROM notification_job WHERE kind = 'test'") == 0


async def test_unsubscribing_removes_only_the_callers_own_device(
    app: Quart,
    db: Database,
    people: People,
    family_client: Client,
    push_service: PushService,
) -> None:
    mine, theirs = push_service.new_device(), push_service.new_device()
    await subscribe(db, app, people.parent_id, mine)
    await subscribe(db, app, people.other_parent_id, theirs)
    other = await family_client.delete(
        SUBSCRIPTIONS, json={"endpoint": theirs.endpoint}, headers=SAME_ORIGIN
    )
    assert other.status_code == 404
    unknown = await family_client.delete(
        SUBSCRIPTIONS, json={"endpoint": "https://push.example/x"}, headers=SAME_ORIGIN
    )
    assert unknown.status_code == 404
    assert await count(db, "SELECT COUNT(*) FROM push_subscription") == 2
    gone = await family_client.delete(
        SUBSCRIPTIONS, json={"endpoint": mine.endpoint}, headers=SAME_ORIGIN
    )
    assert gone.status_code == 204
    [left] = await db.fetch_all("SELECT endpoint FROM push_subscription")
    assert left["endpoint"] == theirs.endpoint
    missing = await family_client.delete(SUBSCRIPTIONS, json={}, headers=SAME_ORIGIN)
    assert missing.status_code == 400


async def test_a_test_notification_is_planned_for_the_caller_and_arrives(
    app: Quart,
    db: Database,
    people: People,
    family_client: Client,
    push_service: PushService,
) -> None:
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    response = await family_client.post("/api/push/test", json={}, headers=SAME_ORIGIN)
    assert response.status_code == 202
    # Tests run without the in-app sender: the loop (or cron) would send it.
    assert await response.get_json() == {"status": "queued", "devices": 1, "sendingNow": False}
    [job] = await jobs(db, "kind = 'test'")
    assert job["recipient_id"] == people.parent_id and job["status"] == "pending"
    await run_sender(app, db)
    [delivery] = push_service.for_device(device)
    assert delivery.path == "/settings/reminders"
    assert delivery.notification["tag"].startswith("test:")


async def test_the_in_app_sender_sends_a_test_at_once(
    app: Quart,
    db: Database,
    people: People,
    family_client: Client,
    push_service: PushService,
) -> None:
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    app.config["TESTING"] = False  # as served: the sender runs in this process
    try:
        response = await family_client.post("/api/push/test", json={}, headers=SAME_ORIGIN)
        assert (await response.get_json())["sendingNow"] is True
        for _ in range(100):
            if push_service.for_device(device):
                break
            await asyncio.sleep(0.05)
    finally:
        app.config["TESTING"] = True
    assert len(push_service.for_device(device)) == 1


# --- the reminders page -----------------------------------------------------------------


async def test_reminders_page_lists_the_callers_devices_only(
    app: Quart,
    db: Database,
    people: People,
    family_client: Client,
    push_service: PushService,
) -> None:
    mine, theirs = push_service.new_device(), push_service.new_device()
    mine_id = await subscribe(db, app, people.parent_id, mine)
    await subscribe(db, app, people.other_parent_id, theirs)
    async with db.transaction() as connection:
        await push_store.record_success(connection, mine_id)
    page = await (await family_client.get("/settings/reminders")).get_data(as_text=True)
    assert page.count("data-endpoint-digest=") == 1
    assert endpoint_digest(mine.endpoint) in page and endpoint_digest(theirs.endpoint) not in page
    assert mine.endpoint not in page
    assert "Working" in page and "Reminders on this phone" in page
    assert "Tap the Share button" in page  # the iPhone steps, revealed by push.js
    assert "quiet_start" in page and "red_alerts" not in page


async def test_removing_a_device_needs_the_token_and_ownership(
    app: Quart,
    db: Database,
    people: People,
    family_client: Client,
    push_service: PushService,
) -> None:
    mine = await subscribe(db, app, people.parent_id, push_service.new_device())
    theirs = await subscribe(db, app, people.other_parent_id, push_service.new_device())
    without = await family_client.post(f"/settings/reminders/devices/{mine}/remove", form={})
    assert without.status_code == 400
    token = await get_csrf(family_client, "/settings/reminders")
    foreign = await family_client.post(
        f"/settings/reminders/devices/{theirs}/remove", form={"csrf_token": token}
    )
    assert foreign.status_code == 404
    assert await count(db, "SELECT COUNT(*) FROM push_subscription") == 2
    removed = await family_client.post(
        f"/settings/reminders/devices/{mine}/remove", form={"csrf_token": token}
    )
    assert removed.status_code == 302 and removed.location == "/settings/reminders"
    [left] = await db.fetch_all("SELECT id FROM push_subscription")
    assert left["id"] == theirs


async def test_switching_reminders_off_cancels_and_on_plans_again(
    db: Database, people: People, family_client: Client
) -> None:
    await make_plan(db, people.child_id, future_monday())
    mine = f"recipient_id = {people.parent_id} AND kind LIKE 'visit_reminder%'"
    planned = len(await jobs(db, f"{mine} AND status = 'pending'"))
    assert planned >= 2
    off = await post_form(
        family_client, "/settings/reminders", {"quiet_start": "21:30", "quiet_end": "08:00"}
    )
    assert off.status_code == 302
    assert await jobs(db, f"{mine} AND status = 'pending'") == []
    preference = await push_store.select_preference(db, people.parent_id)
    assert preference.reminders_enabled is False
    on = await post_form(family_client, "/settings/reminders", FAMILY_PREFERENCES)
    assert on.status_code == 302
    assert len(await jobs(db, f"{mine} AND status = 'pending'")) == planned
    other = f"recipient_id = {people.other_parent_id}"
    assert await jobs(db, f"{other} AND status = 'cancelled'") == []


async def test_preferences_are_saved_and_checked(
    db: Database, people: People, family_client: Client
) -> None:
    saved = await post_form(
        family_client,
        "/settings/reminders",
        {
            **FAMILY_PREFERENCES,
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "dose_reminders": "y",
        },
    )
    assert saved.status_code == 302
    preference = await push_store.select_preference(db, people.parent_id)
    assert preference.dose_reminders is True
    assert preference.quiet_start.strftime("%H:%M") == "22:00"
    for problem, message in (
        ({"quiet_end": "22:00"}, "must end at another time"),
        ({"quiet_start": ""}, "Enter a time like 21:30."),
    ):
        form = {**FAMILY_PREFERENCES, "quiet_start": "22:00", "quiet_end": "07:00", **problem}
        response = await post_form(family_client, "/settings/reminders", form)
        assert response.status_code == 200
        assert message in await response.get_data(as_text=True)
    assert await push_store.select_preference(db, people.parent_id) == preference


async def test_nurses_choose_red_alerts_for_their_own_devices(
    db: Database, people: People, nurse_client: Client
) -> None:
    page = await (await nurse_client.get("/settings/reminders")).get_data(as_text=True)
    assert "red_alerts" in page and "quiet_start" not in page
    response = await post_form(nurse_client, "/settings/reminders", {"red_alerts": "y"})
    assert response.status_code == 302
    assert (await push_store.select_preference(db, people.nurse_id)).red_alerts is True
    assert (
        await count(
            db, "SELECT COUNT(*) FROM audit_log WHERE action = 'reminders.preferences_updated'"
        )
        == 1
    )
    await post_form(nurse_client, "/settings/reminders", {})
    assert (await push_store.select_preference(db, people.nurse_id)).red_alerts is False


# --- admin ------------------------------------------------------------------------------


OFFSETS_FORM = {
    "offsets-0-days_before": "3",
    "offsets-0-at_time": "09:00",
    "offsets-1-days_before": "1",
    "offsets-1-at_time": "18:00",
}


async def test_admin_offsets_replace_the_reminders_of_every_open_plan(
    db: Database, people: People, admin_client: Client
) -> None:
    page = await (await admin_client.get("/admin/reminders")).get_data(as_text=True)
    assert "to be confirmed by your clinical team" in page and 'value="18:00"' in page
    await make_plan(db, people.child_id, future_monday())
    await make_plan(db, people.other_child_id, future_monday(8))
    response = await post_form(admin_client, "/admin/reminders", OFFSETS_FORM)
    assert response.status_code == 302
    offsets = await push_store.select_offsets(db)
    assert [(days, at.strftime("%H:%M")) for days, at in offsets] == [(3, "09:00"), (1, "18:00")]
    pending = {
        row["kind"] for row in await jobs(db, "status = 'pending' AND kind LIKE 'visit_reminder%'")
    }
    assert pending == {"visit_reminder:3:09:00", "visit_reminder:1:18:00"}
    for child_recipient in (people.parent_id, people.other_parent_id):
        rows = await jobs(
            db, f"recipient_id = {child_recipient} AND kind = 'visit_reminder:3:09:00'"
        )
        assert rows, "every open plan is planned again"
    cancelled = await jobs(db, "kind = 'visit_reminder:7:18:00'")
    assert cancelled and {row["status"] for row in cancelled} == {"cancelled"}
    [entry] = await db.fetch_all(
        "SELECT detail FROM audit_log WHERE action = 'reminders.offsets_updated'"
    )
    assert entry["detail"].startswith("3@09:00, 1@18:00")


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "Keep at least one reminder"),
        (
            {**OFFSETS_FORM, "offsets-1-days_before": "3", "offsets-1-at_time": "09:00"},
            "in the list already",
        ),
        (
            {"offsets-0-days_before": "61", "offsets-0-at_time": "18:00"},
            "Enter a number from 0 to 60.",
        ),
        ({"offsets-0-days_before": "2"}, "Please fill this in."),
    ],
)
async def test_admin_offsets_are_validated(
    db: Database,
    people: People,
    admin_client: Client,
    form: dict[str, str],
    message: str,
) -> None:
    before = await push_store.select_offsets(db)
    response = await post_form(admin_client, "/admin/reminders", form)
    assert response.status_code == 200
    assert message in await response.get_data(as_text=True)
    assert await push_store.select_offsets(db) == before


async def test_admin_home_links_the_reminder_pages(admin_client: Client) -> None:
    page = await (await admin_client.get("/admin/")).get_data(as_text=True)
    assert 'href="/admin/reminders"' in page and 'href="/admin/status"' in page


async def _beat(db: Database, at: datetime) -> None:
    async with db.transaction() as connection:
        await connection.execute(
            "INSERT INTO sender_heartbeat (name, beat_at) VALUES ('sender', :at)"
            " ON CONFLICT (name) DO UPDATE SET beat_at = excluded.beat_at",
            {"at": to_db(at)},
        )


async def test_status_panel_shows_problems_and_a_stopped_sender(
    app: Quart,
    db: Database,
    people: People,
    admin_client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with db.transaction() as connection:
        await push_store.record_problem(connection, "vapid_rejected", "status 403, job 7")
    await _beat(db, utcnow() - timedelta(minutes=10, seconds=7))
    app.config["TESTING"] = False  # as served with the in-app sender
    try:
        with caplog.at_level(logging.ERROR, logger="pwa.notifications.status"):
            page = await (await admin_client.get("/admin/status")).get_data(as_text=True)
    finally:
        app.config["TESTING"] = True
    assert "Stopped" in page and "Reminders are not going out" in page
    assert "refused our key (401/403)" in page and "status 403, job 7" in page
    assert any("sender has stopped" in record.message for record in caplog.records)
    await _beat(db, utcnow())
    app.config["TESTING"] = False
    try:
        page = await (await admin_client.get("/admin/status")).get_data(as_text=True)
    finally:
        app.config["TESTING"] = True
    assert "Running" in page and "Stopped" not in page


async def test_healthz_reports_the_sender(app: Quart, db: Database, client: Client) -> None:
    off = await (await client.get("/healthz")).get_json()
    assert off["sender"] == "off" and off["status"] == "ok"
    app.config["TESTING"] = False
    try:
        await _beat(db, utcnow())
        fresh = await client.get("/healthz")
        assert (await fresh.get_json())["sender"] == "ok"
        await _beat(db, utcnow() - timedelta(seconds=91))
        stale = await client.get("/healthz")
    finally:
        app.config["TESTING"] = True
    assert stale.status_code == 200  # the pages still work: reported, not failed (docs/api.md)
    assert await stale.get_json() == {
        "status": "degraded",
        "database": "ok",
        "migrations": off["migrations"],
        "sender": "stale",
    }


# --- nurse pages ------------------------------------------------------------------------


async def test_nurses_see_which_families_have_no_working_reminders(
    app: Quart,
    db: Database,
    people: People,
    nurse_client: Client,
    push_service: PushService,
) -> None:
    async def shown() -> tuple[int, bool]:
        listing = await (await nurse_client.get("/nurse/children")).get_data(as_text=True)
        child = await (await nurse_client.get(f"/nurse/children/{people.child_id}")).get_data(
            as_text=True
        )
        return listing.count(NO_REMINDERS), NO_REMINDERS in child

    assert await shown() == (2, True)
    subscription_id = await subscribe(db, app, people.parent_id, push_service.new_device())
    assert await shown() == (2, True), "subscribed but never delivered is not working yet"
    async with db.transaction() as connection:
        await push_store.record_success(connection, subscription_id)
    assert await shown() == (1, False)
    async with db.transaction() as connection:
        await push_store.record_failure(connection, subscription_id, 500)
    assert await shown() == (2, True), "failing since its last success"
    async with db.transaction() as connection:
        await push_store.record_success(connection, subscription_id)
        await push_store.save_preference(
            connection, people.parent_id, push_store.Preference(reminders_enabled=False)
        )
    assert await shown() == (2, True), "reminders switched off reach nobody"


# --- the command line, demo data and the worker's settings -------------------------------


async def test_send_reminders_command_delivers_a_due_job(
    app: Quart,
    db: Database,
    people: People,
    push_service: PushService,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    device = push_service.new_device()
    await subscribe(db, app, people.parent_id, device)
    async with db.transaction() as connection:
        from pwa.notifications.planner import plan_test

        await plan_test(connection, people.parent_id, "cli")
    for name in [name for name in os.environ if name.startswith("PWA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PWA_INSTANCE_PATH", app.config["INSTANCE_PATH"])
    monkeypatch.setenv("PWA_DATABASE", app.config["DATABASE"])
    monkeypatch.setenv("PWA_PUSH_SERVICE_HOSTS", app.config["PUSH_SERVICE_HOSTS"])
    monkeypatch.setenv("PWA_PUSH_ALLOW_INSECURE_TEST_SERVICE", "true")
    status = await asyncio.to_thread(cli.main, ["send-reminders"])
    assert status == 0
    assert "sent 1" in capsys.readouterr().out
    [delivery] = push_service.for_device(device)
    assert delivery.notification["tag"] == "test:cli:test"
    row = await db.fetch_one("SELECT status FROM notification_job WHERE test_token = 'cli'")
    assert row is not None and row["status"] == "sent"
    beat = await db.fetch_one("SELECT beat_at FROM sender_heartbeat WHERE name = 'cli'")
    assert beat is not None


async def test_the_demo_nurse_has_red_alerts_on(app: Quart, db: Database) -> None:
    assert await demo.load(app, db, datetime.now(UTC).date())
    nurse = await db.fetch_one("SELECT id FROM account WHERE role = 'nurse'")
    assert nurse is not None
    assert (await push_store.select_preference(db, nurse["id"])).red_alerts is True


async def test_the_worker_carries_a_fallback_notification_in_every_language(
    client: Client,
) -> None:
    worker = await (await client.get("/sw.js")).get_data(as_text=True)
    assert "There is news for you in the app" in worker
    assert "icons/badge-96.png?v=" in worker and "icons/icon-192.png?v=" in worker
    assert 'addEventListener("push", onPush)' in worker
    assert 'addEventListener("notificationclick", onNotificationClick)' in worker


async def test_settings_links_the_reminders_page(family_client: Client) -> None:
    page = await (await family_client.get("/settings")).get_data(as_text=True)
    assert 'href="/settings/reminders"' in page
    home = await (await family_client.get("/")).get_data(as_text=True)
    assert "js/push.js?v=" in home
