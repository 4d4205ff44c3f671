"""The hospital's own texts in the family languages (pwa/hospital_texts.py): a reader gets
their language, else Dutch, else English, and words in another language than theirs say
which; each kind of text is saved, changed and removed through the admin's pages (a
visit's note through the nurse's), with its row; families read them on their pages; no
notification names them."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from quart import Quart

from pwa.clock import today, utcnow
from pwa.db import Database, connect_sync
from pwa.families import store as families
from pwa.hospital import HospitalSettings, hospital_settings
from pwa.hospital_texts import pick
from pwa.notifications import letters, payloads
from pwa.notifications.jobs import EMAIL, About, Job
from pwa.notifications.planner import reminder_kind
from pwa.plans import store as plans
from pwa.redflags import store as rules
from pwa.redflags.rules import Rule, RuleError
from pwa.schema import migration_files
from tests.conftest import (
    People,
    choose_language,
    make_account,
    make_plan,
    post_form,
    sign_in,
)
from tests.helpers.pages import page_text, plain
from tests.helpers.reports import add_report
from tests.helpers.rules import A_RULE

CLINICAL_DOC = Path(__file__).resolve().parents[1] / "docs" / "clinical.md"
# The shipped examples' words in the family languages (migration 0030).
TURKISH_CHARGERS = "Telefon ve tablet şarj aletleri"
TURKISH_STAY = "Hastanede yatış"
POLISH_FEVER = "Temperatura 38,5 °C lub wyższa"


async def texts_of(db: Database, subject: str, key: str | int | None = None) -> dict[str, Any]:
    """{key: {language: words}} of a subject's rows, or one key's {language: words}."""
    rows = await db.fetch_all(
        "SELECT subject_key, language, body FROM hospital_text WHERE subject = ?", (subject,)
    )
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        found.setdefault(row["subject_key"], {})[row["language"]] = row["body"]
    return found if key is None else found.get(str(key), {})


def marked_as(html: str, language: str, words: str) -> bool:
    """The words in their own language's span, followed by the "(in …)" mark."""
    direction = "rtl" if language == "ar" else "ltr"
    return (
        f'<span lang="{language}" dir="{direction}">{words}</span> <small class="in-language">'
        in html
    )


def mark_after(html: str, words: str) -> str:
    """The "(in …)" mark after the words, as a reader sees it."""
    found = re.search(
        re.escape(f"{words}</span> ") + r'<small class="in-language">(.*?)</small>', html
    )
    assert found, words
    return plain(found.group(1))


# --- which words a reader gets --------------------------------------------------------------


def test_a_reader_gets_their_language_then_dutch_then_english_and_is_told_which() -> None:
    """Hazard H30: words in another language than the reader's say so, with that language's
    own name, and carry its lang and dir, so a parent knows and a screen reader reads
    them as Dutch; English and Dutch readers read both of the ward's languages and see
    their pages as before."""
    words = {"en": "Hearing test", "nl": "Gehoortest", "tr": "İşitme testi"}
    assert (pick(words, "tr").text, pick(words, "tr").language) == ("İşitme testi", "tr")
    assert (pick(words, "ar").text, pick(words, "ar").language) == ("Gehoortest", "nl")
    assert (pick({"en": "Port", "nl": " "}, "uk").text, pick({"en": "Port"}, "uk").language) == (
        "Port",
        "en",
    )
    assert (pick(words, "en").text, pick(words, "nl").text) == ("Hearing test", "Gehoortest")

    own = pick(words, "tr")
    assert not own.marked and own.__html__() == "İşitme testi" and own.mark() == ""
    assert not pick({"nl": "Gehoortest"}, "en").marked
    assert pick({"nl": "Gehoortest"}, "en").__html__() == "Gehoortest"

    fallback = pick(words, "ar")
    html = fallback.__html__()
    assert marked_as(html, "nl", "Gehoortest")
    assert '<span lang="nl" dir="ltr">Nederlands</span>' in html
    assert "Nederlands" in fallback.mark()
    assert fallback.as_json()["lang"] == "nl" and "Nederlands" in fallback.as_json()["mark"]
    english = pick({"en": "Port"}, "pl").__html__()
    assert marked_as(english, "en", "Port") and ">English</span>" in english
    # The hospital's words are text, never markup.
    assert "&lt;b&gt;" in pick({"nl": "<b>Scan</b>"}, "uk").__html__()


def test_rule_reasons_may_be_in_the_six_languages_and_no_other() -> None:
    """The rule format takes a reason in each of the app's languages, and only those."""
    base = {"id": "t", "level": "red", "item": "temperature", "op": ">=", "value": 38.5}
    reason = {
        "en": "Fever",
        "nl": "Koorts",
        "ar": "حمى",
        "pl": "Gorączka",
        "tr": "Ateş",
        "uk": "Жар",
    }
    rule = Rule.parse({**base, "reason": reason})
    assert Rule.parse(rule.as_json()) == rule
    assert rule.shown_reason("uk").text == "Жар"
    assert Rule.parse({**base, "reason": {"en": "Fever"}}).shown_reason("ar").language == "en"
    for wrong in ({"de": "Fieber"}, {"en": 3}, {"en": " "}, "Fever"):
        with pytest.raises(RuleError):
            Rule.parse({**base, "reason": wrong})


# --- the admin's pages ------------------------------------------------------------------------


async def test_packing_items_in_other_languages_are_saved_changed_and_go_with_their_items(
    admin_client: Any, db: Database
) -> None:
    """Line for line: a blank line is an item not yet translated; saving the list again
    leaves no words behind for items that are gone."""
    posted = {
        "english": "Pyjamas\nPhone charger\nBooks",
        "dutch": "Pyjama's\nOplader\nBoeken",
        "items_tr": "Pijamalar\n\nKitaplar\n\n",
        "items_ar": "بيجامات",
    }
    assert (await post_form(admin_client, "/admin/packing", posted)).status_code == 302
    items = await plans.select_packing_items(db)
    assert [dict(item.texts) for item in items] == [
        {"tr": "Pijamalar", "ar": "بيجامات"},
        {},
        {"tr": "Kitaplar"},
    ]
    page = await page_text(admin_client, "/admin/packing")
    turkish = page.split('name="items_tr"')[1].split(">", 1)[1].split("</textarea>")[0]
    assert turkish.strip("\r\n") == "Pijamalar\n\nKitaplar"
    arabic = page.split('name="items_ar"')[0].rsplit("<textarea", 1)[1]
    assert 'lang="ar"' in arabic and 'dir="rtl"' in arabic
    assert '<label for="items_tr"><span lang="tr" dir="ltr">Türkçe</span></label>' in page

    too_many = {**posted, "items_tr": "a\nb\nc\nd"}
    refused = await post_form(admin_client, "/admin/packing", too_many)
    assert refused.status_code == 200
    assert "The Türkçe list has 4 lines and the English list 3 items." in plain(
        await refused.get_data(as_text=True)
    )

    again = {**posted, "items_tr": "Pijamalar", "items_ar": ""}
    assert (await post_form(admin_client, "/admin/packing", again)).status_code == 302
    now = await plans.select_packing_items(db)
    assert await texts_of(db, "packing_item") == {str(now[0].id): {"tr": "Pijamalar"}}
    (detail,) = [
        row["detail"]
        for row in await db.fetch_all(
            "SELECT detail FROM audit_log WHERE action = 'packing.updated' ORDER BY id DESC"
        )
    ][:1]
    assert detail == "3 items; also in tr"


async def test_a_kind_of_visit_is_named_in_other_languages_and_its_names_go_with_it(
    admin_client: Any, db: Database
) -> None:
    kind = {
        "key": "bone_marrow",
        "name_en": "Bone marrow test",
        "name_nl": "Beenmergpunctie",
        "name_tr": "Kemik iliği testi",
        "name_ar": "فحص نخاع العظم",
        "default_minutes": "60",
        "active": "y",
    }
    assert (await post_form(admin_client, "/admin/visit-kinds", kind)).status_code == 302
    assert await texts_of(db, "visit_kind", "bone_marrow") == {
        "tr": "Kemik iliği testi",
        "ar": "فحص نخاع العظم",
    }
    page = "/admin/visit-kinds/bone_marrow"
    edit = await page_text(admin_client, page)
    assert 'value="فحص نخاع العظم"' in edit and 'dir="rtl"' in edit
    changed = {**kind, "name_tr": "", "name_uk": "Пункція кісткового мозку"}
    del changed["key"]
    assert (await post_form(admin_client, page, changed)).status_code == 302
    assert await texts_of(db, "visit_kind", "bone_marrow") == {
        "ar": "فحص نخاع العظم",
        "uk": "Пункція кісткового мозку",
    }
    assert (await post_form(admin_client, f"{page}/delete", {}, csrf_path=page)).status_code == 302
    assert await texts_of(db, "visit_kind", "bone_marrow") == {}


async def test_a_home_medicine_is_named_in_other_languages(admin_client: Any, db: Database) -> None:
    added = {"name_nl": "Paracetamol", "name_en": "Paracetamol", "name_pl": "Paracetamol (PL)"}
    assert (await post_form(admin_client, "/admin/medicines", added)).status_code == 302
    row = await db.fetch_one("SELECT id FROM home_medicine WHERE name_nl = 'Paracetamol'")
    assert row is not None
    assert await texts_of(db, "home_medicine", row["id"]) == {"pl": "Paracetamol (PL)"}
    page = f"/admin/medicines/{row['id']}"
    assert 'value="Paracetamol (PL)"' in await page_text(admin_client, page)
    cleared = {**added, "name_pl": "", "name_uk": "Парацетамол"}
    assert (await post_form(admin_client, page, cleared)).status_code == 302
    assert await texts_of(db, "home_medicine", row["id"]) == {"uk": "Парацетамол"}
    (detail,) = [
        r["detail"]
        for r in await db.fetch_all(
            "SELECT detail FROM audit_log WHERE action = 'medicines.updated' ORDER BY id DESC"
        )
    ][:1]
    assert detail.endswith("; uk: Парацетамол")


async def test_a_red_flag_reason_in_other_languages_travels_in_the_rule(
    admin_client: Any, db: Database
) -> None:
    new = "/admin/rules/new"
    posted = {**A_RULE, "reason_pl": "Waga 30 kg lub więcej", "reason_ar": ""}
    response = await post_form(admin_client, new, posted, csrf_path=f"{new}?item=weight")
    assert response.status_code == 302
    [stored] = [entry for entry in await rules.select_all(db) if entry.rule.item == "weight"]
    assert dict(stored.rule.reason) == {
        "en": "Weight of 30 kg or more",
        "nl": "Gewicht van 30 kg of meer",
        "pl": "Waga 30 kg lub więcej",
    }
    page = f"/admin/rules/{stored.row_id}"
    assert 'value="Waga 30 kg lub więcej"' in await page_text(admin_client, page)
    changed = {**posted, "reason_pl": "", "reason_uk": "Вага 30 кг або більше"}
    assert (await post_form(admin_client, page, changed)).status_code == 302
    again = await rules.select_one(db, stored.row_id)
    assert again is not None
    assert set(again.rule.reason) == {"en", "nl", "uk"}


def hospital_fields(form: str, **changes: str) -> dict[str, str]:
    """The hospital page's inputs as shown (Monday to Friday, no escalation at night),
    with ``changes``."""
    fields = {
        name: value
        for name, value in re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form)
        if name not in {"csrf_token", "escalate_out_of_hours"}
    }
    return {**fields, "first_day": "1", "last_day": "5", **changes}


async def test_the_wards_name_in_other_languages(
    admin_client: Any, family_client: Any, db: Database
) -> None:
    page = "/admin/hospital"
    fields = hospital_fields(
        await page_text(admin_client, page),
        name="Kinderoncologie (afdeling 3)",
        name_language="nl",
        name_uk="Дитяча онкологія (відділення 3)",
    )
    assert (await post_form(admin_client, page, fields)).status_code == 302
    assert await texts_of(db, "ward_name", "ward") == {"uk": "Дитяча онкологія (відділення 3)"}
    await choose_language(family_client, "uk")
    assert "Дитяча онкологія (відділення 3)" in await page_text(family_client, "/call")
    await choose_language(family_client, "tr")
    call = await page_text(family_client, "/call")
    assert marked_as(call, "nl", "Kinderoncologie (afdeling 3)")
    await choose_language(family_client, "en")
    call = await page_text(family_client, "/call")
    assert '<p class="hint">Kinderoncologie (afdeling 3)</p>' in call
    assert (await post_form(admin_client, page, {**fields, "name_uk": ""})).status_code == 302
    assert await texts_of(db, "ward_name", "ward") == {}


async def test_the_wards_name_is_marked_with_the_language_the_admin_wrote_it_in(
    admin_client: Any, family_client: Any, db: Database
) -> None:
    """Hazard H30: the shipped example name is English, and an admin says which of the
    ward's two languages a new name is in: a Turkish reader is told the truth of either."""
    await choose_language(family_client, "tr")
    example = await page_text(family_client, "/call")
    assert marked_as(example, "en", "Children&#39;s oncology ward (example)")
    assert mark_after(example, "Children&#39;s oncology ward (example)") == "(dil: English)"

    page = "/admin/hospital"
    form = await page_text(admin_client, page)
    # The admin's page language is chosen for them: they most likely wrote in it.
    assert '<option lang="en" selected value="en">English</option>' in form
    assert '<option lang="nl" value="nl">Nederlands</option>' in form
    fields = hospital_fields(form, name="Kinderoncologie", name_language="nl")
    assert (await post_form(admin_client, page, fields)).status_code == 302
    assert (await hospital_settings(db)).name_language == "nl"
    call = await page_text(family_client, "/call")
    assert marked_as(call, "nl", "Kinderoncologie")
    assert mark_after(call, "Kinderoncologie") == "(dil: Nederlands)"
    assert '<option lang="nl" selected value="nl">' in await page_text(admin_client, page)

    refused = await post_form(admin_client, page, {**fields, "name_language": "ar"})
    assert refused.status_code == 400
    assert (await hospital_settings(db)).name_language == "nl"


async def test_the_admin_sees_which_languages_are_missing_and_is_asked_to_check_after_a_change(
    admin_client: Any, db: Database
) -> None:
    """Hazard H30: every list names the family languages a text has no words in yet, and
    changing the English or Dutch words while a translation stays as it was asks the admin
    to check that translation."""
    assert "Not yet in:" not in plain(await page_text(admin_client, "/admin/visit-kinds"))
    async with db.transaction() as tx:
        await tx.execute(
            "DELETE FROM hospital_text WHERE subject = 'visit_kind' AND subject_key = 'scan'"
            " AND language IN ('ar', 'uk')"
        )
    listed = plain(await page_text(admin_client, "/admin/visit-kinds"))
    assert "Not yet in: العربية, Українська" in listed
    for path in ("/admin/packing", "/admin/medicines", "/admin/rules"):
        assert "Not yet in:" not in plain(await page_text(admin_client, path)), path

    page = "/admin/visit-kinds/scan"
    renamed = {"name_en": "MIBG scan", "name_nl": "MIBG-scan", "default_minutes": "90"}
    renamed |= {"name_pl": "Badanie obrazowe", "name_tr": "Görüntüleme (tarama)", "active": "y"}
    response = await post_form(admin_client, page, renamed)
    assert response.status_code == 302
    told = plain(await page_text(admin_client, "/admin/visit-kinds"))
    assert "The English or Dutch words changed, and other languages kept theirs" in told
    # Translated along with the new words: nothing to check.
    again = {**renamed, "name_en": "MIBG scan (nuclear)", "name_pl": "Scyntygrafia MIBG"}
    again["name_tr"] = "MIBG taraması"
    assert (await post_form(admin_client, page, again)).status_code == 302
    assert "other languages kept theirs" not in plain(
        await page_text(admin_client, "/admin/visit-kinds")
    )


# --- what families read -------------------------------------------------------------------


@pytest.fixture
async def next_stay(db: Database, people: People) -> plans.Visit:
    """A plan whose first stay starts in ten days: home lists what to bring."""
    plan = await make_plan(db, people.child_id, today() + timedelta(days=10))
    return (await plans.select_visits(db, plan.id))[0]


async def test_a_turkish_reader_sees_turkish_packing_items_and_kinds(
    family_client: Any, next_stay: plans.Visit
) -> None:
    await choose_language(family_client, "tr")
    home = await page_text(family_client, "/")
    assert f">{TURKISH_CHARGERS}</label>" in home
    assert "Phone and tablet chargers" not in home
    assert TURKISH_STAY in plain(home)
    schedule = await page_text(family_client, "/schedule")
    assert TURKISH_STAY in plain(schedule) and 'class="in-language"' not in schedule
    visit = await page_text(family_client, f"/schedule/visits/{next_stay.id}")
    assert re.search(rf"<title>{TURKISH_STAY} ", visit)


async def test_an_arabic_reader_of_an_untranslated_item_sees_the_dutch_words_marked(
    family_client: Any, db: Database, next_stay: plans.Visit
) -> None:
    """Hazard H30: an item with no Arabic words shows the Dutch ones with lang="nl" and
    "(in Nederlands)" after them; the items that have Arabic words show those alone."""
    async with db.transaction() as tx:
        await tx.execute(
            "DELETE FROM hospital_text WHERE subject = 'packing_item' AND language = 'ar'"
            " AND subject_key = (SELECT id FROM packing_item WHERE text_en LIKE 'Toiletries%')"
        )
    await choose_language(family_client, "ar")
    home = await page_text(family_client, "/")
    assert 'dir="rtl"' in home.split(">", 2)[1]
    assert marked_as(home, "nl", "Toiletspullen, ook lippenbalsem")
    assert '<span lang="nl" dir="ltr">Nederlands</span>' in home
    assert ">شواحن الهاتف والجهاز اللوحي</label>" in home
    await choose_language(family_client, "en")
    english = await page_text(family_client, "/")
    assert ">Toiletries, including lip balm</label>" in english
    assert 'class="in-language"' not in english


async def test_red_flag_reasons_in_polish_on_the_report_and_for_the_phones_advice(
    family_client: Any, db: Database, people: People
) -> None:
    """Hazard H30: the advice after a report, on the server's page and as the phone's
    script shows it, gives the reason in the reader's language or marked as Dutch."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE red_flag_rule SET definition = json_remove(definition, '$.reason.pl')"
            " WHERE json_extract(definition, '$.id') = 'pain-severe'"
        )
    await choose_language(family_client, "pl")
    uuid = await add_report(db, people, {"temperature": 39.0, "pain": 8})
    report = await page_text(family_client, f"/diary/{uuid}?saved=1")
    reasons = report.split("data-advice-reasons>", 1)[1].split("</ul>", 1)[0]
    assert f"<li>{POLISH_FEVER}</li>" in reasons
    assert marked_as(reasons, "nl", "Pijn van 7 of meer")

    form = await page_text(family_client, "/diary/new")
    context = re.search(r'id="diary-context">(.*?)</script>', form, re.S)
    assert context
    shown = {rule["id"]: rule["shown"] for rule in json.loads(context.group(1))["rules"]}
    assert shown["temperature-high"] == {
        "text": POLISH_FEVER,
        "lang": "pl",
        "dir": "ltr",
        "mark": "",
    }
    assert shown["pain-severe"]["text"] == "Pijn van 7 of meer"
    assert shown["pain-severe"]["lang"] == "nl" and "Nederlands" in shown["pain-severe"]["mark"]


def visit_fields(visit: plans.Visit, **note: str) -> dict[str, str]:
    """The nurse's visit form for ``visit`` as it stands, with the note's fields."""
    return {
        "course_number": str(visit.course_number),
        "kind": visit.kind,
        "start_date": visit.starts.date().isoformat(),
        "start_time": visit.starts.strftime("%H:%M"),
        "end_date": visit.ends.date().isoformat(),
        "end_time": visit.ends.strftime("%H:%M"),
        "time_zone": visit.time_zone,
        "location": "",
        "status": "planned",
        **note,
    }


async def test_a_visit_note_in_ukrainian_for_a_caregiver_who_reads_ukrainian(
    app: Quart,
    db: Database,
    people: People,
    family_client: Any,
    nurse_client: Any,
    next_stay: plans.Visit,
) -> None:
    """The nurse is asked for the note in the languages the child's caregivers read and no
    other; each caregiver reads the note in theirs, or the note itself."""
    edit = f"/nurse/children/{people.child_id}/visits/{next_stay.id}"
    assert "Note for the family in" not in await page_text(nurse_client, edit)
    await choose_language(family_client, "uk")
    other_id = await make_account(db, app, "second@example.org", "caregiver")
    async with db.transaction() as tx:
        await families.link_caregiver(tx, other_id, people.child_id)
    form = await page_text(nurse_client, edit)
    assert '<span lang="uk" dir="ltr">Українська</span>' in form
    assert 'name="family_note_uk"' in form and 'name="family_note_ar"' not in form

    visit = visit_fields(
        next_stay,
        family_note="",
        family_note_uk="Будь ласка, прийдіть о 9:00.",
        family_note_ar="لا",
        family_note_language="nl",
    )
    refused = await post_form(nurse_client, edit, visit)
    assert "Write the note here first" in await refused.get_data(as_text=True)
    visit["family_note"] = "Graag om 9:00 bij de balie."
    assert (await post_form(nurse_client, edit, visit)).status_code == 302
    assert await texts_of(db, "visit_note", next_stay.id) == {"uk": "Будь ласка, прийдіть о 9:00."}

    page = f"/schedule/visits/{next_stay.id}"
    note = await page_text(family_client, page)
    assert '<p class="family-note">Будь ласка, прийдіть о 9:00.</p>' in note
    second = app.test_client()
    await sign_in(second, "second@example.org")
    assert '<p class="family-note">Graag om 9:00 bij de balie.</p>' in await page_text(second, page)
    # The note's words go with the visit (here: with the child's plan).
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM treatment_plan WHERE child_id = ?", (people.child_id,))
    assert await texts_of(db, "visit_note") == {}


async def test_a_note_written_in_english_is_marked_english_and_stays_so_when_moved(
    db: Database,
    people: People,
    family_client: Any,
    nurse_client: Any,
    next_stay: plans.Visit,
) -> None:
    """Hazard H30: the nurse says which of the ward's languages the note is in (her page's
    language unless she changes it); a reader of neither is told that language, also after
    the visit moves with its courses."""
    edit = f"/nurse/children/{people.child_id}/visits/{next_stay.id}"
    form = await page_text(nurse_client, edit)
    assert '<option lang="en" selected value="en">English</option>' in form
    visit = visit_fields(
        next_stay, family_note="Please come to the desk at 9.", family_note_language="en"
    )
    assert (await post_form(nurse_client, edit, visit)).status_code == 302
    page = f"/schedule/visits/{next_stay.id}"
    await choose_language(family_client, "pl")
    note = await page_text(family_client, page)
    assert marked_as(note, "en", "Please come to the desk at 9.")
    assert "Nederlands" not in mark_after(note, "Please come to the desk at 9.")
    assert "English" in mark_after(note, "Please come to the desk at 9.")
    await choose_language(family_client, "en")
    english = await page_text(family_client, page)
    assert '<p class="family-note">Please come to the desk at 9.</p>' in english

    # The nurse opens it again: her choice is shown. Moving the stay and the courses
    # after it keeps each note's language (course 2's note was written in English too).
    assert '<option lang="en" selected value="en">' in await page_text(nurse_client, edit)
    course_2 = (await plans.select_visits(db, next_stay.plan_id))[1]
    async with db.transaction() as tx:
        await tx.execute(
            """UPDATE visit SET family_note = 'Bring the pump.', family_note_language = 'en'
                WHERE plan_id = ? AND course_number = 2""",
            (next_stay.plan_id,),
        )
    moved = {
        **visit,
        "start_date": (next_stay.starts.date() + timedelta(days=2)).isoformat(),
        "end_date": (next_stay.ends.date() + timedelta(days=2)).isoformat(),
        "later": "move",
        "shift_days": "2",
    }
    assert (await post_form(nurse_client, edit, moved)).status_code == 302
    rows = await db.fetch_all(
        "SELECT course_number, starts_local, family_note_language FROM visit WHERE plan_id = ?"
        " AND course_number <= 2 ORDER BY course_number",
        (next_stay.plan_id,),
    )
    assert [row["family_note_language"] for row in rows] == ["en", "en"]
    assert rows[0]["starts_local"].startswith(moved["start_date"])
    assert course_2.course_number == 2
    assert rows[1]["starts_local"].startswith(f"{course_2.starts.date() + timedelta(days=2)}")

    refused = await post_form(nurse_client, edit, {**visit, "family_note_language": "tr"})
    assert refused.status_code == 200  # the form again, with what was typed
    assert "Please come to the desk at 9." in await refused.get_data(as_text=True)
    stored = await db.fetch_one(
        "SELECT family_note_language FROM visit WHERE id = ?", (next_stay.id,)
    )
    assert stored is not None and stored["family_note_language"] == "en"


async def test_no_notification_names_the_hospitals_texts(db: Database, people: People) -> None:
    """Lock screens show pushes: a visit reminder, a change, a dose reminder or a check-in
    never carries a kind's name, a visit's note, a medicine, the ward's name or what to
    bring, in the family languages either (nor does their e-mail)."""
    plan = await make_plan(db, people.child_id, today() - timedelta(days=10))
    visit = (await plans.select_visits(db, plan.id))[1]
    period = (await plans.select_medications(db, plan.id))[0]
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE visit SET family_note = 'Neem de pomp mee.' WHERE id = ?", (visit.id,)
        )
        await tx.execute(
            "INSERT INTO hospital_text VALUES ('visit_note', ?, 'tr', 'Pompayı getirin.', 'x')",
            (str(visit.id),),
        )
        await tx.execute(
            "INSERT INTO hospital_text VALUES ('ward_name', 'ward', 'tr', 'Çocuk onkolojisi', 'x')"
        )
        await tx.execute("UPDATE account SET locale = 'tr' WHERE id = ?", (people.parent_id,))
    texts = [
        "Pompayı getirin.",
        "Neem de pomp mee.",
        "Çocuk onkolojisi",
        *[row["body"] for row in await db.fetch_all("SELECT body FROM hospital_text")],
    ]
    about = [
        (reminder_kind(7, "18:00"), About(visit_id=visit.id)),
        ("visit_changed", About(visit_id=visit.id)),
        (
            "medication:08:00",
            About(medication_period_id=period.id, medication_day=period.first_date),
        ),
        ("checkin", About(checkin_child_id=people.child_id, checkin_day=period.first_date)),
    ]
    now = utcnow()
    for index, (kind, what) in enumerate(about, start=1):
        job = Job(index, kind, what, 1, people.parent_id, now, now + timedelta(hours=1), 0)
        built = await payloads.build(db, job, now)
        assert built is not None and built.lang == "tr", kind
        sent = built.encode("https://localhost")
        assert [text for text in texts if text in sent] == [], kind
        mail = await letters.build_mail(
            db, replace(job, channel=EMAIL), "https://localhost", "", now
        )
        if mail is not None:
            assert [text for text in texts if text in mail.subject + mail.body] == [], kind


# --- migration 0030 -----------------------------------------------------------------------


def test_migration_0030_translates_only_the_words_the_app_shipped(tmp_path: Path) -> None:
    """Hazard H30: the shipped examples come in the four languages, but an item, kind,
    medicine or reason an admin reworded gets none: a translation of words it no longer
    has would tell a family something else."""
    connection = connect_sync(str(tmp_path / "old.sqlite3"), read_only=False)
    try:
        for number, _, sql in migration_files():
            if number < 30:
                connection.executescript(f"BEGIN;\n{sql}\nCOMMIT;")
        connection.executescript(
            """
            UPDATE packing_item SET text_en = 'Phone charger' WHERE text_nl LIKE 'Opladers%';
            UPDATE visit_kind SET name_nl = 'MIBG-scan' WHERE key = 'scan';
            UPDATE home_medicine SET name_en = 'Gabapentin (Neurontin)' WHERE key = 'gabapentin';
            UPDATE red_flag_rule SET definition = json_set(definition, '$.reason.en', 'Pain 7+')
             WHERE json_extract(definition, '$.id') = 'pain-severe';
            """
        )
        [(_, _, sql)] = [entry for entry in migration_files() if entry[0] == 30]
        connection.executescript(f"BEGIN IMMEDIATE;\n{sql}\nCOMMIT;")
        counts = dict(
            connection.execute(
                "SELECT subject, COUNT(*) FROM hospital_text GROUP BY subject"
            ).fetchall()
        )
        assert counts == {"packing_item": 6 * 4, "visit_kind": 7 * 4, "home_medicine": 2 * 4}
        untouched = connection.execute(
            """
            SELECT COUNT(*) FROM hospital_text
             WHERE subject_key IN ('scan', (SELECT CAST(id AS TEXT) FROM packing_item
                                            WHERE text_en = 'Phone charger'))
                OR (subject = 'home_medicine' AND subject_key =
                    (SELECT CAST(id AS TEXT) FROM home_medicine WHERE key = 'gabapentin'))
            """
        ).fetchone()[0]
        assert untouched == 0
        reasons = {
            rule_id: set(json.loads(reason))
            for rule_id, reason in connection.execute(
                "SELECT json_extract(definition, '$.id'), json_extract(definition, '$.reason')"
                " FROM red_flag_rule"
            )
        }
        assert reasons.pop("pain-severe") == {"en", "nl"}
        assert len(reasons) == 19
        assert all(
            languages == {"en", "nl", "ar", "pl", "tr", "uk"} for languages in reasons.values()
        )
        for (definition,) in connection.execute("SELECT definition FROM red_flag_rule"):
            Rule.parse(json.loads(definition))
    finally:
        connection.close()


async def test_every_shipped_translation_is_listed_for_the_medical_translator(
    db: Database,
) -> None:
    """Hazard H30: docs/clinical.md names every text migration 0030 ships in the family
    languages, for the certified medical translator's check."""
    doc = CLINICAL_DOC.read_text("utf-8")
    section = doc.split("### The hospital's own texts", 1)[1].split("\n#", 1)[0]
    section = " ".join(section.split())  # as read, not as the lines wrap
    names = {
        "packing_item": "SELECT CAST(id AS TEXT) AS key, text_en AS words FROM packing_item",
        "visit_kind": "SELECT key, name_en AS words FROM visit_kind",
        "home_medicine": "SELECT CAST(id AS TEXT) AS key, name_en AS words FROM home_medicine",
    }
    shipped = []
    for subject, sql in names.items():
        translated = await texts_of(db, subject)
        shipped += [row["words"] for row in await db.fetch_all(sql) if row["key"] in translated]
    shipped += [rule.reason["en"] for rule in await rules.select_rules(db) if "ar" in rule.reason]
    assert len(shipped) == 7 + 8 + 3 + 20
    assert [words for words in shipped if words not in section] == []


@pytest.mark.parametrize(("saved_name", "language"), [(True, "nl"), (False, "en")])
def test_migration_0031_keeps_what_the_app_assumed_of_a_saved_name(
    tmp_path: Path, saved_name: bool, language: str
) -> None:
    """A name an admin saved was read as Dutch, and still is; an install that never saved
    one shows the shipped English example, now marked as English. Notes already written
    stay Dutch, as they were taken to be."""
    connection = connect_sync(str(tmp_path / "old.sqlite3"), read_only=False)
    try:
        for number, _, sql in migration_files():
            if number < 31:
                connection.executescript(f"BEGIN;\n{sql}\nCOMMIT;")
        if saved_name:
            connection.execute(
                "INSERT INTO hospital_setting (name, value) VALUES ('name', 'Kinderoncologie')"
            )
            connection.commit()
        [(_, _, sql)] = [entry for entry in migration_files() if entry[0] == 31]
        connection.executescript(f"BEGIN IMMEDIATE;\n{sql}\nCOMMIT;")
        stored = dict(connection.execute("SELECT name, value FROM hospital_setting").fetchall())
        assert stored.get("name_language", HospitalSettings().name_language) == language
        columns = {row[1]: row[4] for row in connection.execute("PRAGMA table_info(visit)")}
        assert columns["family_note_language"] == "'nl'"
    finally:
        connection.close()
