"""What the server will connect to (docs/security.md, "Push endpoints"): only
endpoints of the known push services are stored, exactly as checked; the sender checks
them again, never follows a redirect, and the device list says only works / not working."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from quart import Quart
from quart.typing import TestClientProtocol as Client

from pwa.config import DEFAULT_PUSH_SERVICE_HOSTS, ConfigError
from pwa.db import Database
from pwa.notifications import planner
from pwa.notifications import store as push_store
from pwa.notifications.endpoints import EndpointPolicy, EndpointRefused
from tests.conftest import People, fake_push_port
from tests.helpers.push import SUBSCRIPTIONS, run_sender, subscribe
from tests.helpers.push_service import Device
from tests.helpers.reports import SAME_ORIGIN
from tests.helpers.rows import count

REFUSED = [
    # The four of docs/security.md: cloud metadata, SSH, an internal network, Redis over IPv6.
    "https://169.254.169.254/latest",
    "https://127.0.0.1:22/",
    "https://10.0.0.1:8443/x",
    "https://[::1]:6379/",
    "http://fcm.googleapis.com/fcm/send/abc",
    "https://fcm.googleapis.com:8443/fcm/send/abc",
    "https://fcm.googleapis.com:99999/fcm/send/abc",
    "https://fcm.googleapis.com:/fcm/send/abc",
    "https://evil.example/push/abc",
    "https://user:secret@fcm.googleapis.com/fcm/send/abc",
    "https://fcm.googleapis.com@evil.example/fcm/send/abc",
    " https://fcm.googleapis.com/fcm/send/abc",
    "https://fcm.googleapis.com/fcm/send/abc\r\nX-Injected: 1",
    "https://fcm.googleapis.com/fcm/send/abc\n",
    "https://fcm.googleapis.com/fcm/send/a bc",
    "https://fcm.googleapis.com./fcm/send/abc",
    "https://fcm.googleapis.com.evil.example/fcm/send/abc",
    "https://push.apple.com.evil.example/abc",
    "https://evil.example\\.push.apple.com/abc",
    "https://evilpush.apple.com/abc",
    "https://2130706433/abc",
    "https://0x7f.0.0.1/abc",
    "https://fcm.googleapis.com/fcm/send/abc#@evil.example",
    "https://fcm.googleapis.com/fcm/send/%zz",
    "https://fcm.googleapis.com/fcm/send/é",
    "https://fcm.googleapis.com",
    "https://fcm.googleapis.com/" + "a" * 1100,
    "ftp://fcm.googleapis.com/abc",
    "//fcm.googleapis.com/abc",
]

ACCEPTED = [
    # Chrome on Android and desktop, Firefox, Safari on iPhone, Edge on Windows.
    "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ-hQMRKRrZuJAEcl7B338qju59zJMjw2DELjzEvxwYv7hH5Ynpc1ODQ0aT4U4OFEeBkWKRV-rFOIwSBRE7mv8_d1_5t",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABnNmJ1c2VybmFtZV9leGFtcGxlX3Rva2VuX2Zvcl90ZXN0cw",
    "https://web.push.apple.com/QGxyVUZxYm9yZGVyLXRlc3QtdG9rZW4tZm9yLXNhZmFyaQ",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAADfXtpfbl%2bYzNzZVN0%3d",
]


def keys() -> dict[str, str]:
    return Device(
        "x", "", ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
    ).subscription_json()["keys"]


@pytest.mark.parametrize("endpoint", REFUSED)
async def test_an_endpoint_outside_the_push_services_is_refused_and_nothing_stored(
    db: Database, family_client: Client, endpoint: str
) -> None:
    response = await family_client.post(
        SUBSCRIPTIONS, json={"endpoint": endpoint, "keys": keys()}, headers=SAME_ORIGIN
    )
    assert response.status_code == 400, endpoint
    body = await response.get_json()
    assert body["error"] == "Bad Request" and body["detail"].startswith("endpoint")
    assert await count(db, "SELECT COUNT(*) FROM push_subscription") == 0


@pytest.mark.parametrize("endpoint", ACCEPTED)
async def test_a_push_service_endpoint_is_stored_exactly_as_sent(
    db: Database, family_client: Client, endpoint: str
) -> None:
    response = await family_client.post(
        SUBSCRIPTIONS, json={"endpoint": endpoint, "keys": keys()}, headers=SAME_ORIGIN
    )
    assert response.status_code == 201
    assert [
        row["endpoint"] for row in await db.fetch_all("SELECT endpoint FROM push_subscription")
    ] == [endpoint]


async def test_an_endpoint_is_stored_normalised_once(db: Database, family_client: Client) -> None:
    """Port 443 said out loud and capitals in the host name are the same endpoint: stored
    (and later sent to) in one form, so the same phone is one device."""
    plain = "https://fcm.googleapis.com/fcm/send/abc:DEF"
    for spelling in (
        plain,
        "https://fcm.googleapis.com:443/fcm/send/abc:DEF",
        "HTTPS://FCM.GoogleAPIs.com/fcm/send/abc:DEF",
    ):
        response = await family_client.post(
            SUBSCRIPTIONS, json={"endpoint": spelling, "keys": keys()}, headers=SAME_ORIGIN
        )
        assert response.status_code == 201, spelling
    rows = await db.fetch_all("SELECT endpoint FROM push_subscription")
    assert [row["endpoint"] for row in rows] == [plain]


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", SUBSCRIPTIONS), ("DELETE", SUBSCRIPTIONS), ("POST", "/api/push/test")],
)
async def test_push_api_bodies_over_8_kb_are_refused(
    db: Database, family_client: Client, method: str, path: str
) -> None:
    """A subscription is a few hundred bytes; 17 KB is refused with 413 before parsing."""
    body = {"endpoint": ACCEPTED[0], "keys": keys(), "label": "x" * 17 * 1024}
    response = await family_client.open(path, method=method, json=body, headers=SAME_ORIGIN)
    assert response.status_code == 413
    assert (await response.get_json())["error"] == "Request Entity Too Large"
    assert await count(db, "SELECT COUNT(*) FROM push_subscription") == 0
    assert await count(db, "SELECT COUNT(*) FROM notification_job WHERE kind = 'test'") == 0


def test_wildcards_cover_names_under_the_domain_only() -> None:
    policy = EndpointPolicy(("web.push.apple.com", "*.push.apple.com", "*.notify.windows.com"))
    for good in ("https://api.push.apple.com/x", "https://wns2-bl2p.notify.windows.com/w/?token=a"):
        assert policy.check(good) == good
    for bad in ("https://push.apple.com/x", "https://notify.windows.com/x", "https://apple.com/x"):
        with pytest.raises(EndpointRefused):
            policy.check(bad)


@pytest.mark.parametrize(
    ("hosts", "insecure", "message"),
    [
        ("fcm.googleapis.com 127.0.0.1:8123", False, "PUSH_ALLOW_INSECURE_TEST_SERVICE"),
        ("10.0.0.1", False, "not a host name"),
        ("fcm.googleapis.com:8443", False, "not a host name"),
        ("127.0.0.1:99999", True, "no such port"),
        ("*", False, "not a host name"),
    ],
)
def test_push_service_hosts_that_are_not_host_names_stop_the_app(
    hosts: str, insecure: bool, message: str
) -> None:
    config = {"PUSH_SERVICE_HOSTS": hosts, "PUSH_ALLOW_INSECURE_TEST_SERVICE": insecure}
    with pytest.raises(ConfigError, match=message):
        EndpointPolicy.from_config(config)


def test_the_defaults_name_the_push_services_of_the_big_browsers() -> None:
    policy = EndpointPolicy.from_config(
        {
            "PUSH_SERVICE_HOSTS": DEFAULT_PUSH_SERVICE_HOSTS,
            "PUSH_ALLOW_INSECURE_TEST_SERVICE": False,
        }
    )
    assert policy.test_ports == ()
    for endpoint in ACCEPTED:
        assert policy.check(endpoint) == endpoint


# --- the sender -------------------------------------------------------------------------


@dataclass
class Listener:
    """A tiny HTTP server on 127.0.0.1: answers every request with ``status`` (and a
    Location when it redirects) and counts the connections it got."""

    status: int = 201
    location: str = ""
    connections: int = 0
    requests: list[str] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests.append(head.split(b"\r\n", 1)[0].decode())
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        location = f"Location: {self.location}\r\n" if self.location else ""
        writer.write(
            f"HTTP/1.1 {self.status} Answer\r\n{location}Content-Length: 0\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def listeners(config: dict[str, Any]) -> AsyncIterator[tuple[Listener, Listener]]:
    """A stand-in push service on the port the app allows, and a target elsewhere."""
    service, target = Listener(), Listener()
    target_server = await asyncio.start_server(target.handle, "127.0.0.1", 0)
    target.port = target_server.sockets[0].getsockname()[1]
    service.port = fake_push_port(config)
    service_server = await asyncio.start_server(service.handle, "127.0.0.1", service.port)
    yield service, target
    for server in (service_server, target_server):
        server.close()
        await server.wait_closed()


async def plan_test_push(db: Database, account_id: int) -> None:
    async with db.transaction() as connection:
        await planner.plan_test(connection, account_id, "endpoints")


def device_at(endpoint: str) -> Device:
    return Device("d", endpoint, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_the_sender_never_follows_a_redirect(
    app: Quart,
    db: Database,
    people: People,
    family_client: Client,
    listeners: tuple[Listener, Listener],
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A push service answering 3xx towards another local address: nothing connects
    there, the delivery fails (not retried), the log and the page name no endpoint."""
    service, target = listeners
    service.status, service.location = status, f"http://127.0.0.1:{target.port}/internal"
    endpoint = f"http://127.0.0.1:{service.port}/push/redirecting"
    await subscribe(db, app, people.parent_id, device_at(endpoint))
    await plan_test_push(db, people.parent_id)
    with caplog.at_level(logging.INFO):
        summary = await run_sender(app, db)
    assert service.connections == 1 and service.requests[0].startswith("POST /push/redirecting")
    assert target.connections == 0
    assert summary.failed == 1 and summary.retried == 0
    [delivery] = await db.fetch_all("SELECT status, last_status FROM notification_delivery")
    assert (delivery["status"], delivery["last_status"]) == ("failed", status)
    [job] = await db.fetch_all("SELECT status FROM notification_job WHERE kind = 'test'")
    assert job["status"] == "failed"
    [problem] = await db.fetch_all("SELECT kind, detail FROM push_problem")
    assert problem["kind"] == "push_redirect" and endpoint not in problem["detail"]
    assert "redirect" in caplog.text and endpoint not in caplog.text
    assert f"{service.port}" not in caplog.text
    # A second run sends nothing more: the delivery is final.
    await run_sender(app, db)
    assert service.connections == 1 and target.connections == 0
    page = await (await family_client.get("/settings/reminders")).get_data(as_text=True)
    assert "Not working" in page
    # The status as its own word: a random token in the page may hold the digits "307".
    assert not re.search(rf"\b{status}\b", page)
    for leaked in (endpoint, "redirect", "Location", "127.0.0.1"):
        assert leaked not in page, leaked


@pytest.mark.parametrize(
    "stored",
    [
        "https://127.0.0.1:{port}/x",  # an IP literal stored before endpoints were checked
        "http://127.0.0.1:{port}/x",  # a local port the settings do not list
        " http://127.0.0.1:{allowed}/x",  # stored as sent, with its blank
    ],
)
async def test_the_sender_never_connects_to_a_stored_endpoint_the_settings_do_not_allow(
    app: Quart,
    db: Database,
    people: People,
    family_client: Client,
    listeners: tuple[Listener, Listener],
    stored: str,
) -> None:
    """Rows stored under an older or wider setting are checked again before each send: the
    device is switched off (the phone subscribes again when the app next opens), an admin
    is told, and nothing connects."""
    service, target = listeners
    endpoint = stored.format(port=target.port, allowed=service.port)
    device_id = await subscribe(db, app, people.parent_id, device_at(endpoint))
    await plan_test_push(db, people.parent_id)
    summary = await run_sender(app, db)
    assert target.connections == 0 and service.connections == 0
    assert summary.failed == 1
    [row] = await db.fetch_all(
        "SELECT disabled_at FROM push_subscription WHERE id = ?", (device_id,)
    )
    assert row["disabled_at"] is not None
    [problem] = await db.fetch_all("SELECT kind, detail FROM push_problem")
    assert (problem["kind"], problem["detail"]) == ("endpoint_refused", f"device {device_id}")
    page = await (await family_client.get("/settings/reminders")).get_data(as_text=True)
    assert "127.0.0.1" not in page


async def test_the_allowed_stand_in_still_gets_its_push(
    app: Quart, db: Database, people: People, listeners: tuple[Listener, Listener]
) -> None:
    """The control: the same sender reaches the listed local test service."""
    service, target = listeners
    await subscribe(
        db, app, people.parent_id, device_at(f"http://127.0.0.1:{service.port}/push/ok")
    )
    await plan_test_push(db, people.parent_id)
    summary = await run_sender(app, db)
    assert summary.sent == 1 and service.connections == 1 and target.connections == 0


async def test_the_admin_status_page_names_refused_endpoints_and_redirects(
    db: Database, admin_client: Client
) -> None:
    async with db.transaction() as connection:
        await push_store.record_problem(connection, "push_redirect", "status 302, device 4")
        await push_store.record_problem(connection, "endpoint_refused", "device 5")
    page = await (await admin_client.get("/admin/status")).get_data(as_text=True)
    assert "answered with a redirect (3xx); it was not followed" in page
    assert "not one of PWA_PUSH_SERVICE_HOSTS" in page
    assert "device 5" in page and "push_redirect" not in page


async def test_a_phone_removes_its_subscription_in_any_spelling_of_its_endpoint(
    db: Database, family_client: Client
) -> None:
    stored = "https://fcm.googleapis.com/fcm/send/abc:DEF"
    await family_client.post(
        SUBSCRIPTIONS, json={"endpoint": stored, "keys": keys()}, headers=SAME_ORIGIN
    )
    response = await family_client.delete(
        SUBSCRIPTIONS,
        json={"endpoint": "https://FCM.googleapis.com:443/fcm/send/abc:DEF"},
        headers=SAME_ORIGIN,
    )
    assert response.status_code == 204
    assert await count(db, "SELECT COUNT(*) FROM push_subscription") == 0
