"""Who a person from the hospital's OpenID provider is in the app (staff single sign-on).

A staff account is found by the provider's (issuer, subject); at a first sign-in by a
verified e-mail address of an existing staff account, which is then bound to that
subject; otherwise it is created, when the person's roles claim maps to a role. The role
follows the claim at every sign-in (admin wins over nurse). Refused: no role that maps,
an account an admin disabled in the app, a family's e-mail address (a family account never
becomes staff), an address that belongs to another subject. Every binding, creation, role
change and refusal is in the audit log, in the same transaction.
"""

from __future__ import annotations

from enum import StrEnum

from .. import audit
from ..db import Reader, Transaction, now_text
from . import staff, store
from .oidc import ProviderPerson
from .store import Account


class Refusal(StrEnum):
    """Why a person from the provider may not sign in (the code stays in the audit log)."""

    NO_ROLE = "no_role"
    DISABLED = "disabled"
    FAMILY_ACCOUNT = "family_account"
    ADDRESS_TAKEN = "address_taken"
    NO_ADDRESS = "no_address"


async def select_bound_account(db: Reader, issuer: str, subject: str) -> Account | None:
    row = await db.fetch_one(
        "SELECT account_id FROM staff_identity WHERE issuer = :issuer AND subject = :subject",
        {"issuer": issuer, "subject": subject},
    )
    return await store.select_account(db, int(row["account_id"])) if row else None


async def is_bound(db: Reader, account_id: int) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM staff_identity WHERE account_id = :id", {"id": account_id}
    )
    return row is not None


async def _bind(tx: Transaction, account_id: int, person: ProviderPerson) -> None:
    await tx.execute(
        """
        INSERT INTO staff_identity (account_id, issuer, subject, bound_at)
        VALUES (:account_id, :issuer, :subject, :now)
        """,
        {
            "account_id": account_id,
            "issuer": person.issuer,
            "subject": person.subject,
            "now": now_text(),
        },
    )


async def staff_for(tx: Transaction, person: ProviderPerson) -> Account | Refusal:
    """The staff account this person signs in as (bound, created, role brought up to
    date), or why not; audited either way."""
    account = await select_bound_account(tx, person.issuer, person.subject)
    bind = False
    if account is None:
        found = await _by_address(tx, person)
        if isinstance(found, Refusal):
            return await _refuse(tx, found, None)
        account, bind = found, found is not None
    if account is not None and account.disabled:
        return await _refuse(tx, Refusal.DISABLED, account.id)
    if person.role is None:
        return await _refuse(tx, Refusal.NO_ROLE, account.id if account else None)
    if account is None:
        return await _create(tx, person, person.role)
    if bind:
        await _bind(tx, account.id, person)
        await audit.record(tx, actor_id=account.id, action="account.sign_on_linked")
    if account.role != person.role:
        await staff.change_role(tx, account.id, person.role)
        await audit.record(
            tx,
            actor_id=account.id,
            action="account.role_changed",
            detail=f"{account.role} -> {person.role} (hospital sign-in)",
        )
    fresh = await store.select_account(tx, account.id)
    assert fresh is not None
    return fresh


async def _by_address(tx: Transaction, person: ProviderPerson) -> Account | Refusal | None:
    """An existing staff account with the person's verified address, free to bind."""
    if not person.email:
        return None
    existing = await store.select_account_by_email(tx, person.email)
    if existing is None:
        return None
    if not existing.is_staff:
        return Refusal.FAMILY_ACCOUNT
    if not person.email_verified or await is_bound(tx, existing.id):
        # An unverified claim proves nothing; a bound account belongs to another subject.
        return Refusal.ADDRESS_TAKEN
    return existing


async def _create(tx: Transaction, person: ProviderPerson, role: str) -> Account | Refusal:
    if not person.email:
        return await _refuse(tx, Refusal.NO_ADDRESS, None)
    account_id = await store.insert_account(
        tx,
        email=person.email,
        display_name=person.name or person.email,
        role=role,
        password_hash=store.NO_PASSWORD,
    )
    await _bind(tx, account_id, person)
    await audit.record(
        tx, actor_id=account_id, action="account.created", detail=f"{role} (hospital sign-in)"
    )
    created = await store.select_account(tx, account_id)
    assert created is not None
    return created


async def _refuse(tx: Transaction, refusal: Refusal, account_id: int | None) -> Refusal:
    await audit.record(tx, actor_id=account_id, action="account.sign_on_refused", detail=refusal)
    return refusal
