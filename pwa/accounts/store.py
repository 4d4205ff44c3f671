"""Accounts, sessions and access codes as rows: dataclasses and their SQL."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from .. import security_events
from ..db import Reader, Transaction, from_db, now_text, to_db

# A staff account made by the hospital's sign-in has no password: no argon2 hash looks
# like this, so no password ever matches it.
NO_PASSWORD = "!single-sign-on"  # noqa: S105  # nosec B105  # not a password: a hash nothing matches

ACCOUNT_COLUMNS = """
    account.id, account.email, account.display_name, account.role, account.password_hash,
    account.totp_secret, account.totp_last_step, account.locale, account.privacy_version,
    account.is_demo, account.disabled_at
"""


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    display_name: str
    role: str
    password_hash: str
    totp_secret: str | None
    totp_last_step: int | None
    locale: str | None
    privacy_version: str | None
    is_demo: bool
    disabled: bool

    @property
    def is_staff(self) -> bool:
        return self.role in {"nurse", "admin"}

    @property
    def has_password(self) -> bool:
        """False for a staff account made by the hospital's sign-in (NO_PASSWORD)."""
        return self.password_hash != NO_PASSWORD

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Account:
        return cls(
            id=row["id"],
            email=row["email"],
            display_name=row["display_name"],
            role=row["role"],
            password_hash=row["password_hash"],
            totp_secret=row["totp_secret"],
            totp_last_step=row["totp_last_step"],
            locale=row["locale"],
            privacy_version=row["privacy_version"],
            is_demo=bool(row["is_demo"]),
            disabled=row["disabled_at"] is not None,
        )


@dataclass(frozen=True)
class SessionRow:
    id: int
    account_id: int
    csrf_secret: str
    child_id: int | None
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class AccessCode:
    id: int
    kind: str
    child_id: int | None
    account_id: int | None
    note: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    used_by: int | None = None

    def usable_at(self, moment: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and moment < self.expires_at

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> AccessCode:
        return cls(
            id=row["id"],
            kind=row["kind"],
            child_id=row["child_id"],
            account_id=row["account_id"],
            note=row["note"],
            created_at=from_db(row["created_at"]),
            expires_at=from_db(row["expires_at"]),
            used_at=from_db(row["used_at"]),
            used_by=row["used_by"],
            revoked_at=from_db(row["revoked_at"]),
        )


# --- accounts --------------------------------------------------------------------


async def select_account(db: Reader, account_id: int) -> Account | None:
    # Fixed column list; every value is a bound parameter.
    sql = f"SELECT {ACCOUNT_COLUMNS} FROM account WHERE id = :id"  # noqa: S608  # nosec B608
    row = await db.fetch_one(sql, {"id": account_id})
    return Account.from_row(row) if row else None


async def select_account_by_email(db: Reader, email: str) -> Account | None:
    row = await db.fetch_one(
        f"SELECT {ACCOUNT_COLUMNS} FROM account WHERE email = :email",  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"email": email.strip()},
    )
    return Account.from_row(row) if row else None


async def insert_account(
    tx: Transaction,
    *,
    email: str,
    display_name: str,
    role: str,
    password_hash: str,
    totp_secret: str | None = None,
    locale: str | None = None,
    privacy_version: str | None = None,
    is_demo: bool = False,
) -> int:
    now = now_text()
    row = await tx.fetch_one(
        """
        INSERT INTO account (email, display_name, role, password_hash, totp_secret, locale,
                             privacy_version, privacy_accepted_at, is_demo, created_at)
        VALUES (:email, :display_name, :role, :password_hash, :totp_secret, :locale,
                :privacy_version, :privacy_accepted_at, :is_demo, :now)
        RETURNING id
        """,
        {
            "email": email.strip(),
            "display_name": display_name.strip(),
            "role": role,
            "password_hash": password_hash,
            "totp_secret": totp_secret,
            "locale": locale,
            "privacy_version": privacy_version,
            "privacy_accepted_at": now if privacy_version else None,
            "is_demo": int(is_demo),
            "now": now,
        },
    )
    assert row is not None
    return int(row["id"])


async def update_password(tx: Transaction, account_id: int, password_hash: str) -> None:
    await tx.execute(
        "UPDATE account SET password_hash = :hash WHERE id = :id",
        {"hash": password_hash, "id": account_id},
    )


async def update_locale(tx: Transaction, account_id: int, locale: str) -> None:
    await tx.execute(
        "UPDATE account SET locale = :locale WHERE id = :id", {"locale": locale, "id": account_id}
    )


async def set_totp_secret(tx: Transaction, account_id: int, secret: str, step: int) -> None:
    await tx.execute(
        "UPDATE account SET totp_secret = :secret, totp_last_step = :step WHERE id = :id",
        {"secret": secret, "step": step, "id": account_id},
    )


async def claim_totp_step(tx: Transaction, account_id: int, step: int) -> bool:
    """Record a used TOTP step; False when this or a later step was already used."""
    changed = await tx.execute(
        """
        UPDATE account SET totp_last_step = :step
         WHERE id = :id AND (totp_last_step IS NULL OR totp_last_step < :step)
        """,
        {"step": step, "id": account_id},
    )
    return changed == 1


# --- sessions --------------------------------------------------------------------


async def insert_session(
    tx: Transaction,
    *,
    token_hash: bytes,
    account_id: int,
    csrf_secret: str,
    child_id: int | None,
    provider_id_token: str | None = None,
) -> None:
    now = now_text()
    await tx.execute(
        """
        INSERT INTO account_session (token_hash, account_id, csrf_secret, child_id, created_at,
                                     last_seen_at, provider_id_token)
        VALUES (:token_hash, :account_id, :csrf_secret, :child_id, :now, :now, :provider_id_token)
        """,
        {
            "token_hash": token_hash,
            "account_id": account_id,
            "csrf_secret": csrf_secret,
            "child_id": child_id,
            "now": now,
            "provider_id_token": provider_id_token,
        },
    )


async def select_provider_id_token(db: Reader, session_id: int) -> str | None:
    """The ID token a single sign-on session began with (sign-out hands it back)."""
    row = await db.fetch_one(
        "SELECT provider_id_token FROM account_session WHERE id = :id", {"id": session_id}
    )
    return row["provider_id_token"] if row else None


async def select_session(db: Reader, token_hash: bytes) -> tuple[SessionRow, Account] | None:
    row = await db.fetch_one(
        f"""
        SELECT account_session.id AS session_id, account_session.csrf_secret, account_session.child_id,
               account_session.created_at, account_session.last_seen_at, {ACCOUNT_COLUMNS}
          FROM account_session
          JOIN account ON account.id = account_session.account_id
         WHERE account_session.token_hash = :token_hash
           AND account_session.revoked_at IS NULL
           AND account.disabled_at IS NULL
        """,  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"token_hash": token_hash},
    )
    if row is None:
        return None
    session = SessionRow(
        id=row["session_id"],
        account_id=row["id"],
        csrf_secret=row["csrf_secret"],
        child_id=row["child_id"],
        created_at=from_db(row["created_at"]),
        last_seen_at=from_db(row["last_seen_at"]),
    )
    return session, Account.from_row(row)


async def touch_session(tx: Transaction, session_id: int, moment: datetime) -> None:
    await tx.execute(
        "UPDATE account_session SET last_seen_at = :at WHERE id = :id",
        {"at": to_db(moment), "id": session_id},
    )


async def set_session_child(tx: Transaction, session_id: int, child_id: int) -> None:
    await tx.execute(
        "UPDATE account_session SET child_id = :child_id WHERE id = :id",
        {"child_id": child_id, "id": session_id},
    )


async def revoke_session(tx: Transaction, session_id: int) -> None:
    await tx.execute(
        """
        UPDATE account_session SET revoked_at = :now, provider_id_token = NULL
         WHERE id = :id AND revoked_at IS NULL
        """,
        {"now": now_text(), "id": session_id},
    )


async def revoke_sessions_of(tx: Transaction, account_id: int, *, keep: int | None = None) -> None:
    await tx.execute(
        """
        UPDATE account_session SET revoked_at = :now, provider_id_token = NULL
         WHERE account_id = :account_id AND revoked_at IS NULL AND id IS NOT :keep
        """,
        {"now": now_text(), "account_id": account_id, "keep": keep},
    )
    security_events.record(
        "sessions.revoked", level=logging.INFO, target=account_id, kept_current=keep is not None
    )


# --- invite and reset codes -------------------------------------------------------


async def insert_access_code(
    tx: Transaction,
    *,
    kind: str,
    code_hash: bytes,
    created_by: int,
    expires_at: datetime,
    child_id: int | None = None,
    account_id: int | None = None,
    note: str = "",
) -> int:
    row = await tx.fetch_one(
        """
        INSERT INTO access_code (kind, code_hash, child_id, account_id, note, created_by, created_at, expires_at)
        VALUES (:kind, :code_hash, :child_id, :account_id, :note, :created_by, :now, :expires_at)
        RETURNING id
        """,
        {
            "kind": kind,
            "code_hash": code_hash,
            "child_id": child_id,
            "account_id": account_id,
            "note": note,
            "created_by": created_by,
            "now": now_text(),
            "expires_at": to_db(expires_at),
        },
    )
    assert row is not None
    return int(row["id"])


async def select_access_code(db: Reader, kind: str, code_hash: bytes) -> AccessCode | None:
    row = await db.fetch_one(
        "SELECT * FROM access_code WHERE kind = :kind AND code_hash = :code_hash",
        {"kind": kind, "code_hash": code_hash},
    )
    return AccessCode.from_row(row) if row else None


async def use_access_code(tx: Transaction, code_id: int, used_by: int, moment: datetime) -> bool:
    """Mark a code used; False if it was used, revoked or expired meanwhile."""
    changed = await tx.execute(
        """
        UPDATE access_code SET used_at = :now, used_by = :used_by
         WHERE id = :id AND used_at IS NULL AND revoked_at IS NULL AND expires_at > :now
        """,
        {"now": to_db(moment), "used_by": used_by, "id": code_id},
    )
    return changed == 1


async def select_invites_for_child(db: Reader, child_id: int) -> list[AccessCode]:
    rows = await db.fetch_all(
        "SELECT * FROM access_code WHERE kind = 'invite' AND child_id = :child_id ORDER BY id DESC",
        {"child_id": child_id},
    )
    return [AccessCode.from_row(row) for row in rows]


async def revoke_invite(tx: Transaction, code_id: int, child_id: int) -> bool:
    changed = await tx.execute(
        """
        UPDATE access_code SET revoked_at = :now
         WHERE id = :id AND child_id = :child_id AND kind = 'invite'
           AND used_at IS NULL AND revoked_at IS NULL
        """,
        {"now": now_text(), "id": code_id, "child_id": child_id},
    )
    return changed == 1


async def revoke_reset_codes(tx: Transaction, account_id: int) -> None:
    """A password just set makes any other open reset code for the account pointless."""
    await tx.execute(
        """
        UPDATE access_code SET revoked_at = :now
         WHERE kind = 'reset' AND account_id = :account_id AND used_at IS NULL AND revoked_at IS NULL
        """,
        {"now": now_text(), "account_id": account_id},
    )
