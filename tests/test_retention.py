"""Closing a record and purging it after the retention period."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from quart import Quart

from pwa.cli import main as cli
from pwa.clock import utcnow
from pwa.db import Database
from pwa.diary import sync
from pwa.families.retention import purge
from pwa.photos import write_atomically
from pwa.plans import changes
from pwa.plans import store as plans
from tests.conftest import People, csrf_from, make_child


async def _report(db: Database, people: People) -> str:
    draft, _ = sync.parse(
        {
            "id": str(uuid.uuid4()),
            "child_id": people.child_id,
            "observed_at": datetime.now(UTC).isoformat(),
            "items": {"pain": 2},
        }
    )
    assert draft is not None
    await sync.store_draft(db, draft, people.parent_id)
    return draft.client_uuid


async def _close(admin_client: Any, child_id: int) -> Any:
    page = await (await admin_client.get(f"/admin/children/{child_id}/close")).get_data(
        as_text=True
    )
    return await admin_client.post(
        f"/admin/children/{child_id}/close", form={"csrf_token": csrf_from(page)}
    )


async def test_closing_a_record_ends_family_access_at_once(
    db: Database, people: People, family_client: Any, admin_client: Any
) -> None:
    uid = await _report(db, people)
    async with db.transaction() as connection:
        await changes.create_plan(
            connection,
            child_id=people.child_id,
            start=date(2027, 1, 11),
            template=await plans.select_template(db),
            actor_id=None,
        )
    visit = (await plans.select_visits(db, (await plans.select_plan(db, people.child_id)).id))[0]  # type: ignore[union-attr]
    assert (await family_client.get(f"/diary/{uid}")).status_code == 200
    response = await _close(admin_client, people.child_id)
    assert response.status_code == 302
    assert (await family_client.get(f"/diary/{uid}")).status_code == 404
    assert (await family_client.get(f"/schedule/visits/{visit.id}")).status_code == 404
    home = await (await family_client.get("/")).get_data(as_text=True)
    assert "Sam" not in home and "not linked to a child" in home
    pending = await db.fetch_one("SELECT COUNT(*) FROM notification_job WHERE status = 'pending'")
    assert pending is not None and pending[0] == 0
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'record.closed' AND child_id = ?",
        (people.child_id,),
    )
    assert row is not None and row[0] == 1
    # A report queued on the phone before the record closed is refused, not stored.
    late = {
        "reports": [
            {
                "id": str(uuid.uuid4()),
                "child_id": people.child_id,
                "observed_at": datetime.now(UTC).isoformat(),
                "items": {"pain": 1},
            }
        ]
    }
    result = await (
        await family_client.post("/api/reports", json=late, headers={"Origin": "https://localhost"})
    ).get_json()
    assert result["results"][0]["status"] == "invalid"


async def test_only_admins_close_records(nurse_client: Any, people: People) -> None:
    assert (await nurse_client.get(f"/admin/children/{people.child_id}/close")).status_code == 403


async def test_purge_removes_personal_data_past_retention_and_keeps_the_audit_log(
    app: Quart, db: Database, people: People, admin_client: Any
) -> None:
    uid = await _report(db, people)
    second_child = await make_child(db, "Kai", people.other_parent_id)
    del second_child
    await _close(admin_client, people.child_id)
    await _close(admin_client, people.other_child_id)
    folder = Path(app.instance_path) / "photos"
    name = write_atomically(folder, b"not really a jpeg")
    async with db.transaction() as connection:
        await connection.execute(
            """
            INSERT INTO report_photo (report_id, client_uuid, width, height, byte_size, file_name, created_at)
            SELECT id, :uuid, 1, 1, 17, :name, received_at FROM report WHERE client_uuid = :report
            """,
            {"uuid": str(uuid.uuid4()), "name": name, "report": uid},
        )
    # Too early: nothing is removed.
    early = await purge(db, utcnow() + timedelta(days=10), timedelta(days=365), folder)
    assert early.children == 0
    later = await purge(db, utcnow() + timedelta(days=366), timedelta(days=365), folder)
    assert later.children == 2 and later.photos == 1
    assert not (folder / name).exists()
    assert await db.fetch_one("SELECT 1 FROM child WHERE id = ?", (people.child_id,)) is None
    assert await db.fetch_one("SELECT 1 FROM report WHERE client_uuid = ?", (uid,)) is None
    # The parent of Sam followed no other child: the account is gone. Robin's parent still
    # follows Kai, so that account stays.
    assert await db.fetch_one("SELECT 1 FROM account WHERE id = ?", (people.parent_id,)) is None
    assert (
        await db.fetch_one("SELECT 1 FROM account WHERE id = ?", (people.other_parent_id,))
        is not None
    )
    kept = await db.fetch_all("SELECT action FROM audit_log WHERE child_id = ?", (people.child_id,))
    assert {"record.closed", "record.purged"} <= {row["action"] for row in kept}


def test_purge_command_runs(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setenv("PWA_INSTANCE_PATH", str(tmp_path))
    assert cli(["purge"]) == 0
    assert "purged 0 closed record(s)" in capsys.readouterr().out


async def test_closing_needs_the_csrf_token(
    db: Database, people: People, admin_client: Any
) -> None:
    response = await admin_client.post(
        f"/admin/children/{people.child_id}/close", form={"csrf_token": "forged"}
    )
    assert response.status_code == 400
    row = await db.fetch_one("SELECT closed_at FROM child WHERE id = ?", (people.child_id,))
    assert row is not None and row["closed_at"] is None
