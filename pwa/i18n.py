"""Languages: pick the locale per request, translate with Babel catalogues, format dates.

Catalogues are the ``.po`` files in ``pwa/translations``; they are compiled in memory at
start-up, so there is no generated ``.mo`` file to forget. English and Dutch cover every
page; the family languages (``FAMILY_LOCALES``) cover what a family sees, and a member of
staff always gets English or Dutch. Adding a language is adding a catalogue, its code here
and its name (docs/translations.md).
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations
from markupsafe import Markup, escape
from quart import Quart, current_app, g, has_request_context, request

from . import dates
from .clock import HOSPITAL_ZONE_NAME
from .config import plain_http_development

# Every page is in English and Dutch; the family's pages also in the languages the
# hospital's families read most after Dutch (Arabic is written right to left).
STAFF_LOCALES = ("en", "nl")
FAMILY_LOCALES = ("ar", "pl", "tr", "uk")
LOCALES = STAFF_LOCALES + FAMILY_LOCALES
DEFAULT_LOCALE = "en"
# Like the session cookie: __Host- (Secure, Path=/, no Domain) so that no other host
# under the hospital's domain can set it; plain-http development drops the prefix.
LANGUAGE_COOKIE = "__Host-lang"
HTTP_LANGUAGE_COOKIE = "lang"
# Each language named in itself: someone who cannot read the page can still find theirs.
LANGUAGE_NAMES = {
    "en": "English",
    "nl": "Nederlands",
    "ar": "العربية",
    "pl": "Polski",
    "tr": "Türkçe",
    "uk": "Українська",
}

_catalogues: dict[str, NullTranslations] = {}


def load_catalogues() -> dict[str, NullTranslations]:
    """Compile every shipped ``.po`` catalogue into an in-memory translation."""
    if _catalogues:
        return _catalogues
    _catalogues[DEFAULT_LOCALE] = NullTranslations()
    root = resources.files("pwa") / "translations"
    for locale in LOCALES:
        if locale == DEFAULT_LOCALE:
            continue
        po_file = root / locale / "LC_MESSAGES" / "messages.po"
        with po_file.open("rb") as handle:
            catalogue = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalogue, use_fuzzy=False)
        buffer.seek(0)
        _catalogues[locale] = Translations(fp=buffer)
    return _catalogues


def negotiate(cookie: str | None, account_locale: str | None, accept: Any) -> str:
    """The locale for a request: remembered choice, then the account's, then the browser's."""
    for choice in (cookie, account_locale):
        if choice in LOCALES:
            return choice
    # In the browser's order of preference, by language: "nl-NL,en;q=0.9" is Dutch.
    # (Werkzeug's best_match prefers any exact match, so it would answer "en" here.)
    for value, quality in accept or ():
        language = str(value).replace("_", "-").split("-", 1)[0].lower()
        if quality > 0 and language in LOCALES:
            return language
    return DEFAULT_LOCALE


def current_locale() -> str:
    if has_request_context():
        return str(getattr(g, "locale", DEFAULT_LOCALE))
    return DEFAULT_LOCALE


def _translations() -> NullTranslations:
    return load_catalogues().get(current_locale()) or load_catalogues()[DEFAULT_LOCALE]


def gettext(message: str, **variables: Any) -> str:
    text = _translations().gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, number: int, **variables: Any) -> str:
    variables.setdefault("num", number)
    return _translations().ngettext(singular, plural, number) % variables


def translate(locale: str, message: str, **variables: Any) -> str:
    """A message in a given language, outside any request (notifications, feeds)."""
    catalogue = load_catalogues().get(locale) or load_catalogues()[DEFAULT_LOCALE]
    text = catalogue.gettext(message)
    return text % variables if variables else text


def translate_plural(locale: str, singular: str, plural: str, number: int, **variables: Any) -> str:
    """``ngettext`` in a given language, outside any request: the language's own plural
    forms (Arabic has six, Polish and Ukrainian three)."""
    catalogue = load_catalogues().get(locale) or load_catalogues()[DEFAULT_LOCALE]
    variables.setdefault("num", number)
    return catalogue.ngettext(singular, plural, number) % variables


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """A translation looked up when it is rendered, for form labels and messages."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


# Dates, times and numbers follow the region each language is used in here: English as
# in the UK (24-hour clock, day before month), not Babel's default of en_US.
# Arabic is written in Modern Standard Arabic for families from many countries, so it has
# no region; like Babel on the server, the phone writes its numbers in Latin digits (the
# digits of the ward's phone numbers and of the thermometer), hence "-u-nu-latn".
FORMAT_REGIONS = {
    "en": "en_GB",
    "nl": "nl_NL",
    "ar": "ar",
    "pl": "pl_PL",
    "tr": "tr_TR",
    "uk": "uk_UA",
}


def format_region(locale: str | None = None) -> str:
    chosen = locale or current_locale()
    return FORMAT_REGIONS.get(chosen, chosen)


def script_region(locale: str | None = None) -> str:
    """The BCP 47 tag the phone's Intl formats with (static/js/dates.js)."""
    return format_region(locale).replace("_", "-") + "-u-nu-latn"


def text_direction(locale: str | None = None) -> str:
    """ "rtl" for a language written right to left (Arabic), else "ltr" (from CLDR)."""
    return (
        "rtl"
        if Locale.parse(locale or current_locale()).character_order == "right-to-left"
        else "ltr"
    )


@cache
def _plural_samples(locale: str) -> tuple[tuple[str, int], ...]:
    rules = Locale.parse(locale)
    samples: dict[str, int] = {}
    for number in range(200):
        samples.setdefault(rules.plural_form(number), number)
    # "other" is the scripts' fallback; in Polish and Ukrainian it only counts fractions.
    samples.setdefault("other", samples.get("many", 0))
    return tuple(samples.items())


def plural_samples(locale: str | None = None) -> tuple[tuple[str, int], ...]:
    """Each CLDR plural category of the language with its smallest whole number.

    A page gives its scripts one text per category (``data-text-few`` …) by calling
    ``ngettext`` with the sample; the script picks the category with ``Intl.PluralRules``.
    English has one and other; Arabic zero, one, two, few, many and other.
    """
    return _plural_samples(locale or current_locale())


def left_to_right(value: object) -> Markup:
    """A phone number or code kept left to right inside a right-to-left sentence.

    ``<bdi dir="ltr">`` isolates it: "+31 30 000 0000" in Arabic would otherwise be laid
    out group by group from the right ("0000 000 30 31+").
    """
    return Markup('<bdi dir="ltr">{}</bdi>').format(value)


# "08:00-17:00" in any language's sentence.
TIME_RANGE = re.compile(r"\d{2}:\d{2}-\d{2}:\d{2}")


def time_ranges_together(text: str) -> Markup:
    """The text with each time range ("08:00-17:00") one left-to-right piece that never
    breaks: on a narrow phone "08:00-" would otherwise end one line and "17:00" start the
    next. Text that is not markup yet is escaped."""
    pieces, done = [], 0
    for found in TIME_RANGE.finditer(text):
        pieces += [escape(text[done : found.start()]), left_to_right(found.group())]
        done = found.end()
    return Markup("").join([*pieces, escape(text[done:])])


def locales_for(staff: bool) -> tuple[str, ...]:
    """The languages a person may choose: staff pages exist in English and Dutch only."""
    return STAFF_LOCALES if staff else LOCALES


def for_staff(locale: str) -> str:
    """A member of staff's language: theirs when it is English or Dutch, else English."""
    return locale if locale in STAFF_LOCALES else DEFAULT_LOCALE


# Babel's named styles ("short", "medium", …) are accepted and all read as the house
# style of pwa/dates.py: a template cannot give one page a look of its own.
def format_date(value: date | datetime, style: str = "day") -> str:
    return dates.day(value, format_region())


def format_datetime(value: datetime, style: str = "moment", zone: str = HOSPITAL_ZONE_NAME) -> str:
    return dates.moment(value, format_region(), zone)


def format_time(value: datetime, style: str = "clock", zone: str = HOSPITAL_ZONE_NAME) -> str:
    local = value.astimezone(ZoneInfo(zone)) if value.tzinfo else value
    return dates.clock(local, format_region())


def language_cookie_name() -> str:
    """The language cookie's name for the scheme the app is served over."""
    if plain_http_development(current_app.config):
        return HTTP_LANGUAGE_COOKIE
    return LANGUAGE_COOKIE


def select_locale() -> None:
    """Before each request: decide the language (the account's is applied after sign-in)."""
    g.locale = negotiate(
        request.cookies.get(language_cookie_name()), None, request.accept_languages
    )


def init_app(app: Quart) -> None:
    load_catalogues()
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # Jinja's newstyle gettext does the %-formatting itself, so it gets the raw lookups.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: _translations().gettext(message),
        ngettext=lambda singular, plural, number: _translations().ngettext(
            singular, plural, number
        ),
        newstyle=True,
    )
    app.before_request(select_locale)

    @app.context_processor
    async def locale_context() -> dict[str, Any]:
        locale = current_locale()
        return {
            "locale": locale,
            "locales": locales_for(bool(getattr(g, "account", None) and g.account.is_staff)),
            "language_names": LANGUAGE_NAMES,
            "text_direction": text_direction(locale),
            # Scripts write dates for this region (static/js/dates.js), as the server does.
            "date_region": script_region(locale),
        }
