"""Hospital systems allowed to use the FHIR API (SMART Backend Services clients).

An admin registers each one with a name, its public key set (JWKS) and the scopes it
may ask for. Only public keys are accepted: a key set carrying private key material is
refused, since the app must never hold a client's signing key. Clients are never deleted
(the audit log names them); an admin switches one off instead.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..db import Reader, Transaction, from_db, now_text

READ_ALL = "system/*.read"
APPOINTMENT_WRITE = "system/Appointment.write"
SCOPES = (READ_ALL, APPOINTMENT_WRITE)
# Members of a JWK that only a private or symmetric key has (RFC 7518 section 6).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
MIN_RSA_BITS = 2048
EC_CURVE = "P-384"  # ES384


class BadKeySet(ValueError):
    """The JWKS cannot be used; the message is translated, for the admin."""


@dataclass(frozen=True)
class Client:
    id: int
    client_id: str
    name: str
    jwks: dict[str, object]
    scopes: frozenset[str]
    created_at: datetime
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Client:
        return cls(
            id=row["id"],
            client_id=row["client_id"],
            name=row["name"],
            jwks=json.loads(row["jwks"]),
            scopes=frozenset(row["scopes"].split()),
            created_at=from_db(row["created_at"]),
            disabled_at=from_db(row["disabled_at"]),
        )

    def key_set(self) -> KeySet:
        return KeySet.import_key_set(self.jwks)  # type: ignore[arg-type]


def parse_key_set(text: str, messages: dict[str, str]) -> dict[str, object]:
    """The admin's JWKS, checked: JSON with public RSA (2048 bits or more) or P-384 keys.

    ``messages`` holds the translated refusals (the caller is a form, in the admin's
    language): "json", "private", "kind", "empty".
    """
    try:
        value = json.loads(text)
    except ValueError:
        raise BadKeySet(messages["json"]) from None
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
        raise BadKeySet(messages["json"])
    keys = value["keys"]
    if not keys:
        raise BadKeySet(messages["empty"])
    for key in keys:
        if not isinstance(key, dict):
            raise BadKeySet(messages["json"])
        if PRIVATE_MEMBERS & set(key):
            raise BadKeySet(messages["private"])
        if key.get("kty") == "EC" and key.get("crv") != EC_CURVE:
            raise BadKeySet(messages["kind"])
        if key.get("kty") not in {"RSA", "EC"}:
            raise BadKeySet(messages["kind"])
    try:
        key_set = KeySet.import_key_set(value)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError):
        raise BadKeySet(messages["json"]) from None
    for key in key_set.keys:
        if key.key_type == "RSA" and key.raw_value.key_size < MIN_RSA_BITS:  # type: ignore[union-attr]
            raise BadKeySet(messages["kind"])
    return {"keys": [key.as_dict(private=False) for key in key_set.keys]}


async def insert_client(
    tx: Transaction,
    *,
    name: str,
    jwks: dict[str, object],
    scopes: list[str],
    created_by: int | None,
) -> Client:
    client_id = secrets.token_urlsafe(18)
    row = await tx.fetch_one(
        """
        INSERT INTO fhir_client (client_id, name, jwks, scopes, created_by, created_at)
        VALUES (:client_id, :name, :jwks, :scopes, :created_by, :now)
        RETURNING *
        """,
        {
            "client_id": client_id,
            "name": name,
            "jwks": json.dumps(jwks),
            "scopes": " ".join(scope for scope in SCOPES if scope in scopes),
            "created_by": created_by,
            "now": now_text(),
        },
    )
    assert row is not None
    return Client.from_row(row)


async def disable_client(tx: Transaction, id: int) -> None:
    """Switch a client off: its tokens stop working at once (pwa/fhir/tokens.py checks)."""
    await tx.execute(
        "UPDATE fhir_client SET disabled_at = :now WHERE id = :id AND disabled_at IS NULL",
        {"id": id, "now": now_text()},
    )


async def select_all(db: Reader) -> list[Client]:
    rows = await db.fetch_all("SELECT * FROM fhir_client ORDER BY name, id")
    return [Client.from_row(row) for row in rows]


async def select_by_client_id(db: Reader, client_id: str) -> Client | None:
    row = await db.fetch_one(
        "SELECT * FROM fhir_client WHERE client_id = :client_id", {"client_id": client_id}
    )
    return Client.from_row(row) if row else None


async def select_client(db: Reader, id: int) -> Client | None:
    row = await db.fetch_one("SELECT * FROM fhir_client WHERE id = :id", {"id": id})
    return Client.from_row(row) if row else None
