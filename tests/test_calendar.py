"""Calendar feeds and one-visit files: valid iCalendar, local times with their zone, stable
UIDs, SEQUENCE on change, cancelled visits kept, and secret links that can be withdrawn."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar
from quart import Quart

from pwa.db import Database
from pwa.i18n import LOCALES, load_catalogues
from pwa.plans import store as plans
from pwa.plans.schedule import PlannedVisit, generate
from pwa.serving import redact
from tests.conftest import People, choose_language, post_form, sign_in
from tests.conftest import test_config as make_config
from tests.helpers.calendar import FEED_URL, events_by_uid, fetch_calendar, new_feed
from tests.helpers.lock_screen import forbidden_in

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def config(tmp_path: Path) -> dict[str, Any]:
    """Behind one proxy, so a test can speak from several addresses (without the header,
    the address is the test client's own, as before)."""
    return make_config(tmp_path, TRUSTED_PROXIES=1)


# 12 January 2027 plus 35 days per course: course 3 runs 23-29 March 2027, across the
# change to summer time on Sunday 28 March.
PLAN_START = date(2027, 1, 12)


async def insert_default_plan(db: Database, child_id: int, start: date = PLAN_START) -> int:
    visits, medications = generate(await plans.select_template(db), start)
    async with db.transaction() as connection:
        return await plans.insert_plan(
            connection,
            child_id=child_id,
            start_date=start,
            visits=visits,
            medications=medications,
            created_by=None,
        )


async def add_visit(
    db: Database, plan_id: int, course: int, kind: str, starts: datetime, ends: datetime
) -> None:
    """One more visit in Amsterdam time, as a nurse adds it."""
    async with db.transaction() as connection:
        await plans.insert_visit(
            connection,
            plan_id,
            PlannedVisit(course, kind, starts, ends, "Europe/Amsterdam", ""),
            family_note="",
        )


async def test_feed_is_valid_icalendar_with_local_times_and_their_zone(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    plan_id = await insert_default_plan(db, people.child_id)
    visits = await plans.select_visits(db, plan_id)
    path, _ = await new_feed(family_client)
    response = await app.test_client().get(path)
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert response.headers["Cache-Control"] == "no-store"
    calendar = Calendar.from_ical(await response.get_data())

    assert str(calendar["VERSION"]) == "2.0" and "Immuno Companion" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "Hospital visits"
    assert [zone.tz_name for zone in calendar.timezones] == ["Europe/Amsterdam"]
    events = events_by_uid(calendar)
    assert len(events) == 5
    for visit in visits:
        event = events[visit.uid]
        assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
        assert event["DTEND"].params["TZID"] == "Europe/Amsterdam"
        assert event.start.replace(tzinfo=None) == visit.starts  # the wall-clock time itself
        assert event.end.replace(tzinfo=None) == visit.ends
        assert event.start == visit.starts_at and event.end == visit.ends_at
        assert str(event["SUMMARY"]) == f"Hospital stay (course {visit.course_number})"
        assert int(event["SEQUENCE"]) == 0
        assert str(event["STATUS"]) == "TENTATIVE"
        assert str(event["CLASS"]) == "PRIVATE"
        assert str(event["URL"]) == f"https://localhost/schedule/visits/{visit.id}"
        assert "DTSTAMP" in event and "LAST-MODIFIED" in event
        assert "Sam" not in event.to_ical().decode()  # no child name in a calendar entry


async def test_a_stay_across_the_change_to_summer_time_keeps_its_local_times(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    plan_id = await insert_default_plan(db, people.child_id)
    # And one across the change back to winter time (Sunday 31 October 2027).
    await add_visit(
        db, plan_id, 6, "admission", datetime(2027, 10, 28, 9), datetime(2027, 11, 3, 17)
    )
    path, _ = await new_feed(family_client)
    calendar = await fetch_calendar(app, path)
    starts = {event.start.date(): event for event in calendar.walk("VEVENT")}

    spring = starts[date(2027, 3, 23)]
    assert (spring.start.hour, spring.end.hour, spring.end.date()) == (9, 17, date(2027, 3, 29))
    assert spring.start.astimezone(UTC).hour == 8 and spring.end.astimezone(UTC).hour == 15
    assert spring.end.astimezone(UTC) - spring.start.astimezone(UTC) == timedelta(days=6, hours=7)

    autumn = starts[date(2027, 10, 28)]
    assert (autumn.start.hour, autumn.end.hour) == (9, 17)
    assert autumn.start.astimezone(UTC).hour == 7 and autumn.end.astimezone(UTC).hour == 16
    assert autumn.end.astimezone(UTC) - autumn.start.astimezone(UTC) == timedelta(days=6, hours=9)

    # The VTIMEZONE alone (for apps that do not know IANA names) gives the same offsets.
    (zone,) = calendar.timezones
    rules = zone.to_tz(lookup_tzid=False)
    for moment, hours in (
        (datetime(2027, 3, 23, 9), 1),
        (datetime(2027, 3, 29, 17), 2),
        (datetime(2027, 10, 28, 9), 2),
        (datetime(2027, 11, 3, 17), 1),
    ):
        assert moment.replace(tzinfo=rules).utcoffset() == timedelta(hours=hours), moment


async def test_uids_stay_and_sequence_grows_when_a_nurse_edits_a_visit(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    plan_id = await insert_default_plan(db, people.child_id)
    second = (await plans.select_visits(db, plan_id))[1]
    path, _ = await new_feed(family_client)
    before = events_by_uid(await fetch_calendar(app, path))

    for moves in (1, 2):
        later = datetime.now(UTC) + timedelta(minutes=moves)
        with time_machine.travel(later, tick=False):
            async with db.transaction() as connection:
                await plans.update_visit(
                    connection,
                    second.id,
                    kind="admission",
                    starts=second.starts + timedelta(days=moves),
                    ends=second.ends + timedelta(days=moves),
                    time_zone="Europe/Amsterdam",
                    location="Ward 5",
                    family_note="Please come to the day unit first.",
                    status="changed",
                )
    after = events_by_uid(await fetch_calendar(app, path))

    assert set(after) == set(before)  # same events, none added
    event = after[second.uid]
    assert int(event["SEQUENCE"]) == 2 > int(before[second.uid]["SEQUENCE"])
    assert event.start.replace(tzinfo=None) == second.starts + timedelta(days=2)
    assert str(event["LOCATION"]) == "Ward 5"
    assert str(event["DESCRIPTION"]) == "Please come to the day unit first."
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["LAST-MODIFIED"].dt > before[second.uid]["LAST-MODIFIED"].dt
    untouched = next(uid for uid in before if uid != second.uid)
    assert int(after[untouched]["SEQUENCE"]) == 0


async def test_a_cancelled_visit_stays_in_the_feed_as_cancelled(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    plan_id = await insert_default_plan(db, people.child_id)
    third = (await plans.select_visits(db, plan_id))[2]
    async with db.transaction() as connection:
        await plans.update_visit(
            connection,
            third.id,
            kind=third.kind,
            starts=third.starts,
            ends=third.ends,
            time_zone=third.time_zone,
            location=third.location,
            family_note="",
            status="cancelled",
        )
    path, _ = await new_feed(family_client)
    events = events_by_uid(await fetch_calendar(app, path))
    assert len(events) == 5
    event = events[third.uid]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    assert str(event["SUMMARY"]) == "Cancelled: Hospital stay (course 3)"


async def test_kinds_are_named_in_the_caregivers_language(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    plan_id = await insert_default_plan(db, people.child_id)
    await add_visit(
        db, plan_id, 2, "day_visit", datetime(2027, 2, 25, 10), datetime(2027, 2, 25, 12)
    )
    await add_visit(
        db, plan_id, 2, "home_infusion", datetime(2027, 2, 26, 8), datetime(2027, 3, 7, 8)
    )
    path, _ = await new_feed(family_client)
    english = {str(event["SUMMARY"]) for event in (await fetch_calendar(app, path)).walk("VEVENT")}
    assert {
        "Day visit (course 2)",
        "Home infusion (course 2)",
        "Hospital stay (course 2)",
    } <= english

    # Each caregiver's own language, Dutch and the family languages alike.
    for language in (locale for locale in LOCALES if locale != "en"):
        await choose_language(family_client, language)
        words = load_catalogues()[language]
        calendar = await fetch_calendar(app, path)  # without cookies, as a calendar app does
        summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
        for message in ("Day visit (course %(number)s)", "Home infusion (course %(number)s)"):
            assert words.gettext(message) % {"number": 2} in summaries, language
        name = str(calendar["X-WR-CALNAME"])
        assert name == words.gettext("Hospital visits") != "Hospital visits", language
        assert summaries.isdisjoint(english), language  # every entry reads in the language
        assert forbidden_in(calendar.to_ical().decode()) == [], language


async def test_a_new_link_replaces_the_old_one_and_a_revoked_link_is_404(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    await insert_default_plan(db, people.child_id)
    first, _ = await new_feed(family_client)
    assert (await app.test_client().get(first)).status_code == 200
    second, _ = await new_feed(family_client)
    assert second != first
    assert (await app.test_client().get(first)).status_code == 404
    assert (await app.test_client().get(second)).status_code == 200

    page = await (await family_client.get("/settings/calendar")).get_data(as_text=True)
    assert "is working" in page and "localhost/calendar/" not in page  # the link is shown once
    response = await post_form(
        family_client, "/settings/calendar/revoke", {}, csrf_path="/settings/calendar"
    )
    assert response.status_code == 302 and response.location == "/settings/calendar"
    assert (await app.test_client().get(second)).status_code == 404
    page = await (await family_client.get("/settings/calendar")).get_data(as_text=True)
    assert "The calendar link no longer works" in page and "You have no calendar link" in page

    rows = await db.fetch_all(
        "SELECT action, actor_id, child_id FROM audit_log"
        " WHERE action LIKE 'calendar_feed.%' ORDER BY id"
    )
    assert [tuple(row) for row in rows] == [
        ("calendar_feed.created", people.parent_id, people.child_id),
        ("calendar_feed.created", people.parent_id, people.child_id),
        ("calendar_feed.revoked", people.parent_id, people.child_id),
    ]


async def test_revoking_needs_the_csrf_token(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    path, _ = await new_feed(family_client)
    assert (await family_client.post("/settings/calendar/revoke")).status_code == 400
    assert (
        await family_client.post("/settings/calendar/revoke", form={"csrf_token": "forged"})
    ).status_code == 400
    assert (await app.test_client().get(path)).status_code == 200


async def test_the_feed_stops_for_a_closed_record_an_unlinked_or_disabled_caregiver(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    await insert_default_plan(db, people.child_id)
    path, _ = await new_feed(family_client)
    changes = [
        (
            "UPDATE child SET closed_at = '2027-01-01T00:00:00.000000Z' WHERE id = :child",
            "UPDATE child SET closed_at = NULL WHERE id = :child",
        ),
        (
            "UPDATE account SET disabled_at = '2027-01-01T00:00:00.000000Z' WHERE id = :parent",
            "UPDATE account SET disabled_at = NULL WHERE id = :parent",
        ),
        ("DELETE FROM caregiver_child WHERE caregiver_id = :parent AND child_id = :child", None),
    ]
    ids = {"child": people.child_id, "parent": people.parent_id}
    for change, undo in changes:
        async with db.transaction() as connection:
            await connection.execute(change, ids)
        assert (await app.test_client().get(path)).status_code == 404, change
        if undo:
            async with db.transaction() as connection:
                await connection.execute(undo, ids)
            assert (await app.test_client().get(path)).status_code == 200, undo


async def test_the_token_is_stored_only_as_a_hash(
    app: Quart, db: Database, people: People, family_client: Any
) -> None:
    _, token = await new_feed(family_client)
    assert len(token) == 26  # 130 random bits
    row = await db.fetch_one(
        "SELECT token_hash FROM calendar_feed WHERE caregiver_id = :id", {"id": people.parent_id}
    )
    assert row is not None and row["token_hash"] == hashlib.sha256(token.encode()).digest()
    stored = b"".join(
        path.read_bytes()
        for path in Path(db.path).parent.iterdir()
        if path.name.startswith(Path(db.path).name)
    )
    assert token.encode() not in stored
    assert redact(f"/calendar/{token}.ics") == "/calendar/[redacted]"


async def test_an_unknown_token_is_404_and_guessing_is_rate_limited(client: Any) -> None:
    for _ in range(20):
        assert (await client.get("/calendar/AAAAAAAAAAAAAAAAAAAAAAAAAA.ics")).status_code == 404
    limited = await client.get("/calendar/BBBBBBBBBBBBBBBBBBBBBBBBBB.ics")
    assert limited.status_code == 429 and "Retry-After" in limited.headers


async def test_only_failed_tokens_count_towards_an_addresss_limit(
    app: Quart, people: People, family_client: Any
) -> None:
    """A calendar service fetches many families' good feeds from one
    address, as often as it likes, and keeps getting them after bogus links from that
    address reached their limit; unknown or revoked tokens from one address are limited,
    shared by every server process (the counts are in the database)."""
    other = app.test_client()
    await sign_in(other, "other@example.org")
    feeds = [(await new_feed(family_client))[0], (await new_feed(other))[0]]
    service = {"X-Forwarded-For": "203.0.113.9"}
    fetcher = app.test_client()
    for number in range(60):
        response = await fetcher.get(feeds[number % 2], headers=service)
        assert response.status_code == 200, number

    # The second family withdraws its link; the service keeps asking for it.
    revoked = await post_form(
        other, "/settings/calendar/revoke", {}, csrf_path="/settings/calendar"
    )
    assert revoked.status_code == 302
    for number in range(20):
        guess = feeds[1] if number == 0 else f"/calendar/{number:026d}.ics"
        assert (await fetcher.get(guess, headers=service)).status_code == 404, number
    limited = await fetcher.get("/calendar/BBBBBBBBBBBBBBBBBBBBBBBBBB.ics", headers=service)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    # Bogus links subscribed at the service never stop a good one, there or elsewhere.
    assert (await fetcher.get(feeds[0], headers=service)).status_code == 200
    elsewhere = {"X-Forwarded-For": "198.51.100.4"}
    assert (await fetcher.get(feeds[0], headers=elsewhere)).status_code == 200
    counted = await app.extensions["db"].fetch_one("SELECT COUNT(*) AS n FROM sign_in_failure")
    assert counted["n"] == 20


async def test_a_child_without_a_plan_gives_an_empty_but_valid_calendar(
    app: Quart, people: People, family_client: Any
) -> None:
    path, _ = await new_feed(family_client)
    calendar = await fetch_calendar(app, path)
    assert calendar.walk("VEVENT") == [] and calendar.timezones == []
    assert str(calendar["VERSION"]) == "2.0"


async def test_settings_page_offers_webcal_https_and_a_progressive_copy_button(
    db: Database, people: People, family_client: Any
) -> None:
    page = await (await family_client.get("/settings/calendar")).get_data(as_text=True)
    assert "You have no calendar link" in page and "Make a calendar link" in page
    response = await post_form(family_client, "/settings/calendar", {})
    page = await response.get_data(as_text=True)
    path = FEED_URL.search(page).group(1)  # type: ignore[union-attr]
    assert f'href="webcal://localhost{path}"' in page
    assert f'value="https://localhost{path}" readonly' in page
    assert re.search(
        r'<button class="button" type="button" hidden\s+data-copy-target="feed-url"', page
    )
    assert re.search(r'<script type="module" src="/static/js/copy\.js\?v=\w+"></script>', page)
    assert 'href="/settings/calendar"' in (
        await (await family_client.get("/settings")).get_data(as_text=True)
    )


async def test_a_caregiver_without_a_child_cannot_make_a_feed(
    app: Quart, db: Database, people: People
) -> None:
    async with db.transaction() as connection:
        await connection.execute(
            "DELETE FROM caregiver_child WHERE caregiver_id = :id", {"id": people.parent_id}
        )
    client = app.test_client()
    await sign_in(client, "parent@example.org")
    page = await (await client.get("/settings/calendar")).get_data(as_text=True)
    assert "not linked to a child" in page
    response = await post_form(client, "/settings/calendar", {}, csrf_path="/settings")
    assert response.status_code == 404
    count = await db.fetch_one("SELECT COUNT(*) FROM calendar_feed")
    assert count is not None and count[0] == 0


# --- one visit as a file ------------------------------------------------------------------


async def test_one_visit_downloads_as_an_ics_file(
    db: Database, people: People, family_client: Any
) -> None:
    plan_id = await insert_default_plan(db, people.child_id)
    visit = (await plans.select_visits(db, plan_id))[0]
    response = await family_client.get(f"/schedule/visits/{visit.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == 'attachment; filename="visit-2027-01-12.ics"'
    calendar = Calendar.from_ical(await response.get_data())
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == visit.uid
    assert event.start == datetime(2027, 1, 12, 9, tzinfo=AMSTERDAM)
    assert [zone.tz_name for zone in calendar.timezones] == ["Europe/Amsterdam"]


async def test_another_familys_visit_file_is_404(
    app: Quart, db: Database, people: People, family_client: Any, nurse_client: Any
) -> None:
    other_plan = await insert_default_plan(db, people.other_child_id)
    theirs = (await plans.select_visits(db, other_plan))[0]
    assert (await family_client.get(f"/schedule/visits/{theirs.id}.ics")).status_code == 404
    assert (await family_client.get("/schedule/visits/999999.ics")).status_code == 404
    assert (await nurse_client.get(f"/schedule/visits/{theirs.id}.ics")).status_code == 403
    anonymous = await app.test_client().get(f"/schedule/visits/{theirs.id}.ics")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login?next=")


async def test_a_failing_feed_keeps_its_token_out_of_the_error_log(
    config: dict[str, Any], caplog: Any, monkeypatch: Any
) -> None:
    from pwa.app import create_app
    from pwa.plans import calendar_views
    from tests.conftest import HttpsClient, make_account, make_child

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("calendar building failed")

    monkeypatch.setattr(calendar_views, "build_calendar", broken)
    app = create_app({**config, "PROPAGATE_EXCEPTIONS": False})
    app.test_client_class = HttpsClient  # type: ignore[assignment]  # QuartClient, not quart.typing's protocol
    async with app.test_app():
        db = app.extensions["db"]
        parent = await make_account(
            db, app, "parent@example.org", "caregiver", privacy_version="2026-11"
        )
        await make_child(db, "Sam", parent)
        client = app.test_client()
        await sign_in(client, "parent@example.org")
        path, token = await new_feed(client)
        response = await app.test_client().get(path)
    assert response.status_code == 500
    assert "calendar building failed" in caplog.text  # the error was logged ...
    assert "/calendar/[redacted]" in caplog.text
    assert token not in caplog.text  # ... without the secret
