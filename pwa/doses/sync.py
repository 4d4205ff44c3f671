"""Storing recorded doses exactly once, however often and however concurrently they are sent.

The phone's outbox batch (``POST /api/doses``) and the plain form both end here. As for
reports and messages, each dose is checked in full, then stored in its own ``BEGIN
IMMEDIATE`` transaction keyed by its UUID: the same UUID with the same content is a
``duplicate``, with other content a ``conflict``. A dose time another caregiver recorded
already is stored all the same (both are kept) and the answer names the earlier records,
so the phone can say who recorded that dose before.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from ..clock import HOSPITAL_ZONE, utcnow
from ..db import Database, Transaction, to_db
from ..diary.sync import refused_for_child
from ..i18n import gettext
from ..ids import parse_id
from ..json_bodies import MAX_JSON_BYTES, storable_text
from ..text_input import multiline
from . import store
from .store import NOTE_MAX, OUTCOMES, Dose, NewDose

MAX_BATCH = 50
MAX_BODY = MAX_JSON_BYTES
# A dose may be recorded a little before its time (given early), never for later.
EARLY = timedelta(hours=2)
MAX_AGE = timedelta(days=90)
MAX_FUTURE = timedelta(minutes=10)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}")


@dataclass
class Result:
    id: str
    status: str  # stored | duplicate | conflict | invalid
    errors: dict[str, str] = field(default_factory=dict)
    # Records of the same dose time stored before this one (another caregiver's too).
    earlier: list[Dose] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.errors:
            data["errors"] = self.errors
        if self.earlier:
            data["earlier"] = [
                {
                    "by": dose.recorded_by,
                    "outcome": dose.outcome,
                    "recorded_at": dose.recorded_at.isoformat(),
                }
                for dose in self.earlier
            ]
        return data


@dataclass(frozen=True)
class Draft:
    client_uuid: str
    child_id: int
    period_id: int
    day: date
    time: time
    outcome: str
    note: str
    recorded_at: datetime

    def content_hash(self) -> str:
        canonical = json.dumps(
            {
                "child_id": self.child_id,
                "period_id": self.period_id,
                "day": self.day.isoformat(),
                "time": self.time.strftime("%H:%M"),
                "outcome": self.outcome,
                "note": self.note,
                "recorded_at": to_db(self.recorded_at),
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def moment(self) -> datetime:
        """The dose time as a moment, on the hospital's (and the family's) clock."""
        return datetime.combine(self.day, self.time, tzinfo=HOSPITAL_ZONE)


def _shown(raw_id: Any) -> str:
    if raw_id is None:
        return ""
    return str(raw_id)[:64].encode("utf-8", "replace").decode("utf-8")


def _an_id(raw: Any) -> int | None:
    if not isinstance(raw, int) or isinstance(raw, bool):
        return None
    return parse_id(raw)


def _slot(raw: Mapping[str, Any], problems: dict[str, str]) -> tuple[date, time] | None:
    day_text, time_text = raw.get("day"), raw.get("time")
    try:
        if not (isinstance(day_text, str) and _DAY.fullmatch(day_text)):
            raise ValueError
        if not (isinstance(time_text, str) and _TIME.fullmatch(time_text)):
            raise ValueError
        return date.fromisoformat(day_text), time.fromisoformat(time_text)
    except ValueError:
        problems["time"] = gettext("The dose has no valid day and time.")
        return None


def _recorded_at(raw: Any, problems: dict[str, str]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError:
        moment = None
    now = utcnow()
    if moment is None or moment.tzinfo is None or not (now - MAX_AGE <= moment <= now + MAX_FUTURE):
        problems["recorded_at"] = gettext("The dose has no valid time of recording.")
        return None
    return moment


def parse(raw: Any) -> tuple[Draft | None, Result]:
    """Check one dose of a batch: a draft to store, or an ``invalid`` result."""
    if not isinstance(raw, Mapping):
        return None, Result("", "invalid", errors={"dose": gettext("This is not a dose.")})
    shown_id = _shown(raw.get("id"))
    if not storable_text(raw):
        return None, Result(
            shown_id,
            "invalid",
            errors={"dose": gettext("This dose holds text that cannot be stored.")},
        )
    try:
        client_uuid = str(uuid.UUID(str(raw.get("id"))))
    except ValueError:
        return None, Result(
            shown_id, "invalid", errors={"id": gettext("The dose has no valid id.")}
        )
    problems: dict[str, str] = {}
    child_id, period_id = _an_id(raw.get("child_id")), _an_id(raw.get("period_id"))
    if child_id is None:
        problems["child_id"] = gettext("The dose does not say which child it is about.")
    if period_id is None:
        problems["period_id"] = gettext("The dose does not say which medicine it is about.")
    slot = _slot(raw, problems)
    outcome = raw.get("outcome")
    if outcome not in OUTCOMES:
        problems["outcome"] = gettext("Choose what happened with this dose.")
    note = raw.get("note") or ""
    if not isinstance(note, str):
        problems["note"] = gettext("The note must be text.")
        note = ""
    elif len(note) > NOTE_MAX:
        problems["note"] = gettext("Keep the note under %(count)s characters.", count=NOTE_MAX)
    recorded_at = _recorded_at(raw.get("recorded_at"), problems)
    if problems or None in (child_id, period_id) or slot is None or recorded_at is None:
        return None, Result(client_uuid, "invalid", errors=problems)
    assert child_id is not None and period_id is not None  # each is a problem above
    draft = Draft(
        client_uuid,
        child_id,
        period_id,
        slot[0],
        slot[1],
        str(outcome),
        multiline(note).strip(),
        recorded_at,
    )
    return draft, Result(client_uuid, "pending")


async def _refused_slot(tx: Transaction, draft: Draft) -> tuple[dict[str, str], Any]:
    """What is wrong with the dose time for this child now (empty: nothing), and the period."""
    period = await tx.fetch_one(
        """
        SELECT medication_period.id, medication_period.first_date, medication_period.last_date,
               medication_period.medicine_id, medication_period.prescription
          FROM medication_period
          JOIN treatment_plan ON treatment_plan.id = medication_period.plan_id
         WHERE medication_period.id = :period AND treatment_plan.child_id = :child
        """,
        {"period": draft.period_id, "child": draft.child_id},
    )
    if period is None or period["medicine_id"] is None:
        return {"period_id": gettext("This medicine is not in your child's plan.")}, None
    if not period["first_date"] <= draft.day.isoformat() <= period["last_date"]:
        return {"time": gettext("This day is not in the medicine's period.")}, None
    now = utcnow()
    if draft.moment > now + EARLY:
        return {"time": gettext("This dose is not due yet.")}, None
    if draft.moment < now - MAX_AGE:
        return {"time": gettext("This dose is too long ago to record here.")}, None
    return {}, period


async def store_draft(db: Database, draft: Draft, caregiver_id: int) -> Result:
    """Store one checked dose once, for one of the caregiver's children whose record is open."""
    refused = await refused_for_child(db, caregiver_id, draft.child_id, draft.client_uuid)
    if refused is not None:
        return Result(draft.client_uuid, "invalid", errors=refused.errors)
    content_hash = draft.content_hash()
    async with db.transaction() as tx:
        existing = await store.select_by_uuid(tx, draft.client_uuid)
        if existing is not None:
            same = existing["content_hash"] == content_hash
            return Result(draft.client_uuid, "duplicate" if same else "conflict")
        problems, period = await _refused_slot(tx, draft)
        if problems:
            return Result(draft.client_uuid, "invalid", errors=problems)
        earlier = await store.select_for_slot(tx, draft.period_id, draft.day, draft.time)
        await store.insert(
            tx,
            NewDose(
                client_uuid=draft.client_uuid,
                child_id=draft.child_id,
                period_id=draft.period_id,
                medicine_id=period["medicine_id"],
                day=draft.day,
                time=draft.time,
                outcome=draft.outcome,
                note=draft.note,
                prescription=period["prescription"],
                recorded_by=caregiver_id,
                recorded_at=draft.recorded_at,
                content_hash=content_hash,
            ),
        )
    return Result(draft.client_uuid, "stored", earlier=earlier)


async def submit(db: Database, caregiver_id: int, batch: list[Any]) -> list[Result]:
    """Check and store a batch; one bad dose never blocks the others."""
    results = []
    for raw in batch:
        draft, result = parse(raw)
        if draft is not None:
            result = await store_draft(db, draft, caregiver_id)
        results.append(result)
    return results
