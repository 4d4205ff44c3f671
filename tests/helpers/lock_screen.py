"""The words that must never show where others can read them: on a lock screen, in a
notification or e-mail, in a calendar, in a page's title (tabs, history, app switcher).

One list for every test that checks this. Only the emergency card's own page names the
illness and its medicines; whatever a lock screen or a calendar shows never does.
"""

from __future__ import annotations

import unicodedata

# The diagnosis and the medicines of anti-GD2 therapy and its supportive care, in every
# language of the app. Matched without case or accents, as parts of words: "isotretinoin"
# also finds "Isotretinoïne", "immunotherap" both "immunotherapy" and "immunotherapie".
# Short words that hide inside ordinary ones are left out (Polish "rak" is in "brak").
_WORDS = (
    # English and Dutch
    "neuroblastoma",
    "neuroblastoom",
    "dinutuximab",
    "qarziba",
    "gd2",
    "isotretinoin",
    "gabapentin",
    "morphine",
    "morfine",
    "immunotherap",
    "cancer",
    "kanker",
    # Arabic
    "نوروبلاستوما",
    "الورم الأرومي العصبي",
    "دينوتوكسيماب",
    "إيزوتريتينوين",
    "ايزوتريتينوين",
    "غابابنتين",
    "مورفين",
    "سرطان",
    "العلاج المناعي",
    # Polish
    "nerwiak zarodkowy",
    "dinutuksymab",
    "izotretyno",
    "gabapentyn",
    "morfin",
    "nowotw",
    "immunoterap",
    # Turkish
    "nöroblastom",
    "dinutuksimab",
    "izotretinoin",
    "kanser",
    "immünoterapi",
    # Ukrainian
    "нейробластом",
    "динутуксимаб",
    "ізотретино",
    "габапентин",
    "морфін",
    "онколог",
    "імунотерап",
)


def folded(text: str) -> str:
    """Lower case without accents: 'Isotretinoïne' reads 'isotretinoine'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


FORBIDDEN_WORDS = tuple(folded(word) for word in _WORDS)


def forbidden_in(text: str) -> list[str]:
    """The forbidden words found in ``text``; empty when it is safe to show anywhere."""
    plain = folded(text)
    return [word for word in FORBIDDEN_WORDS if word in plain]
