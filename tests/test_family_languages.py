"""The family's own language: Arabic (right to left), Polish, Turkish and Ukrainian besides
English and Dutch. Staff pages stay English and Dutch; a family's choice is kept per
caregiver and used for what the app sends them; plural forms follow CLDR at each boundary;
numbers are read the way each language writes them."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from quart import Quart

from pwa import dates, i18n
from pwa.clock import today, utcnow
from pwa.db import Database
from pwa.notifications import payloads
from pwa.notifications.jobs import About, Job
from pwa.notifications.planner import reminder_kind
from pwa.plans import store as plans
from tests.conftest import People, choose_language, csrf_from, make_plan, post_form
from tests.helpers.invites import body_text, join, make_invite
from tests.helpers.lock_screen import forbidden_in

TRANSLATIONS = Path(__file__).resolve().parent.parent / "pwa" / "translations"
BOUNDARIES = (1, 2, 3, 5, 11, 100)
# Which gettext form a CLDR category takes in each catalogue: an independent statement of
# the order the translators were given, so a wrong Plural-Forms header fails here.
FORM_OF_CATEGORY = {
    "en": {"one": 0, "other": 1},
    "nl": {"one": 0, "other": 1},
    "ar": {"zero": 0, "one": 1, "two": 2, "few": 3, "other": 4, "many": 5},
    "pl": {"one": 0, "few": 1, "many": 2},
    "uk": {"one": 0, "few": 1, "many": 2},
    "tr": {"one": 0, "other": 0},
}


@cache
def catalogue(locale: str) -> Catalog:
    """The shipped catalogue of a language, read once (the tests ask it many times)."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def catalogue_forms(locale: str, msgid: str) -> tuple[str, ...]:
    entry = catalogue(locale).get(msgid)
    assert entry is not None and isinstance(entry.string, tuple), msgid
    return tuple(entry.string)


def catalogue_text(locale: str, msgid: str) -> str:
    entry = catalogue(locale).get(msgid)
    assert entry is not None and isinstance(entry.string, str) and entry.string, msgid
    return entry.string


def expected_form(locale: str, singular: str, plural: str, number: int, **values: Any) -> str:
    """The catalogue's form for ``number`` by the CLDR category, placeholders filled."""
    category = Locale.parse(locale).plural_form(number)
    if locale == "en":
        text = singular if category == "one" else plural
    else:
        text = catalogue_forms(locale, singular)[FORM_OF_CATEGORY[locale][category]]
    return text % {"num": number, **values}


# --- plural forms at their boundaries ------------------------------------------------------


@pytest.mark.parametrize("locale", i18n.LOCALES)
@pytest.mark.parametrize(
    ("singular", "plural"),
    [
        ("in %(num)s day", "in %(num)s days"),  # home's countdown to the next visit
        ("Last %(num)s day", "Last %(num)s days"),  # the diary's trends
        ("%(num)s report waiting to be sent", "%(num)s reports waiting to be sent"),
    ],
)
def test_day_counts_take_the_languages_plural_form(locale: str, singular: str, plural: str) -> None:
    """Hazard H31: counts at the boundaries of each language's plural rule."""
    texts = {
        number: i18n.translate_plural(locale, singular, plural, number) for number in BOUNDARIES
    }
    for number, text in texts.items():
        assert text == expected_form(locale, singular, plural, number), (locale, number)
        assert str(number) in text
    # The boundaries that matter are really different words where the language has them
    # (a report waiting: every form differs; "dni" in Polish is both few and many).
    if not singular.startswith("%(num)s report"):
        return
    if locale == "ar":
        # One, few (3-10) and the rest read differently (two, many and other may share
        # the "reports waiting: N" shape the translator chose for them).
        assert len({texts[n].replace(str(n), "#") for n in (1, 2, 3, 11, 100)}) >= 3
    if locale in {"pl", "uk"}:
        assert texts[2].replace("2", "#") != texts[5].replace("5", "#")
        assert texts[3].replace("3", "#") == texts[2].replace("2", "#")


@pytest.mark.parametrize("locale", i18n.LOCALES)
async def test_a_visit_reminder_counts_the_days_in_the_familys_language(
    db: Database, people: People, locale: str
) -> None:
    """The reminder a week before (the admin may set it so) says how many days are left,
    in the caregiver's language and plural form, and still names no illness."""
    plan = await make_plan(db, people.child_id, today() + timedelta(days=120))
    visit = (await plans.select_visits(db, plan.id))[0]
    async with db.transaction() as tx:
        await tx.execute("UPDATE account SET locale = ? WHERE id = ?", (locale, people.parent_id))
    job = Job(
        1, reminder_kind(7, "18:00"), About(visit_id=visit.id), 1, people.parent_id,
        utcnow(), utcnow(), 0,
    )  # fmt: skip
    for days in (2, 3, 5, 11, 100):
        built = await payloads.build(db, job, visit.starts - timedelta(days=days))
        assert built is not None and built.lang == locale
        day = dates.long_day(visit.starts, i18n.format_region(locale))
        counted = expected_form(
            locale, "in %(num)s day, on %(date)s", "in %(num)s days, on %(date)s", days, date=day
        )
        assert counted in built.body, (days, built.body)
        assert forbidden_in(built.body) == []


# --- who gets which language ---------------------------------------------------------------


async def test_staff_pages_stay_english_or_dutch(app: Quart, nurse_client: Any) -> None:
    """Hazard H31: a nurse whose browser asks for Arabic reads English, is offered only English and
    Dutch, and cannot choose a family language."""
    html = await body_text(
        await nurse_client.get("/nurse/children", headers={"Accept-Language": "ar,nl;q=0.5"})
    )
    assert re.search(r'<html lang="en" dir="ltr"', html)
    switch = html[html.index('class="language-switch"') :]
    assert re.findall(r'name="lang" value="(\w+)"', switch) == ["en", "nl"]
    refused = await post_form(nurse_client, "/settings/language", {"lang": "ar"})
    assert refused.status_code == 400


async def test_a_family_chooses_arabic_and_gets_right_to_left_pages(
    db: Database, people: People, family_client: Any
) -> None:
    await choose_language(family_client, "ar")
    html = await body_text(await family_client.get("/"))
    assert re.search(r'<html lang="ar" dir="rtl" data-region="ar-u-nu-latn"', html)
    row = await db.fetch_one("SELECT locale FROM account WHERE id = ?", (people.parent_id,))
    assert row is not None and row["locale"] == "ar"
    # The ward's numbers stay left to right inside Arabic sentences.
    call = await body_text(await family_client.get("/call"))
    assert '<bdi dir="ltr">+31' in call


async def test_the_invite_page_offers_every_language_before_anything_else(
    app: Quart, db: Database, people: People, nurse_client: Any
) -> None:
    """A parent who cannot read the default language finds theirs at the top, each named
    in itself; the account the invite creates keeps the choice (and so do its pushes)."""
    code = await make_invite(nurse_client, people.child_id)
    visitor = app.test_client()
    html = await body_text(await visitor.get(f"/invite/{code}"))
    switch, heading = html.index('class="language-switch"'), html.index("<h1>")
    assert switch < heading
    offered = re.findall(r'name="lang" value="(\w+)" lang="(\w+)"', html[switch:heading])
    assert [code for code, _ in offered] == list(i18n.LOCALES)
    assert all(code == lang for code, lang in offered)
    for name in i18n.LANGUAGE_NAMES.values():
        assert name in html[switch:heading]
    chosen = await visitor.post(
        f"/settings/language?next=/invite/{code}",
        form={"csrf_token": csrf_from(html), "lang": "uk"},
    )
    assert chosen.status_code == 302 and chosen.location == f"/invite/{code}"
    page = await body_text(await visitor.get(f"/invite/{code}"))
    assert '<html lang="uk" dir="ltr"' in page
    joined = await join(visitor, code, email="olena@example.org")
    assert joined.status_code == 302, await body_text(joined)
    row = await db.fetch_one("SELECT locale FROM account WHERE email = 'olena@example.org'")
    assert row is not None and row["locale"] == "uk"


# --- numbers as each language types them ---------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "typed", "stored"),
    [("ar", "٣٨٫٥", 38.5), ("ar", "۳۹،۲", 39.2), ("pl", "38,5", 38.5), ("tr", "37,9", 37.9)],
)
async def test_temperatures_typed_the_languages_way_are_read_right(
    db: Database, family_client: Any, locale: str, typed: str, stored: float
) -> None:
    """Hazard H31: a decimal comma, Arabic-Indic digits and the Arabic decimal separator."""
    await choose_language(family_client, locale)
    moment = utcnow().astimezone() - timedelta(minutes=5)
    sent = await post_form(
        family_client,
        "/diary/new",
        {
            "temperature": typed,
            "observed_date": moment.date().isoformat(),
            "observed_time": moment.strftime("%H:%M"),
            "note": "",
        },
    )
    assert sent.status_code == 302, await body_text(sent)
    row = await db.fetch_one("SELECT items FROM report ORDER BY id DESC")
    assert row is not None and f'"temperature":{stored}' in row["items"].replace(" ", "")


async def test_a_temperature_out_of_range_is_refused_in_arabic_and_kept(
    db: Database, family_client: Any
) -> None:
    """Hazard H31: the error is in Arabic and the typed value stays."""
    await choose_language(family_client, "ar")
    moment = utcnow().astimezone() - timedelta(minutes=5)
    refused = await post_form(
        family_client,
        "/diary/new",
        {
            "temperature": "٤٥",
            "observed_date": moment.date().isoformat(),
            "observed_time": moment.strftime("%H:%M"),
            "note": "",
        },
    )
    html = await body_text(refused)
    assert refused.status_code in {200, 400}
    arabic = catalogue_text("ar", "Enter a value between %(low)s and %(high)s %(unit)s.")
    longest = max(re.split(r"%\(\w+\)s", arabic), key=len).strip()
    assert longest and longest in html
    assert 'value="٤٥"' in html
    assert await db.fetch_one("SELECT id FROM report") is None
