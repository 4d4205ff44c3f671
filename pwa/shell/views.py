"""PWA plumbing: the web app manifest, the service worker and the offline page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from quart import Response, current_app, g, url_for
from quart.typing import ResponseReturnValue

from ..db import get_db
from ..hospital import hospital_settings
from ..i18n import DEFAULT_LOCALE, LOCALES, current_locale, gettext, text_direction
from ..notifications.payloads import fallback_texts
from ..rendering import render_template
from ..security import Access, access
from ..shared_names import shared_names
from . import blueprint, precache
from .pages import mark_offline_pages

blueprint.after_app_request(mark_offline_pages)

APP_NAME = "Immuno Companion"
SHORT_NAME = "Immuno"
# The light scheme's colours; base.html's theme-color metas carry both schemes.
THEME_COLOUR = "#1d5c63"
BACKGROUND_COLOUR = "#f7f9f9"
DARK_THEME_COLOUR = "#10282b"
DARK_BACKGROUND_COLOUR = "#0f1a1b"
ICONS = (
    ("icons/icon.svg", "any", "image/svg+xml", "any"),
    ("icons/icon-192.png", "192x192", "image/png", "any"),
    ("icons/icon-512.png", "512x512", "image/png", "any"),
    ("icons/icon-maskable-512.png", "512x512", "image/png", "maskable"),
)


def _asset_url(path: str) -> str:
    return str(current_app.jinja_env.globals["asset"](path))  # type: ignore[operator]


def _static_folder() -> Path:
    return Path(str(current_app.static_folder))


async def render_offline_page(locale: str) -> str:
    """The offline page in one language; it holds nothing personal, so any phone may keep it."""
    previous = g.get("locale")
    g.locale = locale
    try:
        return await render_template(
            "shell/offline.html",
            hospital=await hospital_settings(get_db()),
            account=None,
            children=[],
            child=None,
        )
    finally:
        g.locale = previous


def manifest() -> dict[str, Any]:
    return {
        "id": "/",
        "name": APP_NAME,
        "short_name": SHORT_NAME,
        "description": gettext(
            "Treatment dates, a symptom diary and when to call the hospital, for families "
            "of children in immunotherapy."
        ),
        "lang": current_locale(),
        "dir": text_direction(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        # Chromium's proposal for per-scheme colours; other browsers ignore it.
        "user_preferences": {
            "color_scheme_dark": {
                "theme_color": DARK_THEME_COLOUR,
                "background_color": DARK_BACKGROUND_COLOUR,
            }
        },
        "icons": [
            {"src": _asset_url(path), "sizes": sizes, "type": kind, "purpose": purpose}
            for path, sizes, kind, purpose in ICONS
        ],
        "shortcuts": shortcuts(),
    }


def shortcuts() -> list[dict[str, Any]]:
    """What a long press on the app's icon offers: the diary form and when to call."""
    return [
        {
            "name": gettext("New report"),
            "short_name": gettext("Report"),
            "description": gettext("Write down how your child is today."),
            "url": url_for("diary.new_report"),
            "icons": [
                {
                    "src": _asset_url("icons/shortcut-report-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                }
            ],
        },
        {
            "name": gettext("When to call us"),
            "short_name": gettext("Call us"),
            "description": gettext("Warning signs and the hospital's phone numbers."),
            "url": url_for("families.call_us"),
            "icons": [
                {
                    "src": _asset_url("icons/shortcut-call-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                }
            ],
        },
    ]


@blueprint.route("/manifest.webmanifest")
@access(Access.PUBLIC)
async def web_app_manifest() -> ResponseReturnValue:
    body = json.dumps(manifest(), ensure_ascii=False, indent=1)
    response = Response(body, mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


async def worker_settings() -> tuple[str, dict[str, Any]]:
    """The worker's source and the settings the server fills into it."""
    source = precache.worker_path(_static_folder()).read_text(encoding="utf-8")
    offline_url = url_for("shell.offline")
    urls = precache.precache_urls(_static_folder(), _asset_url)
    pages = [await render_offline_page(locale) for locale in LOCALES]
    names = shared_names()
    settings = {
        "version": precache.shell_version(source, urls, pages, names),
        # Cache, database and message names and URLs the pages use too.
        "names": names,
        "offline": offline_url,
        "precache": [offline_url, *urls],
        "signedOut": url_for("accounts.login", signed_out=1),
        "staticPrefix": f"{current_app.static_url_path or '/static'}/",
        # For notifications whose push carried no readable payload (it must still show one).
        "notification": {
            "title": APP_NAME,
            "body": fallback_texts(),
            "language": DEFAULT_LOCALE,
            "icon": _asset_url("icons/icon-192.png"),
            "badge": _asset_url("icons/badge-96.png"),
        },
    }
    return source, settings


@blueprint.route("/sw.js")
@access(Access.PUBLIC)
async def service_worker() -> ResponseReturnValue:
    source, settings = await worker_settings()
    response = Response(precache.fill_worker(source, settings), mimetype="text/javascript")
    # Browsers must ask every time, or an update would wait for a stale copy to expire.
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.route("/offline")
@access(Access.PUBLIC)
async def offline() -> ResponseReturnValue:
    locale = current_locale()
    response = Response(await render_offline_page(locale), mimetype="text/html")
    # The worker re-fetches its copy when the family reads the app in another language.
    response.headers["Content-Language"] = locale
    return response
