"""Languages: pick the locale per request, translate with Babel catalogues, format dates.

Catalogues are the ``.po`` files in ``pwa/translations``; they are compiled in memory at
start-up, so there is no generated ``.mo`` file to forget. Adding a language is adding a
catalogue and its code to ``LOCALES``.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations
from quart import Quart, current_app, g, has_request_context, request

from . import dates
from .clock import HOSPITAL_ZONE_NAME
from .config import plain_http_development

LOCALES = ("en", "nl")
DEFAULT_LOCALE = "en"
# Like the session cookie: __Host- (Secure, Path=/, no Domain) so that no other host
# under the hospital's domain can set it; plain-http development drops the prefix.
LANGUAGE_COOKIE = "__Host-lang"
HTTP_LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands"}

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


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """A translation looked up when it is rendered, for form labels and messages."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


# Dates, times and numbers follow the region each language is used in here: English as
# in the UK (24-hour clock, day before month), not Babel's default of en_US.
FORMAT_REGIONS = {"en": "en_GB", "nl": "nl_NL"}


def format_region(locale: str | None = None) -> str:
    chosen = locale or current_locale()
    return FORMAT_REGIONS.get(chosen, chosen)


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
            "locales": LOCALES,
            "language_names": LANGUAGE_NAMES,
            "text_direction": Locale.parse(locale).text_direction,
            # Scripts write dates for this region (static/js/dates.js), as the server does.
            "date_region": format_region(locale).replace("_", "-"),
        }
