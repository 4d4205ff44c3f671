"""E-mail reminders: a caregiver whose phone shows no pushes (an iPhone without the app on
its Home Screen) can have the reminders before a visit, and the notice that a date
changed, by e-mail. A real SMTP server (aiosmtpd) on 127.0.0.1, a frozen clock; the texts
say when and link into the app, never who or why. And a family whose pushes stopped
arriving sees it on home and is offered e-mail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from quart import Quart

from pwa.db import Database
from pwa.notifications import planner
from pwa.notifications import store as notifications
from pwa.plans import store as plans
from tests.conftest import People, csrf_from, make_plan, sign_in, test_config
from tests.helpers.doses import choose_dose_times, dose, period_id, post_doses
from tests.helpers.mail_server import MailServer
from tests.helpers.push import run_sender, subscribe
from tests.helpers.push_service import PushService, Script
from tests.helpers.reports import post as post_report
from tests.helpers.reports import report

AMS = ZoneInfo("Europe/Amsterdam")
# What an e-mail to a family must never say: who, what is wrong, which medicine.
HEALTH_WORDS = (
    "Sam",
    "neuroblastoom",
    "neuroblastoma",
    "dinutuximab",
    "immunotherap",
    "GD2",
    "kanker",
    "cancer",
    "pijn",
    "pain",
    "koorts",
    "fever",
    "kuur",
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[MailServer]:
    server = MailServer(tmp_path / "relay").start()
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path: Path, relay: MailServer) -> dict[str, Any]:
    return test_config(tmp_path, **relay.settings())


async def save_reminders(client: Any, *, email: bool, push: bool = True) -> str:
    """Post the reminders page as a parent would; the page as shown afterwards."""
    page = await (await client.get("/settings/reminders")).get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "quiet_start": "21:30", "quiet_end": "08:00"}
    if push:
        form["reminders_enabled"] = "y"
    if email:
        form["email_reminders"] = "y"
    saved = await client.post("/settings/reminders", form=form)
    assert saved.status_code == 302
    shown: str = await (await client.get("/settings/reminders")).get_data(as_text=True)
    return shown


async def email_jobs(db: Database, status: str = "pending") -> list[Any]:
    return await db.fetch_all(
        "SELECT kind, recipient_id FROM notification_job WHERE channel = 'email' AND status = :s",
        {"s": status},
    )


async def test_a_parent_without_push_gets_the_stay_reminder_by_email_once(
    app: Quart, db: Database, people: People, relay: MailServer
) -> None:
    """Hazard H22: switched on, the reminder before a stay arrives by e-mail, once, saying
    when and linking into the app, with no name or health words."""
    client: Any = app.test_client()
    with time_machine.travel(at("2027-01-01T12:00"), tick=False):
        plan = await make_plan(db, people.child_id, date(2027, 1, 11))
        assert await email_jobs(db) == []  # off until the caregiver switches it on
        await sign_in(client, "parent@example.org")
        page = await save_reminders(client, email=True)
        assert "E-mail reminders" in page and "parent@example.org" in page
    # Switching it on planned the reminders of the visits to come, by e-mail too.
    assert {row["recipient_id"] for row in await email_jobs(db)} == {people.parent_id}
    visit = (await plans.select_visits(db, plan.id))[0]

    with time_machine.travel(at("2027-01-04T17:59"), tick=False):
        await run_sender(app, db)
    assert relay.received == []
    with time_machine.travel(at("2027-01-04T18:01"), tick=False):
        await run_sender(app, db)
        await run_sender(app, db)
    [mail] = relay.received
    assert mail.recipients == ["parent@example.org"]
    assert mail.message["Subject"] == "Herinnering van het ziekenhuis"
    text = mail.message.get_content()
    assert "Herinnering: je opname begint over 7 dagen, op maandag 11 januari om" in text
    assert f"https://localhost/schedule/visits/{visit.id}" in text
    assert "https://localhost/settings/reminders" in text
    for word in HEALTH_WORDS:
        assert word.lower() not in (text + mail.message["Subject"]).lower(), word


async def test_a_change_notice_by_email_waits_for_the_end_of_quiet_time(
    app: Quart, db: Database, people: People, relay: MailServer
) -> None:
    """Hazard H22: a date moved at 23:00 reaches the family by e-mail at 08:00."""
    client: Any = app.test_client()
    with time_machine.travel(at("2027-01-01T12:00"), tick=False):
        plan = await make_plan(db, people.child_id, date(2027, 1, 11))
        await sign_in(client, "parent@example.org")
        await save_reminders(client, email=True)
    visit = (await plans.select_visits(db, plan.id))[0]
    with time_machine.travel(at("2027-01-02T23:00"), tick=False):
        async with db.transaction() as tx:
            await planner.plan_visit(tx, visit.id, changed=True)
        await run_sender(app, db)
    with time_machine.travel(at("2027-01-03T07:59"), tick=False):
        await run_sender(app, db)
    assert relay.received == []
    with time_machine.travel(at("2027-01-03T08:01"), tick=False):
        await run_sender(app, db)
    [mail] = relay.received
    assert mail.message["Subject"] == "Een datum in je planning is gewijzigd"
    assert "Je planning is gewijzigd" in mail.message.get_content()


async def test_switching_email_off_cancels_only_the_emails(
    app: Quart, db: Database, people: People, relay: MailServer
) -> None:
    client: Any = app.test_client()
    with time_machine.travel(at("2027-01-01T12:00"), tick=False):
        await make_plan(db, people.child_id, date(2027, 1, 11))
        await sign_in(client, "parent@example.org")
        await save_reminders(client, email=True)
        assert await email_jobs(db)
        await save_reminders(client, email=False)
    assert await email_jobs(db) == []
    assert await email_jobs(db, "cancelled")
    pushes = await db.fetch_all(
        "SELECT 1 FROM notification_job WHERE channel = 'push' AND status = 'pending'"
    )
    assert pushes


async def test_a_dose_reminder_goes_by_email_at_the_dose_time_unless_the_dose_was_noted(
    app: Quart, db: Database, people: People, relay: MailServer
) -> None:
    """A caregiver with dose reminders and e-mail on and no working push gets the 08:00
    dose reminder by e-mail at 08:00, once, naming no medicine; the 20:00 one is not sent
    because the other parent noted that dose early (it could be given twice)."""
    with time_machine.travel(at("2027-01-01T12:00"), tick=False):
        await make_plan(db, people.child_id, date(2027, 1, 11))
    period = await period_id(db, people.child_id)
    row = await db.fetch_one("SELECT first_date FROM medication_period WHERE id = ?", (period,))
    assert row is not None
    day = date.fromisoformat(row["first_date"])
    async with db.transaction() as tx:
        await choose_dose_times(tx, people.child_id, people.parent_id, time(8), time(20))
        await notifications.save_preference(
            tx,
            people.parent_id,
            notifications.Preference(
                reminders_enabled=False, dose_reminders=True, email_reminders=True
            ),
        )
    morning = datetime.combine(day, time(7, 59), AMS)
    with time_machine.travel(morning, tick=False):
        await run_sender(app, db)  # plans the day's dose reminders
    assert relay.received == []
    medication = {row["kind"] for row in await email_jobs(db)} - {"checkin"}
    assert medication == {"medication:08:00", "medication:20:00"}
    with time_machine.travel(morning + timedelta(minutes=2), tick=False):
        await run_sender(app, db)
        await run_sender(app, db)
    [mail] = relay.received
    assert mail.recipients == ["parent@example.org"]
    assert mail.message["Subject"] == "Herinnering van het ziekenhuis"
    text = mail.message.get_content()
    assert "Tijd voor een dosis thuis" in text and "https://localhost/#doses" in text
    for word in (*HEALTH_WORDS, "isotretinoïne", "isotretinoin"):
        assert word.lower() not in (text + mail.message["Subject"]).lower(), word

    client: Any = app.test_client()
    with time_machine.travel(datetime.combine(day, time(19), AMS), tick=False):
        await sign_in(client, "parent@example.org")
        noted = await post_doses(client, dose(people.child_id, period, day, "20:00"))
        assert noted.status_code == 200
    with time_machine.travel(datetime.combine(day, time(20, 1), AMS), tick=False):
        await run_sender(app, db)
    assert [mail.message["Subject"] for mail in relay.received].count(
        "Herinnering van het ziekenhuis"
    ) == 1
    evening = await db.fetch_one(
        "SELECT status FROM notification_job WHERE channel = 'email' AND kind = ? AND medication_day = ?",
        ("medication:20:00", day.isoformat()),
    )
    assert evening is not None and evening["status"] == "cancelled"


async def test_a_check_in_reminder_goes_by_email_once_at_the_chosen_time_unless_someone_reported(
    app: Quart, db: Database, people: People, relay: MailServer
) -> None:
    """Hazard H26: on a check-in day without a report, one gentle e-mail at the family's
    chosen time (19:00), through the real relay, naming nothing; the next check-in day a
    report sent before 19:00 means no e-mail."""
    with time_machine.travel(at("2027-01-01T12:00"), tick=False):
        await make_plan(db, people.child_id, date(2027, 1, 11))
    row = await db.fetch_one("SELECT first_date FROM medication_period")
    assert row is not None
    day = date.fromisoformat(row["first_date"])  # isotretinoin: a check-in day (example rule)
    async with db.transaction() as tx:
        await notifications.save_preference(
            tx,
            people.parent_id,
            notifications.Preference(reminders_enabled=False, email_reminders=True),
        )
    for minute in ("18:59", "19:01", "19:02", "23:00"):
        with time_machine.travel(datetime.combine(day, time.fromisoformat(minute), AMS)):
            await run_sender(app, db)
        assert len(relay.received) == (0 if minute == "18:59" else 1), minute
    [mail] = relay.received
    assert mail.recipients == ["parent@example.org"]
    assert mail.message["Subject"] == "Even checken voor vandaag?"
    text = mail.message.get_content()
    assert "laat het zorgteam weten hoe het gaat" in text
    assert "https://localhost/diary/new" in text
    for word in (*HEALTH_WORDS, "isotretinoïne", "isotretinoin"):
        assert word.lower() not in (text + mail.message["Subject"]).lower(), word

    next_day = day + timedelta(days=1)
    client: Any = app.test_client()
    with time_machine.travel(datetime.combine(next_day, time(18), AMS), tick=False):
        await run_sender(app, db)
        await sign_in(client, "parent@example.org")
        sent = await post_report(client, report(people.child_id))
        assert sent.status_code == 200
    with time_machine.travel(datetime.combine(next_day, time(19, 1), AMS), tick=False):
        await run_sender(app, db)
    assert len(relay.received) == 1


async def test_without_a_relay_no_email_is_offered_and_the_choice_is_kept(
    app: Quart, db: Database, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relay taken away (the settings changed): the page hides the choice, and saving
    the page does not throw away the choice made while there was one."""
    client: Any = app.test_client()
    await sign_in(client, "parent@example.org")
    await save_reminders(client, email=True)
    monkeypatch.setitem(app.extensions, "mail", None)
    page = await save_reminders(client, email=False)
    assert "E-mail reminders" not in page and 'name="email_reminders"' not in page
    row = await db.fetch_one(
        "SELECT email_reminders FROM notification_preference WHERE account_id = :id",
        {"id": people.parent_id},
    )
    assert row is not None and row["email_reminders"] == 1


async def test_a_phone_whose_pushes_stopped_arriving_is_shown_on_home_with_email_offered(
    app: Quart, db: Database, people: People, push_service: PushService, relay: MailServer
) -> None:
    """Hazard H22: a phone whose push service gave up is noticed on home, with e-mail offered."""
    client: Any = app.test_client()
    await sign_in(client, "parent@example.org")
    phone = push_service.new_device("parent")
    await subscribe(db, app, people.parent_id, phone)
    home = await (await client.get("/")).get_data(as_text=True)
    assert "Reminders are not reaching your phone" not in home  # not tried yet: hope

    # The phone's push service says the subscription is gone (an iPhone dropped it).
    push_service.script(phone, Script(410))
    async with db.transaction() as tx:
        await planner.plan_test(tx, people.parent_id, "check")
    await run_sender(app, db)
    assert await db.fetch_all("SELECT 1 FROM push_subscription") == []
    home = await (await client.get("/")).get_data(as_text=True)
    assert "Reminders are not reaching your phone" in home
    assert 'href="/settings/reminders#email-reminders"' in home
    assert "Get reminders by e-mail instead" in home
    page = await (await client.get("/settings/reminders")).get_data(as_text=True)
    assert "The last reminders could not be delivered to your phone" in page

    # Once e-mail is on, home stops asking.
    await save_reminders(client, email=True)
    home = await (await client.get("/")).get_data(as_text=True)
    assert "Reminders are not reaching your phone" not in home
