"""Diary questions and answers in the reader's words, for pages, summaries and exports."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal

from ..i18n import current_locale
from .items import BY_KEY


def item_label(key: str) -> str:
    """The question as the form asks it; an unknown key (a removed item) as it is."""
    item = BY_KEY.get(key)
    return str(item.label) if item else key


def answer_label(key: str, value: Any) -> str:
    """An answer as a person reads it: the choice's words, "7 / 10", "38,6 °C"."""
    item = BY_KEY.get(key)
    if item is None:
        return str(value)
    if item.kind == "choice":
        return str(dict(item.choices).get(value, value))
    if item.kind == "scale":
        return f"{value} / 10"
    return f"{format_decimal(value, locale=current_locale())} {item.unit}"
