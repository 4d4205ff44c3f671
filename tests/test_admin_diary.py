"""The admin's clinical settings: diary questions on/off and the red-flag rules."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from pwa.clock import utcnow
from pwa.db import Database
from pwa.diary import store as diary
from pwa.diary.items import ITEMS
from pwa.redflags import store as rules
from tests.conftest import People, csrf_from, post_form
from tests.helpers.pages import page_text
from tests.helpers.rows import audit_rows
from tests.helpers.rules import A_RULE

SAME_ORIGIN = {"Origin": "https://localhost"}
EXAMPLE_NOTE = "to be confirmed by your clinical team"
CATALOGUE = (
    Path(__file__).resolve().parent.parent
    / "pwa"
    / "translations"
    / "nl"
    / "LC_MESSAGES"
    / "messages.po"
)


def dutch(message: str) -> str:
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    entry = catalogue.get(message)
    assert entry is not None and entry.string, message
    return str(entry.string)


async def send(client: Any, child_id: int, items: dict[str, Any]) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "child_id": child_id,
        "observed_at": (utcnow() - timedelta(minutes=5)).isoformat(),
        "items": items,
        "note": "",
        "corrects": None,
    }
    response = await client.post("/api/reports", json={"reports": [body]}, headers=SAME_ORIGIN)
    result: dict[str, Any] = (await response.get_json())["results"][0]
    assert result["status"] == "stored", result
    return result


async def rule_id_of(db: Database, item: str) -> tuple[int, str]:
    found = [entry for entry in await rules.select_all(db) if entry.rule.item == item]
    assert len(found) == 1
    return found[0].row_id, found[0].rule.id


# --- who may ------------------------------------------------------------------------------

ADMIN_PAGES = ["/admin/diary-items", "/admin/rules", "/admin/rules/new", "/admin/rules/1"]
ADMIN_POSTS = [
    "/admin/diary-items",
    "/admin/rules/new",
    "/admin/rules/1",
    "/admin/rules/1/switch",
    "/admin/rules/1/remove",
]


async def test_nurses_and_families_get_403_and_change_nothing(
    nurse_client: Any, family_client: Any, db: Database
) -> None:
    before = [(entry.row_id, entry.enabled, entry.rule) for entry in await rules.select_all(db)]
    for client in (nurse_client, family_client):
        for path in ADMIN_PAGES:
            assert (await client.get(path)).status_code == 403, path
        for path in ADMIN_POSTS:
            assert (await client.post(path, form={**A_RULE, "enabled": "0"})).status_code == 403, (
                path
            )
    assert [
        (entry.row_id, entry.enabled, entry.rule) for entry in await rules.select_all(db)
    ] == before
    assert await db.fetch_one("SELECT 1 FROM diary_item_setting") is None


async def test_admin_home_links_both_pages(admin_client: Any) -> None:
    html = await page_text(admin_client, "/admin/")
    assert 'href="/admin/diary-items"' in html and 'href="/admin/rules"' in html


# --- diary questions -----------------------------------------------------------------------


async def test_questions_page_is_grouped_marked_as_example_and_shows_the_defaults(
    admin_client: Any,
) -> None:
    html = await page_text(admin_client, "/admin/diary-items")
    assert EXAMPLE_NOTE in html
    assert html.count("<fieldset") == 3 and "Isotretinoin weeks" in html
    for item in ITEMS:
        checkbox = re.search(rf'<input[^>]*name="{item.key}"[^>]*>', html)
        assert checkbox, item.key
        assert ("checked" in checkbox.group(0)) == item.default_on, item.key


async def test_switching_questions_changes_the_report_form(
    admin_client: Any, family_client: Any, db: Database
) -> None:
    assert 'name="weight"' in await page_text(family_client, "/diary/new")
    on = {item.key: "y" for item in ITEMS if item.key not in ("weight", "eyes")}
    response = await post_form(admin_client, "/admin/diary-items", on)
    assert response.status_code == 302 and response.location == "/admin/diary-items"
    form = await page_text(family_client, "/diary/new")
    assert (
        'name="weight"' not in form and 'name="eyes"' not in form and 'name="temperature"' in form
    )
    assert await diary.select_enabled_items(db) == set(on)
    (detail,) = await audit_rows(db, "diary_items.updated")
    assert "off: eyes, weight" in detail
    # The page shows what was saved.
    saved = await page_text(admin_client, "/admin/diary-items")
    assert re.search(r'<input[^>]*name="weight"[^>]*>', saved).group(0).count("checked") == 0  # type: ignore[union-attr]

    await post_form(admin_client, "/admin/diary-items", {**on, "weight": "y"})
    assert 'name="weight"' in await page_text(family_client, "/diary/new")
    assert len(await audit_rows(db, "diary_items.updated")) == 2


# --- the rules list ------------------------------------------------------------------------


async def test_rules_list_shows_level_condition_and_both_reasons(
    admin_client: Any, db: Database
) -> None:
    html = await page_text(admin_client, "/admin/rules")
    assert EXAMPLE_NOTE in html and "next time" in html  # phones get changes on their next load
    for entry in await rules.select_all(db):
        assert entry.rule.reason["en"] in html and entry.rule.reason["nl"] in html
        assert f'href="/admin/rules/{entry.row_id}"' in html
    assert "Temperature ≥ 38.5 °C" in html
    assert "Temperature ≥ 38.0 °C, 2 times within 24 hours" in html
    assert "Breathing: Hard to breathe" in html
    assert "Central line or pump: Leaking, Alarm or disconnected" in html
    assert 'class="tag tag--red"' in html and 'class="tag tag--amber"' in html


async def test_rules_list_reads_in_dutch(admin_client: Any) -> None:
    html = await page_text(admin_client, "/admin/rules", **{"Accept-Language": "nl"})
    assert "38,5 °C" in html


# --- adding, changing, switching, removing -------------------------------------------------


async def test_an_added_rule_changes_the_servers_level_for_new_reports(
    admin_client: Any, family_client: Any, db: Database, people: People
) -> None:
    assert (await send(family_client, people.child_id, {"weight": 31.0}))["level"] == "green"
    response = await post_form(
        admin_client, "/admin/rules/new", A_RULE, csrf_path="/admin/rules/new?item=weight"
    )
    assert response.status_code == 302 and response.location == "/admin/rules"
    row_id, rule_id = await rule_id_of(db, "weight")
    assert re.fullmatch(r"weight-[0-9a-f]{6}", rule_id)
    stored = await rules.select_one(db, row_id)
    assert stored is not None and stored.enabled
    assert stored.rule.as_json() == {
        "id": rule_id,
        "level": "red",
        "item": "weight",
        "op": ">=",
        "value": 30.0,
        "reason": {"en": "Weight of 30 kg or more", "nl": "Gewicht van 30 kg of meer"},
    }
    result = await send(family_client, people.child_id, {"weight": 31.0})
    assert result["level"] == "red"
    row = await db.fetch_one(
        "SELECT matched_rules FROM report WHERE client_uuid = ?", (result["id"],)
    )
    assert row is not None and json.loads(row[0]) == [rule_id]
    # The report page gives the new rule's reason; the form page hands the rule to the phone.
    report_page = await page_text(family_client, f"/diary/{result['id']}")
    assert "Weight of 30 kg or more" in report_page
    context = re.search(
        r'<script type="application/json" id="diary-context">(.*?)</script>',
        await page_text(family_client, "/diary/new"),
        re.S,
    )
    assert context and rule_id in context.group(1)
    (detail,) = await audit_rows(db, "rules.updated")
    assert detail.startswith("added ") and rule_id in detail and '"value": 30.0' in detail
    listed = await page_text(admin_client, "/admin/rules")
    assert "Weight ≥ 30.0 kg" in listed and "Weight of 30 kg or more" in listed


async def test_a_rule_on_answers_uses_the_questions_own_answers(
    admin_client: Any, family_client: Any, db: Database, people: People
) -> None:
    form = await page_text(admin_client, "/admin/rules/new?item=rash")
    assert 'name="answers" type="checkbox" value="some"' in form and 'name="value"' not in form
    response = await post_form(
        admin_client,
        "/admin/rules/new",
        {
            "item": "rash",
            "answers": "some",
            "level": "amber",
            "reason_en": "Some rash",
            "reason_nl": "Wat uitslag",
        },
    )
    assert response.status_code == 302
    found = [
        entry.rule
        for entry in await rules.select_all(db)
        if entry.rule.reason.get("en") == "Some rash"
    ]
    assert len(found) == 1 and found[0].op == "in" and found[0].value == ["some"]
    assert (await send(family_client, people.child_id, {"rash": "some"}))["level"] == "amber"


async def test_a_look_back_rule_needs_both_count_and_hours(admin_client: Any, db: Database) -> None:
    response = await post_form(
        admin_client, "/admin/rules/new", {**A_RULE, "count": "3", "within_hours": "48"}
    )
    assert response.status_code == 302
    _, rule_id = await rule_id_of(db, "weight")
    stored = next(entry.rule for entry in await rules.select_all(db) if entry.rule.id == rule_id)
    assert (stored.count, stored.within_hours) == (3, 48)
    html = await page_text(admin_client, "/admin/rules")
    assert "Weight ≥ 30.0 kg, 3 times within 48 hours" in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"item": "temperature", "value": "60"},
            "value",
            "Enter a value between 34.0 and 43.0 °C.",
        ),
        ({"value": "heavy"}, "value", "Enter a number."),
        ({"item": "pain", "value": "6.5"}, "value", "Choose a whole number from 0 to 10."),
        ({"reason_nl": ""}, "reason_nl", "Please fill this in."),
        ({"count": "2"}, "within_hours", "Enter within how many hours."),
        (
            {"within_hours": "24"},
            "count",
            "Enter how many times (2 or more), or leave the hours empty.",
        ),
        ({"count": "0", "within_hours": "24"}, "count", "Enter a number from 1 to 10."),
        ({"level": "purple"}, "level", "Choose amber or red."),
        (
            {"item": "breathing", "answers": "legs"},
            "answers",
            "Tick only answers of this question.",
        ),
        ({"item": "breathing"}, "answers", "Tick at least one answer."),
    ],
)
async def test_invalid_rules_are_refused_with_a_clear_error_keeping_the_input(
    admin_client: Any, db: Database, changes: dict[str, str], field: str, message: str
) -> None:
    before = len(await rules.select_all(db))
    posted = {**A_RULE, **changes}
    response = await post_form(admin_client, "/admin/rules/new", posted)
    html = await response.get_data(as_text=True)
    assert response.status_code == 200
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error and message in error.group(1), html[html.find("error-summary") :][:500]
    assert "Please check the fields marked below." in html
    if not field.startswith("reason"):
        assert 'value="Weight of 30 kg or more"' in html  # what was typed stays
        assert 'value="Gewicht van 30 kg of meer"' in html
    if "value" in changes:
        assert f'value="{changes["value"]}"' in html  # what was typed stays
    assert len(await rules.select_all(db)) == before
    assert await audit_rows(db, "rules.updated") == []


async def test_a_dutch_rule_form_writes_numbers_with_a_comma(
    admin_client: Any, db: Database
) -> None:
    [rule] = [e for e in await rules.select_all(db) if e.rule.id == "temperature-high"]
    html = await page_text(admin_client, f"/admin/rules/{rule.row_id}", **{"Accept-Language": "nl"})
    assert 'value="38,5"' in html and "Tussen 34,0 en 43,0 °C." in html
    english = await page_text(admin_client, f"/admin/rules/{rule.row_id}")
    assert 'value="38.5"' in english and "Between 34.0 and 43.0 °C." in english


async def test_rule_errors_are_in_dutch_on_a_dutch_page(admin_client: Any) -> None:
    token = csrf_from(await page_text(admin_client, "/admin/rules/new"))
    response = await admin_client.post(
        "/admin/rules/new",
        form={**A_RULE, "csrf_token": token, "item": "temperature", "value": "60", "reason_en": ""},
        headers={"Accept-Language": "nl"},
    )
    html = await response.get_data(as_text=True)
    assert dutch("Please fill this in.") in html
    assert (
        dutch("Enter a value between %(low)s and %(high)s %(unit)s.")
        % {"low": "34,0", "high": "43,0", "unit": "°C"}  # a Dutch decimal comma
        in html
    )
    assert "Please fill this in." not in html and 'value="60"' in html


async def test_changing_a_rule_keeps_its_id_and_applies_at_once(
    admin_client: Any, family_client: Any, db: Database, people: People
) -> None:
    assert (await send(family_client, people.child_id, {"temperature": 38.7}))["level"] == "red"
    row_id = next(
        entry.row_id for entry in await rules.select_all(db) if entry.rule.id == "temperature-high"
    )
    form = await page_text(admin_client, f"/admin/rules/{row_id}")
    assert 'value="38.5"' in form and 'value="Temperature of 38.5 °C or higher"' in form
    response = await post_form(
        admin_client,
        f"/admin/rules/{row_id}",
        {
            "item": "temperature",
            "op": ">=",
            "value": "39,0",
            "level": "red",
            "reason_en": "Temperature of 39.0 °C or higher",
            "reason_nl": "Temperatuur van 39,0 °C of hoger",
        },
    )
    assert response.status_code == 302
    changed = await rules.select_one(db, row_id)
    assert (
        changed is not None and changed.rule.id == "temperature-high" and changed.rule.value == 39.0
    )
    # 38.7 no longer matches "high"; it is "raised", and the second such value in 24 hours.
    result = await send(family_client, people.child_id, {"temperature": 38.7})
    row = await db.fetch_one(
        "SELECT matched_rules FROM report WHERE client_uuid = ?", (result["id"],)
    )
    assert row is not None
    assert sorted(json.loads(row[0])) == ["temperature-raised", "temperature-twice"]
    assert (await audit_rows(db, "rules.updated"))[0].startswith("changed ")


async def test_choosing_another_question_gives_the_rule_a_new_id(
    admin_client: Any, db: Database
) -> None:
    row_id = next(
        entry.row_id for entry in await rules.select_all(db) if entry.rule.id == "pain-severe"
    )
    form = await page_text(admin_client, f"/admin/rules/{row_id}?item=weight")
    assert (
        '<input type="hidden" name="item" value="weight">' in form
        and 'value="Pain of 7 or more"' in form
    )
    await post_form(
        admin_client, f"/admin/rules/{row_id}", {**A_RULE}, csrf_path=f"/admin/rules/{row_id}"
    )
    changed = await rules.select_one(db, row_id)
    assert (
        changed is not None
        and changed.rule.item == "weight"
        and changed.rule.id.startswith("weight-")
    )


async def test_switching_a_rule_off_and_on(
    admin_client: Any, family_client: Any, db: Database, people: People
) -> None:
    row_id = next(
        entry.row_id for entry in await rules.select_all(db) if entry.rule.id == "pain-severe"
    )
    token = csrf_from(await page_text(admin_client, "/admin/rules"))
    response = await admin_client.post(
        f"/admin/rules/{row_id}/switch", form={"csrf_token": token, "enabled": "0"}
    )
    assert response.status_code == 302
    assert (await send(family_client, people.child_id, {"pain": 8}))["level"] == "amber"
    listed = await page_text(admin_client, "/admin/rules")
    assert "Switched off" in listed and "Pain of 7 or more" in listed  # still listed
    await admin_client.post(
        f"/admin/rules/{row_id}/switch", form={"csrf_token": token, "enabled": "1"}
    )
    assert (await send(family_client, people.child_id, {"pain": 8}))["level"] == "red"
    assert await audit_rows(db, "rules.updated") == [
        "switched off pain-severe",
        "switched on pain-severe",
    ]


async def test_removing_a_rule_keeps_its_definition_in_the_audit_log(
    admin_client: Any, family_client: Any, db: Database, people: People
) -> None:
    row_id = next(
        entry.row_id for entry in await rules.select_all(db) if entry.rule.id == "rash-a-lot"
    )
    token = csrf_from(await page_text(admin_client, f"/admin/rules/{row_id}"))
    response = await admin_client.post(f"/admin/rules/{row_id}/remove", form={"csrf_token": token})
    assert response.status_code == 302
    assert await rules.select_one(db, row_id) is None
    assert "rash-a-lot" not in await page_text(admin_client, "/admin/rules")
    assert (await send(family_client, people.child_id, {"rash": "a_lot"}))["level"] == "green"
    (detail,) = await audit_rows(db, "rules.updated")
    assert (
        detail.startswith("removed ")
        and '"id": "rash-a-lot"' in detail
        and "Veel uitslag" in detail
    )
    assert (await admin_client.get(f"/admin/rules/{row_id}")).status_code == 404
    assert (
        await admin_client.post(f"/admin/rules/{row_id}/remove", form={"csrf_token": token})
    ).status_code == 404


async def test_button_posts_without_a_token_change_nothing(admin_client: Any, db: Database) -> None:
    before = [(entry.row_id, entry.enabled) for entry in await rules.select_all(db)]
    assert (
        await admin_client.post("/admin/rules/1/switch", form={"enabled": "0"})
    ).status_code == 400
    assert (await admin_client.post("/admin/rules/1/remove")).status_code == 400
    assert [(entry.row_id, entry.enabled) for entry in await rules.select_all(db)] == before
