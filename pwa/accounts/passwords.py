"""Password rules (ASVS: length, no composition rules, no common passwords) and argon2id."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from quart import current_app
from zxcvbn import zxcvbn

from ..i18n import gettext

MIN_LENGTH = 8
# Long passphrases are welcome; the cap only stops hashing megabytes.
MAX_LENGTH = 256
# zxcvbn's cost grows with length; past this it adds nothing to the verdict.
_STRENGTH_CHECK_LENGTH = 100


def hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_KIB"]
    )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no account, hash anyway so timing does not reveal it."""
    if password_hash is None:
        hasher().hash(password)
        return False
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_in_thread(password: str) -> str:
    """``hash_password`` in a worker thread, for request handlers.

    argon2id is slow on purpose (about 0.1 s of CPU with the production settings) and
    releases the GIL while it works: on the event loop it would stall every other
    request for that long, in a thread the server keeps answering.
    """
    return await asyncio.to_thread(hash_password, password)


async def verify_password_in_thread(password_hash: str | None, password: str) -> bool:
    """``verify_password`` in a worker thread, for request handlers (see above)."""
    return await asyncio.to_thread(verify_password, password_hash, password)


def password_problem(password: str, personal: Iterable[str] = ()) -> str | None:
    """A translated reason to refuse this new password, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return gettext("Use at least %(count)s characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return gettext("Use at most %(count)s characters.", count=MAX_LENGTH)
    inputs = [
        part
        for value in personal
        for part in value.replace("@", " ").replace(".", " ").split()
        if part
    ]
    result = zxcvbn(password[:_STRENGTH_CHECK_LENGTH], user_inputs=inputs)
    if result["score"] < current_app.config["PASSWORD_MIN_SCORE"]:
        return gettext(
            "This password is too easy to guess. A few unrelated words together work well."
        )
    return None
