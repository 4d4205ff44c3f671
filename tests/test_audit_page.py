"""The admin's audit log search, and the family's view of who looked at their child."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import time_machine
from quart import Quart

from pwa import audit
from pwa.admin.audit_labels import ACTION_LABELS
from pwa.db import Database
from tests.conftest import People, sign_in


async def _add(db: Database, **entry: Any) -> None:
    async with db.transaction() as connection:
        await audit.record(connection, **entry)


def _rows(html: str) -> list[str]:
    """The result rows of the audit page, as HTML."""
    if "<tbody" not in html:
        return []
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return body.split('<tr role="row">')[1:]


def _entries(html: str) -> list[str]:
    """The items of the family's access log, as HTML."""
    if '<ol class="list">' not in html:
        return []
    return html.split('<ol class="list">', 1)[1].split("</ol>", 1)[0].split("<li>")[1:]


async def _searched(db: Database) -> list[str]:
    rows = await db.fetch_all(
        "SELECT detail FROM audit_log WHERE action = 'audit.searched' ORDER BY id"
    )
    return [row["detail"] for row in rows]


async def test_filters_by_actor_action_child_and_families(
    db: Database, people: People, admin_client: Any, nurse_client: Any
) -> None:
    assert (await nurse_client.get(f"/nurse/children/{people.child_id}")).status_code == 200
    await _add(db, actor_id=people.admin_id, action="child.viewed", child_id=people.other_child_id)
    await _add(
        db, actor_id=people.parent_id, action="calendar_feed.created", child_id=people.child_id
    )

    by_nurse = _rows(
        await (await admin_client.get(f"/admin/audit?actor={people.nurse_id}")).get_data(
            as_text=True
        )
    )
    assert len(by_nurse) == 1 and "Nurse" in by_nurse[0] and "Sam" in by_nurse[0]

    families = _rows(
        await (await admin_client.get("/admin/audit?actor=families")).get_data(as_text=True)
    )
    assert len(families) == 1 and "calendar_feed.created" in families[0]
    assert "(family)" in families[0]

    viewed_robin = _rows(
        await (
            await admin_client.get(
                f"/admin/audit?action=child.viewed&child={people.other_child_id}"
            )
        ).get_data(as_text=True)
    )
    assert len(viewed_robin) == 1 and "Robin" in viewed_robin[0] and "Admin" in viewed_robin[0]

    page = await (await admin_client.get("/admin/audit")).get_data(as_text=True)
    # The lists offer what there is: staff, families, actions in the log, children.
    assert f'<option value="{people.nurse_id}">Nurse</option>' in page
    assert '<option value="families">' in page
    assert (
        '<option value="calendar_feed.created">Calendar link made (calendar_feed.created)</option>'
        in page
    )
    assert (
        f'<option value="{people.other_child_id}">Robin (#{people.other_child_id})</option>' in page
    )


async def test_a_date_range_counts_whole_local_days(
    db: Database, people: People, admin_client: Any
) -> None:
    # 23:30 UTC on 1 March is already 2 March in Amsterdam (UTC+1 in winter).
    for moment, detail in (
        (datetime(2027, 2, 28, 12, 0, tzinfo=UTC), "february"),
        (datetime(2027, 3, 1, 23, 30, tzinfo=UTC), "second of march"),
        (datetime(2027, 3, 3, 12, 0, tzinfo=UTC), "third of march"),
    ):
        with time_machine.travel(moment, tick=False):
            await _add(
                db,
                actor_id=people.nurse_id,
                action="plan.viewed",
                child_id=people.child_id,
                detail=detail,
            )
    text = await (
        await admin_client.get("/admin/audit?action=plan.viewed&since=2027-03-02&until=2027-03-02")
    ).get_data(as_text=True)
    rows = _rows(text)
    assert len(rows) == 1 and "second of march" in rows[0]
    text = await (
        await admin_client.get("/admin/audit?action=plan.viewed&since=2027-03-01")
    ).get_data(as_text=True)
    assert [("third" in row, "second" in row) for row in _rows(text)] == [
        (True, False),
        (False, True),
    ]


async def test_a_purged_child_is_shown_by_number_and_newest_comes_first(
    db: Database, people: People, admin_client: Any
) -> None:
    await _add(db, actor_id=people.nurse_id, action="child.viewed", child_id=4242, detail="older")
    await _add(
        db,
        actor_id=people.nurse_id,
        action="child.viewed",
        child_id=people.child_id,
        detail="newer",
    )
    rows = _rows(
        await (await admin_client.get("/admin/audit?action=child.viewed")).get_data(as_text=True)
    )
    assert "newer" in rows[0] and "older" in rows[1]
    assert "#4242" in rows[1]


async def test_fifty_a_page_with_links_that_keep_the_search(
    db: Database, people: People, admin_client: Any
) -> None:
    async with db.transaction() as connection:
        for number in range(120):
            await audit.record(
                connection, actor_id=people.nurse_id, action="report.viewed", detail=f"n{number:03}"
            )
    first = await (await admin_client.get("/admin/audit?action=report.viewed")).get_data(
        as_text=True
    )
    assert len(_rows(first)) == 50 and "n119" in first and "n069" not in first
    assert 'href="/admin/audit?page=2&amp;action=report.viewed"' in first
    assert "Newer entries" not in first
    third = await (await admin_client.get("/admin/audit?action=report.viewed&page=3")).get_data(
        as_text=True
    )
    assert len(_rows(third)) == 20 and "n000" in third and "Older entries" not in third
    assert "Newer entries" in third


async def test_every_search_is_itself_audited(
    db: Database, people: People, admin_client: Any
) -> None:
    await _add(db, actor_id=people.nurse_id, action="child.viewed", child_id=people.child_id)
    await admin_client.get("/admin/audit")
    await admin_client.get(f"/admin/audit?child={people.child_id}&action=child.viewed&page=2")
    searched = await _searched(db)
    assert searched[0] == "page=1"
    assert searched[1] == f"action=child.viewed child={people.child_id} page=2"
    row = await db.fetch_one(
        "SELECT actor_id, child_id FROM audit_log WHERE action = 'audit.searched' ORDER BY id DESC"
    )
    assert row is not None and (row["actor_id"], row["child_id"]) == (
        people.admin_id,
        people.child_id,
    )


async def test_a_search_that_makes_no_sense_is_refused_with_the_reason(
    db: Database, admin_client: Any
) -> None:
    for query in (
        "actor=99999",
        "child=abc",
        "since=2027-03-05&until=2027-03-01",
        "since=yesterday",
    ):
        response = await admin_client.get(f"/admin/audit?{query}")
        assert response.status_code == 400, query
    text = await (
        await admin_client.get("/admin/audit?since=2027-03-05&until=2027-03-01")
    ).get_data(as_text=True)
    assert "The end date cannot be before the start date." in text
    assert 'value="2027-03-05"' in text
    assert await _searched(db) == []


# --- the family's view -----------------------------------------------------------------


async def test_a_family_sees_who_opened_their_childs_data_and_nothing_else(
    app: Quart, db: Database, people: People, nurse_client: Any, family_client: Any
) -> None:
    assert (await nurse_client.get(f"/nurse/children/{people.child_id}")).status_code == 200
    assert (await nurse_client.get(f"/nurse/children/{people.other_child_id}")).status_code == 200
    await _add(db, actor_id=people.nurse_id, action="export.csv", child_id=people.child_id)
    await _add(db, actor_id=people.admin_id, action="photo.viewed", child_id=people.child_id)
    # Not reads by staff: a change, and the family's own doing.
    await _add(db, actor_id=people.nurse_id, action="visit.changed", child_id=people.child_id)
    await _add(db, actor_id=people.parent_id, action="report.viewed", child_id=people.child_id)

    text = await (await family_client.get("/settings/access-log")).get_data(as_text=True)
    entries = _entries(text)
    assert len(entries) == 3
    assert "Admin" in entries[0] and "opened a photo" in entries[0]
    assert "Nurse" in entries[1] and "exported the data" in entries[1]
    assert "Nurse" in entries[2] and "opened the child&#39;s page" in entries[2]
    assert "Parent" not in text and "visit.changed" not in text

    other = app.test_client()
    await sign_in(other, "other@example.org")
    theirs = await (await other.get("/settings/access-log")).get_data(as_text=True)
    [robin] = _entries(theirs)  # only the nurse's view of Robin
    assert "Nurse" in robin and "opened the child&#39;s page" in robin


async def test_settings_link_to_the_access_log_for_families_only(
    family_client: Any, nurse_client: Any
) -> None:
    family = await (await family_client.get("/settings")).get_data(as_text=True)
    assert 'href="/settings/access-log"' in family
    staff = await (await nurse_client.get("/settings")).get_data(as_text=True)
    assert 'href="/settings/access-log"' not in staff
    assert (await nurse_client.get("/settings/access-log")).status_code == 403


async def test_an_empty_record_says_so(family_client: Any) -> None:
    text = await (await family_client.get("/settings/access-log")).get_data(as_text=True)
    assert "Nobody at the hospital has opened this data yet." in text


async def test_actions_are_in_words_in_the_admins_language(
    db: Database, people: People, admin_client: Any
) -> None:
    await _add(db, actor_id=people.nurse_id, action="plan.viewed", child_id=people.child_id)
    await _add(db, actor_id=people.nurse_id, action="something.new", child_id=people.child_id)
    english = _rows(await (await admin_client.get("/admin/audit")).get_data(as_text=True))
    viewed = next(row for row in english if "plan.viewed" in row)
    assert 'Treatment plan opened <code class="hint audit-code">plan.viewed</code>' in viewed
    # An action without words yet is shown by its code alone.
    assert any('"What"><code class="hint audit-code">something.new</code>' in r for r in english)
    dutch = await (
        await admin_client.get("/admin/audit", headers={"Accept-Language": "nl"})
    ).get_data(as_text=True)
    assert "Behandelplan geopend" in dutch
    assert '<option value="plan.viewed">Behandelplan geopend (plan.viewed)</option>' in dutch


def test_every_audited_action_has_words() -> None:
    """A new audit action gets words in pwa/admin/audit_labels.py (and Dutch in the .po)."""
    root = Path(__file__).resolve().parents[1] / "pwa"
    used = {
        code
        for path in root.rglob("*.py")
        for code in re.findall(r'\baction="([a-z_]+\.[a-z_.]+)"', path.read_text())
    }
    used |= {"export.csv", "export.fhir", "export.print"}  # passed on as a variable
    used |= {"family_export.csv", "family_export.fhir"}
    assert used and sorted(used - set(ACTION_LABELS)) == []
