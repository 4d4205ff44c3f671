"""Nurse and admin accounts as an admin manages them: the list and the changes, as SQL.

Every change here only touches staff rows (``role IN ('nurse', 'admin')``): a caregiver's
id simply matches nothing, so the admin pages cannot be used on family accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..db import Reader, Transaction, from_db, now_text

STAFF_ROLES = ("nurse", "admin")


@dataclass(frozen=True)
class StaffMember:
    id: int
    email: str
    display_name: str
    role: str
    has_second_factor: bool
    disabled_at: datetime | None
    last_sign_in: datetime | None
    # Signs in through the hospital's OpenID provider, which asks its own second step.
    hospital_sign_in: bool = False

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


async def select_staff(db: Reader) -> list[StaffMember]:
    """Everyone who works in the app, active ones first, by name."""
    rows = await db.fetch_all(
        """
        SELECT account.id, account.email, account.display_name, account.role,
               account.totp_secret IS NOT NULL AS has_second_factor, account.disabled_at,
               EXISTS (SELECT 1 FROM staff_identity
                        WHERE staff_identity.account_id = account.id) AS hospital_sign_in,
               (SELECT MAX(account_session.created_at) FROM account_session
                 WHERE account_session.account_id = account.id) AS last_sign_in
          FROM account
         WHERE account.role IN ('nurse', 'admin')
         ORDER BY account.disabled_at IS NOT NULL, account.display_name COLLATE NOCASE, account.id
        """
    )
    return [
        StaffMember(
            id=row["id"],
            email=row["email"],
            display_name=row["display_name"],
            role=row["role"],
            has_second_factor=bool(row["has_second_factor"]),
            disabled_at=from_db(row["disabled_at"]),
            last_sign_in=from_db(row["last_sign_in"]),
            hospital_sign_in=bool(row["hospital_sign_in"]),
        )
        for row in rows
    ]


async def select_staff_member(db: Reader, account_id: int) -> StaffMember | None:
    return next((member for member in await select_staff(db) if member.id == account_id), None)


async def disable(tx: Transaction, account_id: int) -> bool:
    """Disable a staff account; False when it is not staff or already disabled."""
    changed = await tx.execute(
        """
        UPDATE account SET disabled_at = :now
         WHERE id = :id AND role IN ('nurse', 'admin') AND disabled_at IS NULL
        """,
        {"now": now_text(), "id": account_id},
    )
    return changed == 1


async def enable(tx: Transaction, account_id: int) -> bool:
    changed = await tx.execute(
        """
        UPDATE account SET disabled_at = NULL
         WHERE id = :id AND role IN ('nurse', 'admin') AND disabled_at IS NOT NULL
        """,
        {"id": account_id},
    )
    return changed == 1


async def clear_second_factor(tx: Transaction, account_id: int) -> bool:
    """Forget the authenticator, so the next sign-in enrols a new one."""
    changed = await tx.execute(
        """
        UPDATE account SET totp_secret = NULL, totp_last_step = NULL
         WHERE id = :id AND role IN ('nurse', 'admin')
        """,
        {"id": account_id},
    )
    return changed == 1


async def change_role(tx: Transaction, account_id: int, role: str) -> bool:
    """Make a nurse an admin or the other way round; False when nothing changed."""
    if role not in STAFF_ROLES:
        raise ValueError(f"not a staff role: {role}")
    changed = await tx.execute(
        """
        UPDATE account SET role = :role
         WHERE id = :id AND role IN ('nurse', 'admin') AND role <> :role
        """,
        {"role": role, "id": account_id},
    )
    return changed == 1


async def revoke_reset_codes(tx: Transaction, account_id: int) -> None:
    """Withdraw open set-up and reset codes, so re-enabling an account does not revive them."""
    await tx.execute(
        """
        UPDATE access_code SET revoked_at = :now
         WHERE account_id = :id AND kind = 'reset' AND used_at IS NULL AND revoked_at IS NULL
        """,
        {"now": now_text(), "id": account_id},
    )
