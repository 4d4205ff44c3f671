"""The admin marks a red-flag rule as a life-threatening sign ("Call 112" first): set,
shown, refused on amber rules, and audited as every rule edit is."""

from __future__ import annotations

import json
import re
from typing import Any

from pwa.db import Database
from pwa.redflags import store as rules
from tests.conftest import post_form
from tests.helpers.pages import page_text
from tests.helpers.rows import audit_rows
from tests.helpers.rules import A_RULE

EMERGENCY_TAG = "Life-threatening: 112 first"


async def test_an_admin_marks_a_new_rule_as_an_emergency_and_it_is_audited(
    admin_client: Any, db: Database
) -> None:
    """Hazard H3: the emergency mark is set in the admin form, stored, listed and audited."""
    form = await page_text(admin_client, "/admin/rules/new?item=weight")
    assert 'name="emergency"' in form
    response = await post_form(
        admin_client,
        "/admin/rules/new",
        {**A_RULE, "emergency": "y"},
        csrf_path="/admin/rules/new?item=weight",
    )
    assert response.status_code == 302
    added = next(entry for entry in await rules.select_all(db) if entry.rule.item == "weight")
    assert added.rule.emergency is True
    (detail,) = await audit_rows(db, "rules.updated")
    assert detail.startswith("added ")
    assert json.loads(detail.removeprefix("added "))["emergency"] is True
    listed = await page_text(admin_client, "/admin/rules")
    card = listed.split(f'id="rule-{added.row_id}"', 1)[1].split("</li>", 1)[0]
    assert EMERGENCY_TAG in card
    edit = await page_text(admin_client, f"/admin/rules/{added.row_id}")
    checkbox = re.search(r'<input[^>]*name="emergency"[^>]*>', edit)
    assert checkbox and " checked" in checkbox.group(0)


async def test_an_amber_rule_cannot_be_an_emergency(admin_client: Any, db: Database) -> None:
    """Hazard H3: 112 first belongs to red advice only; the form says so and stores nothing."""
    before = len(await rules.select_all(db))
    response = await post_form(
        admin_client,
        "/admin/rules/new",
        {**A_RULE, "level": "amber", "emergency": "y"},
        csrf_path="/admin/rules/new?item=weight",
    )
    assert response.status_code == 200
    assert "Only a red rule can be life-threatening." in await response.get_data(as_text=True)
    assert len(await rules.select_all(db)) == before
    assert await audit_rows(db, "rules.updated") == []


async def test_unticking_the_mark_on_a_shipped_rule_is_audited(
    admin_client: Any, db: Database
) -> None:
    """Hazard H3: the shipped breathing rule is marked; taking the mark off is a recorded edit."""
    listed = await page_text(admin_client, "/admin/rules")
    shipped = next(e for e in await rules.select_all(db) if e.rule.id == "breathing-hard")
    assert shipped.rule.emergency is True
    card = listed.split(f'id="rule-{shipped.row_id}"', 1)[1].split("</li>", 1)[0]
    assert EMERGENCY_TAG in card
    response = await post_form(
        admin_client,
        f"/admin/rules/{shipped.row_id}",
        {
            "item": "breathing",
            "answers": "hard",
            "level": "red",
            "reason_en": "Difficulty breathing",
            "reason_nl": "Moeite met ademen",
        },
    )
    assert response.status_code == 302
    changed = await rules.select_one(db, shipped.row_id)
    assert changed is not None and changed.rule.emergency is False
    (detail,) = await audit_rows(db, "rules.updated")
    assert detail.startswith("changed ") and '"emergency"' not in detail
