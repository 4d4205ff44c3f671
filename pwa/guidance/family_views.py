"""The family's guidance pages: the list and one page, in the caregiver's language or the
nearest one the ward wrote, both kept on the phone for offline reading."""

from __future__ import annotations

from quart import Response, url_for
from quart.typing import ResponseReturnValue

from ..db import get_db
from ..families.context import family_context
from ..i18n import current_locale
from ..rendering import render_template
from ..security import Access, access, not_found_unless
from ..shell.pages import keep_with, offline_page
from . import blueprint, store
from .forms import SLUG, language_name
from .render import to_html


@blueprint.route("/guidance")
@access(Access.FAMILY)
@offline_page
async def index() -> ResponseReturnValue:
    """Every page's title; the phone keeps each page too, to open it offline later."""
    await family_context()
    pages = await store.select_pages(get_db())
    locale = current_locale()
    entries = [(page, page.text_for(locale)) for page in pages]
    body = await render_template("guidance/index.html", entries=entries, locale=locale)
    response = Response(body, mimetype="text/html")
    keep_with(response, [url_for("guidance.page", slug=page.slug) for page in pages])
    return response


@blueprint.route("/guidance/<slug>")
@access(Access.FAMILY)
@offline_page
async def page(slug: str) -> ResponseReturnValue:
    not_found_unless(SLUG.match(slug))
    found = await store.select_page_by_slug(get_db(), slug)
    not_found_unless(found)
    assert found is not None
    await family_context()
    locale = current_locale()
    text = found.text_for(locale)
    return await render_template(
        "guidance/page.html",
        guidance=found,
        text=text,
        body=to_html(text.body_markdown),
        shown_in=language_name(text.language) if text.language != locale else None,
    )
