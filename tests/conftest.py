"""Shared fixtures: a fresh app and migrated SQLite database per test, signed-in clients."""

from __future__ import annotations

import re
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from quart import Quart
from quart.testing import QuartClient
from quart.typing import TestClientProtocol

from pwa.accounts import second_factor
from pwa.accounts import store as accounts
from pwa.accounts.passwords import hash_password
from pwa.app import create_app
from pwa.config import DEFAULT_PUSH_SERVICE_HOSTS, DEMO_TOTP_SECRET
from pwa.db import Database
from pwa.families import store as families
from pwa.plans import changes as plan_changes
from pwa.plans import store as plans
from pwa.schema import migrate

# Staff accounts made by the tests share the demo staff's authenticator secret.
TOTP_SECRET = DEMO_TOTP_SECRET
PASSWORD = "quiet-lighthouse-morning"
_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


class HttpsClient(QuartClient):
    """The test client over https, as the app is served in production (Secure cookies)."""

    async def open(self, path: str, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("scheme", "https")
        return await super().open(path, *args, **kwargs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_config(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-production-checks",
        "PUBLIC_URL": "https://localhost",
        "TESTING": True,
        # Cheap hashes keep the suite fast; production uses the argon2id defaults.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 64,
        "READ_CONNECTIONS": 2,
    }
    if overrides.get("ENV") != "production":
        # The fake push service (tests/helpers/push_service.py) on a port of its own, beside the
        # real push services: a development setting, which production refuses.
        config["PUSH_SERVICE_HOSTS"] = f"{DEFAULT_PUSH_SERVICE_HOSTS} 127.0.0.1:{free_port()}"
        config["PUSH_ALLOW_INSECURE_TEST_SERVICE"] = True
    config.update(overrides)
    return config


test_config.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture
def config(tmp_path: Path) -> dict[str, Any]:
    return test_config(tmp_path)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database with every migration applied, made once per run. Each test's app starts
    from a copy of it: applying the migrations one by one commits (and syncs to disk) once
    per migration, which a thousand fresh apps would pay again and again. Start-up still
    runs ``migrate`` over the copy, so a migration missing from it would be applied."""
    path = tmp_path_factory.mktemp("migrated") / "immuno.sqlite3"
    migrate(str(path))
    return path


def _start_from(migrated: Path, database: Path) -> None:
    """A new database begins as a copy of the migrated one; a test's own file is kept."""
    if not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated, database)


@pytest.fixture
async def app(config: dict[str, Any], migrated_database: Path) -> AsyncIterator[Quart]:
    application = create_app(config)
    _start_from(migrated_database, Path(application.extensions["db"].path))
    application.test_client_class = HttpsClient  # type: ignore[assignment]  # QuartClient, not quart.typing's protocol
    async with application.test_app():
        yield application


@pytest.fixture
def db(app: Quart) -> Database:
    database: Database = app.extensions["db"]
    return database


@pytest.fixture
def client(app: Quart) -> TestClientProtocol:
    return app.test_client()


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def enrolment_key(html: str) -> str | None:
    """The key the enrolment page shows for typing by hand, without its grouping."""
    match = re.search(r'<code class="secret"[^>]*>(.*?)</code>', html, re.S)
    return re.sub(r"<[^>]+>|\s", "", match.group(1)) if match else None


async def get_csrf(client: TestClientProtocol, path: str) -> str:
    response = await client.get(path)
    return csrf_from(await response.get_data(as_text=True))


async def post_form(
    client: TestClientProtocol, path: str, form: dict[str, str], *, csrf_path: str | None = None
) -> Any:
    """Post a form the way a browser does: fetch the page for its CSRF token first."""
    token = await get_csrf(client, csrf_path or path)
    return await client.post(path, form={"csrf_token": token, **form})


async def choose_language(client: TestClientProtocol, language: str) -> None:
    """Switch the signed-in user's language, as the switch in every page's footer does."""
    response = await post_form(
        client, "/settings/language", {"lang": language}, csrf_path="/settings"
    )
    assert response.status_code in {302, 303}


@dataclass
class People:
    """Rows a test can sign in as."""

    nurse_id: int
    admin_id: int
    parent_id: int
    child_id: int
    other_parent_id: int
    other_child_id: int


async def make_account(db: Database, app: Quart, email: str, role: str, **extra: Any) -> int:
    async with app.app_context():
        password_hash = hash_password(PASSWORD)
    async with db.transaction() as connection:
        return await accounts.insert_account(
            connection,
            email=email,
            display_name=email.split("@")[0].title(),
            role=role,
            password_hash=password_hash,
            totp_secret=TOTP_SECRET if role != "caregiver" else None,
            **extra,
        )


async def make_child(db: Database, nickname: str, caregiver_id: int | None = None) -> int:
    async with db.transaction() as connection:
        child_id = await families.insert_child(
            connection,
            nickname=nickname,
            birth_date=date(2019, 5, 31),
            hospital_number=None,
            created_by=None,
        )
        if caregiver_id is not None:
            await families.link_caregiver(connection, caregiver_id, child_id)
    return child_id


async def make_plan(db: Database, child_id: int, start: date) -> plans.Plan:
    """The default template's plan for a child, starting on ``start``."""
    async with db.transaction() as connection:
        await plan_changes.create_plan(
            connection,
            child_id=child_id,
            start=start,
            template=await plans.select_template(db),
            actor_id=None,
        )
    plan = await plans.select_plan(db, child_id)
    assert plan is not None
    return plan


@pytest.fixture
async def people(app: Quart, db: Database) -> People:
    nurse_id = await make_account(db, app, "nurse@example.org", "nurse")
    admin_id = await make_account(db, app, "admin@example.org", "admin")
    parent_id = await make_account(
        db, app, "parent@example.org", "caregiver", privacy_version="2026-11"
    )
    other_parent_id = await make_account(
        db, app, "other@example.org", "caregiver", privacy_version="2026-11"
    )
    child_id = await make_child(db, "Sam", parent_id)
    other_child_id = await make_child(db, "Robin", other_parent_id)
    return People(nurse_id, admin_id, parent_id, child_id, other_parent_id, other_child_id)


async def sign_in(client: TestClientProtocol, email: str, *, staff: bool = False) -> None:
    """Sign in through the real pages, including the second factor for staff."""
    response = await post_form(client, "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, await response.get_data(as_text=True)
    if staff:
        assert response.location.startswith("/login/code")
        code = second_factor.current_code(TOTP_SECRET)
        response = await post_form(client, "/login/code", {"code": code})
        assert response.status_code == 302, await response.get_data(as_text=True)
    assert not response.location.startswith("/login")


@pytest.fixture
async def family_client(app: Quart, people: People) -> TestClientProtocol:
    client = app.test_client()
    await sign_in(client, "parent@example.org")
    return client


@pytest.fixture
async def nurse_client(app: Quart, people: People) -> TestClientProtocol:
    client = app.test_client()
    await sign_in(client, "nurse@example.org", staff=True)
    return client


@pytest.fixture
async def admin_client(app: Quart, people: People) -> TestClientProtocol:
    client = app.test_client()
    await sign_in(client, "admin@example.org", staff=True)
    return client


def fake_push_port(config: dict[str, Any]) -> int:
    """The port of the fake push service the app's PUSH_SERVICE_HOSTS allows."""
    return int(str(config["PUSH_SERVICE_HOSTS"]).rsplit(":", 1)[1])


@pytest.fixture
async def push_service(config: dict[str, Any]) -> AsyncIterator[Any]:
    """The fake push service (tests/helpers/push_service.py), served on 127.0.0.1 for one
    test, on the port the app's settings allow. Every message it took must have been valid:
    encrypted for the device, signed with VAPID, and a Declarative Web Push message that
    shows something."""
    from tests.helpers.push_service import PushService

    service = PushService(port=fake_push_port(config))
    task, stop = await service.start()
    yield service
    stop.set()
    await task
    assert service.rejected == [], service.rejected
