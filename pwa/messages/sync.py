"""Storing messages exactly once, however often and however concurrently they are sent.

The family's outbox batch (``POST /api/messages``), the plain form and the nurse's form
all end here. As for reports (pwa/diary/sync.py), each message is checked in full, then
stored in its own ``BEGIN IMMEDIATE`` transaction keyed by its UUID: the same UUID with
the same content is a ``duplicate``, with other content a ``conflict``. The push to the
other side is planned in that same transaction.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import audit
from ..db import Database
from ..diary.sync import Result, refused_for_child
from ..i18n import gettext
from ..ids import parse_id
from ..json_bodies import MAX_JSON_BYTES, storable_text
from ..notifications import planner
from ..text_input import multiline
from . import store

MAX_BATCH = 50
MAX_BODY = MAX_JSON_BYTES


@dataclass(frozen=True)
class Draft:
    """A checked message, not stored yet."""

    client_uuid: str
    child_id: int
    body: str
    urgent: bool

    def content_hash(self, from_ward: bool) -> str:
        canonical = json.dumps(
            {
                "child_id": self.child_id,
                "body": self.body,
                "urgent": self.urgent,
                "ward": from_ward,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def _shown(raw_id: Any) -> str:
    """The id a result echoes: as sent, cut short, and always valid UTF-8."""
    if raw_id is None:
        return ""
    return str(raw_id)[:64].encode("utf-8", "replace").decode("utf-8")


def parse(raw: Any) -> tuple[Draft | None, Result]:
    """Check one message of a batch: a draft to store, or an ``invalid`` result."""
    if not isinstance(raw, Mapping):
        return None, Result("", "invalid", errors={"message": gettext("This is not a message.")})
    shown_id = _shown(raw.get("id"))
    if not storable_text(raw):
        return None, Result(
            shown_id,
            "invalid",
            errors={"message": gettext("This message holds text that cannot be stored.")},
        )
    try:
        client_uuid = str(uuid.UUID(str(raw.get("id"))))
    except ValueError:
        return None, Result(
            shown_id, "invalid", errors={"id": gettext("The message has no valid id.")}
        )
    problems: dict[str, str] = {}
    child_id = raw.get("child_id")
    if not isinstance(child_id, int) or isinstance(child_id, bool) or parse_id(child_id) is None:
        problems["child_id"] = gettext("The message does not say which child it is about.")
    body = raw.get("body")
    if not isinstance(body, str):
        problems["body"] = gettext("Write your message first.")
        body = ""
    elif len(body) > store.BODY_MAX:
        problems["body"] = gettext(
            "Keep the message under %(count)s characters.", count=store.BODY_MAX
        )
    body = multiline(body).strip()
    if not body and "body" not in problems:
        problems["body"] = gettext("Write your message first.")
    urgent = raw.get("urgent", False)
    if not isinstance(urgent, bool):
        problems["urgent"] = gettext("Urgent is yes or no.")
    if problems:
        return None, Result(client_uuid, "invalid", errors=problems)
    return Draft(client_uuid, int(child_id), body, bool(urgent)), Result(client_uuid, "pending")  # type: ignore[arg-type]


async def _store(db: Database, draft: Draft, author_id: int, *, from_ward: bool) -> Result:
    content_hash = draft.content_hash(from_ward)
    async with db.transaction() as tx:
        existing = await store.select_by_uuid(tx, draft.client_uuid)
        if existing is not None:
            same = existing["content_hash"] == content_hash
            return Result(draft.client_uuid, "duplicate" if same else "conflict")
        message_id = await store.insert(
            tx,
            client_uuid=draft.client_uuid,
            child_id=draft.child_id,
            author_id=author_id,
            from_ward=from_ward,
            body=draft.body,
            urgent=draft.urgent and not from_ward,
            content_hash=content_hash,
        )
        if from_ward:
            await planner.tell_family_of_ward_message(tx, message_id, draft.child_id)
            await audit.record(
                tx,
                actor_id=author_id,
                action="message.sent_to_family",
                child_id=draft.child_id,
                detail=draft.client_uuid,
            )
        else:
            await planner.tell_ward_of_family_message(tx, message_id)
    return Result(draft.client_uuid, "stored")


async def store_from_family(db: Database, draft: Draft, caregiver_id: int) -> Result:
    """Store a caregiver's message once, for one of their children whose record is open."""
    refused = await refused_for_child(db, caregiver_id, draft.child_id, draft.client_uuid)
    if refused is not None:
        return refused
    return await _store(db, draft, caregiver_id, from_ward=False)


async def store_from_ward(db: Database, draft: Draft, nurse_id: int) -> Result:
    """Store a nurse's message once (the form's UUID makes a double tap harmless)."""
    return await _store(db, draft, nurse_id, from_ward=True)


async def submit(db: Database, caregiver_id: int, batch: list[Any]) -> list[Result]:
    """Check and store a batch; one bad message never blocks the others."""
    results = []
    for raw in batch:
        draft, result = parse(raw)
        if draft is not None:
            result = await store_from_family(db, draft, caregiver_id)
        results.append(result)
    return results
