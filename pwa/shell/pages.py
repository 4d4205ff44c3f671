"""Which pages a phone may keep for offline use, whose they are, and wiping them at sign-out.

The service worker keeps a page only when the response says so: a signed-in family's
page marked with ``offline_page``. Nurse pages and everything else are never kept. Every
signed-in response names its account with an opaque tag, so the worker can drop one
account's pages as soon as another account signs in on the same device.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from quart import current_app, g, request

from ..security import ROLES_ALLOWED, Access
from ..shared_names import CACHEABLE_HEADER, CACHEABLE_VALUE, OWNER_HEADER, RELATED_HEADER

F = TypeVar("F", bound=Callable[..., Any])

OFFLINE_ATTRIBUTE = "_pwa_offline_page"
# Sign-out tells the browser to drop this site's caches and storage (pages, IndexedDB,
# the service worker); the page script and the worker wipe too, for browsers without it.
CLEAR_SITE_DATA = '"cache", "storage"'
SIGN_OUT_ENDPOINT = "accounts.logout"


def offline_page(view: F) -> F:
    """Mark a family page the service worker may keep, so the family can open it offline."""
    setattr(view, OFFLINE_ATTRIBUTE, True)
    return view


def keep_with(response: Any, paths: list[str]) -> None:
    """Ask the worker to keep these pages of this site along with this kept page.

    Only honoured on a page a phone may keep (``mark_offline_pages`` drops it otherwise);
    the worker fetches each path with the family's cookie and keeps it only when that
    answer is itself a kept page of the same account.
    """
    # Sent even when empty: the worker then drops kept pages the list no longer names.
    response.headers[RELATED_HEADER] = " ".join(paths)


def is_offline_page(endpoint: str | None) -> bool:
    if endpoint is None:
        return False
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, OFFLINE_ATTRIBUTE, False))


def blueprint_of(endpoint: str | None) -> str:
    return (endpoint or "").rpartition(".")[0]


def owner_tag(account_id: int) -> str:
    """An opaque, stable tag per account: the worker compares tags, it never sees the id."""
    return _owner_tag(str(current_app.config["SECRET_KEY"]), account_id)


@functools.lru_cache(maxsize=4096)
def _owner_tag(secret: str, account_id: int) -> str:
    # On every signed-in response: worked out once per account, not once per request.
    digest = hmac.new(secret.encode(), f"offline-owner:{account_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


def mark_offline_pages(response: Any) -> Any:
    """After each request: say whose response this is and whether a phone may keep it."""
    signed_out = request.endpoint == SIGN_OUT_ENDPOINT and response.status_code in {302, 303}
    if signed_out and request.method == "POST":
        response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    account = g.get("account")
    # Only pages name their account; the shell's own files are kept for whoever comes next.
    own_file = request.endpoint == "static" or blueprint_of(request.endpoint) == "shell"
    if account is None or own_file or response.mimetype != "text/html":
        response.headers.pop(RELATED_HEADER, None)
        return response
    response.headers[OWNER_HEADER] = owner_tag(account.id)
    if (
        request.method == "GET"
        and response.status_code == 200
        and account.role in ROLES_ALLOWED[Access.FAMILY]
        and is_offline_page(request.endpoint)
    ):
        response.headers[CACHEABLE_HEADER] = CACHEABLE_VALUE
    else:
        response.headers.pop(RELATED_HEADER, None)
    return response
