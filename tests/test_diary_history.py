"""The family's history: order and states, corrections both ways, trends as SVG + table."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pwa.clock import utcnow
from pwa.db import Database
from pwa.diary import store
from pwa.diary.charts import BOTTOM, LEFT, RIGHT, TOP, Scale, build_chart, day_window, value_range
from pwa.diary.trends import chosen_days, reference_lines
from pwa.redflags import store as redflag_store
from tests.conftest import People, csrf_from
from tests.helpers.pages import page_text
from tests.helpers.reports import send

SAME_ORIGIN = {"Origin": "https://localhost"}
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"


async def correct(client: Any, old_uuid: str, changes: dict[str, str]) -> Any:
    """Correct a report the way a browser without JavaScript does: load, change, post."""
    page = await page_text(client, f"/diary/new?corrects={old_uuid}")
    form = {
        "csrf_token": csrf_from(page),
        "client_uuid": field_value(page, "client_uuid"),
        "corrects": field_value(page, "corrects"),
        "observed_date": field_value(page, "observed_date"),
        "observed_time": field_value(page, "observed_time"),
        **changes,
    }
    assert form["corrects"] == old_uuid
    return await client.post("/diary/new", form=form)


def field_value(html: str, name: str) -> str:
    match = re.search(rf'<input [^>]*name="{name}"[^>]* value="([^"]*)"', html)
    assert match, name
    return match.group(1)


# --- the chart geometry --------------------------------------------------------------------

TODAY = date(2027, 1, 15)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=AMSTERDAM)


def test_an_empty_chart_has_axes_and_days_but_no_line() -> None:
    chart = build_chart([], last_day=TODAY, days=14, zone=AMSTERDAM, scale=Scale(low=0, high=10))
    assert chart.is_empty and chart.points == () and chart.path == ""
    assert chart.lowest is None and chart.highest is None
    assert (chart.low, chart.high) == (0, 10)
    assert [tick.value for tick in chart.value_ticks] == [0, 2, 4, 6, 8, 10]
    assert len(chart.day_ticks) == 14
    assert chart.day_ticks[0].day == date(2027, 1, 2) and chart.day_ticks[-1].day == TODAY
    assert chart.day_ticks[-1].labelled  # today always has its label
    assert sum(tick.labelled for tick in chart.day_ticks) <= 5


def test_a_single_reading_is_a_point_in_the_middle_of_its_own_range() -> None:
    chart = build_chart(
        [(at(TODAY, 12), 21.4)], last_day=TODAY, days=14, zone=AMSTERDAM, scale=Scale(min_span=1.0)
    )
    (point,) = chart.points
    assert chart.low < 21.4 < chart.high and chart.high - chart.low >= 1.0
    assert chart.path == f"M{point.x} {point.y}"  # nothing to join: the template draws the dot
    assert LEFT < point.x < RIGHT and TOP < point.y < BOTTOM
    # Noon of the last day sits half a day from the right edge.
    assert point.x == pytest.approx(RIGHT - (RIGHT - LEFT) / 28, abs=0.1)


def test_readings_are_placed_by_time_and_value_and_outside_ones_dropped() -> None:
    readings = [
        (at(TODAY, 8), 38.7),
        (at(TODAY - timedelta(days=3), 8), 36.9),
        (at(TODAY - timedelta(days=20), 8), 41.0),  # before the window
        (at(TODAY + timedelta(days=1), 8), 35.0),  # after it
    ]
    chart = build_chart(
        readings,
        last_day=TODAY,
        days=14,
        zone=AMSTERDAM,
        scale=Scale(min_span=2.0, default_low=36.0, default_high=39.0),
        references=[(38.0, "amber"), (38.5, "red")],
    )
    first, second = chart.points
    assert (first.value, second.value) == (36.9, 38.7)  # oldest first, whatever the input order
    assert first.x < second.x and second.y < first.y
    assert chart.path == f"M{first.x} {first.y} L{second.x} {second.y}"
    assert (chart.low, chart.high, chart.step) == (36.5, 39.0, 0.5)
    assert [(line.value, line.level) for line in chart.references] == [
        (38.0, "amber"),
        (38.5, "red"),
    ]
    red = chart.references[1]
    assert second.y < red.y  # 38.7 is drawn above the 38.5 line


def test_reference_lines_widen_the_range_so_they_always_show() -> None:
    low, high, _ = value_range([36.6, 36.8], Scale(min_span=2.0), extra=[38.5])
    assert low <= 36.6 and high >= 38.5


def test_a_day_with_a_clock_change_is_25_hours_wide() -> None:
    start, end = day_window(date(2026, 10, 25), 1, AMSTERDAM)  # summer time ends
    assert end - start == timedelta(hours=25)
    chart = build_chart(
        [], last_day=date(2026, 10, 26), days=2, zone=AMSTERDAM, scale=Scale(low=0, high=10)
    )
    first, second = chart.day_ticks
    assert second.x - first.x == pytest.approx((RIGHT - LEFT) * 25 / 49, abs=0.1)


def test_period_is_14_or_30_days_and_14_for_anything_else() -> None:
    assert [chosen_days(raw) for raw in ("14", "30", None, "", "7", "1000", "30x")] == [
        14,
        30,
        14,
        14,
        14,
        14,
        14,
    ]


async def test_threshold_lines_follow_the_rules(db: Database) -> None:
    rules = await redflag_store.select_rules(db)
    assert reference_lines(rules, "temperature") == [(36.0, "red"), (38.0, "amber"), (38.5, "red")]
    assert reference_lines(rules, "pain") == [(4.0, "amber"), (7.0, "red")]
    assert reference_lines(rules, "weight") == []


# --- the history list ----------------------------------------------------------------------


async def test_history_is_newest_first_with_level_and_state(
    family_client: Any, people: People
) -> None:
    middle = await send(family_client, people.child_id, {"pain": 2}, ago=timedelta(hours=2))
    oldest = await send(family_client, people.child_id, {"pain": 5}, ago=timedelta(hours=3))
    newest = await send(
        family_client, people.child_id, {"temperature": 38.7}, ago=timedelta(hours=1)
    )
    html = await page_text(family_client, "/diary")
    positions = [html.index(f'href="/diary/{report_id}"') for report_id in (newest, middle, oldest)]
    assert positions == sorted(positions)
    items = html.split('class="report-item"')[1:]
    assert "tag--red" in items[0] and "tag--green" in items[1] and "tag--amber" in items[2]
    assert "Temperature: 38.7 °C" in items[0] and "Pain: 5 / 10" in items[2]
    assert all(
        re.search(r"Sent \w{2,3},? \d{1,2} \w{3}( \d{4})?, \d\d:\d\d", item) for item in items
    )
    assert "data-outbox-summary" in html  # the waiting-to-send card stays for the outbox script


async def test_report_page_shows_its_state(family_client: Any, people: People) -> None:
    report_id = await send(family_client, people.child_id, {"pain": 1}, ago=timedelta(minutes=5))
    html = await page_text(family_client, f"/diary/{report_id}")
    assert 'class="report-state report-state--sent"' in html and "Sent " in html


async def test_history_shows_only_the_chosen_childs_reports(
    family_client: Any, app: Any, people: People
) -> None:
    other = app.test_client()
    from tests.conftest import sign_in

    await sign_in(other, "other@example.org")
    theirs = await send(
        other, people.other_child_id, {"pain": 9}, note="Robin's", ago=timedelta(hours=1)
    )
    ours = await send(family_client, people.child_id, {"pain": 1}, ago=timedelta(hours=1))
    html = await page_text(family_client, "/diary")
    assert ours in html and theirs not in html and "Robin" not in html


# --- corrections ---------------------------------------------------------------------------


async def test_correction_form_is_prefilled_with_the_old_answers(
    family_client: Any, db: Database, people: People
) -> None:
    old = await send(
        family_client,
        people.child_id,
        {"pain": 6, "pain_where": "legs", "temperature": 38.2},
        note="after the walk",
        ago=timedelta(hours=2),
    )
    html = await page_text(family_client, f"/diary/new?corrects={old}")
    assert re.search(r'<input checked id="pain-6" name="pain" type="radio" value="6">', html)
    assert re.search(
        r'<input checked id="pain_where-1" name="pain_where" type="radio" value="legs">', html
    )
    assert 'name="temperature" type="text" value="38.2"' in html
    assert re.search(r'name="note">\s*after the walk</textarea>', html)
    assert f'name="corrects" type="hidden" value="{old}"' in html
    report = await store.select_report(db, old)
    assert report is not None
    local = report.observed_at.astimezone(AMSTERDAM)
    assert f'value="{local:%Y-%m-%d}"' in html and f'value="{local:%H:%M}"' in html


async def test_a_correction_is_a_new_report_and_the_old_one_is_untouched(
    family_client: Any, db: Database, people: People
) -> None:
    old = await send(
        family_client, people.child_id, {"pain": 6, "temperature": 38.2}, ago=timedelta(hours=2)
    )
    before = await db.fetch_one("SELECT * FROM report WHERE client_uuid = ?", (old,))
    response = await correct(
        family_client, old, {"pain": "3", "temperature": "37.2", "note": "typo"}
    )
    assert response.status_code == 302
    new = response.location.split("/diary/", 1)[1].split("?", 1)[0]
    assert new != old
    after = await db.fetch_one("SELECT * FROM report WHERE client_uuid = ?", (old,))
    assert before is not None and after is not None and dict(after) == dict(before)
    row = await db.fetch_one(
        "SELECT report.items, report.level, corrected.client_uuid FROM report "
        "JOIN report AS corrected ON corrected.id = report.corrects_id "
        "WHERE report.client_uuid = ?",
        (new,),
    )
    assert row is not None and row[2] == old and row["level"] == "green"
    assert '"pain": 3' in row["items"] and '"temperature": 37.2' in row["items"]
    row_count = await db.fetch_one("SELECT COUNT(*) FROM report")
    assert row_count is not None and row_count[0] == 2

    # Both stay visible, each pointing at the other.
    history = await page_text(family_client, "/diary")
    assert history.count('class="report-item"') == 2
    assert f'href="/diary/{old}">Corrects the report of' in history
    assert f'href="/diary/{new}">Corrected by the report sent' in history
    old_page = await page_text(family_client, f"/diary/{old}")
    assert f'href="/diary/{new}">Corrected by the report sent' in old_page
    new_page = await page_text(family_client, f"/diary/{new}")
    assert f'href="/diary/{old}">Corrects the report of' in new_page

    # The trends use the corrected values only.
    trends = await page_text(family_client, "/diary?view=trends")
    assert "37.2 °C" in trends and "38.2 °C" not in trends


async def test_trends_plot_only_the_newest_correction_of_a_weight(
    family_client: Any, db: Database, people: People
) -> None:
    """Hazard H6: the family typed 26.1 kg, corrected it to 21.6 and later corrected the
    original once more to 21.7: the chart plots 21.7 only, never an older value."""
    typo = await send(family_client, people.child_id, {"weight": 26.1}, ago=timedelta(hours=3))
    first = await correct(family_client, typo, {"weight": "21.6"})
    assert first.status_code == 302
    trends = await page_text(family_client, "/diary?view=trends")
    assert "21.6 kg" in trends and "26.1 kg" not in trends
    second = await correct(family_client, typo, {"weight": "21.7"})
    assert second.status_code == 302
    trends = await page_text(family_client, "/diary?view=trends")
    assert "21.7 kg" in trends
    assert "21.6 kg" not in trends and "26.1 kg" not in trends


async def test_another_familys_report_cannot_be_read_or_corrected(
    family_client: Any, app: Any, db: Database, people: People
) -> None:
    from tests.conftest import sign_in

    other = app.test_client()
    await sign_in(other, "other@example.org")
    theirs = await send(other, people.other_child_id, {"pain": 2}, ago=timedelta(hours=1))
    assert (await family_client.get(f"/diary/{theirs}")).status_code == 404
    assert (await family_client.get(f"/diary/new?corrects={theirs}")).status_code == 404
    page = await page_text(family_client, "/diary/new")
    posted = await family_client.post(
        "/diary/new",
        form={
            "csrf_token": csrf_from(page),
            "corrects": theirs,
            "pain": "9",
            "observed_date": utcnow().astimezone(AMSTERDAM).date().isoformat(),
            "observed_time": "00:01",
        },
    )
    assert posted.status_code == 404
    count = await db.fetch_one("SELECT COUNT(*) FROM report")
    assert count is not None and count[0] == 1
    # A made-up id looks exactly the same.
    assert (await family_client.get(f"/diary/new?corrects={uuid.uuid4()}")).status_code == 404


async def test_stored_xss_in_a_note_is_inert_on_history_and_report(
    family_client: Any, people: People
) -> None:
    report_id = await send(
        family_client, people.child_id, {"pain": 2}, note=XSS, ago=timedelta(minutes=5)
    )
    for path in ("/diary", f"/diary/{report_id}"):
        html = await page_text(family_client, path)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "<script>alert" not in html and "<img src=x" not in html, path


# --- trends --------------------------------------------------------------------------------


async def test_trends_show_three_accessible_svg_charts_with_tables(
    family_client: Any, people: People
) -> None:
    await send(
        family_client,
        people.child_id,
        {"pain": 3, "temperature": 36.9, "weight": 21.4},
        ago=timedelta(days=2),
    )
    await send(
        family_client, people.child_id, {"pain": 5, "temperature": 38.7}, ago=timedelta(hours=3)
    )
    html = await page_text(family_client, "/diary?view=trends")
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", html, re.S)
    assert len(svgs) == 3
    for key, svg in zip(("pain", "temperature", "weight"), svgs, strict=True):
        assert 'role="img"' in svg and 'viewBox="0 0 320 190"' in svg
        assert (
            f'aria-labelledby="chart-{key}-title"' in svg
            and f'aria-describedby="chart-{key}-desc"' in svg
        )
        assert f'<title id="chart-{key}-title">' in svg and f'<desc id="chart-{key}-desc">' in svg
        assert "<script" not in svg and "style=" not in svg
    temperature = svgs[1]
    assert temperature.count('class="chart-point"') == 2 and 'class="chart-line"' in temperature
    assert 'class="chart-limit chart-limit--red"' in temperature and ">38.5</text>" in temperature
    assert 'class="chart-limit chart-limit--amber"' in temperature and ">38.0</text>" in temperature
    weight = svgs[2]
    assert weight.count('class="chart-point"') == 1 and 'class="chart-line"' not in weight
    assert "2 values, lowest 36.9 °C, highest 38.7 °C." in temperature
    # The same values as a table, newest first.
    assert html.count("Show values as a table") == 3
    tables = re.findall(r"<table.*?</table>", html, re.S)
    assert re.findall(r"<td>([^<]+)</td>", tables[1]) == ["38.7 °C", "36.9 °C"]
    assert re.findall(r"<td>([^<]+)</td>", tables[2]) == ["21.4 kg"]
    assert ' style="' not in html


async def test_trends_without_values_say_so(family_client: Any, people: People) -> None:
    await send(family_client, people.child_id, {"breathing": "normal"}, ago=timedelta(hours=1))
    html = await page_text(family_client, "/diary?view=trends")
    assert "<svg" not in html and html.count("Nothing noted in these days.") == 3


async def test_days_switch_between_14_and_30(family_client: Any, people: People) -> None:
    await send(family_client, people.child_id, {"weight": 20.9}, ago=timedelta(days=20))
    await send(family_client, people.child_id, {"weight": 21.3}, ago=timedelta(days=1))
    short = await page_text(family_client, "/diary?view=trends")
    long = await page_text(family_client, "/diary?view=trends&days=30")
    assert "21.3 kg" in short and "20.9 kg" not in short
    assert "21.3 kg" in long and "20.9 kg" in long
    assert re.search(r'href="/diary\?view=trends&amp;days=14" aria-current="true"', short)
    assert re.search(r'href="/diary\?view=trends&amp;days=30" aria-current="true"', long)
    odd = await page_text(family_client, "/diary?view=trends&days=365")
    assert "20.9 kg" not in odd


async def test_trends_read_in_dutch(family_client: Any, people: People) -> None:
    await send(family_client, people.child_id, {"temperature": 38.7}, ago=timedelta(hours=3))
    response = await family_client.get("/diary?view=trends", headers={"Accept-Language": "nl"})
    html = await response.get_data(as_text=True)
    assert "38,7 °C" in html and "38.7 °C" not in html
    assert ">38,5</text>" in html


async def test_history_and_trends_fit_a_phone(family_client: Any) -> None:
    """The charts scale to the screen's width: a viewBox, and width from the stylesheet."""
    css = await (await family_client.get("/static/css/app.css")).get_data(as_text=True)
    assert re.search(r"\.chart \{[^}]*inline-size: 100%", css)
    assert re.search(r"\.chart-values summary \{[^}]*min-block-size: var\(--tap\)", css)


def test_times_in_utc_and_local_land_on_the_same_spot() -> None:
    moment = datetime(2027, 1, 15, 7, 30, tzinfo=UTC)
    local = build_chart(
        [(moment.astimezone(AMSTERDAM), 1)],
        last_day=TODAY,
        days=14,
        zone=AMSTERDAM,
        scale=Scale(low=0, high=10),
    )
    utc = build_chart(
        [(moment, 1)], last_day=TODAY, days=14, zone=AMSTERDAM, scale=Scale(low=0, high=10)
    )
    assert local.points[0].x == utc.points[0].x


async def test_state_partial_takes_a_nurses_review_and_reply(app: Any) -> None:
    """The review queue's ReviewState slots into the family's state line."""
    from pwa.rendering import render_template_string
    from pwa.reviews.replies import Reply
    from pwa.reviews.store import ReviewState

    received = datetime(2027, 1, 15, 7, 30, tzinfo=UTC)
    report = type("Sent", (), {"received_at": received})()
    seen = ReviewState("Noor", received + timedelta(hours=1), "reviewed", ())
    replied = ReviewState(
        "Noor",
        received + timedelta(hours=1),
        "phoned",
        (Reply(1, "Noor", "Keep an eye on it", received + timedelta(hours=2), None),),
    )
    source = (
        '{% from "diary/_report_state.html" import report_state %}{{ report_state(report, state) }}'
    )
    async with app.test_request_context("/diary", headers={"Accept-Language": "en"}):
        with time_machine.travel(datetime(2027, 2, 1, tzinfo=UTC)):
            sent_line = await render_template_string(source, report=report, state=None)
            seen_line = await render_template_string(source, report=report, state=seen)
            reply_line = await render_template_string(source, report=report, state=replied)
    assert "report-state--sent" in sent_line and "Sent Fri 15 Jan, 08:30" in sent_line
    assert (
        "report-state--seen" in seen_line and "Seen by nurse Noor at Fri 15 Jan, 09:30" in seen_line
    )
    assert (
        "report-state--replied" in reply_line and "Reply from Noor, Fri 15 Jan, 10:30" in reply_line
    )


# --- demo data -----------------------------------------------------------------------------


async def test_demo_diary_has_ten_days_of_reports_one_red_and_a_correction(
    app: Any, db: Database
) -> None:
    from pwa import demo
    from pwa.diary.demo_reports import DEMO_REPORTS, demo_uuid

    assert await demo.load(app, db, date(2026, 11, 27)) is True
    rows = await db.fetch_all(
        "SELECT client_uuid, observed_at, received_at, level, items, corrects_id "
        "FROM report ORDER BY id"
    )
    assert [row["client_uuid"] for row in rows] == [
        demo_uuid(index) for index in range(len(DEMO_REPORTS))
    ]
    levels = [row["level"] for row in rows]
    assert levels.count("red") == 1 and levels[-1] == "red" and "amber" in levels
    red = rows[-1]
    assert '"temperature": 38.7' in red["items"]
    assert red["observed_at"] == "2026-11-26T17:40:00.000000Z"  # 18:40 in Amsterdam, yesterday
    assert red["received_at"] == "2026-11-26T17:43:00.000000Z"  # fixed by --today, not the clock
    observed = {row["observed_at"][:10] for row in rows}
    assert min(observed) == "2026-11-18" and max(observed) == "2026-11-26"
    assert sum(1 for row in rows if row["corrects_id"] is not None) == 1
    # Nobody has looked at the red one yet; a nurse answered the sore legs a week ago.
    reviewed = await db.fetch_all(
        "SELECT report.client_uuid, report_reply.body, report_reply.read_at FROM report_review"
        " JOIN report ON report.id = report_review.report_id"
        " JOIN report_reply ON report_reply.report_id = report.id"
    )
    assert [(row["client_uuid"], row["read_at"]) for row in reviewed] == [(demo_uuid(2), None)]
    assert reviewed[0]["body"].startswith("Leg pain like this is common")


async def test_history_and_report_show_a_nurses_review_and_reply(
    family_client: Any, db: Database, people: People
) -> None:
    seen = await send(family_client, people.child_id, {"pain": 2}, ago=timedelta(hours=3))
    answered = await send(family_client, people.child_id, {"pain": 5}, ago=timedelta(hours=2))
    waiting = await send(family_client, people.child_id, {"pain": 1}, ago=timedelta(hours=1))
    async with db.transaction() as connection:
        for report_id, at in (
            (seen, "2027-01-15T08:30:00.000000Z"),
            (answered, "2027-01-15T09:00:00.000000Z"),
        ):
            await connection.execute(
                "INSERT INTO report_review (report_id, nurse_id, outcome, reviewed_at) "
                "SELECT id, ?, 'reviewed', ? FROM report WHERE client_uuid = ?",
                (people.nurse_id, at, report_id),
            )
        await connection.execute(
            "INSERT INTO report_reply (report_id, nurse_id, body, created_at) "
            "SELECT id, ?, 'Call if it gets worse.', '2027-01-15T09:05:00.000000Z' "
            "FROM report WHERE client_uuid = ?",
            (people.nurse_id, answered),
        )
    html = await page_text(family_client, "/diary")
    items = {
        report_id: html.split(f'href="/diary/{report_id}"', 1)[1].split("</li>", 1)[0]
        for report_id in (seen, answered, waiting)
    }
    # The year shows only while 2027 is not the current year.
    assert re.search(r"Seen by nurse Nurse at Fri,? 15 Jan( 2027)?, 09:30", items[seen])
    assert re.search(r"Reply from Nurse, Fri,? 15 Jan( 2027)?, 10:05", items[answered])
    assert "Sent " in items[waiting] and "Nurse" not in items[waiting]
    page = await page_text(family_client, f"/diary/{seen}")
    assert re.search(r"Seen by nurse Nurse at Fri,? 15 Jan( 2027)?, 09:30", page)


@pytest.mark.parametrize(
    ("language", "past", "shouting"),
    [("en", "Red: advised to call", "Call now"), ("nl", "Rood: advies was bellen", "Bel nu")],
)
async def test_outbox_rows_name_a_red_level_in_the_past(
    family_client: Any, language: str, past: str, shouting: str
) -> None:
    """Hazard H11: the outbox list's row template, filled by outbox-status.js, names a
    waiting red report "Red: advised to call" (translated), never "Call now"."""
    for path in ("/diary", "/diary/new"):
        response = await family_client.get(path, headers={"Accept-Language": language})
        html = await response.get_data(as_text=True)
        row = html[html.index("<template data-outbox-row>") : html.index("</template>")]
        assert past in row and shouting not in row
