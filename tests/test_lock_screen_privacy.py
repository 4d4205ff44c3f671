"""Nothing the app sends where others can read it names the illness or its medicines:
every kind of push (a lock screen shows it), every e-mail, the calendar feed and each
visit's calendar file, and the title of every family page. The emergency card's page
is the one family page that names them, and only in its body."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from quart import Quart

from pwa import i18n
from pwa.clock import HOSPITAL_ZONE_NAME, today, utcnow
from pwa.db import Database
from pwa.notifications import letters, payloads
from pwa.notifications.jobs import EMAIL, About, Job
from pwa.notifications.planner import reminder_kind
from pwa.notifications.sender import FAMILY_KINDS, URGENT_KINDS
from pwa.plans import kinds
from pwa.plans import store as plans
from pwa.plans.schedule import PlannedVisit
from tests.conftest import People, choose_language, make_plan, sign_in
from tests.helpers.calendar import new_feed
from tests.helpers.card import fill_card
from tests.helpers.lock_screen import forbidden_in
from tests.helpers.messages import message, post_messages
from tests.helpers.reports import add_report

ORIGIN = "https://localhost"
LANGUAGES = i18n.LOCALES


@dataclass(frozen=True)
class Rows:
    """Something of every kind a notification can be about."""

    visit_id: int
    period_id: int
    period_day: Any
    report_id: int
    report_uuid: str
    message_id: int
    checkin_day: Any
    # One short visit of each shipped short kind (a scan, a hearing test...).
    short_visit_ids: tuple[int, ...] = ()


@pytest.fixture
async def rows(app: Quart, db: Database, people: People, nurse_client: Any) -> Rows:
    """A plan under way, a red report, a family's message and a filled-in card."""
    plan = await make_plan(db, people.child_id, today() - timedelta(days=10))
    visit = (await plans.select_visits(db, plan.id))[1]
    period = (await plans.select_medications(db, plan.id))[0]
    uid = await add_report(db, people, {"temperature": 39.4, "weight": 21.5})
    report = await db.fetch_one("SELECT id FROM report WHERE client_uuid = ?", (uid,))
    family = app.test_client()
    await sign_in(family, "parent@example.org")
    assert (await post_messages(family, message(people.child_id))).status_code == 200
    sent = await db.fetch_one("SELECT id FROM message ORDER BY id DESC")
    assert report is not None and sent is not None
    assert (await fill_card(nurse_client, people.child_id)).status_code == 302
    short = await add_short_visits(db, plan.id, today() + timedelta(days=3))
    # An isotretinoin day of the plan: a check-in day without a report (yet).
    checkin_day = period.first_date
    return Rows(
        visit.id, period.id, period.first_date, report["id"], uid, sent["id"], checkin_day, short
    )


async def add_short_visits(db: Database, plan_id: int, day: Any) -> tuple[int, ...]:
    """A visit of every short kind; the scan with a nurse's title that names the medicine
    (a slip a calendar or a lock screen must never show: only the app's pages do)."""
    starts = datetime.combine(day, time(10, 0))
    ids = []
    async with db.transaction() as connection:
        for kind in await kinds.select_all(connection):
            if kind.short:
                title = "Scan after dinutuximab" if kind.key == "scan" else ""
                planned = PlannedVisit(
                    1,
                    kind.key,
                    starts,
                    starts + timedelta(minutes=60),
                    HOSPITAL_ZONE_NAME,
                    "",
                    title,
                )
                ids.append(await plans.insert_visit(connection, plan_id, planned, family_note=""))
    assert len(ids) == 5
    return tuple(ids)


def jobs_of_every_kind(rows: Rows, people: People) -> list[Job]:
    """One job of each kind the planners make (escalations about a red report and about an
    urgent message), for whoever receives that kind."""
    report, message_ = About(report_id=rows.report_id), About(message_id=rows.message_id)
    about = [
        (reminder_kind(7, "18:00"), About(visit_id=rows.visit_id)),
        ("visit_changed", About(visit_id=rows.visit_id)),
        *(
            (kind, About(visit_id=short))
            for short in rows.short_visit_ids
            for kind in (reminder_kind(1, "18:00"), "visit_changed")
        ),
        (
            "medication:08:00",
            About(medication_period_id=rows.period_id, medication_day=rows.period_day),
        ),
        ("reply", report),
        ("ward_message", message_),
        ("family_message", message_),
        ("red_report", report),
        *((kind, what) for kind in payloads.ESCALATIONS for what in (report, message_)),
        ("test", About(test_token="press")),
        ("checkin", About(checkin_child_id=people.child_id, checkin_day=rows.checkin_day)),
    ]
    # Every kind the sender knows of is here (a new kind must be added to this list).
    for known in (*FAMILY_KINDS, *URGENT_KINDS):
        assert any(kind.startswith(known) for kind, _ in about), known
    now = utcnow()
    return [
        Job(
            index,
            kind,
            what,
            1,
            people.parent_id if kind.startswith(FAMILY_KINDS) else people.nurse_id,
            now,
            now + timedelta(hours=1),
            0,
        )
        for index, (kind, what) in enumerate(about, start=1)
    ]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_no_push_or_e_mail_names_the_illness(
    db: Database, people: People, rows: Rows, language: str
) -> None:
    """Hazard H23: every push a lock screen shows and every e-mail (visit reminders and
    notices to a family, escalations to a nurse and to the ward's inbox), in every language:
    a family's in theirs, a nurse's in English or Dutch."""
    async with db.transaction() as connection:
        await connection.execute("UPDATE account SET locale = 'en'")
    english = {
        job.kind: await payloads.build(db, job, utcnow())
        for job in jobs_of_every_kind(rows, people)
    }
    async with db.transaction() as connection:
        await connection.execute("UPDATE account SET locale = ?", (language,))
    mailed_kinds = set()
    for job in jobs_of_every_kind(rows, people):
        built = await payloads.build(db, job, utcnow())
        assert built is not None, job.kind
        to_family = job.recipient_id == people.parent_id
        assert built.lang == (language if to_family else i18n.for_staff(language)), job.kind
        if built.lang != "en":  # in the recipient's words, not English left over
            assert built.body != english[job.kind].body, (job.kind, built.body)  # type: ignore[union-attr]
        assert forbidden_in(built.encode(ORIGIN)) == [], job.kind
        if not job.kind.startswith((*payloads.VISIT_JOB_KINDS, *payloads.ESCALATIONS, "checkin")):
            continue
        inbox = (None,) if job.kind in payloads.ESCALATIONS else ()
        for recipient in (job.recipient_id, *inbox):
            mailed = replace(job, recipient_id=recipient, channel=EMAIL)
            mail = await letters.build_mail(db, mailed, ORIGIN, "ward@example.org", utcnow())
            assert mail is not None, job.kind
            assert forbidden_in(f"{mail.subject}\n{mail.body}") == [], job.kind
            mailed_kinds.add(job.kind.split(":")[0])
    assert mailed_kinds == {"visit_reminder", "visit_changed", "checkin", *payloads.ESCALATIONS}
    for text in payloads.fallback_texts().values():
        assert forbidden_in(text) == []


async def test_no_calendar_file_names_the_illness(
    app: Quart, people: People, rows: Rows, family_client: Any
) -> None:
    """Hazard H23: the feed an online calendar fetches and each visit's own file."""
    path, _ = await new_feed(family_client)
    feed = await (await app.test_client().get(path)).get_data(as_text=True)
    assert feed.count("BEGIN:VEVENT") == 5 + len(rows.short_visit_ids)
    assert forbidden_in(feed) == []
    for language in LANGUAGES:
        await choose_language(family_client, language)
        for visit_id in re.findall(
            r"/schedule/visits/(\d+)", await _html(family_client, "/schedule")
        ):
            response = await family_client.get(f"/schedule/visits/{visit_id}.ics")
            assert response.mimetype == "text/calendar"
            assert forbidden_in(await response.get_data(as_text=True)) == [], visit_id


@pytest.mark.parametrize("language", LANGUAGES)
async def test_no_family_page_title_names_the_illness(
    app: Quart, people: People, rows: Rows, family_client: Any, language: str
) -> None:
    """Hazard H23: the title of every page a family can open (tabs, history and the app
    switcher show it), the emergency card's included; its body does name them."""
    await choose_language(family_client, language)
    values = {
        "child_id": people.child_id,
        "visit_id": rows.visit_id,
        "client_uuid": rows.report_uuid,
    }
    titles = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or set(rule.arguments) - set(values):
            continue
        built = rule.build({key: values[key] for key in rule.arguments})
        assert built is not None, rule.rule
        path = built[1]
        response = await family_client.get(path)
        if response.status_code == 200 and response.mimetype == "text/html":
            html = await response.get_data(as_text=True)
            match = re.search(r"<title>(.*?)</title>", html, re.S)
            assert match, path
            titles[path] = match.group(1)
    assert {"/", "/card", f"/card/{people.child_id}", "/diary", "/schedule"} <= set(titles)
    assert {
        path: forbidden_in(title) for path, title in titles.items() if forbidden_in(title)
    } == {}
    card = await _html(family_client, "/card")
    assert forbidden_in(card.split("</title>", 1)[1]), "the card's body names the treatment"


async def _html(client: Any, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, path
    return str(await response.get_data(as_text=True))
