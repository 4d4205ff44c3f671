"""Invite and reset codes: 130 random bits, typed or scanned, stored only as hashes."""

from __future__ import annotations

import base64
import hashlib
import secrets

# 26 base32 characters = 130 bits: unguessable even without rate limits.
_CODE_BYTES = 17


def new_code() -> str:
    raw = secrets.token_bytes(_CODE_BYTES)
    return base64.b32encode(raw).decode().rstrip("=")[:26]


def normalise(code: str) -> str:
    """Accept what people type: any case, spaces or dashes between groups."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> bytes:
    return hashlib.sha256(normalise(code).encode()).digest()


def grouped(code: str) -> str:
    """The code in groups of four characters, easier to read out or type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
