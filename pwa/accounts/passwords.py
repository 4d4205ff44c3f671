"""Password rules (ASVS: length, no composition rules, no common passwords) and argon2id."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from quart import current_app
from zxcvbn import zxcvbn

from ..i18n import gettext

MIN_LENGTH = 8
# Long passphrases are welcome; the cap only stops hashing megabytes.
MAX_LENGTH = 256
# zxcvbn refuses longer input (it raised, and the page answered 500). Only the first 72
# characters are scored: a long password is judged by a 72-character start that must be
# strong on its own, so "aaaa…" stays refused however long it is; argon2 hashes it all.
STRENGTH_CHECK_LENGTH = 72
# Words anyone would try first, besides the user's own (the hospital's name is added).
APP_WORDS = ("Immuno Companion", "immuno", "companion", "immunocompanion")


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


def guessable_words(personal: Iterable[str]) -> list[str]:
    """The user's own words for zxcvbn: each value whole and in its parts, plus the app's."""
    words: list[str] = []
    for value in (*personal, *APP_WORDS):
        value = value.strip().lower()
        if not value:
            continue
        words.append(value)
        local = value.partition("@")[0]
        words.append(local)
        words.extend(part for part in re.split(r"[\W_]+", value) if len(part) > 1)
        words.append(re.sub(r"[\W_]+", "", local))
    return list(dict.fromkeys(word for word in words if word))


def password_problem(password: str, personal: Iterable[str] = ()) -> str | None:
    """A translated reason to refuse this new password, or None when it is fine.

    ``personal``: the user's e-mail address and name and the hospital's name, which
    anyone targeting this account would try first.
    """
    if len(password) < MIN_LENGTH:
        return gettext("Use at least %(count)s characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return gettext(
            "Use at most %(count)s characters. A few unrelated words are enough.",
            count=MAX_LENGTH,
        )
    words = guessable_words(personal)
    scored = password[:STRENGTH_CHECK_LENGTH]
    if not _strong(scored, words):
        return gettext(
            "This password is too easy to guess. A few unrelated words together work well."
        )
    if not _strong(_without(scored, words), words):
        return gettext(
            "This password leans on your name, your e-mail address or the name of the app or "
            "the hospital. Choose a few other, unrelated words."
        )
    return None


def _strong(password: str, words: list[str]) -> bool:
    score = zxcvbn(password, user_inputs=words)["score"]
    return bool(score >= current_app.config["PASSWORD_MIN_SCORE"])


def _without(password: str, words: list[str]) -> str:
    """The password with the user's own words taken out: what is left must be strong too.

    zxcvbn alone rates "annelies-vandenberg-2019" strong even when told the name: an
    attacker who knows the account tries exactly that first.
    """
    rest = _fold(password)
    for word in sorted((_fold(word) for word in words if len(word) >= 3), key=len, reverse=True):
        rest = re.sub(re.escape(word), "", rest, flags=re.IGNORECASE)
    return rest


def _fold(text: str) -> str:
    """Without accents: "Máxima" and "Maxima" are the same word to someone guessing."""
    return "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
