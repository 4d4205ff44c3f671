"""Sign-in limits that a stranger cannot turn against an account's owner.

Only failures count (a wrong password, a wrong second-factor code); a completed sign-in
clears the account's count. A browser that signed in to an account before carries a
signed device cookie (OWASP's "device cookies"): its own failures are counted apart, so
guesses from elsewhere, even from its own address, never lock it out. Counts live in
SQLite, shared by every server process and kept across restarts (docs/deploy.md,
docs/access.md); the calendar feed counts its unknown tokens here too (``client_only``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from quart import after_this_request, current_app, request
from werkzeug.exceptions import TooManyRequests

from .. import security_events
from ..clock import utcnow
from ..config import plain_http_development
from ..db import Database, Reader, Transaction, from_db, to_db
from ..security import client_address
from .store import Account

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5  # failures from devices the account never signed in on
PER_DEVICE = 5  # failures from one known device, counted apart
PER_CLIENT = 10  # failures from one client address, whatever the account

DEVICE_COOKIE = "__Host-device"
# Development over plain http: no __Host- prefix, which demands Secure (as the session).
HTTP_DEVICE_COOKIE = "ic_device"
DEVICE_LIFETIME = timedelta(days=365)
# Accounts one device remembers (two parents sharing a tablet, say).
DEVICE_ACCOUNTS = 5
_SALT = "device-cookie"


class SignInPaused(TooManyRequests):
    """429 with how long to wait, for the error page and the Retry-After header."""

    # Logged with its account when raised; the error page need not log it again.
    security_logged = True

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        headers = super().get_headers(*args, **kwargs)
        headers.append(("Retry-After", str(self.retry_after)))
        return headers


# --- the device cookie ---------------------------------------------------------------


def device_cookie_name() -> str:
    return HTTP_DEVICE_COOKIE if plain_http_development(current_app.config) else DEVICE_COOKIE


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=_SALT)


def _read_device() -> tuple[str, list[int]] | None:
    """(nonce, account ids) from a valid, unexpired device cookie, or None."""
    raw = request.cookies.get(device_cookie_name())
    if not raw or len(raw) > 1024:
        return None
    try:
        value = _serializer().loads(raw, max_age=int(DEVICE_LIFETIME.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(value, dict):
        return None
    nonce, ids = value.get("n"), value.get("a")
    if not isinstance(nonce, str) or not isinstance(ids, list):
        return None
    return nonce, [number for number in ids if isinstance(number, int)]


def known_device(account: Account | None) -> str | None:
    """This browser's device nonce when it signed in to this account before."""
    device = _read_device()
    if account is None or device is None or account.id not in device[1]:
        return None
    return device[0]


def remember_device(account: Account) -> None:
    """Give (or renew) this browser's device cookie, naming this account first."""
    device = _read_device()
    nonce, ids = device if device else (secrets.token_urlsafe(16), [])
    ids = [account.id, *(number for number in ids if number != account.id)][:DEVICE_ACCOUNTS]
    value = _serializer().dumps({"n": nonce, "a": ids})

    @after_this_request
    async def set_cookie(response: Any) -> Any:
        response.set_cookie(
            device_cookie_name(),
            value,
            max_age=int(DEVICE_LIFETIME.total_seconds()),
            secure=not plain_http_development(current_app.config),
            httponly=True,
            samesite="Lax",
            path="/",
        )
        return response


# --- failure counts ------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """What one sign-in attempt is counted against, each count's limit, and what the
    security event log calls it."""

    limits: tuple[tuple[bytes, int], ...]
    account_id: int | None = None
    kind: str = "sign_in"


def _subject(kind: str, value: str) -> bytes:
    return hashlib.sha256(f"{kind}:{value}".encode()).digest()


def _account_subjects(email: str, account: Account | None, device: str | None) -> list[bytes]:
    subjects = [_subject("account", email.strip().lower())]
    if account is not None and device is not None:
        subjects.append(_subject("device", f"{device}:{account.id}"))
    return subjects


def attempt(email: str, account: Account | None) -> Attempt:
    """A known device counts against itself; any other against the e-mail address and
    its client address."""
    device = known_device(account)
    subjects = _account_subjects(email, account, device)
    if device is not None:
        # Not against the address: a ward's own computers keep signing in while someone
        # behind the same address guesses (or its nurses mistype on new devices).
        return Attempt(
            limits=((subjects[1], PER_DEVICE),), account_id=account.id if account else None
        )
    client = (_subject("client", client_address()), PER_CLIENT)
    return Attempt(
        limits=((subjects[0], PER_ACCOUNT), client), account_id=account.id if account else None
    )


def client_only(kind: str, limit: int) -> Attempt:
    """Failures of some other kind of secret (a calendar token), per client address."""
    return Attempt(limits=((_subject(f"{kind}-client", client_address()), limit),), kind=kind)


async def seconds_to_wait(db: Reader, tried: Attempt) -> int:
    """0 when this attempt may go ahead, else whole seconds until it may."""
    now = utcnow()
    wait = 0.0
    for subject, limit in tried.limits:
        rows = await db.fetch_all(
            """
            SELECT failed_at FROM sign_in_failure
             WHERE subject = :subject AND failed_at > :since
             ORDER BY failed_at DESC LIMIT :limit
            """,
            {"subject": subject, "since": to_db(now - WINDOW), "limit": limit},
        )
        if len(rows) >= limit:
            # Free again once the limit-th most recent failure leaves the window.
            freed = from_db(rows[limit - 1]["failed_at"]) + WINDOW
            wait = max(wait, (freed - now).total_seconds())
    return max(1, math.ceil(wait)) if wait > 0 else 0


async def check(db: Reader, tried: Attempt) -> None:
    """Refuse with 429 (and how long to wait) when a limit is reached."""
    wait = await seconds_to_wait(db, tried)
    if wait:
        security_events.record(
            f"{tried.kind}.paused", account_id=tried.account_id, retry_after=wait
        )
        raise SignInPaused(wait)


async def record_failure(db: Database, tried: Attempt) -> None:
    """Count a wrong password, code or token, and log it (without what was typed)."""
    security_events.record(f"{tried.kind}.failed", account_id=tried.account_id)
    now = utcnow()
    async with db.transaction() as tx:
        await _forget_old(tx)
        for subject, _ in tried.limits:
            await tx.execute(
                "INSERT INTO sign_in_failure (subject, failed_at) VALUES (:subject, :at)",
                {"subject": subject, "at": to_db(now)},
            )


async def succeeded(db: Database, account: Account) -> None:
    """A completed sign-in: clear the account's counts and remember this device."""
    security_events.record(
        "sign_in.succeeded",
        level=logging.INFO,
        account_id=account.id,
        known_device=known_device(account) is not None,
    )
    subjects = _account_subjects(account.email, account, known_device(account))
    async with db.transaction() as tx:
        await _forget_old(tx)
        for subject in subjects:
            await tx.execute(
                "DELETE FROM sign_in_failure WHERE subject = :subject", {"subject": subject}
            )
    remember_device(account)


async def _forget_old(tx: Transaction) -> None:
    await tx.execute(
        "DELETE FROM sign_in_failure WHERE failed_at <= :cutoff",
        {"cutoff": to_db(utcnow() - WINDOW)},
    )
