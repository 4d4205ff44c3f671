"""A new authenticator key waiting for its first code, kept on the server, not in a cookie.

Between a correct password and the first right code, the pre-sign-in cookie carries
only a random handle; the key itself is a row of ``pending_second_factor`` (one per
account, the latest sign-in's), good for the second-factor window and then ignored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from ..clock import utcnow
from ..db import Database, Reader, Transaction, to_db
from . import second_factor

# How long a correct password stays good for entering (or setting up) the second factor.
WINDOW = timedelta(minutes=5)


def _hash(handle: str) -> bytes:
    return hashlib.sha256(handle.encode()).digest()


async def start(db: Database, account_id: int) -> str:
    """Make a new key for this account (replacing any earlier one); the handle for the cookie."""
    handle = secrets.token_urlsafe(32)
    async with db.transaction() as tx:
        await tx.execute(
            "DELETE FROM pending_second_factor WHERE created_at <= :cutoff",
            {"cutoff": to_db(utcnow() - WINDOW)},
        )
        await tx.execute(
            """
            INSERT INTO pending_second_factor (account_id, handle_hash, secret, created_at)
            VALUES (:account_id, :handle_hash, :secret, :now)
            ON CONFLICT (account_id) DO UPDATE
               SET handle_hash = excluded.handle_hash, secret = excluded.secret,
                   created_at = excluded.created_at
            """,
            {
                "account_id": account_id,
                "handle_hash": _hash(handle),
                "secret": second_factor.new_secret(),
                "now": to_db(utcnow()),
            },
        )
    return handle


async def pending_secret(db: Reader, account_id: int, handle: object) -> str | None:
    """The key this handle stands for, while the window lasts; None otherwise."""
    if not isinstance(handle, str) or not handle:
        return None
    row = await db.fetch_one(
        """
        SELECT secret FROM pending_second_factor
         WHERE account_id = :account_id AND handle_hash = :handle_hash
           AND created_at > :cutoff
        """,
        {
            "account_id": account_id,
            "handle_hash": _hash(handle),
            "cutoff": to_db(utcnow() - WINDOW),
        },
    )
    return None if row is None else str(row["secret"])


async def forget(tx: Transaction, account_id: int) -> None:
    """The key is confirmed (or no longer wanted): drop the pending row."""
    await tx.execute(
        "DELETE FROM pending_second_factor WHERE account_id = :account_id",
        {"account_id": account_id},
    )
