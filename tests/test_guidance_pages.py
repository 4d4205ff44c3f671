"""The family's guidance pages: in the caregiver's language, else Dutch, else English, with
the fallback marked; neutral titles; kept for offline reading with the list's pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pwa.db import Database
from pwa.shared_names import CACHEABLE_HEADER, RELATED_HEADER
from tests.conftest import People, choose_language, sign_in
from tests.helpers.guidance import add_page
from tests.helpers.pages import page_text, plain

DUTCH = ("Pijn thuis", "Geef de pijn een cijfer van 0 tot 10.")
ENGLISH = ("Pain at home", "Give the pain a number from 0 to 10.")
FALLBACK_NOTE = "This page is not yet available in your language; shown in"


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match
    return match.group(1).strip()


def article_of(html: str) -> str:
    match = re.search(r'<article class="guidance"[^>]*>.*?</article>', html, re.S)
    assert match
    return match.group(0)


async def test_the_menu_leads_to_the_list_and_the_list_to_each_page(
    family_client: Any, db: Database
) -> None:
    await add_page(db, "pain-at-home", {"nl": DUTCH, "en": ENGLISH})
    await add_page(db, "skin", {"en": ("Isotretinoin and the skin", "Lips and skin.")})
    home = await page_text(family_client, "/")
    assert '<a href="/guidance" >Guidance</a>' in home
    listed = await page_text(family_client, "/guidance")
    assert '<a href="/guidance" aria-current="page">Guidance</a>' in listed
    links = re.findall(r'<li><a href="(/guidance/[a-z-]+)"', listed)
    assert links == ["/guidance/pain-at-home", "/guidance/skin"]
    page = await page_text(family_client, links[0])
    assert "<h1>Pain at home</h1>" in page
    assert "Give the pain a number from 0 to 10." in plain(page)
    assert FALLBACK_NOTE not in page


@pytest.mark.parametrize(
    ("language", "texts", "shown", "note"),
    [
        ("en", {"nl": DUTCH, "en": ENGLISH}, "Pain at home", None),
        ("nl", {"nl": DUTCH, "en": ENGLISH}, "Pijn thuis", None),
        ("en", {"nl": DUTCH}, "Pijn thuis", "shown in Dutch."),
        ("nl", {"en": ENGLISH}, "Pain at home", "hier in het Engels."),
    ],
)
async def test_each_page_is_in_the_caregivers_language_or_a_marked_fallback(
    family_client: Any,
    db: Database,
    language: str,
    texts: dict[str, tuple[str, str]],
    shown: str,
    note: str | None,
) -> None:
    """Hazard H23: a page in another language than the family's says so."""
    await add_page(db, "pain-at-home", texts)
    await choose_language(family_client, language)
    page = await page_text(family_client, "/guidance/pain-at-home")
    article = article_of(page)
    assert f"<h1>{shown}</h1>" in article
    shown_language = "nl" if shown == DUTCH[0] else "en"
    assert f'lang="{shown_language}"' in article.split(">", 1)[0]
    text = plain(page)
    if note is None:
        assert "not yet available" not in text and "nog niet" not in text
    else:
        assert note in text
    listed = await page_text(family_client, "/guidance")
    link = re.search(r'<li><a href="/guidance/pain-at-home"([^>]*)>([^<]*)</a>', listed)
    assert link and link.group(2) == shown
    assert (f'lang="{shown_language}"' in link.group(1)) == (note is not None)


async def test_dutch_comes_before_english_for_a_language_the_ward_did_not_write(
    app: Any, db: Database
) -> None:
    """A page with Dutch and English, read in a language it has neither of."""
    from pwa.guidance import store

    await add_page(db, "pain-at-home", {"nl": DUTCH, "en": ENGLISH})
    page = await store.select_page_by_slug(db, "pain-at-home")
    assert page is not None
    assert page.text_for("fr").language == "nl"
    await add_page(db, "skin", {"en": ENGLISH, "de": ("Haut", "Haut.")})
    page = await store.select_page_by_slug(db, "skin")
    assert page is not None and page.text_for("fr").language == "en"
    assert page.text_for("de").language == "de"


async def test_titles_stay_neutral_whatever_the_page_is_about(
    family_client: Any, db: Database
) -> None:
    await add_page(
        db, "skin", {"en": ("Isotretinoin and the skin", "Dinutuximab beta and neuroblastoma.")}
    )
    for path in ("/guidance", "/guidance/skin"):
        title = title_of(await page_text(family_client, path))
        assert title == "Guidance · Immuno Companion", path
    await choose_language(family_client, "nl")
    assert title_of(await page_text(family_client, "/guidance/skin")) == (
        "Uitleg · Immuno Companion"
    )


async def test_an_unknown_or_malformed_address_is_404(family_client: Any, db: Database) -> None:
    await add_page(db, "pain-at-home", {"nl": DUTCH})
    for path in ("/guidance/nothing-here", "/guidance/Pain-At-Home", "/guidance/a%20b"):
        assert (await family_client.get(path)).status_code == 404, path


async def test_the_list_says_so_when_there_are_no_pages(family_client: Any) -> None:
    response = await family_client.get("/guidance")
    assert response.status_code == 200
    assert "The ward has not written any pages yet." in await response.get_data(as_text=True)
    assert response.headers[RELATED_HEADER] == ""  # the phone drops pages it kept before


async def test_markdown_is_shown_as_html_and_raw_html_as_text(
    family_client: Any, db: Database
) -> None:
    body = "Call **112** when\n\n- breathing is hard\n\n<script>alert(1)</script>"
    await add_page(db, "when-to-call", {"en": ("When to call", body)})
    article = article_of(await page_text(family_client, "/guidance/when-to-call"))
    assert "<strong>112</strong>" in article and "<li>breathing is hard</li>" in article
    assert "<script>" not in article and "&lt;script&gt;alert(1)&lt;/script&gt;" in article


async def test_a_page_says_whether_the_clinical_team_reviewed_it(
    family_client: Any, db: Database, people: People
) -> None:
    """Hazard H23: families see whether the clinical team reviewed what they read."""
    page_id = await add_page(db, "pain-at-home", {"en": ENGLISH})
    text = plain(await page_text(family_client, "/guidance/pain-at-home"))
    assert "Not yet reviewed by the hospital's clinical team." in text
    from pwa.guidance import store

    async with db.transaction() as tx:
        await store.set_review(tx, page_id, people.admin_id)
    text = plain(await page_text(family_client, "/guidance/pain-at-home"))
    assert "Reviewed by the hospital's clinical team on" in text


# --- offline -----------------------------------------------------------------------------


async def test_list_and_pages_are_kept_and_the_list_names_its_pages(
    family_client: Any, db: Database
) -> None:
    await add_page(db, "pain-at-home", {"nl": DUTCH})
    await add_page(db, "skin", {"en": ENGLISH})
    listed = await family_client.get("/guidance")
    assert listed.headers[CACHEABLE_HEADER] == "family"
    assert listed.headers[RELATED_HEADER] == "/guidance/pain-at-home /guidance/skin"
    page = await family_client.get("/guidance/skin")
    assert page.headers[CACHEABLE_HEADER] == "family"
    assert RELATED_HEADER not in page.headers


async def test_staff_get_403_and_no_page_to_keep(app: Any, db: Database, people: People) -> None:
    await add_page(db, "pain-at-home", {"nl": DUTCH})
    for email in ("nurse@example.org", "admin@example.org"):
        client = app.test_client()
        await sign_in(client, email, staff=True)
        for path in ("/guidance", "/guidance/pain-at-home"):
            response = await client.get(path)
            assert response.status_code == 403, (email, path)
            assert CACHEABLE_HEADER not in response.headers
            assert RELATED_HEADER not in response.headers


async def test_signed_out_visitors_are_sent_to_sign_in(client: Any, db: Database) -> None:
    await add_page(db, "pain-at-home", {"nl": DUTCH})
    response = await client.get("/guidance/pain-at-home")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=/guidance/pain-at-home")
