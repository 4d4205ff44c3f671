"""The admin's form for one guidance page: its address and its words in each language."""

from __future__ import annotations

import re
from typing import Any

from babel import Locale
from wtforms import Form, FormField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from ..i18n import LOCALES, current_locale, gettext
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm
from .store import FALLBACK_LANGUAGES

MAX_TITLE = 120
MAX_BODY = 20_000
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The form asks for the fallback languages first (Dutch, then English), then the rest.
EDIT_LANGUAGES = tuple(
    [*(code for code in FALLBACK_LANGUAGES if code in LOCALES)]
    + [code for code in LOCALES if code not in FALLBACK_LANGUAGES]
)


def language_name(code: str) -> str:
    """A language's name in the reader's language ("Dutch", "Nederlands")."""
    name = Locale.parse(code).get_display_name(current_locale()) or code
    return name[:1].upper() + name[1:]


class PageTextForm(Form):
    """A page's title and body in one language; both empty means "not in this language"."""

    title = StringField(_l("Title"), validators=[Optional(), Length(max=MAX_TITLE)])
    body = TextAreaField(
        _l("Text, in Markdown"),
        validators=[Optional(), Length(max=MAX_BODY)],
        description=_l(
            "Blank line: new paragraph. **bold**, - a list item, [words](https://address) for a link."
        ),
        render_kw={"rows": 12},
    )

    def is_blank(self) -> bool:
        return not (self.title.data or "").strip() and not (self.body.data or "").strip()


class GuidanceForm(CsrfForm):
    slug = StringField(
        _l("Address"),
        validators=[
            InputRequired(message=_l("Please fill this in.")),
            Length(max=60),
            Regexp(SLUG, message=_l("Use small letters, digits and hyphens, like pain-at-home.")),
        ],
        description=_l(
            "The page's address: /guidance/<address>. Keep it neutral, without the name of a medicine or illness: it shows in the phone's history."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The words typed are in that language; the labels around them in the admin's.
        for code, text in self.language_forms():
            for field in (text.title, text.body):
                field.render_kw = {**(field.render_kw or {}), "lang": code}

    def language_forms(self) -> list[tuple[str, PageTextForm]]:
        """(language, its subform) in the order the page shows them."""
        return [(code, getattr(self, code).form) for code in EDIT_LANGUAGES]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        filled = 0
        for _, text in self.language_forms():
            if text.is_blank():
                continue
            filled += 1
            for field in (text.title, text.body):
                if not (field.data or "").strip():
                    field.errors = [*field.errors, gettext("Please fill this in.")]
                    valid = False
        if filled == 0:
            first = self.language_forms()[0][1]
            first.title.errors = [
                *first.title.errors,
                gettext("Write the page in at least one language."),
            ]
            valid = False
        return valid

    def texts(self) -> dict[str, tuple[str, str]]:
        """language: (title, body) for each language the page is written in."""
        return {
            code: (text.title.data.strip(), text.body.data.strip())
            for code, text in self.language_forms()
            if not text.is_blank()
        }

    @staticmethod
    def data_from(slug: str, texts: dict[str, tuple[str, str]]) -> dict[str, Any]:
        data: dict[str, Any] = {"slug": slug}
        for code in EDIT_LANGUAGES:
            title, body = texts.get(code, ("", ""))
            data[code] = {"title": title, "body": body}
        return data


for _code in EDIT_LANGUAGES:
    # One subform per language, named by its code (nl-title, nl-body, en-title, ...).
    setattr(GuidanceForm, _code, FormField(PageTextForm, label=_code))
