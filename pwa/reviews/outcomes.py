"""What a nurse did about a report, in words: one list for the form, the pages and exports."""

from __future__ import annotations

from wtforms import SelectChoice

from ..i18n import lazy_gettext as _l

OUTCOMES = (
    ("reviewed", _l("Reviewed, no action needed")),
    ("phoned", _l("Phoned the family")),
    ("come_in", _l("Asked the family to come in")),
)


def outcome_choices() -> list[SelectChoice]:
    """The outcomes as a form's choices, labelled in the reader's language."""
    return [SelectChoice(key, label) for key, label in OUTCOMES]


def outcome_label(key: str | None) -> str:
    """An outcome in words; an unknown one as it was stored."""
    return next((str(label) for value, label in OUTCOMES if value == key), key or "")
