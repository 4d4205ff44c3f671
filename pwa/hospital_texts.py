"""The hospital's own texts in the family languages, and which words a reader gets.

The hospital writes its texts in English and Dutch, in their own tables: the packing
list, kinds of visit, home medicine names, the ward's name and a nurse's note on a visit.
Arabic, Polish, Turkish and Ukrainian words are optional, one row per text and language
in ``hospital_text`` (migration 0030); this is the only module that writes it. Red-flag
reasons carry their languages inside the rule's JSON instead (pwa/redflags/rules.py), and
come through ``pick`` the same way.

A reader gets their own language, else Dutch (the ward writes Dutch first), else English
(the order guidance pages use too). ``Shown`` is the words with the language they are
in. On the page, words a family-language reader gets in another language carry that
language's ``lang`` and ``dir`` (a screen reader pronounces them as Dutch, and a Dutch
name on an Arabic page reads left to right) and a small "(in Nederlands)" after them, so
a parent knows these words are not in their language. English and Dutch readers see
their pages as before: they read both languages the ward writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from .db import Reader, Transaction, now_text
from .i18n import FAMILY_LOCALES, LANGUAGE_NAMES, current_locale, text_direction, translate

SUBJECTS = ("packing_item", "visit_kind", "home_medicine", "ward_name", "visit_note")
# The languages a text may have here: English and Dutch live in the subjects' own columns.
LANGUAGES = FAMILY_LOCALES
# The ward writes its own texts in Dutch and English, and a reader without their own
# language gets them in this order; a text the ward writes in one field (a visit's note,
# the ward's name) says which of the two it is in.
WARD_LANGUAGES = ("nl", "en")
MAX_BODY = 1000
# The ward's name has no row of its own to name: there is one.
WARD = "ward"


def N_(message: str) -> str:
    """Marks a message for the catalogues; it is translated where it is shown."""
    return message


IN_LANGUAGE = N_("(in %(language)s)")


@dataclass(frozen=True)
class Shown:
    """Words picked for a reader: the text, the language it is in, and the reader's."""

    text: str
    language: str
    reader: str

    @property
    def marked(self) -> bool:
        """Whether the page says these words are in another language than the reader's."""
        return self.language != self.reader and self.reader in FAMILY_LOCALES

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def mark(self) -> str:
        """ "(in Nederlands)" in the reader's language, or nothing."""
        if not self.marked:
            return ""
        return translate(self.reader, IN_LANGUAGE, language=LANGUAGE_NAMES[self.language])

    def __html__(self) -> str:
        """The words as a page shows them (Jinja calls this; so does ``escape``)."""
        if not self.marked:
            return str(escape(self.text))
        name = Markup('<span lang="{}" dir="{}">{}</span>').format(
            self.language, text_direction(self.language), LANGUAGE_NAMES[self.language]
        )
        mark = escape(translate(self.reader, IN_LANGUAGE)) % {"language": name}
        return str(
            Markup(
                '<span lang="{}" dir="{}">{}</span> <small class="in-language">{}</small>'
            ).format(self.language, text_direction(self.language), self.text, mark)
        )

    def as_json(self) -> dict[str, str]:
        """For a page's script: the words, their language and direction, and the mark."""
        return {
            "text": self.text,
            "lang": self.language,
            "dir": text_direction(self.language),
            "mark": self.mark(),
        }


def pick(texts: Mapping[str, str], reader: str | None = None) -> Shown:
    """The words in the reader's language, else Dutch, else English, else any there are."""
    reader = reader or current_locale()
    for language in (reader, *WARD_LANGUAGES, *sorted(texts)):
        text = texts.get(language, "")
        if text.strip():
            return Shown(text, language, reader)
    return Shown("", reader, reader)


def missing(texts: Mapping[str, str]) -> list[str]:
    """The family languages a text has no words in yet, for the admin's lists."""
    return [language for language in LANGUAGES if not texts.get(language, "").strip()]


def language_label(message: str, language: str) -> Markup:
    """A translated label around a language's own name, the name marked as that language:
    "Note for the family in <span lang="ar" dir="rtl">العربية</span>"."""
    name = Markup('<span lang="{}" dir="{}">{}</span>').format(
        language, text_direction(language), LANGUAGE_NAMES[language]
    )
    return escape(message) % {"language": name}


# --- rows ----------------------------------------------------------------------------------


async def select_subject(db: Reader, subject: str) -> dict[str, dict[str, str]]:
    """key: {language: words} for every text of one subject."""
    rows = await db.fetch_all(
        "SELECT subject_key, language, body FROM hospital_text WHERE subject = :subject",
        {"subject": subject},
    )
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        found.setdefault(row["subject_key"], {})[row["language"]] = row["body"]
    return found


async def select_texts(db: Reader, subject: str, key: str) -> dict[str, str]:
    """{language: words} of one text."""
    rows = await db.fetch_all(
        """
        SELECT language, body FROM hospital_text WHERE subject = :subject AND subject_key = :key
        """,
        {"subject": subject, "key": key},
    )
    return {row["language"]: row["body"] for row in rows}


async def save(tx: Transaction, subject: str, key: str, texts: Mapping[str, str]) -> bool:
    """Set one text's words in the languages given; empty words remove that language.
    Languages not given are left as they are. True when anything changed."""
    assert subject in SUBJECTS, subject
    before = await select_texts(tx, subject, key)
    changed = False
    for language, words in texts.items():
        if language not in LANGUAGES:
            raise ValueError(f"not a family language: {language}")
        words = words.strip()
        if words == before.get(language, ""):
            continue
        changed = True
        if not words:
            await tx.execute(
                """
                DELETE FROM hospital_text
                 WHERE subject = :subject AND subject_key = :key AND language = :language
                """,
                {"subject": subject, "key": key, "language": language},
            )
            continue
        await tx.execute(
            """
            INSERT INTO hospital_text (subject, subject_key, language, body, updated_at)
            VALUES (:subject, :key, :language, :body, :now)
            ON CONFLICT (subject, subject_key, language)
            DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
            """,
            {
                "subject": subject,
                "key": key,
                "language": language,
                "body": words,
                "now": now_text(),
            },
        )
    return changed


async def save_all(
    tx: Transaction, subject: str, texts: Iterable[tuple[str, Mapping[str, str]]]
) -> None:
    """``save`` for several texts of one subject: (key, {language: words}) each."""
    for key, words in texts:
        await save(tx, subject, key, words)
