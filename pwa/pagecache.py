"""Rendered family home pages, kept in memory until the database or the day changes.

A family opens the app many times a day and the home page rarely changes between those
visits. Rendering it is most of what a visit costs the server (docs/performance.md), so
a page, once rendered, is kept and served again as long as three things hold:

- the database is the same: SQLite's ``PRAGMA data_version``, read on the event loop's
  own read-only connection, has not moved. SQLite changes it whenever any other
  connection commits, in this process or any other, to any table. Whatever the page
  reads, a write under it is therefore seen: nothing lists tables, nothing has to be
  kept in step with the page's queries;
- the moment is the same: the page says "in 3 days" or "day 2 of 7", so it is kept only
  until the moment the page's own ``render`` says it reads differently (for the home
  page: the next local midnight or visit start or end, ``Overview.next_change``);
- the request is the same: the same session (the page's CSRF tokens belong to it), the
  same child chosen, the same language, and no one-time message waiting to be shown.

Each server process keeps its own pages; its own connection's ``data_version`` keeps
them honest. Only whole pages for one session are kept, never anything shared between
families. Views use one door: ``await serve("name", render)``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime

from quart import current_app, g, session

from .clock import utcnow
from .db import Database, get_db
from .i18n import current_locale

Render = Callable[[], Awaitable[tuple[str, datetime]]]


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
    """A number that moves whenever anyone else commits to the database.

    It is per connection: ``Database.fetch_one`` reads on the event loop's one read-only
    connection, which never writes, so every commit (by this process's writer or by any
    other process) moves it. The cache is emptied whenever the database is opened, as
    a new connection counts afresh.
    """
    row = await db.fetch_one("PRAGMA data_version")
    return int(row[0]) if row else 0


async def serve(name: str, render: Render) -> str:
    """This session's kept copy of page ``name``, or ``render()``'s page, kept until the
    moment ``render`` returns with it or until the database changes, whichever is first."""
    cache: PageCache = current_app.extensions["page_cache"]
    # A page with a one-time message is shown once, never kept.
    if not cache.enabled or "_flashes" in session:
        page, _ = await render()
        return page
    session_row = g.session_row
    # Read before the page's data: a write in between then files newer data under the
    # older version (a key no later request asks for), never older data under a newer.
    version = await data_version(get_db())
    key = (name, session_row.id, session_row.child_id, current_locale(), version)
    kept = cache.get(key, utcnow())
    if kept is not None:
        return kept
    page, expires = await render()
    cache.put(key, page, expires)
    return page
