"""One conversation as both sides see it: the child's messages and the care team's replies
to the child's reports, merged in time order.

Replies to reports stay in report_reply, owned by pwa/reviews/replies.py: a reply belongs
to its report (its page, the export, the home banner), and copying it into the message
table would leave two owners of one text. The conversation reads both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..db import Reader
from ..reviews import replies
from . import photos, store
from .photos import MessagePhoto


@dataclass(frozen=True)
class Entry:
    """One line of the thread: a message, or a reply to a report (``report_uuid`` set)."""

    at: datetime
    from_ward: bool
    author: str
    body: str
    urgent: bool
    read_at: datetime | None
    reader: str | None
    report_uuid: str | None = None
    report_observed_at: datetime | None = None
    # The photo a caregiver added to the message, if any.
    photo: MessagePhoto | None = None


async def select_entries(db: Reader, child_id: int) -> list[Entry]:
    """The thread, oldest first."""
    pictures = await photos.select_photos_of_child(db, child_id)
    entries = [
        Entry(
            m.at,
            m.from_ward,
            m.author,
            m.body,
            m.urgent,
            m.read_at,
            m.reader,
            photo=pictures.get(m.id),
        )
        for m in await store.select_thread(db, child_id)
    ]
    entries += [
        Entry(
            r.at,
            True,
            r.nurse,
            r.body,
            False,
            r.read_at,
            None,
            report_uuid=r.report_uuid,
            report_observed_at=r.report_observed_at,
        )
        for r in await replies.select_replies_for_child(db, child_id)
    ]
    return sorted(entries, key=lambda entry: entry.at)
