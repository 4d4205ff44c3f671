"""SMART Backend Services: a hospital system trades a signed JWT assertion for a token.

The client signs an assertion with its own private key (RS384 or ES384) and posts it to
the token endpoint (``client_credentials`` with ``client_assertion_type`` jwt-bearer).
The assertion must name the client as ``iss`` and ``sub``, the token endpoint as ``aud``,
expire within five minutes, and carry a ``jti`` never used before: each ``jti`` is kept
until its assertion expires, so a copied assertion cannot be replayed. The answer is an
opaque random token, stored only as its SHA-256, good for five minutes and for the
scopes asked for, each of which the admin must have allowed the client.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact

from ..clock import utcnow
from ..db import Database, Reader, Transaction, from_db, to_db
from . import clients
from .clients import Client

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ("RS384", "ES384")
TOKEN_LIFETIME = timedelta(minutes=5)
ASSERTION_MAX_AHEAD = timedelta(minutes=5)
MAX_ASSERTION_BYTES = 16_384


class TokenRefused(Exception):
    """An OAuth 2.0 error (RFC 6749 section 5.2): ``error`` code and a description."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class Grant:
    """What a valid access token allows: which client, which scopes, until when."""

    client_id: int
    client_name: str
    scopes: frozenset[str]
    expires_at: datetime

    def allows_read(self, resource_type: str) -> bool:
        return bool({clients.READ_ALL, f"system/{resource_type}.read"} & self.scopes)

    def allows_write(self, resource_type: str) -> bool:
        return f"system/{resource_type}.write" in self.scopes


@dataclass(frozen=True)
class Issued:
    token: str
    scopes: list[str]
    expires_in: int


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _unverified_issuer(assertion: str) -> str:
    """Who the assertion says it is from, to find the key that must have signed it."""
    try:
        payload = json.loads(extract_compact(assertion.encode()).payload)
    except (JoseError, ValueError, TypeError):
        raise TokenRefused("invalid_client", "The client assertion is not a JWT.", 401) from None
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    if not isinstance(issuer, str) or not issuer:
        raise TokenRefused("invalid_client", "The client assertion names no issuer.", 401)
    return issuer


def _verified_claims(assertion: str, client: Client, token_url: str) -> dict[str, object]:
    """The assertion's claims, once its signature and every required claim hold."""
    try:
        token = jwt.decode(assertion, client.key_set(), algorithms=list(ALGORITHMS))
    except (JoseError, ValueError, TypeError):
        raise TokenRefused(
            "invalid_client", "The client assertion's signature does not verify.", 401
        ) from None
    claims = dict(token.claims)
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if claims.get("sub") != client.client_id:
        raise TokenRefused("invalid_client", "The assertion's sub must be the client id.", 401)
    if token_url not in audiences:
        raise TokenRefused("invalid_client", "The assertion's aud must be the token URL.", 401)
    expires = claims.get("exp")
    now = utcnow()
    if not isinstance(expires, int | float) or isinstance(expires, bool):
        raise TokenRefused("invalid_client", "The assertion has no exp.", 401)
    if expires <= now.timestamp():
        raise TokenRefused("invalid_client", "The assertion has expired.", 401)
    if expires > (now + ASSERTION_MAX_AHEAD).timestamp():
        raise TokenRefused(
            "invalid_client", "The assertion's exp is more than five minutes ahead.", 401
        )
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= 255:
        raise TokenRefused("invalid_client", "The assertion has no jti.", 401)
    return claims


def granted_scopes(client: Client, asked: str) -> list[str]:
    """The scopes asked for, each allowed to this client (or the request is refused)."""
    wanted = asked.split()
    if not wanted:
        raise TokenRefused("invalid_scope", "Ask for at least one scope.")
    for scope in wanted:
        read_type = scope.removeprefix("system/").removesuffix(".read")
        allowed = scope in client.scopes or (
            scope.startswith("system/")
            and scope.endswith(".read")
            and read_type.isalpha()
            and clients.READ_ALL in client.scopes
        )
        if not allowed:
            raise TokenRefused("invalid_scope", f"This client may not have the scope {scope}.")
    return list(dict.fromkeys(wanted))


async def _remember_jti(tx: Transaction, client: Client, jti: str, expires: float) -> None:
    """Keep the assertion's id until it expires; a second use is a replay."""
    now = to_db(utcnow())
    await tx.execute("DELETE FROM fhir_assertion WHERE expires_at < :now", {"now": now})
    try:
        await tx.execute(
            """
            INSERT INTO fhir_assertion (client_id, jti, expires_at)
            VALUES (:client_id, :jti, :expires_at)
            """,
            {
                "client_id": client.id,
                "jti": jti,
                "expires_at": to_db(datetime.fromtimestamp(expires, tz=UTC)),
            },
        )
    except sqlite3.IntegrityError:
        raise TokenRefused(
            "invalid_client", "This assertion was used before (its jti is not new).", 401
        ) from None


async def issue(
    db: Database,
    *,
    grant_type: str,
    assertion_type: str,
    assertion: str,
    scope: str,
    token_url: str,
) -> tuple[Issued, Client]:
    """Check a token request and answer it with a new access token."""
    if grant_type != "client_credentials":
        raise TokenRefused("unsupported_grant_type", "Use grant_type=client_credentials.")
    if assertion_type != ASSERTION_TYPE or not assertion:
        raise TokenRefused("invalid_request", f"Use client_assertion_type={ASSERTION_TYPE}.")
    if len(assertion) > MAX_ASSERTION_BYTES:
        raise TokenRefused("invalid_request", "The client assertion is too long.")
    client = await clients.select_by_client_id(db, _unverified_issuer(assertion))
    if client is None or not client.active:
        raise TokenRefused("invalid_client", "No active client has this id.", 401)
    claims = _verified_claims(assertion, client, token_url)
    scopes = granted_scopes(client, scope)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    async with db.transaction() as tx:
        await _remember_jti(tx, client, str(claims["jti"]), float(claims["exp"]))  # type: ignore[arg-type]
        await tx.execute("DELETE FROM fhir_token WHERE expires_at < :now", {"now": to_db(now)})
        await tx.execute(
            """
            INSERT INTO fhir_token (token_hash, client_id, scopes, issued_at, expires_at)
            VALUES (:token_hash, :client_id, :scopes, :now, :expires_at)
            """,
            {
                "token_hash": token_hash(token),
                "client_id": client.id,
                "scopes": " ".join(scopes),
                "now": to_db(now),
                "expires_at": to_db(now + TOKEN_LIFETIME),
            },
        )
    return Issued(token, scopes, int(TOKEN_LIFETIME.total_seconds())), client


async def select_grant(db: Reader, token: str) -> Grant | None:
    """The grant of a live token of an active client; None for anything else."""
    row = await db.fetch_one(
        """
        SELECT fhir_token.client_id, fhir_client.name, fhir_token.scopes, fhir_token.expires_at
          FROM fhir_token JOIN fhir_client ON fhir_client.id = fhir_token.client_id
         WHERE fhir_token.token_hash = :token_hash AND fhir_token.expires_at > :now
           AND fhir_client.disabled_at IS NULL
        """,
        {"token_hash": token_hash(token), "now": to_db(utcnow())},
    )
    if row is None:
        return None
    return Grant(
        row["client_id"], row["name"], frozenset(row["scopes"].split()), from_db(row["expires_at"])
    )
