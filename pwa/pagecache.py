"""Rendered family home pages, kept in memory until the data under them changes.

A family opens the app many times a day and the home page rarely changes between those
visits. Rendering it is most of what a visit costs the server (docs/performance.md), so
a page, once rendered, is kept and served again as long as three things hold:

- the data is the same: ``family_data_version`` (migration 0008) has not moved. Triggers
  bump it on every write, by any process, to a table the page reads, so a moved
  admission shows at once, also one moved by another server process;
- the moment is the same: the page says "in 3 days" or "day 2 of 7", so it is kept only
  until the next local midnight or visit start or end, whichever comes first
  (``Overview.next_change``);
- the request is the same: the same session (the page's CSRF tokens belong to it), the
  same child chosen, the same language, and no one-time message waiting to be shown.

Each server process keeps its own pages; the version in the database keeps them all
honest. Only whole pages for one session are kept, never anything shared between
families.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime

from .db import Database

# Tables whose writes bump the version (the triggers of migrations 0008, 0016 and 0017). A test reads
# every table the home page queries and checks it is here or in UNVERSIONED_READS.
VERSIONED_TABLES = frozenset(
    {
        "account",
        "child",
        "caregiver_child",
        "treatment_plan",
        "visit",
        "medication_period",
        "plan_change",
        "schedule_seen",
        "packing_item",
        "report_reply",
        "report_claim",
        "report_review",
        "hospital_setting",
        # Only ward messages bump (migration 0017): home counts the unread ones.
        "message",
    }
)
UNVERSIONED_READS = {
    "account_session": "read on every request; the key holds its id and chosen child",
    "report": (
        "the reports waiting on the ward: an amber or red one, or a correction, bumps when"
        " stored (migration 0016), as do an update and a deletion; a green one changes nothing"
    ),
    "family_data_version": "the version itself",
}


class PageCache:
    """A bounded map from a request's key to its rendered page and when that expires."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[Hashable, tuple[str, datetime]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pages)

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def get(self, key: Hashable, now: datetime) -> str | None:
        found = self._pages.get(key)
        if found is None:
            return None
        page, expires = found
        if now >= expires:
            del self._pages[key]
            return None
        self._pages.move_to_end(key)
        return page

    def put(self, key: Hashable, page: str, expires: datetime) -> None:
        if not self.enabled:
            return
        self._pages[key] = (page, expires)
        self._pages.move_to_end(key)
        while len(self._pages) > self.capacity:
            self._pages.popitem(last=False)

    def clear(self) -> None:
        self._pages.clear()


async def data_version(db: Database) -> int:
    row = await db.fetch_one("SELECT version FROM family_data_version WHERE id = 1")
    return int(row["version"]) if row else 0
