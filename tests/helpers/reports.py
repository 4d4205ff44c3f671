"""Reports as the phone's outbox sends them: a report body, a batch post, a malformed batch,
and a report stored straight through the sync code."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pwa.clock import utcnow
from pwa.db import Database
from pwa.diary import sync
from tests.conftest import People

SAME_ORIGIN = {"Origin": "https://localhost"}
JSON_HEADERS = {**SAME_ORIGIN, "Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# An id of twenty digits: beyond SQLite's 64-bit integers.
TWENTY_NINES = "99999999999999999999"


def report(child_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "child_id": child_id,
        "observed_at": (utcnow() - timedelta(minutes=5)).isoformat(),
        "items": {"pain": 3, "temperature": 37.4},
        "note": "slept badly",
        "corrects": None,
    }
    body.update(overrides)
    return body


async def post(client: Any, *reports: dict[str, Any]) -> Any:
    return await client.post("/api/reports", json={"reports": list(reports)}, headers=SAME_ORIGIN)


def broken(child: int, **fields: Any) -> dict[str, Any]:
    return {**report(child), **fields}


def bad_reports(child: int) -> dict[str, Any]:
    """One report broken in each way a phone, a bug or an attacker could send."""
    return {
        "child id beyond 64 bits": broken(child, child_id=int(TWENTY_NINES)),
        "child id 2**63": broken(child, child_id=2**63),
        "child id zero": broken(child, child_id=0),
        "child id negative": broken(child, child_id=-(2**70)),
        "child id as Unicode digits": broken(child, child_id="²"),
        "lone surrogate in the note": broken(child, note="fever \ud83d"),
        "lone surrogate in an answer": broken(child, items={"rash": "\udfff"}),
        "lone surrogate in an item key": broken(child, items={"pain\ud800": 3}),
        "lone surrogate in the id": broken(child, id="\ud800" + str(uuid.uuid4())),
        "lone surrogate in the time": broken(child, observed_at="\ud800"),
        "nested answers": broken(child, items={"pain": [[[[[[3]]]]]]}),
        "huge answer": broken(child, items={"temperature": 10**400}),
        "corrects a huge number": broken(child, corrects=10**30),
        "not an object": ["x"],
        "another family's child": broken(child, child_id=child + 1),
    }


async def send(
    client: Any, child_id: int, items: dict[str, Any], *, ago: timedelta, note: str = ""
) -> str:
    """Store one report through the sync API, observed ``ago`` before now; its uuid."""
    report_id = str(uuid.uuid4())
    body = {
        "id": report_id,
        "child_id": child_id,
        "observed_at": (utcnow() - ago).isoformat(),
        "items": items,
        "note": note,
        "corrects": None,
    }
    response = await client.post("/api/reports", json={"reports": [body]}, headers=SAME_ORIGIN)
    assert (await response.get_json())["results"][0]["status"] == "stored"
    return report_id


async def add_report(
    db: Database,
    people: People,
    items: dict[str, Any],
    *,
    child_id: int | None = None,
    caregiver: int | None = None,
) -> str:
    draft, _ = sync.parse(
        {
            "id": str(uuid.uuid4()),
            "child_id": child_id or people.child_id,
            "observed_at": datetime.now(UTC).isoformat(),
            "items": items,
        }
    )
    assert draft is not None
    result = await sync.store_draft(db, draft, caregiver or people.parent_id)
    assert result.status == "stored"
    return draft.client_uuid
