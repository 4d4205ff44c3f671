"""What each dose outcome is called on a page, in the reader's language."""

from __future__ import annotations

from ..i18n import gettext
from .slots import NOT_RECORDED
from .store import OUTCOMES


def outcome_label(outcome: str) -> str:
    labels = {
        "given": gettext("Given"),
        "partly": gettext("Partly taken"),
        "vomited": gettext("Vomited within 30 minutes"),
        "refused": gettext("Refused"),
        "missed": gettext("Missed"),
        NOT_RECORDED: gettext("Not recorded"),
    }
    return labels.get(outcome, outcome)


def outcome_words() -> dict[str, str]:
    """Every outcome's words, for the page's script (a dose noted offline shows at once)."""
    return {outcome: outcome_label(outcome) for outcome in (*OUTCOMES, NOT_RECORDED)}
