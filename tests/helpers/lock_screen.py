"""The words that must never show where others can read them: on a lock screen, in a
notification or e-mail, in a calendar, in a page's title (tabs, history, app switcher).

One list for every test that checks this. Only the emergency card's own page names the
illness and its medicines; whatever a lock screen or a calendar shows never does.
"""

from __future__ import annotations

import unicodedata

# The diagnosis and the medicines of anti-GD2 therapy and its supportive care, in English
# and Dutch, and the shipped medicines' names in the family languages (migration 0030).
# Matched without case or accents, as parts of words: "isotretinoin" also finds
# "Isotretinoïne", "immunotherap" both "immunotherapy" and "immunotherapie".
FORBIDDEN_WORDS = (
    "neuroblastoma",
    "neuroblastoom",
    "dinutuximab",
    "qarziba",
    "gd2",
    "isotretinoin",
    "gabapentin",
    "morphine",
    "morfine",
    "izotretyno",
    "gabapentyn",
    "morfin",
    "ізотретино",
    "габапентин",
    "морфін",
    "إيزوتريتينوين",
    "غابابنتين",
    "مورفين",
    "immunotherap",
    "cancer",
    "kanker",
)


def folded(text: str) -> str:
    """Lower case without accents: 'Isotretinoïne' reads 'isotretinoine'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def forbidden_in(text: str) -> list[str]:
    """The forbidden words found in ``text``; empty when it is safe to show anywhere."""
    plain = folded(text)
    return [word for word in FORBIDDEN_WORDS if folded(word) in plain]
