"""Families of their own for nurse browser tests: a caregiver, a child (and a plan when
asked) and reports, written straight into the served database.

All browser tests share one served database; a nurse test that reviews, replies, claims
or moves a visit of the demo child would change what the family tests see. Each nurse test
works on a family nobody else uses, named so that no other test's link name contains it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from pwa.accounts import store as accounts
from pwa.db import to_db
from pwa.demo import DemoLogin
from pwa.diary import sync
from pwa.families import store as families
from pwa.plans import changes as plan_changes
from pwa.plans import store as plans

from .browser import ServedApp

PASSWORD = "willow-ferry-lantern-quartz"


@dataclass(frozen=True)
class Family:
    child_id: int
    nickname: str
    caregiver: DemoLogin


async def new_family(
    served_app: ServedApp, nickname: str, caregiver: str, *, with_plan: bool = False
) -> Family:
    """A caregiver (who can sign in with PASSWORD) and their child; a plan 60 days out.

    The child's name gets a short random tag, so a test run twice in one session (a rerun)
    still finds exactly one child by name.
    """
    nickname = f"{nickname} {uuid.uuid4().hex[:4]}"
    email = f"{caregiver.lower()}-{uuid.uuid4().hex[:8]}@test.example"
    # Cheap parameters: the server verifies with whatever parameters the hash names.
    password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    async with served_app.db() as db:
        async with db.transaction() as connection:
            caregiver_id = await accounts.insert_account(
                connection,
                email=email,
                display_name=caregiver,
                role="caregiver",
                password_hash=password_hash,
                privacy_version="2026-11",
            )
            child_id = await families.insert_child(
                connection,
                nickname=nickname,
                birth_date=date(2020, 6, 1),
                hospital_number=None,
                created_by=None,
            )
            await families.link_caregiver(connection, caregiver_id, child_id)
        if with_plan:
            template = await plans.select_template(db)
            async with db.transaction() as connection:
                await plan_changes.create_plan(
                    connection,
                    child_id=child_id,
                    start=date.today() + timedelta(days=60),
                    template=template,
                    actor_id=None,
                )
    login = DemoLogin("caregiver", email, PASSWORD, caregiver)
    return Family(child_id, nickname, login)


async def add_report(
    served_app: ServedApp,
    family: Family,
    items: dict[str, Any],
    *,
    waited: timedelta | None = None,
) -> str:
    """A new report of this family's child (received ``waited`` ago); its uuid."""
    async with served_app.db() as db:
        caregiver = await db.fetch_one(
            "SELECT id FROM account WHERE email = :email", {"email": family.caregiver.email}
        )
        assert caregiver is not None
        draft, problems = sync.parse(
            {
                "id": str(uuid.uuid4()),
                "child_id": family.child_id,
                "observed_at": datetime.now(UTC).isoformat(),
                "items": items,
            }
        )
        assert draft is not None, problems
        result = await sync.store_draft(db, draft, caregiver["id"])
        assert result.status == "stored", result
        if waited is not None:
            async with db.transaction() as connection:
                await connection.execute(
                    "UPDATE report SET received_at = :at, observed_at = :at WHERE client_uuid = :uid",
                    {"at": to_db(datetime.now(UTC) - waited), "uid": draft.client_uuid},
                )
        return draft.client_uuid
