"""How the family's report state names the nurse who looked: the role once, in both
languages ("Seen by nurse Noor", not "Seen by nurse Noor (nurse)")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from quart import Quart

from pwa.db import Database, now_text
from pwa.demo import DEMO_LOGINS
from tests.conftest import People, choose_language
from tests.helpers.pages import page_text
from tests.helpers.reports import send


def test_demo_staff_names_do_not_carry_their_role() -> None:
    """The demo's staff are named as people; the page adds "nurse" where it fits."""
    for login in DEMO_LOGINS:
        assert "(" not in login.display_name and login.role not in login.display_name.lower()


async def test_seen_by_names_the_role_once_in_both_languages(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    """The report state reads naturally: the role word appears once, in English and Dutch."""
    async with db.transaction() as connection:
        await connection.execute(
            "UPDATE account SET display_name = :name WHERE id = :id",
            {
                "name": next(x.display_name for x in DEMO_LOGINS if x.role == "nurse"),
                "id": people.nurse_id,
            },
        )
    client_uuid = await send(family_client, people.child_id, {"pain": 2}, ago=timedelta(hours=1))
    async with db.transaction() as connection:
        await connection.execute(
            "INSERT INTO report_review (report_id, nurse_id, outcome, reviewed_at)"
            " SELECT id, :nurse, 'reviewed', :now FROM report WHERE client_uuid = :uuid",
            {"nurse": people.nurse_id, "now": now_text(), "uuid": client_uuid},
        )
    page = await page_text(family_client, f"/diary/{client_uuid}")
    assert "Seen by nurse Noor at" in page
    assert page.lower().count("nurse") == page.lower().count("seen by nurse")
    await choose_language(family_client, "nl")
    page = await page_text(family_client, f"/diary/{client_uuid}")
    assert "Gelezen door verpleegkundige Noor op" in page
    assert "(nurse)" not in page and "(verpleegkundige)" not in page
