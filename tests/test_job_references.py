"""Notification jobs name what they are about in typed columns: the migration that moved
them there from "visit:12" text, uniqueness per reference, and what a deletion leaves."""

from __future__ import annotations

import base64
import logging
import os
import socket
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from quart import Quart

from pwa import schema as schema_module
from pwa.db import Database
from pwa.notifications import jobs, keys
from pwa.notifications.endpoints import EndpointPolicy
from pwa.notifications.jobs import About
from pwa.notifications.sender import Sender
from pwa.notifications.store import Subscription
from pwa.notifications.transport import (
    DELIVERED,
    GONE,
    REDIRECTED,
    REFUSED,
    RETRY,
    Answer,
    Device,
    Transport,
    verdict,
)
from pwa.plans import store as plans
from pwa.schema import migrate, migration_files
from tests.conftest import People, make_plan

NOW = "2027-01-01T12:00:00.000000Z"
LATER = "2027-01-02T12:00:00.000000Z"

BEFORE_0015 = """
INSERT INTO account (id, email, display_name, role, password_hash, created_at)
VALUES (1, 'parent@example.org', 'Parent', 'caregiver', 'x', :now);
INSERT INTO child (id, nickname, birth_date, created_at) VALUES (1, 'Sam', '2020-01-01', :now);
INSERT INTO treatment_plan (id, child_id, start_date, courses, created_at, updated_at)
VALUES (1, 1, '2027-01-11', 5, :now, :now);
INSERT INTO visit (id, plan_id, course_number, kind, starts_local, ends_local, time_zone, status, uid, created_at)
VALUES (12, 1, 1, 'admission', '2027-01-11T09:00', '2027-01-15T17:00', 'Europe/Amsterdam', 'planned', 'u12', :now);
INSERT INTO medication_period (id, plan_id, course_number, name, first_date, last_date)
VALUES (3, 1, 1, 'isotretinoin', '2027-01-19', '2027-02-01');
INSERT INTO report (id, client_uuid, child_id, observed_at, received_at, items, level, content_hash)
VALUES (5, 'r5', 1, :now, :now, '{}', 'red', 'h');
INSERT INTO push_subscription (id, account_id, endpoint, p256dh, auth, vapid_public_key, created_at)
VALUES (1, 1, 'https://push.example/1', 'k', 'a', 'v', :now);
"""


def _job(connection: sqlite3.Connection, subject: str, kind: str, status: str = "pending") -> None:
    connection.execute(
        """
        INSERT INTO notification_job (subject, kind, recipient_id, due_at, expires_at, status, next_attempt_at, created_at)
        VALUES (?, ?, 1, ?, ?, ?, ?, ?)
        """,
        (subject, kind, NOW, LATER, status, NOW, NOW),
    )


def test_migration_moves_subjects_into_typed_columns_and_keeps_deliveries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "old.sqlite3")
    every = migration_files()
    monkeypatch.setattr(schema_module, "migration_files", lambda: every[:14])
    migrate(path)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    for statement in BEFORE_0015.strip().split(";\n"):
        connection.execute(statement, {"now": NOW})
    _job(connection, "visit:12", "visit_reminder:1:18:00", "sent")
    _job(connection, "visit:99", "visit_changed")  # a visit deleted long ago
    _job(connection, "report:5", "red_report")
    _job(connection, "medication:3:2027-01-20", "medication:08:00")
    _job(connection, "test:abc", "test")
    connection.execute(
        "INSERT INTO notification_delivery (job_id, subscription_id, status, sent_at) VALUES (1, 1, 'sent', ?)",
        (NOW,),
    )
    connection.close()

    monkeypatch.setattr(schema_module, "migration_files", lambda: every)
    assert migrate(path) == [name for _, name, _ in every[14:]]
    connection = sqlite3.connect(path)
    rows = connection.execute(
        """
        SELECT kind, visit_id, report_id, medication_period_id, medication_day, test_token, status
          FROM notification_job ORDER BY id
        """
    ).fetchall()
    assert rows == [
        ("visit_reminder:1:18:00", 12, None, None, None, None, "sent"),
        ("visit_changed", None, None, None, None, None, "pending"),
        ("red_report", None, 5, None, None, None, "pending"),
        ("medication:08:00", None, None, 3, "2027-01-20", None, "pending"),
        ("test", None, None, None, None, "abc", "pending"),
    ]
    assert connection.execute(
        "SELECT job_id, subscription_id, status FROM notification_delivery"
    ).fetchall() == [(1, 1, "sent")]
    columns = {row[1] for row in connection.execute("PRAGMA table_info(notification_job)")}
    assert "subject" not in columns
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Deleting a job still takes its deliveries along (the rebuilt reference).
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("DELETE FROM notification_job WHERE id = 1")
    assert connection.execute("SELECT COUNT(*) FROM notification_delivery").fetchone()[0] == 0
    connection.close()


async def _plan(db: Database, recipient: int, about: About, kind: str = "visit_changed") -> None:
    now = datetime.now(UTC)
    async with db.transaction() as connection:
        await jobs.insert(
            connection,
            kind=kind,
            about=about,
            revision=1,
            recipient_id=recipient,
            due_at=now,
            expires_at=now + timedelta(hours=1),
        )


async def test_planning_the_same_thing_twice_makes_one_job_per_reference(
    db: Database, people: People
) -> None:
    same = About(test_token="same")
    for _ in range(2):
        await _plan(db, people.parent_id, same, "test")
        await _plan(db, people.parent_id, About(test_token="other"), "test")
    rows = await db.fetch_all("SELECT test_token, status FROM notification_job ORDER BY id")
    assert [tuple(row) for row in rows] == [("same", "pending"), ("other", "pending")]
    # A cancelled job planned again is pending again; one that went out stays as it was.
    await db_execute(
        db, "UPDATE notification_job SET status = 'cancelled' WHERE test_token = 'same'"
    )
    await db_execute(db, "UPDATE notification_job SET status = 'sent' WHERE test_token = 'other'")
    await _plan(db, people.parent_id, same, "test")
    await _plan(db, people.parent_id, About(test_token="other"), "test")
    rows = await db.fetch_all("SELECT test_token, status FROM notification_job ORDER BY id")
    assert [tuple(row) for row in rows] == [("same", "pending"), ("other", "sent")]


async def test_medication_reminders_are_one_per_period_and_day(
    db: Database, people: People
) -> None:
    await db_execute(
        db,
        """
        INSERT INTO treatment_plan (child_id, start_date, courses, created_at, updated_at)
        VALUES (:child, '2027-01-11', 1, :now, :now)
        """,
        {"child": people.child_id, "now": NOW},
    )
    await db_execute(
        db,
        """
        INSERT INTO medication_period (plan_id, course_number, name, first_date, last_date)
        SELECT id, 1, 'isotretinoin', '2027-01-19', '2027-02-01' FROM treatment_plan
        """,
    )
    row = await db.fetch_one("SELECT id FROM medication_period")
    assert row is not None
    days = [date(2027, 1, 20), date(2027, 1, 21), date(2027, 1, 20)]
    for day in days:
        about = About(medication_period_id=row["id"], medication_day=day)
        await _plan(db, people.parent_id, about, "medication:08:00")
    stored = await db.fetch_all("SELECT medication_day FROM notification_job ORDER BY id")
    assert [r["medication_day"] for r in stored] == ["2027-01-20", "2027-01-21"]
    # The period moves: its reminder for a day it no longer covers is cancelled.
    async with db.transaction() as connection:
        await jobs.cancel_medication_jobs_outside(
            connection, row["id"], date(2027, 1, 21), date(2027, 2, 2)
        )
    states = await db.fetch_all("SELECT medication_day, status FROM notification_job ORDER BY id")
    assert [tuple(r) for r in states] == [("2027-01-20", "cancelled"), ("2027-01-21", "pending")]


async def test_a_job_whose_visit_was_deleted_stays_and_is_cancelled_when_due(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(datetime(2027, 1, 1, 12, tzinfo=UTC), tick=False):
        plan = await make_plan(db, people.child_id, date(2027, 1, 11))
    [first, *_] = await plans.select_visits(db, plan.id)
    await _plan(db, people.parent_id, About(visit_id=first.id))
    await db_execute(db, "DELETE FROM visit WHERE id = :id", {"id": first.id})
    [job] = await db.fetch_all(
        "SELECT id, visit_id FROM notification_job WHERE kind = 'visit_changed'"
    )
    assert job["visit_id"] is None
    async with aiohttp.ClientSession() as session:
        summary = await Sender.for_app(app, db, name="test").run_once(session)
    row = await db.fetch_one(
        "SELECT status FROM notification_job WHERE id = :id", {"id": job["id"]}
    )
    assert row is not None and row["status"] == "cancelled"
    assert summary.claimed >= 1 and summary.sent == 0


async def db_execute(db: Database, sql: str, params: dict[str, object] | None = None) -> None:
    async with db.transaction() as connection:
        await connection.execute(sql, params or {})


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Answer(201), DELIVERED),
        (Answer(410), GONE),
        (Answer(None), RETRY),
        (Answer(502), RETRY),
        (Answer(599), RETRY),
        (Answer(307), REDIRECTED),
        (Answer(None, refused=True), REFUSED),
    ],
)
def test_the_answer_table(answer: Answer, expected: object) -> None:
    assert verdict(answer) is expected


def test_other_answers_fail_the_delivery_and_count_against_the_device() -> None:
    for status in (204, 402, 405, 422):
        ruling = verdict(Answer(status))
        assert (ruling.delivery, ruling.device, ruling.retry) == ("failed", Device.FAILING, False)


async def test_a_failed_push_connection_is_logged_without_the_endpoints_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A port nobody listens on: the connection is refused, as when a push service is down.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subscription = Subscription(
        id=7,
        account_id=1,
        endpoint=f"http://127.0.0.1:{port}/push/secret-capability-token",
        p256dh=_browser_key(),
        auth=base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode(),
        vapid_public_key="",
        device_label="",
        created_at=datetime(2027, 1, 1, tzinfo=UTC),
        last_success_at=None,
        last_failure_at=None,
        last_failure_status=None,
        success_count=0,
        failure_count=0,
    )
    transport = Transport(
        keys.load(str(tmp_path), "", "mailto:ward@example.org"),
        EndpointPolicy(hosts=(), test_ports=(port,)),
        timeout=5,
    )
    with caplog.at_level(logging.WARNING, logger="pwa.notifications.transport"):
        async with aiohttp.ClientSession() as session:
            answer = await transport.send(
                session, subscription, "{}", ttl=60, topic="t", urgent=False
            )
    assert answer == Answer(None)
    assert verdict(answer) == RETRY
    [record] = [r for r in caplog.records if r.name == "pwa.notifications.transport"]
    assert "push connection to 127.0.0.1 failed" in record.getMessage()
    assert "device 7" in record.getMessage()
    assert "secret-capability-token" not in record.getMessage()


def _browser_key() -> str:
    """A browser's public key (P-256, uncompressed point, base64url) to encrypt to."""
    private = ec.generate_private_key(ec.SECP256R1())
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()
