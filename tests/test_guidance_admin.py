"""The admin's guidance pages: write with a preview, change, reorder, mark as reviewed,
remove and add the examples; CSRF on every form, only admins, every change audited."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pwa.db import Database
from pwa.guidance import store
from pwa.guidance.examples import EXAMPLE_PAGES
from tests.conftest import People, get_csrf, post_form
from tests.helpers.guidance import add_page, page_form
from tests.helpers.pages import page_text, plain
from tests.helpers.rows import audit_rows, count

PAIN_NL = ("Pijn thuis", "Geef de pijn een **cijfer**.")
PAIN_EN = ("Pain at home", "Give the pain a **number**.")


async def _slugs(db: Database) -> list[str]:
    return [page.slug for page in await store.select_pages(db)]


# --- who may -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/guidance"),
        ("GET", "/admin/guidance/new"),
        ("POST", "/admin/guidance/new"),
        ("GET", "/admin/guidance/{id}"),
        ("POST", "/admin/guidance/{id}"),
        ("POST", "/admin/guidance/{id}/move"),
        ("POST", "/admin/guidance/{id}/review"),
        ("POST", "/admin/guidance/{id}/remove"),
        ("POST", "/admin/guidance/examples"),
    ],
)
async def test_nurses_and_families_get_403_and_change_nothing(
    nurse_client: Any, family_client: Any, db: Database, method: str, path: str
) -> None:
    page_id = await add_page(db, "pain-at-home", {"nl": PAIN_NL})
    url = path.format(id=page_id)
    form = page_form("changed", nl=("Anders", "Anders")) | {"direction": "down", "reviewed": "1"}
    for client in (nurse_client, family_client):
        response = await client.open(url, method=method, form=form)
        assert response.status_code == 403, (client, url)
    [page] = await store.select_pages(db)
    assert (page.slug, page.texts["nl"].title, page.reviewed) == (
        "pain-at-home",
        "Pijn thuis",
        False,
    )
    assert await count(db, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'guidance.%'") == 0


async def test_an_unknown_page_is_404(admin_client: Any) -> None:
    assert (await admin_client.get("/admin/guidance/99")).status_code == 404
    token = await get_csrf(admin_client, "/admin/guidance")
    for action in ("move", "review", "remove"):
        response = await admin_client.post(
            f"/admin/guidance/99/{action}", form={"csrf_token": token}
        )
        assert response.status_code == 404, action


async def test_the_admin_home_links_the_guidance_pages(admin_client: Any) -> None:
    html = await page_text(admin_client, "/admin/")
    assert 'href="/admin/guidance"' in html and "Guidance for families" in html


# --- writing -----------------------------------------------------------------------------


async def test_a_page_is_written_in_both_languages_and_audited(
    admin_client: Any, db: Database, people: People
) -> None:
    response = await post_form(
        admin_client, "/admin/guidance/new", page_form(nl=PAIN_NL, en=PAIN_EN)
    )
    assert response.status_code == 302 and response.location == "/admin/guidance"
    [page] = await store.select_pages(db)
    assert page.slug == "pain-at-home" and not page.reviewed
    assert {lang: (t.title, t.body_markdown) for lang, t in page.texts.items()} == {
        "nl": PAIN_NL,
        "en": PAIN_EN,
    }
    assert page.texts["nl"].updated_by == people.admin_id
    assert await audit_rows(db, "guidance.created") == [
        "pain-at-home; nl: Pijn thuis; en: Pain at home"
    ]
    listed = plain(await page_text(admin_client, "/admin/guidance"))
    assert "The page is saved." in listed and "Pain at home" in listed
    assert "Not reviewed yet" in listed


async def test_preview_shows_the_rendered_markdown_and_saves_nothing(
    admin_client: Any, db: Database
) -> None:
    form = page_form(nl=PAIN_NL, en=("Pain", "# Heading\n\n- one\n- two"), action="preview")
    response = await post_form(admin_client, "/admin/guidance/new", form)
    html = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview (not saved yet)" in html
    assert "Geef de pijn een <strong>cijfer</strong>." in html
    assert "<h2>Heading</h2>" in html and "<li>one</li>" in html
    # The form keeps what was typed, to save after the preview, each box in its language.
    assert 'value="Pijn thuis"' in html and "# Heading" in html
    for code in ("nl", "en"):
        boxes = re.findall(rf'<(?:input|textarea)[^>]*name="{code}-(?:title|body)"[^>]*>', html)
        assert len(boxes) == 2 and all(f'lang="{code}"' in box for box in boxes), boxes
    assert await _slugs(db) == []
    assert await count(db, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'guidance.%'") == 0


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (page_form(), "Write the page in at least one language."),
        (page_form(nl=("Pijn thuis", "")), "Please fill this in."),
        (page_form(en=("", "Only a body")), "Please fill this in."),
        (page_form("Pain At Home", nl=PAIN_NL), "Use small letters, digits and hyphens"),
        (page_form("", nl=PAIN_NL), "Please fill this in."),
        (page_form(nl=("x" * 121, "body")), "Field cannot be longer than 120 characters."),
        (page_form(nl=("Pijn", "x" * 20_001)), "Field cannot be longer than 20000 characters."),
    ],
)
async def test_a_page_that_is_not_complete_is_shown_again_with_what_is_wrong(
    admin_client: Any, db: Database, form: dict[str, str], message: str
) -> None:
    response = await post_form(admin_client, "/admin/guidance/new", form)
    assert response.status_code == 400
    assert message in await response.get_data(as_text=True)
    assert await _slugs(db) == []


async def test_two_pages_cannot_share_an_address(admin_client: Any, db: Database) -> None:
    await add_page(db, "pain-at-home", {"nl": PAIN_NL})
    response = await post_form(admin_client, "/admin/guidance/new", page_form(en=PAIN_EN))
    assert response.status_code == 400
    assert "Another page has this address." in await response.get_data(as_text=True)
    assert await _slugs(db) == ["pain-at-home"]


async def test_a_form_without_its_token_is_refused(admin_client: Any, db: Database) -> None:
    response = await admin_client.post("/admin/guidance/new", form=page_form(nl=PAIN_NL))
    assert response.status_code == 400
    assert "This form has expired" in await response.get_data(as_text=True)
    page_id = await add_page(db, "pain-at-home", {"nl": PAIN_NL})
    for action in ("move", "review", "remove"):
        response = await admin_client.post(
            f"/admin/guidance/{page_id}/{action}", form={"csrf_token": "forged", "reviewed": "1"}
        )
        assert response.status_code == 400, action
    response = await admin_client.post("/admin/guidance/examples", form={"csrf_token": "x"})
    assert response.status_code == 400
    assert await _slugs(db) == ["pain-at-home"]
    assert not (await store.select_pages(db))[0].reviewed


# --- review mark -------------------------------------------------------------------------


async def test_review_mark_says_who_and_when_and_goes_when_the_words_change(
    admin_client: Any, db: Database, people: People
) -> None:
    """Hazard H23: the mark vouches for the words the team read, so new words lose it."""
    page_id = await add_page(db, "pain-at-home", {"nl": PAIN_NL, "en": PAIN_EN})
    url = f"/admin/guidance/{page_id}"
    response = await post_form(admin_client, f"{url}/review", {"reviewed": "1"}, csrf_path=url)
    assert response.status_code == 302
    page = await store.select_page(db, page_id)
    assert page is not None and page.reviewed_by == people.admin_id and page.reviewed
    assert "by Admin on" in plain(await page_text(admin_client, url))

    # Saving the same words (a new address) keeps the mark.
    same = page_form("pain", nl=PAIN_NL, en=PAIN_EN)
    assert (await post_form(admin_client, url, same)).status_code == 302
    page = await store.select_page(db, page_id)
    assert page is not None and page.slug == "pain" and page.reviewed

    # Changed words lose it: the clinical team reviewed other words.
    changed = page_form("pain", nl=PAIN_NL, en=("Pain at home", "New words."))
    assert (await post_form(admin_client, url, changed)).status_code == 302
    page = await store.select_page(db, page_id)
    assert page is not None and not page.reviewed and page.reviewed_by is None
    assert "needs a clinical review again" in await page_text(admin_client, "/admin/guidance")
    assert await audit_rows(db, "guidance.reviewed") == ["pain-at-home"]
    assert (await audit_rows(db, "guidance.updated"))[-1].endswith(
        "words changed, review mark removed"
    )

    await post_form(admin_client, f"{url}/review", {"reviewed": "1"}, csrf_path=url)
    await post_form(admin_client, f"{url}/review", {"reviewed": "0"}, csrf_path=url)
    page = await store.select_page(db, page_id)
    assert page is not None and not page.reviewed
    assert await audit_rows(db, "guidance.review_removed") == ["pain"]


# --- order, removal, examples ------------------------------------------------------------


async def test_pages_move_up_and_down_and_the_ends_stay_put(
    admin_client: Any, db: Database
) -> None:
    ids = [await add_page(db, slug, {"en": (slug, slug)}) for slug in ("a", "b", "c")]

    async def move(page_id: int, direction: str) -> None:
        form = {"direction": direction}
        response = await post_form(
            admin_client, f"/admin/guidance/{page_id}/move", form, csrf_path="/admin/guidance"
        )
        assert response.status_code == 302

    await move(ids[2], "up")
    assert await _slugs(db) == ["a", "c", "b"]
    await move(ids[0], "down")
    assert await _slugs(db) == ["c", "a", "b"]
    await move(ids[2], "up")  # already first
    await move(ids[1], "down")  # already last
    assert await _slugs(db) == ["c", "a", "b"]
    assert await audit_rows(db, "guidance.reordered") == ["c up", "a down"]


async def test_a_removed_page_is_gone_for_families_and_stays_in_the_audit_log(
    admin_client: Any, family_client: Any, db: Database
) -> None:
    page_id = await add_page(db, "pain-at-home", {"nl": PAIN_NL, "en": PAIN_EN})
    assert (await family_client.get("/guidance/pain-at-home")).status_code == 200
    url = f"/admin/guidance/{page_id}"
    response = await post_form(admin_client, f"{url}/remove", {}, csrf_path=url)
    assert response.status_code == 302
    assert await _slugs(db) == []
    assert await count(db, "SELECT COUNT(*) FROM guidance_text") == 0
    assert await audit_rows(db, "guidance.removed") == [
        "pain-at-home; en: Pain at home; nl: Pijn thuis"
    ]
    assert (await family_client.get("/guidance/pain-at-home")).status_code == 404


async def test_the_example_pages_are_added_once_and_marked_as_examples(
    admin_client: Any, db: Database
) -> None:
    """Hazard H23: shipped pages say they are examples, for admins and families alike."""
    await add_page(db, "course", {"en": ("Our own course page", "Ours.")})
    listed = plain(await page_text(admin_client, "/admin/guidance"))
    assert f"Add {len(EXAMPLE_PAGES) - 1} example pages" in listed
    assert "to be reviewed by your clinical team before use" in listed
    form: dict[str, str] = {}
    response = await post_form(
        admin_client, "/admin/guidance/examples", form, csrf_path="/admin/guidance"
    )
    assert response.status_code == 302
    pages = await store.select_pages(db)
    assert [page.slug for page in pages] == [example.slug for example in EXAMPLE_PAGES]
    assert pages[0].texts["en"].title == "Our own course page"  # an address in use is kept
    for page in pages[1:]:
        assert set(page.texts) == {"nl", "en"} and not page.reviewed
        assert page.texts["en"].body_markdown.startswith(
            "*Example — to be reviewed by the hospital's clinical team before use.*"
        )
        assert page.texts["nl"].body_markdown.startswith("*Voorbeeld")
    assert await audit_rows(db, "guidance.examples_added") == ["pain-at-home, skin, when-to-call"]
    listed = plain(await page_text(admin_client, "/admin/guidance"))
    assert "The example pages are added." in listed and "Add 1 example page" not in listed
    assert "Example pages" not in listed  # all four are there: nothing left to add
