"""Names the server, the service worker and the page scripts must all use alike.

Cache and database names, message types, headers and URLs that more than one side reads
are written here once. The server fills them in for the others: the service worker gets
them in its settings object (``SHELL.names``, pwa/shell/views.py) and every page carries
them in a JSON block (base.html) that ``static/js/names.js`` reads. A test fails if one of
these values is typed anywhere else again (tests/test_shared_names.py).
"""

from __future__ import annotations

from typing import Any

from quart import current_app, has_request_context, request, url_for

# Every cache the worker opens starts with this; it deletes no other site's caches.
CACHE_PREFIX = "ic-"
SHELL_CACHE_PREFIX = f"{CACHE_PREFIX}shell-"
# A family's kept pages: the worker and sign-out both wipe caches with this prefix.
PAGES_CACHE_PREFIX = f"{CACHE_PREFIX}pages-"
# The report outbox's IndexedDB database: sign-out and the worker delete it by name where
# indexedDB.databases() is missing.
OUTBOX_DATABASE = "ic-outbox"
# Background Sync's tag: the page registers it, the worker answers it.
OUTBOX_SYNC_TAG = "outbox"
# postMessage types between pages and the worker.
FLUSH_OUTBOX_MESSAGE = "FLUSH_OUTBOX"
SKIP_WAITING_MESSAGE = "SKIP_WAITING"
PAGE_LANGUAGE_MESSAGE = "PAGE_LANGUAGE"
# Sent by timers and events, not by a person: the session's idle clock keeps running and
# the queue answers with its list alone.
BACKGROUND_HEADER = "X-Background-Refresh"
# A page the worker may keep, and whose it is (pwa/shell/pages.py).
CACHEABLE_HEADER = "X-Offline-Cacheable"
CACHEABLE_VALUE = "family"
OWNER_HEADER = "X-Offline-Owner"
# On a kept page: the pages it links that the worker keeps with it (the guidance list's
# pages), so a family can open them offline without having opened them before.
RELATED_HEADER = "X-Offline-Related"
# Endpoints whose URLs scripts call; the URLs come from the routes themselves.
URL_ENDPOINTS = {
    "reports": "diary.sync_reports",
    "messages": "messages.sync_messages",
    "doses": "doses.sync_doses",
    "pushPublicKey": "notifications.public_key",
    "pushSubscriptions": "notifications.subscribe",
    "pushTest": "notifications.send_test",
}
# A URL with a report's or message's id inside: sent as the parts before and after the id.
_ID_MARK = "client-id"
# Photo uploads: each URL holds the client UUID of what the photo belongs to.
PHOTO_ENDPOINTS = {
    "reportPhotos": "diary.upload_photo",
    "messagePhotos": "messages.upload_photo",
}


def _build() -> dict[str, Any]:
    photos = {
        name: url_for(endpoint, client_uuid=_ID_MARK).split(_ID_MARK)
        for name, endpoint in PHOTO_ENDPOINTS.items()
    }
    return {
        "cachePrefix": CACHE_PREFIX,
        "shellCachePrefix": SHELL_CACHE_PREFIX,
        "pagesCachePrefix": PAGES_CACHE_PREFIX,
        "outboxDatabase": OUTBOX_DATABASE,
        "outboxSyncTag": OUTBOX_SYNC_TAG,
        "messages": {
            "flushOutbox": FLUSH_OUTBOX_MESSAGE,
            "skipWaiting": SKIP_WAITING_MESSAGE,
            "pageLanguage": PAGE_LANGUAGE_MESSAGE,
        },
        "headers": {
            "background": BACKGROUND_HEADER,
            "cacheable": CACHEABLE_HEADER,
            "cacheableValue": CACHEABLE_VALUE,
            "owner": OWNER_HEADER,
            "related": RELATED_HEADER,
        },
        "urls": {
            **{name: url_for(endpoint) for name, endpoint in URL_ENDPOINTS.items()},
            **photos,
        },
    }


def shared_names() -> dict[str, Any]:
    """Every shared name, URLs as this app serves them; built once per mount point."""
    built: dict[str, dict[str, Any]] = current_app.extensions.setdefault("shared_names", {})
    root = request.root_path if has_request_context() else ""
    names = built.get(root)
    if names is None:
        names = built[root] = _build()
    return names
