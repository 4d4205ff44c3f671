"""Dutch and English: the browser's language, a remembered switch, dates, full catalogues.

The catalogue tests extract every message from the source with Babel, as
``make translations`` does, so a visible string added without a Dutch translation (or
left fuzzy after ``pybabel update``) fails the suite.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
import time_machine
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from quart import Quart, g
from quart.typing import TestClientProtocol as Client

from pwa import i18n
from pwa.db import Database
from pwa.guidance import examples as guidance_examples
from pwa.hospital import HospitalSettings
from tests.conftest import People, get_csrf, post_form, sign_in

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "pwa" / "translations"
# What `make translations` passes to pybabel extract besides babel.cfg.
KEYWORDS: dict[str, Any] = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "translate_plural": (2, 3),  # translate_plural(locale, singular, plural, n)
}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
PLACEHOLDER = re.compile(r"%\(\w+\)[a-z]|%[a-z]")
TRANSLATED_LOCALES = [locale for locale in i18n.LOCALES if locale != i18n.DEFAULT_LOCALE]
STAFF_TRANSLATED = [locale for locale in i18n.STAFF_LOCALES if locale != i18n.DEFAULT_LOCALE]

Msgid = str | tuple[str, ...]


def nl(**headers: str) -> dict[str, str]:
    return {"Accept-Language": "nl", **headers}


def en(**headers: str) -> dict[str, str]:
    return {"Accept-Language": "en", **headers}


async def page(client: Client, path: str, headers: dict[str, str] | None = None) -> str:
    response = await client.get(path, headers=headers or {})
    assert response.status_code in {200, 404}, (path, response.status_code)
    return str(await response.get_data(as_text=True))


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "page has no <html lang>"
    return match.group(1)


class _VisibleText(HTMLParser):
    """The text a person sees or hears: element text plus labelling attributes.

    With ``own_language_only``, text marked with another ``lang`` than the page's (the
    language switch's "English", the English half of a bilingual list) is left out.
    """

    ATTRIBUTES: ClassVar[set[str]] = {"alt", "aria-label", "title", "placeholder"}
    VOID: ClassVar[set[str]] = {"area", "base", "br", "col", "embed", "hr", "img", "input"}
    VOID_MORE: ClassVar[set[str]] = {"link", "meta", "source", "track", "wbr"}

    def __init__(self, own_language_only: bool = False) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.own_language_only = own_language_only
        self.page_language: str | None = None
        self._open: list[tuple[str, bool]] = []  # (tag, hidden)

    @property
    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.page_language = values.get("lang")
            return
        foreign = self.own_language_only and values.get("lang") not in (None, self.page_language)
        hidden = tag in {"script", "style", "template"} or foreign
        if not hidden and not self._hidden:
            self.parts.extend(value for name, value in attrs if name in self.ATTRIBUTES and value)
        if tag not in self.VOID | self.VOID_MORE:
            self._open.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str, *, own_language_only: bool = False) -> str:
    parser = _VisibleText(own_language_only)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# --- the catalogue checks ---------------------------------------------------------


def source_messages(config: str = "babel.cfg") -> dict[Msgid, str]:
    """Every translatable message in pwa/ and templates/, with where it was found; with
    ``babel-family.cfg``, only what a family sees."""
    with (ROOT / config).open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    for pattern, method in method_map:
        if method == "jinja2":
            options_map[pattern] = {**JINJA_OPTIONS, **options_map.get(pattern, {})}
    found: dict[Msgid, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        # Like the Makefile's --ignore-dirs: templates/_partials is read, bench's npm tree not.
        directory_filter=lambda path: (
            not Path(path).name.startswith(".") and Path(path).name != "node_modules"
        ),
    ):
        msgid = message if isinstance(message, str) else tuple(part for part in message if part)
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def catalogue_problems(messages: dict[Msgid, str], catalogue: Catalog) -> list[str]:
    """What is missing, empty, fuzzy or has other placeholders than the English."""
    problems = []
    if catalogue.fuzzy:
        problems.append("the catalogue header is marked fuzzy")
    for msgid, where in sorted(messages.items(), key=lambda item: str(item[0])):
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalogue.get(key)
        if entry is None:
            problems.append(f"missing: {key!r} ({where})")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {key!r} ({where})")
        originals = list(msgid) if isinstance(msgid, tuple) else [msgid]
        strings = list(entry.string) if isinstance(entry.string, tuple) else [entry.string]
        if not all(strings):
            problems.append(f"untranslated: {key!r} ({where})")
            continue
        for index, string in enumerate(strings):
            english = originals[min(index, len(originals) - 1)]
            if placeholders(string) != placeholders(english):
                problems.append(f"placeholders differ: {key!r} -> {string!r} ({where})")
    return problems


@pytest.fixture(scope="module")
def messages() -> dict[Msgid, str]:
    found = source_messages()
    assert len(found) > 100, "extraction found suspiciously few messages"
    return found


def test_extraction_reads_python_labels_and_partial_templates(messages: dict[Msgid, str]) -> None:
    """The lazy form labels and the shared partials are part of what must be translated."""
    assert "E-mail address" in messages  # _l() in pwa/accounts/forms.py
    assert "Please check the fields marked below." in messages  # templates/_partials
    assert "When to call us" in messages  # a template
    assert "The e-mail address or password is not correct." in messages  # gettext() in views


@pytest.mark.parametrize("locale", STAFF_TRANSLATED)
def test_every_message_is_translated(messages: dict[Msgid, str], locale: str) -> None:
    catalogue = read_catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    problems = catalogue_problems(messages, catalogue)
    assert not problems, "run `make translations` and translate:\n" + "\n".join(problems)


def test_both_english_forms_of_a_plural_carry_the_same_placeholders(
    messages: dict[Msgid, str],
) -> None:
    """A language whose "one" form also counts 21 or 31 (Ukrainian) or whose forms do not
    follow English at all (Arabic) needs every form to be able to say everything: a
    sentence that is only ever about one thing is a gettext of its own."""
    uneven = [
        f"{msgid[0]!r} ({where})"
        for msgid, where in messages.items()
        if isinstance(msgid, tuple) and placeholders(msgid[0]) != placeholders(msgid[1])
    ]
    assert not uneven, "\n".join(uneven)


@pytest.fixture(scope="module")
def family_messages() -> dict[Msgid, str]:
    found = source_messages("babel-family.cfg")
    assert len(found) > 100, "extraction found suspiciously few messages"
    return found


def test_the_family_set_is_what_a_family_sees(family_messages: dict[Msgid, str]) -> None:
    """babel-family.cfg reads the family's pages and leaves the staff-only ones out."""
    assert "When to call us" in family_messages  # the call-now screen
    assert "You were invited to follow the treatment of %(name)s." in family_messages
    assert "Time for a dose at home — open the app to note it." in family_messages  # a push
    assert "Review queue" not in family_messages  # the nurses' queue
    assert "Hospital systems" not in family_messages  # an admin page


@pytest.mark.parametrize("locale", i18n.FAMILY_LOCALES)
def test_every_family_message_is_translated(family_messages: dict[Msgid, str], locale: str) -> None:
    """Hazard H31: every message a family sees, in each family language: translated, not fuzzy, the
    same placeholders, and every plural form of the language's CLDR rule filled."""
    catalogue = read_catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
    problems = catalogue_problems(family_messages, catalogue)
    for msgid in family_messages:
        if isinstance(msgid, tuple):
            entry = catalogue.get(msgid[0])
            forms = entry.string if entry is not None else ()
            if len(forms) != catalogue.num_plurals:
                problems.append(
                    f"{len(forms)} of {catalogue.num_plurals} plural forms: {msgid[0]!r}"
                )
    assert not problems, "run `make translations` and translate:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_catalogue_header_and_format_checks(locale: str) -> None:
    catalogue = read_catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    assert str(catalogue.locale) == locale
    assert catalogue.mime_headers  # the header entry is present, not omitted
    headers = dict(catalogue.mime_headers)
    assert headers["Language"] == locale
    assert catalogue.plural_forms == Catalog(locale=locale).plural_forms  # CLDR's rule
    errors = [(message.id, [str(error) for error in found]) for message, found in catalogue.check()]
    assert not errors


def unextractable_calls(source: str, filename: str) -> list[str]:
    """Translation calls Babel cannot read on Python 3.11: inside an f-string, or with a
    first argument that is not a literal string (it would never reach the catalogue)."""
    tree = ast.parse(source, filename)
    inside_fstrings = {
        id(node)
        for joined in ast.walk(tree)
        if isinstance(joined, ast.JoinedStr)
        for node in ast.walk(joined)
    }
    problems: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if node.func.id not in KEYWORDS:
            continue
        where = f"{filename}:{node.lineno}"
        spec = KEYWORDS[node.func.id]
        first = spec[0] - 1 if isinstance(spec, tuple) else 0  # where the message is
        if id(node) in inside_fstrings:
            problems.append((node.lineno, f"{where}: {node.func.id}() inside an f-string"))
        elif len(node.args) <= first or not (
            isinstance(node.args[first], ast.Constant) and isinstance(node.args[first].value, str)
        ):
            problems.append((node.lineno, f"{where}: {node.func.id}() needs a literal string"))
    return [text for _, text in sorted(problems)]


def test_translation_calls_in_python_can_be_extracted() -> None:
    problems = []
    for path in sorted((ROOT / "pwa").rglob("*.py")):
        if path.name == "i18n.py" and path.parent.name == "pwa":
            continue  # the helpers themselves pass their argument on
        relative = str(path.relative_to(ROOT))
        problems += unextractable_calls(path.read_text(encoding="utf-8"), relative)
    assert not problems, "Babel cannot extract these calls:\n" + "\n".join(problems)


def test_the_extraction_check_sees_hidden_calls() -> None:
    source = (
        "label = _l(name)\n"
        "text = f\"{period} {gettext('Nothing here.')}\"\n"
        "fine = gettext('Seen.', count=2)\n"
    )
    problems = unextractable_calls(source, "example.py")
    assert problems == [
        "example.py:1: _l() needs a literal string",
        "example.py:2: gettext() inside an f-string",
    ]


@pytest.mark.parametrize(
    ("template", "config"), [("messages.pot", "babel.cfg"), ("family.pot", "babel-family.cfg")]
)
def test_template_files_are_current(template: str, config: str) -> None:
    """Both templates hold exactly what the source has (the family's: what it sees)."""
    catalogue = read_catalogue(TRANSLATIONS / template)
    found = source_messages(config)
    keys = {msgid[0] if isinstance(msgid, tuple) else msgid for msgid in found}
    stale = sorted(key for key in keys if catalogue.get(key) is None)
    obsolete = sorted(
        message.id
        for message in catalogue
        if message.id
        and (message.id[0] if isinstance(message.id, tuple) else message.id) not in keys
    )
    assert not stale and not obsolete, f"run `make translations`: {stale} {obsolete}"


def test_the_catalogue_check_fails_on_broken_entries() -> None:
    """The check above can fail: each kind of mistake is reported, and only those."""
    source: dict[Msgid, str] = {
        "Sign in": "a.html:1",
        "Sign out": "a.html:2",
        "Settings": "a.html:3",
        "Born %(date)s": "a.html:4",
        ("%(num)s course", "%(num)s courses"): "a.html:5",
        "A string nobody translated": "a.html:6",
    }
    catalogue = Catalog(locale="nl", fuzzy=False)
    catalogue.add("Sign in", "Inloggen")
    catalogue.add("Sign out", "Uitloggen")
    catalogue.add("Settings", "Instellingen")
    catalogue.add("Born %(date)s", "Geboren op %(date)s")
    catalogue.add(("%(num)s course", "%(num)s courses"), ("%(num)s kuur", "%(num)s kuren"))
    catalogue.add("A string nobody translated", "Een vertaalde tekst")
    assert catalogue_problems(source, catalogue) == []

    catalogue["Sign in"].string = ""
    catalogue["Settings"].flags.add("fuzzy")
    catalogue["Born %(date)s"].string = "Geboren op %(datum)s"
    catalogue["%(num)s course"].string = ("%(num)s kuur", "")
    del catalogue["A string nobody translated"]
    catalogue.fuzzy = True
    problems = catalogue_problems(source, catalogue)
    expected = [
        "the catalogue header is marked fuzzy",
        "untranslated: '%(num)s course'",
        "missing: 'A string nobody translated'",
        "placeholders differ: 'Born %(date)s'",
        "fuzzy: 'Settings'",
        "untranslated: 'Sign in'",
    ]
    assert len(problems) == len(expected), problems
    for line, start in zip(problems, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_catalogues_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_catalogues", {})
    compiled = i18n.load_catalogues()
    assert set(compiled) == set(i18n.LOCALES)
    assert compiled["nl"].gettext("Sign in") == "Inloggen"
    assert compiled["nl"].gettext("When to call us") == "Wanneer bel je ons"
    assert compiled["en"].gettext("Sign in") == "Sign in"


# --- the language of a page -------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("nl", "nl"),
        ("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7", "nl"),
        ("nl-BE", "nl"),
        ("en", "en"),
        ("nl-NL,en;q=0.9", "nl"),
        ("en-GB,nl;q=0.5", "en"),
        ("nl;q=0,en-US", "en"),
        ("nl_NL", "nl"),
        ("*", "en"),
        ("fr-FR,de;q=0.8", "en"),
        (None, "en"),
    ],
)
async def test_browser_language_decides_the_page_language(
    client: Client, accept: str | None, expected: str
) -> None:
    html = await page(client, "/login", {"Accept-Language": accept} if accept else {})
    assert html_lang(html) == expected
    text = visible_text(html)
    if expected == "nl":
        assert "Inloggen" in text and "Wachtwoord" in text and "E-mailadres" in text
        assert "Sign in" not in text and "Password" not in text
    else:
        assert "Sign in" in text and "Password" in text and "E-mail address" in text
        assert "Inloggen" not in text


async def test_dutch_form_errors_and_labels(client: Client) -> None:
    """Validation messages (ours, WTForms' own and the form macro's) are Dutch too."""
    token = await get_csrf(client, "/login")
    response = await client.post(
        "/login", form={"csrf_token": token, "email": "", "password": ""}, headers=nl()
    )
    text = visible_text(await response.get_data(as_text=True))
    assert "Vul dit nog in." in text
    assert "Kijk de gemarkeerde velden hieronder nog even na." in text
    assert "Please" not in text


def english_msgids(locale: str) -> list[str]:
    """English texts that must not show on a page in ``locale`` (placeholders left out)."""
    catalogue = read_catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    texts = []
    for message in catalogue:
        if not message.id or not isinstance(message.id, str) or message.string == message.id:
            continue
        texts.extend(
            part.strip() for part in PLACEHOLDER.split(message.id) if len(part.strip()) >= 4
        )
    return texts


def english_on_page(html: str, texts: Iterable[str]) -> list[str]:
    # The hospital's name is data the admin sets, not interface text; the shipped example
    # name happens to be English.
    shown = visible_text(html, own_language_only=True).replace(HospitalSettings().name, "")
    return [text for text in texts if re.search(rf"(?<!\w){re.escape(text)}(?!\w)", shown)]


@pytest.mark.parametrize("language", ["nl", *i18n.FAMILY_LOCALES])
async def test_no_english_left_on_translated_pages(
    app: Quart, db: Database, people: People, language: str
) -> None:
    """Hazard H31: every page in Dutch; every page a family or a visitor sees in each family language
    (which also proves that babel-family.cfg leaves out no family page)."""
    texts = english_msgids(language)
    asked = {"Accept-Language": language}
    # The fixtures' names ("Nurse", "Admin") are data that would read as English words.
    names = {people.nurse_id: "Anna de Vries", people.admin_id: "Bram", people.parent_id: "Sanne"}
    async with db.transaction() as connection:
        for account_id, name in names.items():
            await connection.execute(
                "UPDATE account SET display_name = ? WHERE id = ?", (name, account_id)
            )
    visitor = app.test_client()
    family = app.test_client()
    await sign_in(family, "parent@example.org")
    nurse = app.test_client()
    await sign_in(nurse, "nurse@example.org", staff=True)
    admin = app.test_client()
    await sign_in(admin, "admin@example.org", staff=True)
    # A treatment plan starting soon, so the family pages show visits, countdowns and lists.
    plan_url = f"/nurse/children/{people.child_id}/plan"
    start = (date.today() + timedelta(days=3)).isoformat()
    created = await post_form(nurse, plan_url, {"start_date": start})
    assert created.status_code == 302
    schedule = await page(family, "/schedule", asked)
    visit = re.search(r'href="(/schedule/visits/\d+)"', schedule)
    assert visit, "the schedule links no visit"
    # A report with a red flag, typed the Dutch way (decimal comma), shows advice and reasons.
    now = datetime.now(ZoneInfo("Europe/Amsterdam")) - timedelta(minutes=5)
    answers = {"temperature": "39,2", "pain": "8", "breathing": "hard", "note": ""}
    answers |= {"observed_date": now.date().isoformat(), "observed_time": now.strftime("%H:%M")}
    sent = await post_form(family, "/diary/new", answers)
    assert sent.status_code == 302, await sent.get_data(as_text=True)
    # The example guidance pages, one of them written in English only (shown with a note).
    async with db.transaction() as connection:
        await guidance_examples.add_examples(connection, people.admin_id)
        await connection.execute(
            "DELETE FROM guidance_text WHERE language = 'nl' AND page_id = "
            "(SELECT id FROM guidance_page WHERE slug = 'skin')"
        )
    pages = [
        (visitor, "/login"),
        (visitor, "/invite"),
        (visitor, "/privacy"),
        (visitor, "/call"),
        (visitor, "/offline"),
        (visitor, "/no-such-page"),
        (family, "/"),
        (family, "/call"),
        (family, "/schedule"),
        (family, visit.group(1)),
        (family, "/settings"),
        (family, "/settings/password"),
        (family, "/settings/calendar"),
        (family, "/diary"),
        (family, "/diary?view=trends"),
        (family, "/diary/new"),
        (family, sent.location),
        (family, "/settings/access-log"),
        (family, "/settings/reminders"),
        (family, "/guidance"),
        (family, "/guidance/pain-at-home"),
        (family, "/guidance/skin"),
        (family, "/card"),
        (family, "/doses"),
        (family, "/doses/times"),
        (family, "/messages"),
        (family, "/settings/phone"),
        (family, "/settings/data"),
        (nurse, "/nurse/children"),
        (nurse, f"/nurse/children/{people.child_id}"),
        (nurse, plan_url),
        (nurse, f"/nurse/children/{people.child_id}/visits/new"),
        (nurse, "/nurse/upcoming"),
        (nurse, "/nurse/queue"),
        (nurse, "/settings/reminders"),
        (nurse, sent.location.replace("/diary/", "/nurse/reports/").split("?")[0]),
        (nurse, f"/nurse/children/{people.child_id}/print"),
        (admin, "/admin/"),
        (admin, "/admin/template"),
        (admin, "/admin/packing"),
        (admin, "/admin/diary-items"),
        (admin, "/admin/rules"),
        (admin, "/admin/rules/new"),
        (admin, "/admin/accounts"),
        (admin, "/admin/hospital"),
        (admin, "/admin/audit"),
        (admin, "/admin/reminders"),
        (admin, "/admin/status"),
        (admin, "/admin/guidance"),
        (admin, "/admin/guidance/new"),
        (admin, "/admin/guidance/1"),
    ]
    for client, path in pages:
        if language not in i18n.STAFF_LOCALES and client in (nurse, admin):
            continue  # staff pages are English and Dutch only
        html = await page(client, path, asked)
        assert html_lang(html) == language, path
        assert english_on_page(html, texts) == [], path
    # The check itself sees English when it is there.
    assert english_on_page(await page(visitor, "/login", en()), texts)


# --- the switch -------------------------------------------------------------------


def language_cookie(response: Any) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{i18n.LANGUAGE_COOKIE}="):
            return str(header)
    return None


async def test_switch_is_remembered_over_the_browser_language(client: Client) -> None:
    assert html_lang(await page(client, "/login", en())) == "en"
    token = await get_csrf(client, "/login")
    response = await client.post(
        "/settings/language?next=/privacy", form={"csrf_token": token, "lang": "nl"}, headers=en()
    )
    assert response.status_code == 302
    assert response.location == "/privacy"
    cookie = language_cookie(response)
    assert cookie is not None
    assert cookie.startswith("__Host-lang=nl;") and "Path=/" in cookie
    assert "Max-Age=31536000" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    for path in ("/login", "/privacy", "/call"):
        html = await page(client, path, en())
        assert html_lang(html) == "nl", path
    assert "Privacyverklaring" in visible_text(await page(client, "/privacy", en()))

    response = await post_form(client, "/settings/language", {"lang": "en"}, csrf_path="/login")
    assert response.status_code == 302
    assert html_lang(await page(client, "/login", nl())) == "en"


async def test_switch_shows_which_language_is_chosen(client: Client) -> None:
    html = await page(client, "/login", nl())
    assert re.search(r'value="nl" lang="nl"[^>]*aria-pressed="true"', html)
    assert re.search(r'value="en" lang="en"[^>]*aria-pressed="false"', html)


async def test_signed_in_choice_is_stored_on_the_account(
    app: Quart, db: Database, people: People, family_client: Client
) -> None:
    response = await post_form(
        family_client, "/settings/language", {"lang": "nl"}, csrf_path="/settings"
    )
    assert response.status_code == 302
    row = await db.fetch_one("SELECT locale FROM account WHERE id = ?", (people.parent_id,))
    assert row is not None and row["locale"] == "nl"

    # Another phone: no language cookie, an English browser, and yet Dutch after sign-in.
    other_phone = app.test_client()
    assert html_lang(await page(other_phone, "/login", en())) == "en"
    await sign_in(other_phone, "parent@example.org")
    html = await page(other_phone, "/", en())
    assert html_lang(html) == "nl"
    assert "Wanneer bel je ons" in visible_text(html)

    # A choice made on a device wins over the account's language on that device.
    shared_tablet = app.test_client()
    await post_form(shared_tablet, "/settings/language", {"lang": "en"}, csrf_path="/login")
    await sign_in(shared_tablet, "parent@example.org")
    assert html_lang(await page(shared_tablet, "/", nl())) == "en"


@pytest.mark.parametrize("chosen", ["fr", "", "NL", "nl-NL", "../en"])
async def test_switch_refuses_an_unknown_language(client: Client, chosen: str) -> None:
    token = await get_csrf(client, "/login")
    response = await client.post("/settings/language", form={"csrf_token": token, "lang": chosen})
    assert response.status_code == 400
    assert language_cookie(response) is None


async def test_switch_refuses_a_missing_or_forged_csrf_token(client: Client) -> None:
    await client.get("/login")
    missing = await client.post("/settings/language", form={"lang": "nl"})
    assert missing.status_code == 400
    assert language_cookie(missing) is None
    forged = await client.post("/settings/language", form={"lang": "nl", "csrf_token": "forged"})
    assert forged.status_code == 400
    assert language_cookie(forged) is None
    assert html_lang(await page(client, "/login", en())) == "en"


async def test_signed_in_switch_without_token_changes_nothing(
    db: Database, people: People, family_client: Client
) -> None:
    response = await family_client.post("/settings/language", form={"lang": "nl"})
    assert response.status_code == 400
    row = await db.fetch_one("SELECT locale FROM account WHERE id = ?", (people.parent_id,))
    assert row is not None and row["locale"] is None


# --- dates ------------------------------------------------------------------------


async def test_nurse_list_shows_birth_dates_per_locale(
    nurse_client: Client, people: People
) -> None:
    dutch = visible_text(await page(nurse_client, "/nurse/children", nl()))
    assert "31 mei 2019" in dutch
    assert "May" not in dutch
    english = visible_text(await page(nurse_client, "/nurse/children", en()))
    assert "31 May 2019" in english
    child = visible_text(await page(nurse_client, f"/nurse/children/{people.child_id}", nl()))
    assert "Geboren op 31 mei 2019" in child


async def test_staffed_hours_use_the_locale_day_names(client: Client) -> None:
    dutch = visible_text(await page(client, "/call", nl()))
    assert "maandag tot en met vrijdag, 08:00-17:00 uur" in dutch
    english = visible_text(await page(client, "/call", en()))
    assert "Monday to Friday, 08:00-17:00" in english


@pytest.mark.parametrize("headers", [en(), nl()], ids=["en", "nl"])
async def test_staffed_hours_are_one_left_to_right_piece(
    client: Client, headers: dict[str, str]
) -> None:
    """On a narrow phone "08:00-" must not end one line and "17:00" start the next."""
    html = await page(client, "/call", headers)
    assert '<bdi dir="ltr">08:00-17:00</bdi>' in html
    assert "08:00-17:00" not in html.replace('<bdi dir="ltr">08:00-17:00</bdi>', "")


@pytest.mark.parametrize(
    ("locale", "this_year", "other_year"),
    [
        ("nl", ("29 mrt", "zo 29 mrt, 03:30"), ("3 dec 2025", "wo 3 dec 2025, 14:05")),
        ("en", ("29 Mar", "Sun 29 Mar, 03:30"), ("3 Dec 2025", "Wed, 3 Dec 2025, 14:05")),
    ],
)
async def test_format_helpers_follow_the_request_locale(
    app: Quart, locale: str, this_year: tuple[str, str], other_year: tuple[str, str]
) -> None:
    """Hazard H18: one way of writing dates per language; a year only outside this year."""
    # 01:30 UTC on the night the clocks go forward is 03:30 in Amsterdam.
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    last_year = datetime(2025, 12, 3, 13, 5, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC)):
        async with app.test_request_context("/", headers={"Accept-Language": locale}):
            i18n.select_locale()
            assert g.locale == locale
            assert i18n.format_date(date(2026, 3, 29)) == this_year[0]
            # Babel's named styles read as the house style too: no page has a look of its own.
            assert i18n.format_datetime(moment, "short") == this_year[1]
            assert i18n.format_datetime(moment, "medium") == this_year[1]
            assert i18n.format_date(date(2025, 12, 3)) == other_year[0]
            assert i18n.format_datetime(last_year) == other_year[1]
        assert i18n.format_date(date(2026, 3, 29)) == "29 Mar"  # outside a request: English
