"""The guidance pages' Markdown comes out inert: raw HTML as text, links only to http(s),
tel:, mailto: or this site, images only from this site, whatever an admin types
(OWASP ASVS 5.0 V1.3, sanitisation of formatted text)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pwa.db import Database
from pwa.guidance.render import allowed_link, to_html
from tests.helpers.guidance import add_page
from tests.helpers.pages import page_text

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="https://evil.example"></iframe>',
    "<div onclick=alert(1)>hi</div>",
    "<svg onload=alert(1)>",
    "<style>body{display:none}</style>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java%73cript:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "[click](vbscript:msgbox(1))",
    "[click](file:///etc/passwd)",
    "<javascript:alert(1)>",
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    '[click](https://ok.example "title" onmouseover="alert(1)")',
    "![x](https://evil.example/tracker.png)",
    "![x](//evil.example/tracker.png)",
    "![x](data:image/png;base64,AAAA)",
    "![x](javascript:alert(1))",
]
ALLOWED_SCHEMES = ("http:", "https:", "tel:", "mailto:")


class Elements(HTMLParser):
    """Every element and attribute in a piece of HTML, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


SAFE_TAGS = {"p", "a", "img", "strong", "em", "ul", "ol", "li", "code", "pre", "blockquote"}
SAFE_TAGS |= {"h2", "h3", "h4", "h5", "h6", "hr", "br"}


def assert_inert(html: str) -> None:
    """Only formatting tags; no event handler, style or script; no link or image elsewhere."""
    for tag, attrs in elements(html):
        assert tag in SAFE_TAGS, (tag, html)
        assert set(attrs) <= {"href", "src", "alt", "title", "start"}, (attrs, html)
        if tag == "a":
            href = attrs["href"].strip().lower()
            scheme = re.match(r"^([a-z][a-z0-9+.-]*):", href)
            assert scheme is None or href.startswith(ALLOWED_SCHEMES), html
        if tag == "img":
            assert re.match(r"^/(?!/)", attrs["src"]), html  # this site only


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_comes_out_as_text(attack: str) -> None:
    html = str(to_html(attack))
    assert_inert(html)
    assert "<script" not in html and "<iframe" not in html and "<svg" not in html
    assert 'href="javascript' not in html.lower() and "evil.example/tracker" not in html


def test_raw_html_is_shown_as_the_text_that_was_typed() -> None:
    assert str(to_html("<script>alert(1)</script>")) == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    )
    assert str(to_html('<img src=x onerror="alert(1)">')) == (
        "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>\n"
    )
    # A refused link stays readable as what was typed, and is no link at all.
    assert str(to_html("[click](javascript:alert(1))")) == "<p>[click](javascript:alert(1))</p>\n"
    # A picture from another site is its description only: nothing is fetched.
    assert str(to_html("![a red rash](https://evil.example/p.png)")) == "<p>a red rash</p>\n"


def test_formatting_and_good_links_work() -> None:
    html = str(
        to_html(
            "# Pain\n\nCall **112**, the [ward](tel:+31201234567), "
            "[e-mail](mailto:ward@hospital.example), [the leaflet](https://hospital.example/a) "
            "or see [when to call us](/call).\n\n- one\n- two\n\n![logo](/static/icons/icon.svg)"
        )
    )
    assert "<h2>Pain</h2>" in html  # under the page's own <h1>
    assert "<strong>112</strong>" in html and "<li>one</li>" in html
    for href in (
        "tel:+31201234567",
        "mailto:ward@hospital.example",
        "https://hospital.example/a",
        "/call",
    ):
        assert f'href="{href}"' in html
    assert '<img src="/static/icons/icon.svg" alt="logo" />' in html


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hospital.example", True),
        ("http://hospital.example", True),
        ("tel:+31 20 123 4567", True),
        ("mailto:ward@hospital.example", True),
        ("/call", True),
        ("pain-at-home", True),
        ("#top", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("java%73cript:alert(1)", False),
        ("data:text/html,hi", False),
        ("ftp://files.example", False),
        ("http://[::1", False),
    ],
)
def test_which_links_are_allowed(url: str, allowed: bool) -> None:
    assert allowed_link(url) is allowed


PIECES = st.sampled_from(
    [
        *"<>[]()!:/\"'=#*-_ \n&;%\tajvscriptmgolnerhf0123",
        *["javascript:", "<script>", "onerror=", "data:", "](", "![", "<img ", "&#58;", "%73"],
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=60).map("".join))
def test_whatever_is_typed_the_html_is_inert(markdown: str) -> None:
    assert_inert(str(to_html(markdown)))


async def test_a_family_page_shows_an_attack_as_text(family_client: Any, db: Database) -> None:
    await add_page(db, "attacks", {"en": ("Attacks", "\n\n".join(ATTACKS))})
    html = await page_text(family_client, "/guidance/attacks")
    article = re.search(r'<article class="guidance".*?</article>', html, re.S)
    assert article
    body = article.group(0).split("</h1>", 1)[1]
    assert_inert(body.replace("</article>", ""))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
