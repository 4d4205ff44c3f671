"""The "Other languages" of the admin's forms: one optional field per family language
(Arabic, Polish, Turkish, Ukrainian) next to the English and Dutch ones.

Each field is labelled with the language's own name and carries its ``lang`` and ``dir``,
so an admin types Arabic right to left and a screen reader reads the label as Arabic.
An empty field means "not in this language": families who read it get the Dutch words,
marked as Dutch (pwa/hospital_texts.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup
from wtforms import Field, Form, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..hospital_texts import LANGUAGES, WARD_LANGUAGES
from ..i18n import LANGUAGE_NAMES, current_locale, gettext, text_direction
from ..text_input import single_line


def language_name(code: str) -> Markup:
    """The language's own name, marked as that language (the label of its field)."""
    return Markup('<span lang="{}" dir="{}">{}</span>').format(
        code, text_direction(code), LANGUAGE_NAMES[code]
    )


def add_language_fields(
    form_class: type[Form], prefix: str, *, max_length: int, rows: int | None = None
) -> None:
    """Add ``<prefix>_ar``, ``<prefix>_pl``, ... to a form class: text inputs, or text
    areas with ``rows``."""
    for code in LANGUAGES:
        render_kw: dict[str, Any] = {"lang": code, "dir": text_direction(code)}
        validators = [Optional(), Length(max=max_length)]
        if rows is None:
            field: Any = StringField(language_name(code), validators, render_kw=render_kw)
        else:
            field = TextAreaField(
                language_name(code), validators, render_kw={**render_kw, "rows": rows}
            )
        setattr(form_class, f"{prefix}_{code}", field)


def language_fields(form: Form, prefix: str) -> list[Field]:
    """The form's fields for the family languages, in order (for the template)."""
    return [form[f"{prefix}_{code}"] for code in LANGUAGES if f"{prefix}_{code}" in form]


def language_texts(form: Form, prefix: str) -> dict[str, str]:
    """{language: words} as typed, on one line each; empty words mean "not translated"."""
    return {
        code: single_line(form[f"{prefix}_{code}"].data or "").strip()
        for code in LANGUAGES
        if f"{prefix}_{code}" in form
    }


def language_data(prefix: str, texts: Mapping[str, str]) -> dict[str, str]:
    """Form data for the family languages from saved words."""
    return {f"{prefix}_{code}": texts.get(code, "") for code in LANGUAGES}


def others_unchanged(
    before: Mapping[str, str], after: Mapping[str, str], *, source_changed: bool
) -> bool:
    """Whether the English or Dutch words changed while a translation kept its old words:
    it may no longer say the same (hazard H30), so the admin is asked to check it."""
    return source_changed and any(
        words and after.get(code) == words for code, words in before.items()
    )


def check_other_languages() -> str:
    """What the admin is told when ``others_unchanged``."""
    return gettext(
        "The English or Dutch words changed, and other languages kept theirs: check that "
        "they still say the same."
    )


def _page_language() -> str:
    """The staff member's page language: what they most likely just wrote in."""
    locale = current_locale()
    return locale if locale in WARD_LANGUAGES else WARD_LANGUAGES[0]


def written_in_field(label: Any) -> SelectField:
    """Which of the ward's two languages the words in the field above are in, each named
    in itself. Families who read neither get the words marked with that language."""
    choices = [SelectChoice(code, LANGUAGE_NAMES[code], {"lang": code}) for code in WARD_LANGUAGES]
    return SelectField(label, choices=choices, default=_page_language)
