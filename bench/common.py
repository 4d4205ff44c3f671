"""Shared by the benchmarks and tests/test_reliability.py: serve the real app as
`pwa serve` does (tests/helpers/served.py, as the browser tests do), make real family
accounts, sign in over HTTP, post report batches.

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp

from bench.ledger import SentPhoto
from tests.helpers.served import ROOT

if TYPE_CHECKING:
    from pwa.db import Transaction

PASSWORD = "bench-harbour-lantern-kite"  # noqa: S105 - throwaway accounts in a temp folder
_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def machine() -> str:
    """One line about this machine for the results tables."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory_kib = 0
    return (
        f"{os.cpu_count()} CPUs ({model}), {memory_kib / 1024 / 1024:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"load average {os.getloadavg()[0]:.1f} (other work on the machine skews timings)"
    )


# --- accounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    email: str
    account_id: int
    child_id: int


async def make_families(
    instance: Path, count: int, *, with_plans: bool = False, start: date | None = None
) -> list[Family]:
    """Real caregiver accounts with a child each (and a full treatment plan), in-process."""
    from pwa.accounts import store as accounts
    from pwa.accounts.passwords import hash_password
    from pwa.app import create_app
    from pwa.db import Database
    from pwa.families import store as families
    from pwa.plans import changes
    from pwa.plans import store as plans
    from pwa.schema import migrate

    app = create_app(
        {"INSTANCE_PATH": str(instance), "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 64}
    )
    migrate(app.config["DATABASE"])
    async with app.app_context():
        password_hash = hash_password(PASSWORD)
    db = Database(app.config["DATABASE"], read_connections=1)
    await db.open()
    made = []
    try:
        template = await plans.select_template(db)
        async with db.transaction() as connection:
            for number in range(count):
                email = f"family{number}-{uuid.uuid4().hex[:6]}@bench.example"
                account_id = await accounts.insert_account(
                    connection,
                    email=email,
                    display_name=f"Parent {number}",
                    role="caregiver",
                    password_hash=password_hash,
                    privacy_version="2026-11",
                )
                child_id = await families.insert_child(
                    connection,
                    nickname=f"Child {number}",
                    birth_date=date(2019, 5, 31),
                    hospital_number=None,
                    created_by=None,
                )
                await families.link_caregiver(connection, account_id, child_id)
                if with_plans:
                    plan_start = start or (datetime.now(UTC).date() - timedelta(days=30))
                    await changes.create_plan(
                        connection,
                        child_id=child_id,
                        start=plan_start,
                        template=template,
                        actor_id=None,
                    )
                made.append(Family(email, account_id, child_id))
    finally:
        await db.close()
    return made


# --- an HTTP client that signs in and syncs like the app's pages do -----------------------


# The session cookie's name: plain over http in development, __Host- over https.
SESSION_COOKIES = ("ic_session", "__Host-session")


class Client:
    """One family's phone: its own cookies (kept by hand, whichever scheme the app is
    served over), same-origin JSON posts like the outbox."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base
        self.cookies: dict[str, str] = {}
        # What this phone is sending right now: where a kill lands (bench/kills.py).
        self.in_flight: list[str] = []

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _keep(self, response: aiohttp.ClientResponse) -> None:
        for header in response.headers.getall("Set-Cookie", []):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in header or "expires=Thu, 01 Jan 1970" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    async def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        async with self.session.request(
            method, f"{self.base}{path}", headers=headers, allow_redirects=False, **kwargs
        ) as response:
            self._keep(response)
            return response.status, await response.text()

    async def submit(self, path: str, fields: dict[str, str]) -> int:
        """Fill in the form of the page at ``path`` (with its CSRF token) and send it."""
        status, page = await self.request("GET", path)
        match = _CSRF.search(page)
        if status != 200 or match is None:
            raise RuntimeError(f"{path}: {status}")
        token = match.group(1) or match.group(2)
        status, _ = await self.request("POST", path, data={"csrf_token": token, **fields})
        return status

    async def sign_in(self, email: str, password: str = PASSWORD) -> None:
        status = await self.submit("/login", {"email": email, "password": password})
        if status != 302 or not self.session_cookie:
            raise RuntimeError(f"sign-in of {email} failed: {status}")

    async def sign_in_staff(self, email: str, password: str, totp_secret: str) -> None:
        """Password, then the authenticator's current code (single-use: once per 30 s)."""
        from pwa.accounts import second_factor

        status = await self.submit("/login", {"email": email, "password": password})
        if status != 302:
            raise RuntimeError(f"password of {email} refused: {status}")
        code = second_factor.current_code(totp_secret)
        status = await self.submit("/login/code", {"code": code})
        if status != 302 or not self.session_cookie:
            raise RuntimeError(f"second factor of {email} refused: {status}")

    @property
    def session_cookie(self) -> str:
        """The session cookie as a Cookie header sends it ("" before sign-in)."""
        return next(
            (f"{name}={self.cookies[name]}" for name in SESSION_COOKIES if name in self.cookies),
            "",
        )

    async def sync(
        self, reports: list[dict[str, Any]], limit: float = 10
    ) -> tuple[int, dict[str, Any] | None]:
        """POST /api/reports as the outbox does; (status, body or None)."""
        self.in_flight = [report["id"] for report in reports]
        try:
            async with self.session.post(
                f"{self.base}/api/reports",
                json={"reports": reports},
                headers={"Cookie": self.cookie_header, "Origin": self.base},
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=limit),
            ) as response:
                body = await response.json(content_type=None) if response.status < 500 else None
                return response.status, body
        finally:
            self.in_flight = []

    async def upload_photo(self, photo: SentPhoto, limit: float = 10) -> tuple[int, Any]:
        """POST one photo of a stored report, as static/js/photos.js does."""
        form = aiohttp.FormData()
        form.add_field("photo_id", photo.photo_id)
        form.add_field("photo", photo.jpeg(), filename="photo.jpg", content_type="image/jpeg")
        self.in_flight = [f"photo {photo.photo_id}"]
        try:
            async with self.session.post(
                f"{self.base}/api/reports/{photo.report_id}/photos",
                data=form,
                headers={"Cookie": self.cookie_header, "Origin": self.base},
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=limit),
            ) as response:
                body = await response.json(content_type=None) if response.status < 500 else None
                return response.status, body
        finally:
            self.in_flight = []


def integrity(database: str | Path) -> str:
    """``PRAGMA integrity_check`` of a database file, opened read-only (as a kill left it)."""
    import sqlite3

    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


def ensure_root_on_path() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


async def give_due_reminders(
    connection: Transaction,
    family: Family,
    subscription: dict[str, Any],
    vapid_public_key: str,
    count: int,
    now: datetime,
) -> None:
    """One subscribed phone for ``family`` and ``count`` reminders due a minute ago.

    Quiet hours are switched off for the family: whenever a benchmark runs, it is not
    their night (tests/test_push.py and bench/flaky_push.py cover quiet hours).
    """
    from datetime import time as clock

    from pwa.notifications import jobs
    from pwa.notifications import store as push_store

    keys = subscription["keys"]
    await push_store.upsert_subscription(
        connection,
        account_id=family.account_id,
        endpoint=str(subscription["endpoint"]),
        p256dh=keys["p256dh"],
        auth=keys["auth"],
        vapid_public_key=vapid_public_key,
        device_label="bench phone",
    )
    await push_store.save_preference(
        connection,
        family.account_id,
        push_store.Preference(quiet_start=clock(0), quiet_end=clock(0)),
    )
    for number in range(count):
        # A care-team reply notification: the sender never reads the report it is about,
        # so none is made; the revision keeps the family's jobs apart.
        await jobs.insert(
            connection,
            kind="reply",
            about=jobs.About(),
            revision=number + 1,
            recipient_id=family.account_id,
            due_at=now - timedelta(minutes=1),
            expires_at=now + timedelta(hours=48),
        )
