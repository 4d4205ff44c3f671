"""The family home page is rendered once and kept until its data or its day changes
(pwa/pagecache.py). Whatever changes under it, the family must see at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from quart import Quart, template_rendered

from pwa.db import Database
from pwa.pagecache import PageCache, data_version
from pwa.plans import store as plans
from pwa.plans.overview import next_change
from tests.conftest import People, csrf_from, make_plan, post_form, sign_in
from tests.helpers.reports import add_report

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@contextmanager
def counted_renders(app: Quart) -> Iterator[list[str]]:
    rendered: list[str] = []

    def record(sender: Any, template: Any, context: Any, **_: Any) -> None:
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        yield rendered


async def home(client: Any) -> str:
    response = await client.get("/")
    assert response.status_code == 200
    return str(await response.get_data(as_text=True))


async def test_the_second_visit_is_served_without_rendering(app: Quart, family_client: Any) -> None:
    with counted_renders(app) as rendered:
        first = await home(family_client)
        second = await home(family_client)
    assert rendered == ["families/home.html"]
    assert second == first and "You are following Sam." in second


async def signed_in(app: Quart, email: str) -> Any:
    """A client signed in now (inside a test's travel in time, so its session is fresh)."""
    client = app.test_client()
    await sign_in(client, email, staff=email != "parent@example.org")
    return client


async def test_a_moved_admission_shows_at_once(app: Quart, db: Database, people: People) -> None:
    with time_machine.travel(datetime(2027, 1, 7, 10, tzinfo=AMSTERDAM), tick=False):
        family_client = await signed_in(app, "parent@example.org")
        nurse_client = await signed_in(app, "nurse@example.org")
        plan = await make_plan(db, people.child_id, date(2027, 1, 11))
        assert "Monday 11 January at 09:00" in await home(family_client)
        first = (await plans.select_visits(db, plan.id))[0]
        response = await post_form(
            nurse_client,
            f"/nurse/children/{people.child_id}/visits/{first.id}",
            {
                "course_number": "1",
                "kind": "admission",
                "start_date": "2027-01-12",
                "start_time": "10:30",
                "end_date": "2027-01-18",
                "end_time": "17:00",
                "time_zone": "Europe/Amsterdam",
                "location": "Ward 5",
                "family_note": "",
                "status": "planned",
                # A day later is within the template's spacing of course 2: keep course 2.
                "later": "keep",
                "shift_days": "1",
            },
        )
        assert response.status_code == 302
        page = await home(family_client)
    assert "Tuesday 12 January at 10:30" in page
    # Only the change banner still names the old day, as what it was.
    assert "starts Monday 11 January" not in page and "was Monday 11 January" in page


async def test_a_write_by_another_process_shows_at_once(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(datetime(2027, 1, 7, 10, tzinfo=AMSTERDAM), tick=False):
        family_client = await signed_in(app, "parent@example.org")
        await make_plan(db, people.child_id, date(2027, 1, 11))
        assert "Ward 7" not in await home(family_client)
        # Another process (a second server, `pwa` on the command line) writes directly.
        with sqlite3.connect(db.path) as other:
            other.execute("UPDATE visit SET location = 'Ward 7' WHERE course_number = 1")
        other.close()
        assert "Where: Ward 7" in await home(family_client)


async def test_packing_list_reply_and_read_receipt_show_at_once(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(datetime(2027, 1, 7, 10, tzinfo=AMSTERDAM), tick=False):
        family_client = await signed_in(app, "parent@example.org")
        nurse_client = await signed_in(app, "nurse@example.org")
        await make_plan(db, people.child_id, date(2027, 1, 11))
        assert "Swimming goggles" not in await home(family_client)
        async with db.transaction() as connection:
            await plans.replace_packing_items(connection, [("Swimming goggles", "Zwembril")])
        page = await home(family_client)
        assert "Swimming goggles" in page and "The care team replied" not in page

        uid = await add_report(db, people, {"pain": 6})
        assert "The care team replied" not in await home(family_client)
        nurse_page = await (await nurse_client.get(f"/nurse/reports/{uid}")).get_data(as_text=True)
        response = await nurse_client.post(
            f"/nurse/reports/{uid}",
            form={"csrf_token": csrf_from(nurse_page), "outcome": "phoned", "reply": "Rest."},
        )
        assert response.status_code == 302
        assert "The care team replied to you" in await home(family_client)
        assert (await family_client.get(f"/diary/{uid}")).status_code == 200  # read it
        assert "The care team replied" not in await home(family_client)


async def test_the_countdown_moves_at_local_midnight_and_the_stay_at_its_start(
    app: Quart, db: Database, people: People
) -> None:
    with time_machine.travel(datetime(2027, 1, 9, 23, 58, tzinfo=AMSTERDAM), tick=False) as clock:
        await make_plan(db, people.child_id, date(2027, 1, 11))
        client = await signed_in(app, "parent@example.org")
        assert "in 2 days" in await home(client)
        assert "in 2 days" in await home(client)
        clock.move_to(datetime(2027, 1, 10, 0, 1, tzinfo=AMSTERDAM))
        assert "tomorrow" in await home(client)
        clock.move_to(datetime(2027, 1, 11, 8, 59, tzinfo=AMSTERDAM))
        assert "today" in await home(client)
        clock.move_to(datetime(2027, 1, 11, 9, 0, 30, tzinfo=AMSTERDAM))
        assert "You are in hospital — day 1 of 7" in await home(client)


async def test_language_child_and_session_each_get_their_own_page(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    english = await home(family_client)
    dutch = await (await family_client.get("/", headers={"Accept-Language": "nl"})).get_data(
        as_text=True
    )
    assert "You are following Sam." in english and "Je volgt Sam." in dutch

    # A second child, then switching to it.
    async with db.transaction() as connection:
        child_id = await connection.fetch_one(
            "INSERT INTO child (nickname, birth_date, created_at) VALUES ('Alex', '2020-01-01', "
            "'2026-01-01T00:00:00.000000Z') RETURNING id"
        )
        assert child_id is not None
        await connection.execute(
            "INSERT INTO caregiver_child (caregiver_id, child_id, linked_at) "
            "VALUES (:parent, :child, '2026-01-01T00:00:00.000000Z')",
            {"parent": people.parent_id, "child": child_id[0]},
        )
    response = await family_client.post(
        "/children/switch",
        form={"csrf_token": csrf_from(await home(family_client)), "child_id": str(child_id[0])},
    )
    assert response.status_code == 302
    assert "You are following Alex." in await home(family_client)

    # Another device of the same parent: its own page, with its own session's tokens.
    other_device = app.test_client()
    await sign_in(other_device, "parent@example.org")
    theirs = await home(other_device)
    assert csrf_from(theirs) != csrf_from(await home(family_client))
    response = await other_device.post("/schedule/seen", form={"csrf_token": csrf_from(theirs)})
    assert response.status_code == 302


async def test_a_one_time_message_is_shown_once_and_never_kept(
    app: Quart, family_client: Any
) -> None:
    await home(family_client)  # a kept page exists
    async with family_client.session_transaction() as session:
        session["_flashes"] = [("message", "Your calendar link was renewed.")]
    assert "Your calendar link was renewed." in await home(family_client)
    assert "Your calendar link was renewed." not in await home(family_client)


async def test_signed_out_sessions_never_get_a_kept_page(app: Quart, family_client: Any) -> None:
    page = await home(family_client)
    response = await family_client.post("/logout", form={"csrf_token": csrf_from(page)})
    assert response.status_code in {302, 303}
    response = await family_client.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")


async def test_every_commit_moves_the_version_and_reads_do_not(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    """Whatever table the page reads, a commit to it, by any connection, is seen."""
    first = await data_version(db)
    await home(family_client)
    assert await data_version(db) == first  # reads alone leave it
    await add_report(db, people, {"pain": 2})  # the app's own writer
    after_report = await data_version(db)
    assert after_report != first
    with sqlite3.connect(db.path) as other:  # another process
        other.execute(
            "INSERT INTO packing_item (position, text_en, text_nl) VALUES (9, 'Hat', 'Pet')"
        )
    other.close()
    assert await data_version(db) != after_report


async def test_a_write_anywhere_renders_the_page_again(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    await home(family_client)
    await add_report(db, people, {"pain": 1})
    with counted_renders(app) as rendered:
        await home(family_client)
        await home(family_client)
    assert rendered == ["families/home.html"]


async def test_kept_pages_go_when_the_database_is_opened_again(config: dict[str, Any]) -> None:
    """A new connection counts its data_version afresh: an old page could match it."""
    from pwa.app import create_app

    application = create_app(config)
    cache = application.extensions["page_cache"]
    cache.put("key", "page", datetime(2030, 1, 1, tzinfo=UTC))
    async with application.test_app():
        assert len(cache) == 0


async def test_a_stored_amber_report_shows_on_the_kept_page(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    """The home page lists the reports waiting on the ward: a new amber one must show."""
    assert "Your report is with the ward" not in await home(family_client)
    await add_report(db, people, {"pain": 5})
    assert "Your report is with the ward" in await home(family_client)


async def test_the_kept_page_goes_when_the_ward_opens_or_closes(
    app: Quart, db: Database, people: People
) -> None:
    """Home's waiting card shows the promise for the moment: a page kept at 16:59 is not
    served at 17:00, when nobody reads the app any more."""
    family_client: Any = app.test_client()
    with time_machine.travel(datetime(2026, 12, 1, 15, 59, 40, tzinfo=UTC), tick=False):
        await sign_in(family_client, "parent@example.org")
        await add_report(db, people, {"pain": 5})
        await home(family_client)
        with counted_renders(app) as rendered:
            await home(family_client)
        assert rendered == []
    with (
        time_machine.travel(datetime(2026, 12, 1, 16, 0, 5, tzinfo=UTC), tick=False),
        counted_renders(app) as rendered,
    ):
        page = await home(family_client)
    assert rendered == ["families/home.html"]
    assert '<div data-call-when="closed" >' in page or '<div data-call-when="closed">' in page


async def test_the_cache_can_be_switched_off(config: dict[str, Any]) -> None:
    from pwa.app import create_app

    application = create_app({**config, "PAGE_CACHE_PAGES": 0})
    cache = application.extensions["page_cache"]
    cache.put("key", "page", datetime(2030, 1, 1, tzinfo=UTC))
    assert not cache.enabled and len(cache) == 0
    assert cache.get("key", datetime(2029, 1, 1, tzinfo=UTC)) is None


def test_pages_expire_and_the_oldest_make_way() -> None:
    cache = PageCache(capacity=2)
    now = datetime(2027, 1, 1, 12, tzinfo=UTC)
    cache.put("a", "A", now + timedelta(hours=1))
    cache.put("b", "B", now + timedelta(hours=1))
    assert cache.get("a", now) == "A"  # "a" is now the most recently used
    cache.put("c", "C", now + timedelta(hours=1))
    assert cache.get("b", now) is None and cache.get("a", now) == "A" and len(cache) == 2
    assert cache.get("a", now + timedelta(hours=1)) is None  # expired, and dropped
    assert len(cache) == 1


def test_next_change_is_the_first_local_midnight_or_visit_boundary() -> None:
    evening = datetime(2027, 3, 27, 21, 0, tzinfo=UTC)  # 22:00 in Amsterdam, before DST
    midnight = datetime(2027, 3, 27, 23, 0, tzinfo=UTC)
    assert next_change(evening, {"Europe/Amsterdam"}, []) == midnight
    start = datetime(2027, 3, 27, 22, 30, tzinfo=UTC)
    assert next_change(evening, {"Europe/Amsterdam"}, [start, evening]) == start
    # Across the spring change, the next midnight is 22:00 UTC (summer time, +2).
    assert next_change(midnight, {"Europe/Amsterdam"}, []) == datetime(
        2027, 3, 28, 22, 0, tzinfo=UTC
    )
    assert next_change(evening, {"Europe/Amsterdam", "Europe/London"}, []) == midnight
