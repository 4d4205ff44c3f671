"""A red report nobody takes up is not left alone: at its target every nurse's phone is
alerted and the ward's inbox e-mailed, once; later the admins are told. Frozen clock, a
real SMTP server (aiosmtpd) and the test push service, which decrypts what arrives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from quart import Quart

from pwa.app import create_app
from pwa.db import Database
from pwa.hospital import HospitalSettings, hospital_settings, save_hospital_settings
from tests.conftest import People, csrf_from, sign_in, test_config
from tests.helpers.mail_server import MailServer
from tests.helpers.messages import message, post_messages
from tests.helpers.push import run_sender, subscribe
from tests.helpers.push_service import PushService
from tests.helpers.reports import add_report

AMS = ZoneInfo("Europe/Amsterdam")
WARD = "afdeling-b@hospital.example"
# The test accounts chose no language: the hospital's, Dutch.
ESCALATED = (
    "Een rood bericht wacht langer dan de streeftijd — open de lijst van de verpleegkundigen."
)
ESCALATED_ADMIN = (
    "Een rood bericht is nog steeds niet opgepakt — open de lijst van de verpleegkundigen."
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026 on the ward's clock (1 December is a Tuesday)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=AMS)


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[MailServer]:
    server = MailServer(tmp_path / "relay").start()
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path: Path, relay: MailServer) -> dict[str, Any]:
    return test_config(tmp_path, **relay.settings())


async def set_ward(db: Database, **changes: str) -> None:
    settings = HospitalSettings(
        **{**vars(await hospital_settings(db)), "ward_email": WARD, **changes}
    )
    async with db.transaction() as tx:
        await save_hospital_settings(tx, settings)


async def phones(app: Quart, db: Database, people: People, push_service: PushService) -> Any:
    nurse, admin = push_service.new_device("nurse"), push_service.new_device("admin")
    await subscribe(db, app, people.nurse_id, nurse)
    await subscribe(db, app, people.admin_id, admin)
    return nurse, admin


def bodies(push_service: PushService, device: Any) -> list[str]:
    return [delivery.notification["body"] for delivery in push_service.for_device(device)]


async def test_an_unclaimed_red_report_is_escalated_once_to_the_ward_then_the_admins(
    app: Quart,
    db: Database,
    people: People,
    push_service: PushService,
    relay: MailServer,
    config: dict[str, Any],
) -> None:
    """Hazard H20: at the target the nurses and the ward's inbox, later the admins, once each."""
    await set_ward(db)
    nurse, admin = await phones(app, db, people, push_service)
    with time_machine.travel(at(1, 10), tick=False):
        uid = await add_report(db, people, {"pain": 8})
    with time_machine.travel(at(1, 10, 29), tick=False):
        await run_sender(app, db)
    assert relay.received == [] and ESCALATED not in bodies(push_service, nurse)

    with time_machine.travel(at(1, 10, 31), tick=False):
        await run_sender(app, db)
        await run_sender(app, db)  # a second run (or sender) plans nothing more
    [ward_mail] = relay.received
    assert ward_mail.recipients == [WARD]
    assert ward_mail.message["Subject"] == "Een rood bericht wacht op een verpleegkundige"
    text = ward_mail.message.get_content()
    assert "https://localhost/nurse/queue" in text and "Sam" not in text
    assert bodies(push_service, nurse) == [ESCALATED]
    assert bodies(push_service, admin) == []

    # A restart (a new process on the same database) does not tell anyone twice.
    again = create_app(config)
    async with again.test_app():
        with time_machine.travel(at(1, 10, 40), tick=False):
            await run_sender(again, again.extensions["db"])
    assert len(relay.received) == 1 and bodies(push_service, nurse) == [ESCALATED]

    with time_machine.travel(at(1, 11, 1), tick=False):
        await run_sender(app, db)
    assert [m.recipients for m in relay.received] == [[WARD], ["admin@example.org"]]
    assert relay.received[1].message["Subject"] == "Een rood bericht is nog steeds niet opgepakt"
    assert bodies(push_service, admin) == [ESCALATED_ADMIN]
    assert bodies(push_service, nurse) == [ESCALATED]

    audit = await db.fetch_all(
        "SELECT action, child_id, detail FROM audit_log WHERE action LIKE 'report.escalated%' ORDER BY id"
    )
    assert [(row["action"], row["child_id"]) for row in audit] == [
        ("report.escalated", people.child_id),
        ("report.escalated_to_admins", people.child_id),
    ]
    assert WARD in audit[0]["detail"]

    # The report's page says who was told.
    client: Any = app.test_client()
    with time_machine.travel(at(1, 11, 5), tick=False):
        await sign_in(client, "nurse@example.org", staff=True)
        page = await (await client.get(f"/nurse/reports/{uid}")).get_data(as_text=True)
    assert "Escalated: nobody took this report up by its target" in page
    assert "the ward&#39;s inbox, by e-mail" in page or "the ward's inbox, by e-mail" in page
    assert "Nurse, on their phone" in page and "Admin, by e-mail" in page


async def test_a_red_report_taken_up_in_time_is_not_escalated(
    app: Quart, db: Database, people: People, push_service: PushService, relay: MailServer
) -> None:
    """Hazard H20: a claim before the target stops every escalation."""
    await set_ward(db)
    nurse, _ = await phones(app, db, people, push_service)
    client: Any = app.test_client()
    with time_machine.travel(at(1, 10), tick=False):
        uid = await add_report(db, people, {"pain": 8})
    with time_machine.travel(at(1, 10, 20), tick=False):
        await sign_in(client, "nurse@example.org", staff=True)
        page = await (await client.get(f"/nurse/reports/{uid}")).get_data(as_text=True)
        claimed = await client.post(
            f"/nurse/reports/{uid}/claim", form={"csrf_token": csrf_from(page)}
        )
        assert claimed.status_code in (302, 303)
    for moment in (at(1, 10, 31), at(1, 11, 5), at(1, 13)):
        with time_machine.travel(moment, tick=False):
            await run_sender(app, db)
    assert relay.received == [] and ESCALATED not in bodies(push_service, nurse)


async def test_nothing_escalates_outside_staffed_hours_unless_the_hospital_says_so(
    app: Quart, db: Database, people: People, push_service: PushService, relay: MailServer
) -> None:
    """Hazard H20: a red report at night escalates after the next opening's target."""
    await set_ward(db)
    nurse, _ = await phones(app, db, people, push_service)
    with time_machine.travel(at(3, 23, 30), tick=False):  # Thursday night
        await add_report(db, people, {"pain": 8})
    for moment in (at(4, 0, 15), at(4, 3), at(4, 8, 20)):
        with time_machine.travel(moment, tick=False):
            await run_sender(app, db)
    assert relay.received == []
    # Due 30 minutes after Friday's opening at 08:00.
    with time_machine.travel(at(4, 8, 31), tick=False):
        await run_sender(app, db)
    assert [m.recipients for m in relay.received] == [[WARD]]
    assert bodies(push_service, nurse) == [ESCALATED]


async def test_a_ward_that_watches_at_night_escalates_at_night(
    app: Quart, db: Database, people: People, push_service: PushService, relay: MailServer
) -> None:
    await set_ward(db, escalate_out_of_hours="yes")
    with time_machine.travel(at(3, 23, 30), tick=False):
        await add_report(db, people, {"pain": 8})
    # Counted from arrival: someone watches at night.
    with time_machine.travel(at(3, 23, 59), tick=False):
        await run_sender(app, db)
    assert relay.received == []
    with time_machine.travel(at(4, 0, 1), tick=False):
        await run_sender(app, db)
    assert [m.recipients for m in relay.received] == [[WARD]]


async def test_a_relay_that_says_later_is_tried_again_and_sends_once(
    app: Quart, db: Database, people: People, push_service: PushService, relay: MailServer
) -> None:
    await set_ward(db)
    relay.handler.answers.append("451 4.3.0 Try again later")
    with time_machine.travel(at(1, 10), tick=False):
        await add_report(db, people, {"pain": 8})
    with time_machine.travel(at(1, 10, 31), tick=False):
        summary = await run_sender(app, db)
    assert summary.retried == 1 and relay.received == []
    [job] = await db.fetch_all(
        "SELECT status, attempts, last_status FROM notification_job WHERE channel = 'email'"
    )
    assert (job["status"], job["attempts"], job["last_status"]) == ("pending", 1, 451)
    with time_machine.travel(at(1, 10, 45), tick=False):
        await run_sender(app, db)
        await run_sender(app, db)
    assert [m.recipients for m in relay.received] == [[WARD]]
    [job] = await db.fetch_all(
        "SELECT status, last_status FROM notification_job WHERE channel = 'email'"
    )
    assert (job["status"], job["last_status"]) == ("sent", 250)


URGENT_ESCALATED = "Een dringend bericht wacht langer dan de streeftijd — open de berichten."
URGENT_ESCALATED_ADMIN = "Een dringend bericht is nog steeds niet gelezen — open de berichten."


async def test_an_urgent_message_nobody_reads_is_escalated_once_then_to_the_admins(
    app: Quart,
    db: Database,
    people: People,
    push_service: PushService,
    relay: MailServer,
) -> None:
    """Hazard H21: a message marked urgent has the red target; unread by then, the
    nurses' phones and the ward's inbox are told once, the admins later."""
    await set_ward(db)
    nurse, admin = await phones(app, db, people, push_service)
    family_client: Any = app.test_client()
    with time_machine.travel(at(1, 10), tick=False):
        await sign_in(family_client, "parent@example.org")
        answer = await post_messages(
            family_client, message(people.child_id, body="Her line site is red", urgent=True)
        )
        assert answer.status_code == 200
        # An ordinary message at the same time is never escalated.
        await post_messages(family_client, message(people.child_id, body="A question"))
    with time_machine.travel(at(1, 10, 29), tick=False):
        await run_sender(app, db)
    assert relay.received == []
    with time_machine.travel(at(1, 10, 31), tick=False):
        await run_sender(app, db)
        await run_sender(app, db)
    [ward_mail] = relay.received
    assert ward_mail.recipients == [WARD]
    assert ward_mail.message["Subject"] == "Een dringend bericht wacht op een verpleegkundige"
    text = ward_mail.message.get_content()
    assert f"https://localhost/nurse/messages/{people.child_id}" in text
    assert "line site" not in text and "Sam" not in text
    # Besides the push that a new message is waiting, one escalation.
    assert bodies(push_service, nurse).count(URGENT_ESCALATED) == 1
    [delivery] = [
        d for d in push_service.for_device(nurse) if d.notification["body"] == URGENT_ESCALATED
    ]
    assert (
        delivery.notification["navigate"] == f"https://localhost/nurse/messages/{people.child_id}"
    )

    with time_machine.travel(at(1, 11, 1), tick=False):
        await run_sender(app, db)
    assert [m.recipients for m in relay.received] == [[WARD], ["admin@example.org"]]
    assert relay.received[1].message["Subject"] == "Een dringend bericht is nog steeds niet gelezen"
    assert URGENT_ESCALATED_ADMIN in bodies(push_service, admin)
    assert bodies(push_service, nurse).count(URGENT_ESCALATED) == 1
    audit = await db.fetch_all(
        "SELECT action, child_id, detail FROM audit_log WHERE action LIKE 'message.escalated%' ORDER BY id"
    )
    assert [(row["action"], row["child_id"]) for row in audit] == [
        ("message.escalated", people.child_id),
        ("message.escalated_to_admins", people.child_id),
    ]
    assert "urgent message" in audit[0]["detail"] and "line site" not in audit[0]["detail"]

    # The conversation's page says who was told.
    client: Any = app.test_client()
    with time_machine.travel(at(1, 11, 5), tick=False):
        await sign_in(client, "nurse@example.org", staff=True)
        page = await (await client.get(f"/nurse/messages/{people.child_id}")).get_data(as_text=True)
    assert "Escalated: nobody read an urgent message by its target" in page
    assert "Nurse, on their phone" in page and "Admin, by e-mail" in page


async def test_an_urgent_message_read_in_time_is_not_escalated(
    app: Quart,
    db: Database,
    people: People,
    push_service: PushService,
    relay: MailServer,
) -> None:
    """Hazard H21: a nurse who opens the conversation before the target stops it; a
    pending escalation whose message was read meanwhile is not sent."""
    await set_ward(db)
    nurse, _ = await phones(app, db, people, push_service)
    family_client: Any = app.test_client()
    nurse_client: Any = app.test_client()
    with time_machine.travel(at(1, 10), tick=False):
        await sign_in(family_client, "parent@example.org")
        await post_messages(family_client, message(people.child_id, urgent=True))
    with time_machine.travel(at(1, 10, 20), tick=False):
        await sign_in(nurse_client, "nurse@example.org", staff=True)
        opened = await nurse_client.get(f"/nurse/messages/{people.child_id}")
        assert opened.status_code == 200
    for moment in (at(1, 10, 31), at(1, 11, 5), at(1, 13)):
        with time_machine.travel(moment, tick=False):
            await run_sender(app, db)
    assert relay.received == [] and URGENT_ESCALATED not in bodies(push_service, nurse)
