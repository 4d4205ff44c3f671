"""Which number the advice and the "when to call us" card give first: the hospital's
staffed hours at that moment (pwa/hospital.py staffed_at), 112 first for a life-threatening
sign, one reason per question, and an earlier report that no longer shouts."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from quart import Quart

from pwa.db import Database, now_text
from pwa.hospital import HospitalSettings, staffed_at
from tests.conftest import People, csrf_from, sign_in

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
THURSDAY_NIGHT = datetime(2026, 11, 26, 23, 30, tzinfo=AMSTERDAM)
SATURDAY_MORNING = datetime(2026, 11, 28, 10, 0, tzinfo=AMSTERDAM)
TUESDAY_MORNING = datetime(2026, 12, 1, 10, 0, tzinfo=AMSTERDAM)
DAYTIME = "tel:+31300000000"
OUT_OF_HOURS = "tel:+31300000001"
CASES = json.loads((Path(__file__).parent / "staffed_cases.json").read_text(encoding="utf-8"))[
    "cases"
]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class VisibleCallLinks(HTMLParser):
    """The tel: links a reader sees, in page order, inside the first element with `within`."""

    def __init__(self, within: str) -> None:
        super().__init__()
        self.within = within
        self.stack: list[tuple[bool, bool]] = []  # (hidden here or above, inside `within`)
        self.links: list[dict[str, str]] = []
        self.current: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        hidden, inside = self.stack[-1] if self.stack else (False, False)
        hidden = hidden or "hidden" in names
        inside = inside or self.within in names
        if tag == "a" and inside and not hidden and (names.get("href") or "").startswith("tel:"):
            self.current = {
                "href": names["href"] or "",
                "class": names.get("class") or "",
                "text": "",
            }
            self.links.append(self.current)
        if tag not in VOID:
            self.stack.append((hidden, inside))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()
        if tag == "a":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.current["text"] += data


def call_links(html: str, within: str) -> list[dict[str, str]]:
    parser = VisibleCallLinks(within)
    parser.feed(html)
    return parser.links


def hrefs(html: str, within: str = "data-advice") -> list[str]:
    return [link["href"] for link in call_links(html, within)]


async def text(client: Any, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, path
    return str(await response.get_data(as_text=True))


def field_value(html: str, name: str) -> str:
    match = re.search(rf'<input [^>]*name="{name}"[^>]* value="([^"]*)"', html)
    assert match, name
    return match.group(1)


async def report_without_javascript(app: Quart, answers: dict[str, str]) -> tuple[str, str]:
    """Sign in, post the report form as a browser without JavaScript does; the page shown."""
    client: Any = app.test_client()
    await sign_in(client, "parent@example.org")
    form_page = await text(client, "/diary/new")
    form = {
        "csrf_token": csrf_from(form_page),
        "client_uuid": field_value(form_page, "client_uuid"),
        "corrects": "",
        "observed_date": field_value(form_page, "observed_date"),
        "observed_time": field_value(form_page, "observed_time"),
        **answers,
    }
    response = await client.post("/diary/new", form=form)
    assert response.status_code == 302, await response.get_data(as_text=True)
    assert response.location.endswith("?saved=1")
    return response.location, await text(client, response.location)


# --- the rule itself ---------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["local"] for case in CASES])
def test_staffed_hours_at_each_moment(case: dict[str, Any]) -> None:
    """Hazard H2: weekdays, weekend, 08:00 and 17:00 exactly, both DST changes."""
    moment = datetime.fromisoformat(case["at"].replace("Z", "+00:00"))
    assert staffed_at(HospitalSettings(), moment) is case["staffed"]


def test_staffed_hours_follow_the_hospital_settings() -> None:
    """Hazard H2: a ward staffed Monday to Saturday until 20:00 is staffed on Saturday at 19:00."""
    longer = HospitalSettings(staffed_days="1-6", staffed_until="20:00")
    saturday_evening = datetime(2026, 11, 28, 19, 0, tzinfo=AMSTERDAM)
    assert staffed_at(longer, saturday_evening)
    assert not staffed_at(HospitalSettings(), saturday_evening)


# --- the advice after a plain form post -----------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "first"),
    [(THURSDAY_NIGHT, OUT_OF_HOURS), (SATURDAY_MORNING, OUT_OF_HOURS), (TUESDAY_MORNING, DAYTIME)],
    ids=["thursday 23:30", "saturday 10:00", "tuesday 10:00"],
)
async def test_red_advice_without_javascript_dials_the_number_for_that_moment(
    app: Quart, people: People, moment: datetime, first: str
) -> None:
    """Hazard H2: the red screen's big button dials the out-of-hours number outside staffed hours."""
    with time_machine.travel(moment, tick=False):
        _, page = await report_without_javascript(app, {"pain": "8"})
    links = call_links(page, "data-advice")
    assert [link["href"] for link in links] == [
        first,
        DAYTIME if first == OUT_OF_HOURS else OUT_OF_HOURS,
    ]
    assert "button--huge" in links[0]["class"]
    assert "button--huge" not in links[1]["class"]
    assert "Call the hospital now" in page
    staffed_text = "The ward is staffed now."
    assert (staffed_text in page) is (first == DAYTIME)


@pytest.mark.parametrize(
    ("moment", "first"),
    [(THURSDAY_NIGHT, OUT_OF_HOURS), (TUESDAY_MORNING, DAYTIME)],
    ids=["thursday 23:30", "tuesday 10:00"],
)
async def test_amber_advice_without_javascript_dials_the_number_for_that_moment(
    app: Quart, people: People, moment: datetime, first: str
) -> None:
    """Hazard H2: amber advice gives the number that answers at that moment first."""
    with time_machine.travel(moment, tick=False):
        _, page = await report_without_javascript(app, {"pain": "5"})
    assert "Tell the team today" in page
    assert hrefs(page)[0] == first
    assert len(hrefs(page)) == 2


@pytest.mark.parametrize(
    ("moment", "hospital"),
    [(THURSDAY_NIGHT, OUT_OF_HOURS), (TUESDAY_MORNING, DAYTIME)],
    ids=["thursday 23:30", "tuesday 10:00"],
)
async def test_a_life_threatening_sign_puts_112_first_without_javascript(
    app: Quart, people: People, moment: datetime, hospital: str
) -> None:
    """Hazard H3: trouble breathing: "Call 112" is the first, big button, then the hospital."""
    with time_machine.travel(moment, tick=False):
        _, page = await report_without_javascript(app, {"breathing": "hard"})
    links = call_links(page, "data-advice")
    assert [link["href"] for link in links][:2] == ["tel:112", hospital]
    assert links[0]["text"].strip() == "Call 112"
    assert "button--huge" in links[0]["class"]
    assert "Call 112 now" in page
    assert "Call the hospital now" not in page


async def test_a_red_sign_that_is_not_life_threatening_keeps_the_hospital_first(
    app: Quart, people: People
) -> None:
    """Hazard H3: only signs marked as emergencies put 112 first; pain 8 calls the hospital."""
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        _, page = await report_without_javascript(app, {"pain": "8"})
    assert "tel:112" not in hrefs(page)
    assert "In a life-threatening emergency, call 112." in page


async def test_red_advice_lists_the_strongest_reason_per_question(
    app: Quart, people: People
) -> None:
    """Hazard H17: a fever of 39 and pain of 8 give one reason each, not four."""
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        _, page = await report_without_javascript(app, {"temperature": "39", "pain": "8"})
    reasons = re.search(r'<ul class="advice-reasons"[^>]*>(.*?)</ul>', page, re.S)
    assert reasons
    items = [item.strip() for item in re.findall(r"<li>(.*?)</li>", reasons.group(1))]
    assert items == ["Temperature of 38.5 °C or higher", "Pain of 7 or more"]


# --- the "when to call us" card -------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "first", "sentence"),
    [
        (THURSDAY_NIGHT, OUT_OF_HOURS, "Right now it is outside staffed hours"),
        (SATURDAY_MORNING, OUT_OF_HOURS, "Right now it is outside staffed hours"),
        (TUESDAY_MORNING, DAYTIME, "Right now the ward is staffed"),
    ],
    ids=["thursday 23:30", "saturday 10:00", "tuesday 10:00"],
)
async def test_the_call_card_says_which_number_applies_now(
    app: Quart, moment: datetime, first: str, sentence: str
) -> None:
    """Hazard H2: the card's first number is the one that answers now; both stay listed."""
    with time_machine.travel(moment, tick=False):
        page = await text(app.test_client(), "/call")
    links = hrefs(page, "data-staffed-days")
    assert links[0] == first
    assert "button--huge" in call_links(page, "data-staffed-days")[0]["class"]
    assert set(links[1:]) == {DAYTIME, OUT_OF_HOURS}
    visible_now = re.findall(r'<div class="call-now" data-call-when="\w+" >', page)
    assert len(visible_now) == 1
    assert sentence in page


# --- an earlier report -----------------------------------------------------------------------


async def test_an_earlier_red_report_shows_a_tag_and_the_reply_first(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H11: opened later, a red report no longer shouts "call now"; the reply comes first."""
    with time_machine.travel(THURSDAY_NIGHT, tick=False):
        location, saved_page = await report_without_javascript(app, {"pain": "8"})
    assert "Call the hospital now" in saved_page
    client_uuid = location.split("/")[-1].split("?")[0]
    async with db.transaction() as connection:
        await connection.execute(
            "INSERT INTO report_reply (report_id, nurse_id, body, created_at)"
            " SELECT id, :nurse, :body, :now FROM report WHERE client_uuid = :uuid",
            {
                "nurse": people.nurse_id,
                "body": "Please give paracetamol",
                "now": now_text(),
                "uuid": client_uuid,
            },
        )
    client: Any = app.test_client()
    await sign_in(client, "parent@example.org")
    page = await text(client, f"/diary/{client_uuid}")
    assert "Call the hospital now" not in page
    assert 'role="alertdialog"' not in page
    assert hrefs(page) == []
    assert '<span class="tag tag--red">Red: advised to call</span>' in page
    assert "Why: Pain of 7 or more" in page
    assert page.index("Please give paracetamol") < page.index("Pain</dt>")
    assert 'href="/call"' in page.split("<main", 1)[1]
    history = (await text(client, "/diary")).split('class="report-list"', 1)[1]
    assert "Red: advised to call" in history
    assert "Call now" not in history
