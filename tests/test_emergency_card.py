"""The emergency card on the server: who may see and fill it in, that it shows what the
nurse entered (escaped), says plainly what nobody filled in, and that every change is in
the audit log by field name only."""

from __future__ import annotations

from typing import Any

from quart import Quart

from pwa.db import Database
from tests.conftest import People, sign_in
from tests.helpers.card import FILLED_IN, card_text, fill_card
from tests.helpers.pages import page_text
from tests.helpers.rows import audit_rows, count

NOT_FILLED = "Not filled in by the team yet"
CARD_ROWS = "SELECT COUNT(*) FROM emergency_card"


async def test_a_family_sees_its_own_childs_card_and_no_other(
    app: Quart, people: People, family_client: Any, nurse_client: Any
) -> None:
    """Hazard H23: the card is the family's own; another family's child is a 404, and
    staff fill the card in on the child's page rather than opening the family's page."""
    for path in ("/card", f"/card/{people.child_id}"):
        text = await card_text(family_client, path)
        assert "Sam" in text and "Robin" not in text
    assert (await family_client.get(f"/card/{people.other_child_id}")).status_code == 404
    assert (await family_client.get("/card/999999")).status_code == 404
    other = app.test_client()
    await sign_in(other, "other@example.org")
    assert "Robin" in await card_text(other, "/card")
    assert (await other.get(f"/card/{people.child_id}")).status_code == 404
    assert (await nurse_client.get("/card")).status_code == 403
    assert (await app.test_client().get("/card")).location.startswith("/login?next=")
    # "When to call us" leads a family to the card; signed out it names no card.
    assert 'href="/card"' in await page_text(family_client, "/call")
    assert 'href="/card"' not in await page_text(app.test_client(), "/call")


async def test_only_staff_fill_in_the_card(
    db: Database, people: People, family_client: Any, nurse_client: Any
) -> None:
    """Hazard H23: a family cannot write the card's clinical fields; a missing child is 404."""
    token_page = await page_text(family_client, "/card")
    assert 'action="/nurse/children/' not in token_page
    refused = await family_client.post(
        f"/nurse/children/{people.child_id}/card", form={"central_line": "none"}
    )
    assert refused.status_code == 403
    assert await count(db, CARD_ROWS) == 0
    missing = await fill_card(nurse_client, 999999)
    assert missing.status_code == 404
    assert await count(db, CARD_ROWS) == 0


async def test_the_card_shows_what_the_nurse_entered_and_who_did(
    db: Database, people: People, family_client: Any, nurse_client: Any
) -> None:
    """Hazard H23: what the nurse saves is what the family's card says, with her name."""
    saved = await fill_card(nurse_client, people.child_id)
    assert saved.status_code == 302
    assert saved.location == f"/nurse/children/{people.child_id}#card"
    child_page = await page_text(nurse_client, saved.location.split("#")[0])
    assert "The emergency card is saved." in child_page
    text = await card_text(family_client)
    assert "Central line Tunnelled line (Broviac/Hickman)" in text
    assert f"Allergies and reactions {FILLED_IN['allergies']}" in text
    assert "Weight 21.4 kg, weighed by the care team on 30 Nov 2026" in text
    assert "Filled in by Nurse of the care team; last changed" in text
    assert "This child has a central line: a fever can mean a line infection." in text
    assert NOT_FILLED not in text.split("Central line", 1)[1]
    # The nurse sees the same on the child's page, ready to change.
    assert '<option selected value="tunnelled">' in child_page
    assert 'name="weight" type="text" value="21.4"' in child_page
    assert "Last changed" in child_page and "by Nurse." in child_page


async def test_empty_fields_say_not_filled_in_rather_than_hiding(
    people: People, family_client: Any, nurse_client: Any
) -> None:
    """Hazard H23: an empty field reads "Not filled in by the team yet", so a doctor knows
    it is unknown, not absent; "no central line" is an answer, not an empty field."""
    text = await card_text(family_client)
    for label in ("Treatment", "Central line", "Allergies and reactions", "Weight"):
        assert f"{label} {NOT_FILLED}" in text, label
    assert "The care team has not filled in this card yet." in text
    assert "a fever can mean a line infection" not in text
    await fill_card(nurse_client, people.child_id, central_line="none", allergies="", weight="")
    text = await card_text(family_client)
    assert "Central line No central line" in text
    assert f"Allergies and reactions {NOT_FILLED}" in text
    assert f"Weight {NOT_FILLED}" in text
    assert "a fever can mean a line infection" not in text


async def test_what_the_nurse_types_is_escaped(
    people: People, family_client: Any, nurse_client: Any
) -> None:
    """Markup typed into the allergies is shown as text on both pages, never run."""
    typed = '<script>alert("x")</script> & <b>latex</b>'
    assert (await fill_card(nurse_client, people.child_id, allergies=typed)).status_code == 302
    for client, path in (
        (family_client, "/card"),
        (nurse_client, f"/nurse/children/{people.child_id}"),
    ):
        html = await page_text(client, path)
        assert "<script>alert" not in html and "<b>latex" not in html
        assert (
            "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;latex&lt;/b&gt;" in html
        )


async def test_changes_are_audited_by_field_name_only(
    db: Database, people: People, nurse_client: Any
) -> None:
    """Hazard H23: card.updated names the fields that changed, never what they say; a save
    that changes nothing writes nothing."""
    await fill_card(nurse_client, people.child_id)
    assert await audit_rows(db, "card.updated") == [
        "central_line, allergies, weight_kg, weighed_on"
    ]
    unchanged = await fill_card(nurse_client, people.child_id)
    assert "Nothing changed on the emergency card." in await page_text(
        nurse_client, unchanged.location.split("#")[0]
    )
    await fill_card(nurse_client, people.child_id, allergies="None known.")
    await fill_card(nurse_client, people.child_id, allergies="None known.", weight="")
    details = await audit_rows(db, "card.updated")
    assert details[1:] == ["allergies", "weight_kg, weighed_on"]
    assert not any("Penicillin" in detail or "21" in detail for detail in details)
    row = await db.fetch_one(
        "SELECT actor_id, child_id FROM audit_log WHERE action = 'card.updated' ORDER BY id DESC"
    )
    assert row is not None and tuple(row) == (people.nurse_id, people.child_id)


async def test_a_wrong_entry_is_shown_again_and_nothing_is_saved(
    db: Database, people: People, nurse_client: Any
) -> None:
    """Each field is checked; the form comes back with what was typed and what is wrong."""
    cases = {
        "the weight is no number": ({"weight": "heavy"}, "Enter a number."),
        "the weight is out of range": (
            {"weight": "400"},
            "Enter a value between 1.0 and 150.0 kg.",
        ),
        "a weight without its day": ({"weighed_on": ""}, "Enter the day the child was weighed."),
        "a day to come": (
            {"weighed_on": "2999-01-01"},
            "The day of weighing cannot be in the future.",
        ),
        "an unknown kind of line": ({"central_line": "catheter"}, "Not a valid choice."),
        "too much text": ({"allergies": "x" * 501}, "Field cannot be longer than 500 characters."),
    }
    for name, (fields, message) in cases.items():
        response = await fill_card(nurse_client, people.child_id, **fields)
        html = await response.get_data(as_text=True)
        assert response.status_code == 400, name
        assert message in html, name
        assert "Please check the fields marked below." in html, name
    assert await count(db, CARD_ROWS) == 0
    assert await audit_rows(db, "card.updated") == []
