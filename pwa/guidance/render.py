"""Markdown the admin writes, as HTML a family's phone can show without risk.

markdown-it-py in CommonMark mode with raw HTML off: tags typed into a page come out as
text. Links may only go to http(s), tel: and mailto: addresses or stay on this site;
anything else (``javascript:``, ``data:``, ``vbscript:``, ...) is left as plain text.
Images only from this site, so reading a page never asks another server for anything.
Headings start at level 2, under the page's own title (OWASP ASVS 5.0 V1.3).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup

LINK_SCHEMES = frozenset({"http", "https", "tel", "mailto"})


def _parts(url: str) -> tuple[str, str] | None:
    """(scheme, host) of a link as a browser would read it; None when it cannot be read."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return parts.scheme.lower(), parts.netloc


def allowed_link(url: str) -> bool:
    """A link to http(s), tel: or mailto:, or a relative one (this site)."""
    # Read as written and with %-escapes decoded: a scheme hidden behind escapes is
    # refused too, however the browser might decode it.
    for candidate in (url, unquote(url)):
        parts = _parts(candidate)
        if parts is None or (parts[0] and parts[0] not in LINK_SCHEMES):
            return False
    return True


def same_site(url: str) -> bool:
    """A relative address on this site: no scheme, no host (not even ``//host``)."""
    parts = [_parts(candidate) for candidate in (url, unquote(url))]
    return all(part is not None and part == ("", "") for part in parts)


class GuidanceMarkdown(MarkdownIt):
    """CommonMark without raw HTML, with the link rule above."""

    def __init__(self) -> None:
        super().__init__("commonmark", {"html": False})
        self.core.ruler.push("guidance_images_and_headings", _images_and_headings)

    def validateLink(self, url: str) -> bool:  # markdown-it-py's name for it
        return allowed_link(url)


def _images_and_headings(state: StateCore) -> None:
    """Images from elsewhere become their text; every heading moves one level down."""
    for token in state.tokens:
        if token.type in {"heading_open", "heading_close"}:
            level = min(int(token.tag[1]) + 1, 6)
            token.tag = f"h{level}"
        for index, child in enumerate(token.children or []):
            if child.type == "image" and not same_site(str(child.attrGet("src") or "")):
                text = Token("text", "", 0)
                text.content = "".join(part.content for part in child.children or [])
                assert token.children is not None
                token.children[index] = text


_MARKDOWN = GuidanceMarkdown()


def to_html(markdown: str) -> Markup:
    """The page's Markdown as HTML; safe to place in a template as it is."""
    # markdown-it escapes every character of text and attribute it writes, and no raw
    # HTML passes (html=False): the result is markup we built, not markup we were given.
    return Markup(_MARKDOWN.render(markdown))  # noqa: S704  # nosec B704
