"""What a nurse needs for a triage call (hazard H15): a one-line summary of each report in
the queue, the family's phone numbers as tap-to-call links (shown only to staff and to the
caregiver who gave it), and level tags in the page's language (defect 9)."""

from __future__ import annotations

from typing import Any

from quart import Quart

from pwa.db import Database
from tests.conftest import People, csrf_from
from tests.helpers.reports import add_report


def _queue_item(page: str, uid: str) -> str:
    start = page.index(f"/nurse/reports/{uid}")
    end = page.find("</li>", start)
    return page[start:end]


async def test_each_queue_item_summarises_the_report_with_the_red_reasons_first(
    db: Database, people: People, nurse_client: Any
) -> None:
    """Hazard H15: the queue says what was reported, what made it red first, no "all is well"."""
    uid = await add_report(
        db,
        people,
        {
            "pain": 3,
            "pain_where": "legs",
            "temperature": 37.2,
            "breathing": "hard",
            "rash": "none",
            "vomiting": "some",
        },
    )
    page = await (await nurse_client.get("/nurse/queue")).get_data(as_text=True)
    item = _queue_item(page, uid)
    assert (
        "Breathing: Hard to breathe · Pain 3/10 (Legs) · Temperature 37.2\u00a0°C · Vomiting: Some"
        in item
    )
    assert "Rash" not in item


async def test_the_summary_is_in_the_nurses_language(
    db: Database, people: People, nurse_client: Any
) -> None:
    """Hazard H15: a Dutch-speaking nurse reads the summary in Dutch."""
    uid = await add_report(db, people, {"temperature": 38.9, "pain": 7, "pain_where": "belly"})
    queue_page = await (await nurse_client.get("/nurse/queue")).get_data(as_text=True)
    await nurse_client.post(
        "/settings/language", form={"csrf_token": csrf_from(queue_page), "lang": "nl"}
    )
    page = await (await nurse_client.get("/nurse/queue")).get_data(as_text=True)
    item = _queue_item(page, uid)
    assert "Temperatuur 38,9\u00a0°C · Pijn 7/10 (Buik)" in item
    assert ">Rood<" in page


async def test_level_tags_on_nurse_pages_are_translated(
    db: Database, people: People, nurse_client: Any
) -> None:
    """Defect 9: the recent-reports list showed the raw words green and red."""
    red = await add_report(db, people, {"pain": 9})
    await add_report(db, people, {"pain": 1})
    page = await (await nurse_client.get(f"/nurse/reports/{red}")).get_data(as_text=True)
    await nurse_client.post(
        "/settings/language", form={"csrf_token": csrf_from(page), "lang": "nl"}
    )
    for path in (f"/nurse/reports/{red}", f"/nurse/children/{people.child_id}", "/nurse/queue"):
        text = await (await nurse_client.get(path)).get_data(as_text=True)
        assert ">red<" not in text and ">green<" not in text, path
        assert ">Rood<" in text, path
    text = await (await nurse_client.get(f"/nurse/reports/{red}")).get_data(as_text=True)
    assert ">Groen<" in text


async def _set_phone(client: Any, number: str) -> Any:
    page = await (await client.get("/settings/phone")).get_data(as_text=True)
    return await client.post(
        "/settings/phone", form={"csrf_token": csrf_from(page), "phone": number}
    )


async def test_a_caregiver_gives_a_phone_number_that_only_staff_and_they_see(
    app: Quart, db: Database, people: People, nurse_client: Any, family_client: Any
) -> None:
    """Hazard H15: the number is asked in settings, validated, audited, and shown as a tel:
    link on the child's and the report's page; another family never sees it."""
    settings = await (await family_client.get("/settings")).get_data(as_text=True)
    assert "Add your phone number" in settings
    wrong = await _set_phone(family_client, "call me maybe")
    assert wrong.status_code == 400
    assert "Enter a phone number of 6 to 20 digits" in await wrong.get_data(as_text=True)
    saved = await _set_phone(family_client, " +31 6 1234  5678 ")
    assert saved.status_code == 302
    row = await db.fetch_one("SELECT phone FROM account WHERE id = ?", (people.parent_id,))
    assert row is not None and row["phone"] == "+31 6 1234 5678"
    audit = await db.fetch_all(
        "SELECT actor_id, detail FROM audit_log WHERE action = 'account.phone_changed'"
    )
    assert [tuple(r) for r in audit] == [(people.parent_id, "added")]
    own = await (await family_client.get("/settings")).get_data(as_text=True)
    # The number is kept left to right (right-to-left pages would otherwise turn it round).
    assert 'The care team can phone you on <bdi dir="ltr">+31 6 1234 5678</bdi>.' in own

    uid = await add_report(db, people, {"pain": 9})
    link = '<a class="phone-link" href="tel:+31612345678">'
    child_page = await (await nurse_client.get(f"/nurse/children/{people.child_id}")).get_data(
        as_text=True
    )
    assert link in child_page and "Call Parent: +31 6 1234 5678" in child_page
    report_page = await (await nurse_client.get(f"/nurse/reports/{uid}")).get_data(as_text=True)
    assert link in report_page and "Parent:" in report_page

    other = app.test_client()
    from tests.conftest import sign_in

    await sign_in(other, "other@example.org")
    for path in ("/settings", "/", "/diary", f"/diary/{uid}", "/settings/phone"):
        text = await (await other.get(path)).get_data(as_text=True)
        assert "1234 5678" not in text and "612345678" not in text, path
    assert (await other.get(f"/nurse/children/{people.child_id}")).status_code == 403

    removed = await _set_phone(family_client, "")
    assert removed.status_code == 302
    row = await db.fetch_one("SELECT phone FROM account WHERE id = ?", (people.parent_id,))
    assert row is not None and row["phone"] is None
    child_page = await (await nurse_client.get(f"/nurse/children/{people.child_id}")).get_data(
        as_text=True
    )
    assert "no phone number given" in child_page


async def test_staff_cannot_use_the_family_phone_page(nurse_client: Any) -> None:
    assert (await nurse_client.get("/settings/phone")).status_code == 403
