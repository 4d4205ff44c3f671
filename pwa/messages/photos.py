"""A message's photo: the ``message_photo`` rows, at most one per message, only on a
family's message. The rules for the picture itself are every photo's (pwa/photos.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..db import Database, Reader, from_db
from ..i18n import lazy_gettext as _l
from ..photos import Belonging, Encoded, Insert, Settle, keep, rules, save

TOO_MANY = _l("A message can have one photo, and this one has it already.")
CONFLICT = _l("This photo was already sent with another message.")


@dataclass(frozen=True)
class MessagePhoto:
    client_uuid: str
    message_id: int
    message_uuid: str
    child_id: int
    width: int
    height: int
    file_name: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> MessagePhoto:
        return cls(
            client_uuid=row["client_uuid"],
            message_id=row["message_id"],
            message_uuid=row["message_uuid"],
            child_id=row["child_id"],
            width=row["width"],
            height=row["height"],
            file_name=row["file_name"],
        )


@dataclass(frozen=True)
class FamilyMessage:
    """A family's message a photo may be added to."""

    id: int
    client_uuid: str
    child_id: int
    at: datetime


_SELECT = """
    SELECT message_photo.client_uuid, message_photo.message_id,
           message.client_uuid AS message_uuid, message.child_id, message_photo.width,
           message_photo.height, message_photo.file_name
      FROM message_photo
      JOIN message ON message.id = message_photo.message_id
"""
# A caregiver's own family: the child is theirs and its record open (else 404).
_FAMILY = """
      JOIN caregiver_child ON caregiver_child.child_id = message.child_id
      JOIN child ON child.id = message.child_id
"""
_FAMILY_WHERE = " AND caregiver_child.caregiver_id = :caregiver_id AND child.closed_at IS NULL"


async def select_family_message(
    db: Reader, message_uuid: str, caregiver_id: int
) -> FamilyMessage | None:
    """A family's message about one of this caregiver's open children (else None -> 404)."""
    row = await db.fetch_one(
        """
        SELECT message.id, message.client_uuid, message.child_id, message.created_at
          FROM message
          JOIN caregiver_child ON caregiver_child.child_id = message.child_id
          JOIN child ON child.id = message.child_id
         WHERE message.client_uuid = :uuid AND message.from_ward = 0
           AND caregiver_child.caregiver_id = :caregiver_id AND child.closed_at IS NULL
        """,
        {"uuid": message_uuid, "caregiver_id": caregiver_id},
    )
    if row is None:
        return None
    return FamilyMessage(row["id"], row["client_uuid"], row["child_id"], from_db(row["created_at"]))


async def select_photos_of_child(db: Reader, child_id: int) -> dict[int, MessagePhoto]:
    """The photos of a child's messages, by message id (the thread puts each with its message)."""
    rows = await db.fetch_all(
        _SELECT + " WHERE message.child_id = :child_id", {"child_id": child_id}
    )
    return {row["message_id"]: MessagePhoto.from_row(row) for row in rows}


async def select_photo_for_caregiver(
    db: Reader, message_uuid: str, photo_uuid: str, caregiver_id: int
) -> MessagePhoto | None:
    """A message's photo only if the message is about one of this caregiver's children."""
    row = await db.fetch_one(
        _SELECT
        + _FAMILY
        + " WHERE message.client_uuid = :message_uuid AND message_photo.client_uuid = :photo_uuid"
        + _FAMILY_WHERE,
        {"message_uuid": message_uuid, "photo_uuid": photo_uuid, "caregiver_id": caregiver_id},
    )
    return MessagePhoto.from_row(row) if row else None


async def select_photo(db: Reader, message_uuid: str, photo_uuid: str) -> MessagePhoto | None:
    """A message's photo, for staff."""
    row = await db.fetch_one(
        _SELECT
        + " WHERE message.client_uuid = :message_uuid AND message_photo.client_uuid = :photo_uuid",
        {"message_uuid": message_uuid, "photo_uuid": photo_uuid},
    )
    return MessagePhoto.from_row(row) if row else None


async def file_names_of_child(db: Reader, child_id: int) -> list[str]:
    """The files of a child's message photos, to delete once the rows are gone."""
    rows = await db.fetch_all(
        "SELECT message_photo.file_name FROM message_photo"
        " JOIN message ON message.id = message_photo.message_id WHERE message.child_id = :id",
        {"id": child_id},
    )
    return [row[0] for row in rows]


def _rules(message_id: int, photo_uuid: str, uploader_id: int) -> tuple[Settle, Insert]:
    """A message has one photo, and an id belongs to one message."""
    belonging = Belonging("message_photo", "message_id", message_id, 1, CONFLICT, TOO_MANY)
    return rules(belonging, photo_uuid, uploader_id)


async def save_photo(
    db: Database, folder: Path, *, message_id: int, photo_uuid: str, upload: bytes, uploader_id: int
) -> str:
    """Keep an uploaded photo for a family's message: "stored" or "duplicate" (a retry
    is answered before anything is decoded), else ``PhotoRefused``."""
    settle, insert = _rules(message_id, photo_uuid, uploader_id)
    return await save(db, folder, upload, settle=settle, insert=insert)


async def keep_photo(
    db: Database,
    folder: Path,
    *,
    message_id: int,
    photo_uuid: str,
    encoded: Encoded,
    uploader_id: int,
) -> str:
    """Keep a photo already re-encoded (the composer without JavaScript checks the photo
    before it stores the message): "stored" or "duplicate", else ``PhotoRefused``."""
    settle, insert = _rules(message_id, photo_uuid, uploader_id)
    return await keep(db, folder, encoded, settle=settle, insert=insert)
