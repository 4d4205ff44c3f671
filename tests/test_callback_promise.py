"""The ward's promise after an amber or red report: the advice says what happens next and
when, from the hospital's targets and staffed hours, and the family's home shows it until
a nurse acts (takes the report up, then reviews it). Frozen clock; Dutch and English."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from quart import Quart

from pwa.db import Database
from pwa.diary import sync
from pwa.hospital import HospitalSettings, review_deadline
from tests.conftest import People, choose_language, csrf_from, sign_in
from tests.helpers.pages import plain

AMS = ZoneInfo("Europe/Amsterdam")
TUESDAY_MORNING = datetime(2026, 12, 1, 10, 0, tzinfo=AMS)
TUESDAY_EARLY = datetime(2026, 12, 1, 7, 0, tzinfo=AMS)
THURSDAY_NIGHT = datetime(2026, 12, 3, 23, 30, tzinfo=AMS)
SATURDAY_MORNING = datetime(2026, 12, 5, 10, 0, tzinfo=AMS)


# --- the targets --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (TUESDAY_MORNING, datetime(2026, 12, 1, 10, 30, tzinfo=AMS)),
        # Before opening, at night, at the weekend: from the next opening, 08:00.
        (TUESDAY_EARLY, datetime(2026, 12, 1, 8, 30, tzinfo=AMS)),
        (THURSDAY_NIGHT, datetime(2026, 12, 4, 8, 30, tzinfo=AMS)),
        (SATURDAY_MORNING, datetime(2026, 12, 7, 8, 30, tzinfo=AMS)),
    ],
    ids=["tuesday 10:00", "tuesday 07:00", "thursday 23:30", "saturday 10:00"],
)
def test_a_red_report_is_due_its_target_after_the_ward_can_read_it(
    received: datetime, due: datetime
) -> None:
    assert review_deadline("red", received, HospitalSettings()) == due


# --- the advice -------------------------------------------------------------------------


async def post_report(app: Quart, answers: dict[str, str], language: str = "en") -> str:
    """The report form posted as a browser without scripts does; the advice page shown."""
    client: Any = app.test_client()
    await sign_in(client, "parent@example.org")
    await choose_language(client, language)
    form_page = await (await client.get("/diary/new")).get_data(as_text=True)

    def value(name: str) -> str:
        match = re.search(rf'<input [^>]*name="{name}"[^>]* value="([^"]*)"', form_page)
        assert match, name
        return match.group(1)

    form = {
        "csrf_token": csrf_from(form_page),
        "client_uuid": value("client_uuid"),
        "corrects": "",
        "observed_date": value("observed_date"),
        "observed_time": value("observed_time"),
        **answers,
    }
    response = await client.post("/diary/new", form=form)
    assert response.status_code == 302, await response.get_data(as_text=True)
    return str(await (await client.get(response.location)).get_data(as_text=True))


def visible_promise(page: str) -> str:
    """The promise a reader sees in the advice (the one not inside a hidden block)."""
    shown = [
        plain(text).strip()
        for hidden, text in re.findall(
            r'<div class="call-choice" data-call-when="\w+" ?(hidden)?>.*?'
            r'<p class="call-choice__promise" data-promise>(.*?)</p>',
            page,
            re.S,
        )
        if not hidden
    ]
    assert len(shown) == 1, shown
    return shown[0]


@pytest.mark.parametrize(
    ("moment", "language", "promise"),
    [
        (
            TUESDAY_MORNING,
            "en",
            "The ward sees your report too: a nurse reads it within 30 minutes and calls you back.",
        ),
        (
            TUESDAY_MORNING,
            "nl",
            "De afdeling ziet je bericht ook: een verpleegkundige leest het binnen 30 minuten en belt je terug.",
        ),
        (
            THURSDAY_NIGHT,
            "en",
            "Nobody reads reports in the app now (only Monday to Friday, 08:00-17:00). Call: do not wait for a reply.",
        ),
        (
            SATURDAY_MORNING,
            "nl",
            "Niemand leest nu berichten in de app (alleen maandag tot en met vrijdag, 08:00-17:00 uur). Bel: wacht niet op een antwoord.",
        ),
    ],
    ids=["tuesday 10:00 en", "tuesday 10:00 nl", "thursday 23:30 en", "saturday 10:00 nl"],
)
async def test_the_red_advice_says_what_the_ward_will_do_and_when(
    app: Quart, people: People, moment: datetime, language: str, promise: str
) -> None:
    """Hazard H19: the red advice says when a nurse reads it, or that nobody does now."""
    with time_machine.travel(moment, tick=False):
        page = await post_report(app, {"pain": "8"}, language)
    assert visible_promise(page) == promise


@pytest.mark.parametrize(
    ("moment", "promise"),
    [
        (
            TUESDAY_MORNING,
            "A nurse reads your report today, before 17:00, and calls you back if needed.",
        ),
        (
            THURSDAY_NIGHT,
            "Nobody reads reports in the app now (only Monday to Friday, 08:00-17:00). If it cannot wait, call the out-of-hours number.",
        ),
    ],
    ids=["tuesday 10:00", "thursday 23:30"],
)
async def test_the_amber_advice_says_what_the_ward_will_do_and_when(
    app: Quart, people: People, moment: datetime, promise: str
) -> None:
    with time_machine.travel(moment, tick=False):
        page = await post_report(app, {"pain": "5"})
    assert visible_promise(page) == promise


# --- the family's home ------------------------------------------------------------------


async def add_report(db: Database, people: People, items: dict[str, Any], **extra: Any) -> str:
    draft, _ = sync.parse(
        {
            "id": str(uuid.uuid4()),
            "child_id": people.child_id,
            "observed_at": datetime.now(AMS).isoformat(),
            "items": items,
            **extra,
        }
    )
    assert draft is not None
    result = await sync.store_draft(db, draft, people.parent_id)
    assert result.status == "stored"
    return draft.client_uuid


def waiting_card(page: str) -> dict[str, str] | None:
    """The waiting card's visible text, and which of its promises shows (staffed, closed)."""
    match = re.search(r'<section class="card card--waiting.*?</section>', page, re.S)
    if match is None:
        return None
    card = match.group(0)
    parts = dict(re.findall(r'<div data-call-when="(\w+)" ?(hidden)?>', card))
    shown = [when for when, hidden in parts.items() if not hidden]
    return {
        "text": re.sub(
            r"\s+([.?])", r"\1", re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card))
        ).strip(),
        "shown": ",".join(shown),
        "html": card,
    }


async def home(client: Any) -> str:
    response = await client.get("/")
    assert response.status_code == 200
    return str(await response.get_data(as_text=True))


async def nurse_post(client: Any, uid: str, action: str, **form: str) -> None:
    page = await (await client.get(f"/nurse/reports/{uid}")).get_data(as_text=True)
    path = f"/nurse/reports/{uid}" + (f"/{action}" if action else "")
    response = await client.post(path, form={"csrf_token": csrf_from(page), **form})
    assert response.status_code in (200, 302, 303), await response.get_data(as_text=True)


async def test_home_keeps_the_promise_of_a_red_report_until_a_nurse_acts(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H19: home shows the promise until a nurse takes the report up and reviews it."""
    family: Any = app.test_client()
    nurse: Any = app.test_client()
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        await sign_in(family, "parent@example.org")
        assert waiting_card(await home(family)) is None  # kept in the page cache now
        uid = await add_report(db, people, {"pain": 8})
        card = waiting_card(await home(family))
    assert card is not None
    assert card["shown"] == "staffed"
    assert "Your report is with the ward" in card["text"]
    assert "A nurse reads it within 30 minutes and calls you back." in card["text"]
    assert "Not heard from us by Tue 1 Dec, 10:30? Call +31 30 000 0000." in card["text"]
    assert f'href="/diary/{uid}"' in card["html"]
    assert 'href="tel:+31300000000"' in card["html"]

    # Late in the evening nobody reads the app: the card says so and gives the night number.
    with time_machine.travel(datetime(2026, 12, 1, 23, 30, tzinfo=AMS), tick=False):
        card = waiting_card(await home(family))
    assert card is not None and card["shown"] == "closed"
    assert 'href="tel:+31300000001"' in card["html"]

    # The next morning a nurse takes it up: the promise gives way to who has it.
    with time_machine.travel(datetime(2026, 12, 2, 8, 7, tzinfo=AMS), tick=False):
        await sign_in(nurse, "nurse@example.org", staff=True)
        await nurse_post(nurse, uid, "claim")
        card = waiting_card(await home(family))
        assert card is not None
        assert "Nurse took up your report at 08:07." in card["text"]
        assert card["shown"] == ""  # no promise once a nurse has it
        await nurse_post(nurse, uid, "", outcome="phoned", reply="We called you.")
        assert waiting_card(await home(family)) is None


async def test_home_promises_an_amber_report_by_closing_time_in_dutch(
    app: Quart, db: Database, people: People
) -> None:
    family: Any = app.test_client()
    friday_evening = datetime(2026, 12, 4, 19, 0, tzinfo=AMS)
    with time_machine.travel(friday_evening, tick=False):
        await sign_in(family, "parent@example.org")
        await choose_language(family, "nl")
        await add_report(db, people, {"pain": 5})
        card = waiting_card(await home(family))
    assert card is not None and card["shown"] == "closed"
    assert "Niemand leest nu berichten in de app" in card["text"]
    # Read on Monday morning, the staffed promise names Monday's closing time.
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=AMS), tick=False):
        card = waiting_card(await home(family))
    assert card is not None and card["shown"] == "staffed"
    assert "ma 7 dec, 17:00" in card["text"]


async def test_a_corrected_report_waits_as_its_correction_and_only_for_its_own_family(
    app: Quart, db: Database, people: People
) -> None:
    family: Any = app.test_client()
    other: Any = app.test_client()
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        await sign_in(family, "parent@example.org")
        await sign_in(other, "other@example.org")
        first = await add_report(db, people, {"pain": 8})
        await add_report(db, people, {"pain": 5}, corrects=first)
        card = waiting_card(await home(family))
        assert waiting_card(await home(other)) is None
    assert card is not None
    assert "Your report is with the ward" in card["text"]  # one report, not two
    assert f'href="/diary/{first}"' not in card["html"]
    assert "by Tue 1 Dec, 17:00" in card["text"]  # the correction is amber
