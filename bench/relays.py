"""Mail relays that do not work, for bench/relay_stall.py, and the e-mail work that keeps the
notification sender talking to them: none set, one that accepts and never answers, one
that answers every message "451 try again later", and one that is down (nothing listens).

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.helpers.mail_server import MailServer
from tests.helpers.served import HOST, free_port

NONE, SILENT, REFUSING, DOWN = "none", "silent", "refusing", "down"
RELAYS = (NONE, SILENT, REFUSING, DOWN)
DESCRIPTIONS = {
    NONE: "no relay set",
    SILENT: "relay accepts, never answers",
    REFUSING: "relay answers 451 to all",
    DOWN: "relay down (nothing listens)",
}
REFUSAL = "451 4.3.0 Try again later"
# More refusals than any run can use up: how many were used is how often the relay was hit.
REFUSALS = 1_000_000
WARD_EMAIL = "ward@hospital.example"
RED_REPORTS = 4


@dataclass
class Relay:
    """One run's relay: the app's PWA_SMTP_* settings and how often it was reached
    (None where it cannot tell)."""

    kind: str
    env: dict[str, str]
    hits: Callable[[], int | None]


def _env(settings: dict[str, Any]) -> dict[str, str]:
    return {f"PWA_{name}": str(value) for name, value in settings.items()}


@asynccontextmanager
async def relay(kind: str, folder: Path, *, smtp_timeout: float = 10) -> AsyncIterator[Relay]:
    """The relay of ``kind``; a silent relay costs each send ``smtp_timeout`` seconds."""
    if kind == NONE:
        yield Relay(kind, {}, lambda: None)
        return
    # Its certificate and settings for every kind; its SMTP server only answers for REFUSING.
    server = MailServer(folder / "relay")
    try:
        if kind == REFUSING:
            server.handler.answers.extend([REFUSAL] * REFUSALS)
            server.start()
            used = server.handler.answers
            yield Relay(kind, _env(server.settings()), lambda: REFUSALS - len(used))
        elif kind == SILENT:
            async with silent_listener() as (port, held):
                settings = server.settings(SMTP_PORT=port, SMTP_TIMEOUT_SECONDS=smtp_timeout)
                yield Relay(kind, _env(settings), lambda: len(held))
        elif kind == DOWN:
            yield Relay(kind, _env(server.settings(SMTP_PORT=free_port())), lambda: None)
        else:
            raise ValueError(f"no relay {kind!r}")
    finally:
        server.stop()


@asynccontextmanager
async def silent_listener() -> AsyncIterator[tuple[int, list[asyncio.StreamWriter]]]:
    """A TCP port that accepts every connection and never sends a byte (a hung relay, or a
    firewall that swallows the packets); the connections it holds."""
    held: list[asyncio.StreamWriter] = []

    def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # no greeting, ever

    listener = await asyncio.start_server(hold, HOST, 0)
    try:
        yield int(listener.sockets[0].getsockname()[1]), held
    finally:
        for writer in held:
            writer.close()
        listener.close()
        await listener.wait_closed()


# --- the e-mail work ------------------------------------------------------------------


@dataclass(frozen=True)
class MailWork:
    jobs: int
    child_id: int  # the demo child, whose red reports wait


async def give_mail_work(instance: Path, seconds: float, per_second: float) -> MailWork:
    """The ward's inbox set, escalation at any hour, a few red reports two hours old that no
    nurse took up, and e-mail escalation jobs about them falling due ``per_second`` over
    ``seconds`` from now: the sender has mail to send throughout, whatever the relay does."""
    from pwa.app import create_app
    from pwa.db import Database
    from pwa.hospital import hospital_settings, save_hospital_settings
    from pwa.notifications import escalation, jobs

    app = create_app({"INSTANCE_PATH": str(instance)})
    db = Database(app.config["DATABASE"], read_connections=1)
    await db.open()
    try:
        settings = await hospital_settings(db)
        async with db.transaction() as tx:
            await save_hospital_settings(
                tx, replace(settings, ward_email=WARD_EMAIL, escalate_out_of_hours="yes")
            )
        child_id, reports = await _old_red_reports(app, db)
        now = datetime.now(UTC)
        count = int(seconds * per_second)
        async with db.transaction() as tx:
            for number in range(count):
                # The revision keeps the jobs about one report apart.
                await jobs.insert(
                    tx,
                    kind=escalation.WARD,
                    about=jobs.About(report_id=reports[number % len(reports)]),
                    revision=number // len(reports) + 1,
                    recipient_id=None,
                    due_at=now + timedelta(seconds=number / per_second),
                    expires_at=now + escalation.USEFUL,
                    channel=jobs.EMAIL,
                )
    finally:
        await db.close()
    return MailWork(count, child_id)


async def _old_red_reports(app: Any, db: Any) -> tuple[int, list[int]]:
    """The demo child, and red reports about it from its parent (pain 8) received two
    hours ago that no nurse took up."""
    import uuid

    from pwa.db import to_db
    from pwa.diary.sync import Draft, store_draft

    parent = await db.fetch_one(
        """
        SELECT account.id, caregiver_child.child_id FROM account
          JOIN caregiver_child ON caregiver_child.caregiver_id = account.id
         WHERE account.email = 'parent@demo.example'
        """
    )
    received = datetime.now(UTC) - timedelta(hours=2)
    ids = []
    async with app.app_context():
        for _ in range(RED_REPORTS):
            draft = Draft(
                client_uuid=str(uuid.uuid4()),
                child_id=int(parent["child_id"]),
                observed_at=received - timedelta(minutes=5),
                items={"pain": 8},
                note="",
                corrects=None,
                client_level="red",
            )
            result = await store_draft(db, draft, int(parent["id"]))
            if result.level != "red":
                raise RuntimeError(f"the bench's red report was {result.as_json()}")
            async with db.transaction() as tx:
                row = await tx.fetch_one(
                    "UPDATE report SET received_at = :at WHERE client_uuid = :uuid RETURNING id",
                    {"at": to_db(received), "uuid": draft.client_uuid},
                )
                ids.append(int(row["id"]))
    return int(parent["child_id"]), ids


@dataclass(frozen=True)
class MailCounts:
    """The e-mail jobs as the database holds them."""

    jobs: int
    attempts: int  # claims: an attempt still talking to the relay is counted too
    retried: int  # tried, and waiting for their next try
    statuses: Counter[str]
    relay_codes: Counter[
        str
    ]  # each tried job's last answer, but those in flight; "none": unreached

    @property
    def attempted(self) -> bool:
        return self.attempts > 0

    @property
    def lost(self) -> int:
        """Jobs that ended without being sent (a relay that is stuck must not lose any)."""
        return sum(n for status, n in self.statuses.items() if status not in ("pending", "claimed"))

    def summary(self) -> str:
        return (
            f"{self.jobs} e-mail jobs, {self.attempts} attempts, {self.retried} waiting to be "
            f"tried again; jobs now {dict(self.statuses)}; "
            f"the relay's last answer to each job tried {dict(self.relay_codes)} ('none': not reached)"
        )


def mail_counts(database: str) -> MailCounts:
    """Read the e-mail jobs, read-only, while the app runs."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT status, attempts, last_status FROM notification_job WHERE channel = 'email'"
        ).fetchall()
    finally:
        connection.close()
    return MailCounts(
        jobs=len(rows),
        attempts=sum(int(attempts) for _, attempts, _ in rows),
        retried=sum(1 for status, attempts, _ in rows if status == "pending" and attempts),
        statuses=Counter(str(status) for status, _, _ in rows),
        relay_codes=Counter(
            "none" if code is None else str(code)
            for status, attempts, code in rows
            if attempts and status != "claimed"
        ),
    )
