"""Storing reports exactly once, however often and however concurrently they are sent.

Both the JSON batch API and the plain HTML form end here. Each report is checked, then
stored in its own ``BEGIN IMMEDIATE`` transaction keyed by the client's UUID: a resend
with the same content is a ``duplicate``, with other content a ``conflict``. The red-flag
level is evaluated inside that transaction, so two parents' readings of one child are
always seen together by the look-back rules.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..clock import utcnow
from ..db import Database, Reader, now_text, to_db
from ..families import store as families
from ..i18n import gettext
from ..ids import parse_id
from ..json_bodies import MAX_JSON_BYTES, storable_text
from ..notifications import planner as reminders
from ..redflags import store as redflag_store
from ..redflags.rules import LEVELS, evaluate
from ..text_input import multiline
from . import store
from .items import NOTE_MAX, check_items

# A batch holds at most this many reports and this many bytes (docs/api.md); the outbox
# learns both from the page (templates/base.html) and packs its batches to fit.
MAX_BATCH = 50
MAX_BODY = MAX_JSON_BYTES
MAX_FUTURE = timedelta(minutes=10)
MAX_AGE = timedelta(days=90)
# How far back look-back rules may look when no rule needs more.
LOOK_BACK = timedelta(hours=24)


@dataclass
class Result:
    id: str
    status: str  # stored | duplicate | conflict | invalid
    level: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.level:
            data["level"] = self.level
        if self.errors:
            data["errors"] = self.errors
        return data


@dataclass(frozen=True)
class Draft:
    client_uuid: str
    child_id: int
    observed_at: datetime
    items: dict[str, Any]
    note: str
    corrects: str | None
    client_level: str | None

    def content_hash(self) -> str:
        canonical = json.dumps(
            {
                "child_id": self.child_id,
                "observed_at": to_db(self.observed_at),
                "items": self.items,
                "note": self.note,
                "corrects": self.corrects,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def parse(raw: Any) -> tuple[Draft | None, Result]:
    """Check one report of a batch: a draft to store, or an ``invalid`` result."""
    report_id = raw.get("id") if isinstance(raw, Mapping) else None
    shown_id = _shown(report_id)
    problems: dict[str, str] = {}
    if not isinstance(raw, Mapping):
        return None, Result(
            shown_id, "invalid", errors={"report": gettext("This is not a report.")}
        )
    if not storable_text(raw):
        # A lone surrogate (a note cut in the middle of an emoji) cannot be stored.
        return None, Result(
            shown_id,
            "invalid",
            errors={"report": gettext("This report holds text that cannot be stored.")},
        )
    try:
        client_uuid = str(uuid.UUID(str(report_id)))
    except ValueError:
        return None, Result(
            shown_id, "invalid", errors={"id": gettext("The report has no valid id.")}
        )
    child_id = raw.get("child_id")
    if not isinstance(child_id, int) or parse_id(child_id) is None:
        problems["child_id"] = gettext("The report does not say which child it is about.")
    observed_at = _parse_moment(raw.get("observed_at"), problems)
    raw_items = raw.get("items")
    items: dict[str, Any] = {}
    if not isinstance(raw_items, Mapping):
        problems["items"] = gettext("The report has no answers.")
    else:
        items, item_problems = check_items(raw_items)
        problems.update(item_problems)
    note = raw.get("note") or ""
    if not isinstance(note, str):
        problems["note"] = gettext("The note must be text.")
        note = ""
    elif len(note) > NOTE_MAX:
        problems["note"] = gettext("Keep the note under %(count)s characters.", count=NOTE_MAX)
    note = multiline(note).strip()
    if not problems and not items and not note:
        problems["items"] = gettext("Answer at least one question, or write a note.")
    corrects = raw.get("corrects")
    if corrects is not None:
        try:
            corrects = str(uuid.UUID(str(corrects)))
        except ValueError:
            problems["corrects"] = gettext("The report it corrects is not known.")
    client_level = raw.get("client_level")
    if client_level not in LEVELS:
        client_level = None
    if problems or observed_at is None:
        return None, Result(client_uuid, "invalid", errors=problems)
    draft = Draft(client_uuid, int(child_id), observed_at, items, note, corrects, client_level)  # type: ignore[arg-type]
    return draft, Result(client_uuid, "pending")


def _shown(report_id: Any) -> str:
    """The id a result echoes: as sent, cut short, and always valid UTF-8."""
    if report_id is None:
        return ""
    return str(report_id)[:64].encode("utf-8", "replace").decode("utf-8")


def _parse_moment(raw: Any, problems: dict[str, str]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError:
        problems["observed_at"] = gettext("Enter when you saw this, as a date and time.")
        return None
    if moment.tzinfo is None:
        problems["observed_at"] = gettext("Enter when you saw this, as a date and time.")
        return None
    now = utcnow()
    if moment > now + MAX_FUTURE:
        problems["observed_at"] = gettext("This time is in the future.")
        return None
    if moment < now - MAX_AGE:
        problems["observed_at"] = gettext(
            "This is too long ago to report here. Tell the team instead."
        )
        return None
    return moment


async def refused_for_child(
    db: Reader, caregiver_id: int, child_id: int, item_id: str
) -> Result | None:
    """The answer for an item about a child this caregiver may not write about (not theirs,
    or the record is closed); None when they may. Reports and messages share it."""
    if not await families.is_caregiver_of(db, caregiver_id, child_id):
        return Result(
            item_id,
            "invalid",
            errors={"child_id": gettext("This child is not linked to your account.")},
        )
    child = await families.select_child(db, child_id)
    if child is None or child.closed:
        return Result(
            item_id,
            "invalid",
            errors={"child_id": gettext("This child's record is closed.")},
        )
    return None


async def store_draft(db: Database, draft: Draft, caregiver_id: int) -> Result:
    """Store one checked report once; evaluate its red-flag level on the way in."""
    refused = await refused_for_child(db, caregiver_id, draft.child_id, draft.client_uuid)
    if refused is not None:
        return refused
    content_hash = draft.content_hash()
    async with db.transaction() as tx:
        existing = await store.select_by_uuid(tx, draft.client_uuid)
        if existing is not None:
            same = existing["content_hash"] == content_hash
            return Result(
                draft.client_uuid,
                "duplicate" if same else "conflict",
                level=existing["level"] if same else None,
            )
        corrects_id = None
        if draft.corrects is not None:
            corrected = await store.select_by_uuid(tx, draft.corrects)
            if corrected is None or corrected["child_id"] != draft.child_id:
                return Result(
                    draft.client_uuid,
                    "invalid",
                    errors={"corrects": gettext("The report it corrects is not known.")},
                )
            corrects_id = corrected["id"]
        rules = await redflag_store.select_rules(tx)
        look_back = max(
            [timedelta(hours=rule.within_hours) for rule in rules if rule.count > 1],
            default=LOOK_BACK,
        )
        earlier = await store.select_earlier(
            tx, draft.child_id, draft.observed_at - look_back, draft.observed_at
        )
        verdict = evaluate(rules, draft.items, draft.observed_at, earlier)
        report_id = await store.insert_report(
            tx,
            {
                "client_uuid": draft.client_uuid,
                "child_id": draft.child_id,
                "author_id": caregiver_id,
                "observed_at": to_db(draft.observed_at),
                "received_at": now_text(),
                "items": json.dumps(draft.items, sort_keys=True),
                "note": draft.note,
                "corrects_id": corrects_id,
                "level": verdict.level,
                "client_level": draft.client_level,
                "matched_rules": json.dumps(list(verdict.matched)),
                "content_hash": content_hash,
            },
        )
        if verdict.level == "red":
            await reminders.alert_nurses_of_red_report(tx, report_id)
    return Result(draft.client_uuid, "stored", level=verdict.level)


async def submit(db: Database, caregiver_id: int, batch: list[Any]) -> list[Result]:
    """Check and store a batch; one bad report never blocks the others.

    ``parse`` checks everything the database could refuse (ids SQLite cannot hold, text
    UTF-8 cannot encode) before anything is written, and each report is stored in its own
    transaction: whatever one report holds, every valid report of the batch is stored.
    """
    results = []
    for raw in batch:
        draft, result = parse(raw)
        if draft is not None:
            result = await store_draft(db, draft, caregiver_id)
        results.append(result)
    return results
