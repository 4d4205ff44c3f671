"""Example guidance pages the admin can add with one button (and the demo adds).

Short and in plain words, in Dutch and English, and marked as examples at the top: the
hospital's clinical team reviews and rewrites them before families rely on them. They
say nothing clinical beyond the shipped examples of docs/clinical.md (the red-flag rules,
the template's stays, the isotretinoin weeks' diary questions) and point to the app's
own pages for the hospital's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..db import Reader, Transaction
from . import store

MARK_EN = "*Example — to be reviewed by the hospital's clinical team before use.*"
MARK_NL = "*Voorbeeld — laat dit nakijken door het klinisch team van het ziekenhuis vóór gebruik.*"


@dataclass(frozen=True)
class ExamplePage:
    slug: str
    texts: dict[str, tuple[str, str]]  # language: (title, Markdown body)


EXAMPLE_PAGES = (
    ExamplePage(
        "course",
        {
            "nl": (
                "Wat gebeurt er in een kuur",
                f"""{MARK_NL}

Elke kuur begint met een opname in het ziekenhuis. Daarna ben je thuis tot de volgende kuur.

- Onder **Planning** in het menu zie je wanneer elke opname begint en eindigt.
- Verandert de verpleegkundige een datum, dan zie je dat in de app.
- Op de startpagina staat wat je meeneemt.

Heb je vragen over de kuur? Stel ze bij de volgende afspraak, of stuur een bericht.
""",
            ),
            "en": (
                "What happens in a course",
                f"""{MARK_EN}

Each course starts with a stay in hospital. After that you are at home until the next course.

- **Dates** in the menu shows when each stay starts and ends.
- When a nurse changes a date, the app tells you.
- The home page lists what to bring.

Questions about the course? Ask at the next visit, or send a message.
""",
            ),
        },
    ),
    ExamplePage(
        "pain-at-home",
        {
            "nl": (
                "Pijn thuis",
                f"""{MARK_NL}

Geef de pijn een cijfer van 0 (geen pijn) tot 10 (de ergste pijn) en schrijf het in het dagboek.

- **Pijn van 4 tot 6:** laat het het team vandaag weten.
- **Pijn van 7 of meer:** bel het ziekenhuis nu.

Geef alleen de medicijnen die het team met je heeft afgesproken.
""",
            ),
            "en": (
                "Pain at home",
                f"""{MARK_EN}

Give the pain a number from 0 (no pain) to 10 (the worst pain) and write it in the diary.

- **Pain of 4 to 6:** tell the team today.
- **Pain of 7 or more:** call the hospital now.

Give only the medicines the team agreed with you.
""",
            ),
        },
    ),
    ExamplePage(
        "skin",
        {
            "nl": (
                "Isotretinoïne en de huid",
                f"""{MARK_NL}

In een deel van elke kuur neemt je kind thuis isotretinoïne-capsules. De app laat zien op welke dagen.

- In die weken vraagt het dagboek ook naar de capsules, de lippen en de huid, en de stemming.
- Vul het elke dag in, ook als alles goed gaat.
- Lippenbalsem staat op de lijst van wat je meeneemt.

Vraag het team hoe je de huid en de lippen verzorgt.
""",
            ),
            "en": (
                "Isotretinoin and the skin",
                f"""{MARK_EN}

In part of each course your child takes isotretinoin capsules at home. The app shows on which days.

- In those weeks the diary also asks about the capsules, lips and skin, and mood.
- Fill it in every day, also when all is well.
- Lip balm is on the list of what to bring.

Ask the team how to care for the skin and lips.
""",
            ),
        },
    ),
    ExamplePage(
        "when-to-call",
        {
            "nl": (
                "Wanneer bel je",
                f"""{MARK_NL}

**Bel 112** bij moeite met ademen, zwelling van gezicht, ogen of lippen, of als je kind in de war is, erg slaperig is of een aanval heeft.

**Bel het ziekenhuis nu** bij onder meer:

- een temperatuur van 38,5 °C of hoger, of onder 36,0 °C;
- pijn van 7 of meer;
- 6 uur of langer niet geplast;
- een lijn of pomp die lekt, los zit of alarm geeft.

De nummers staan onder [Wanneer bel je ons](/call). Deze app is geen noodhulp.
""",
            ),
            "en": (
                "When to call",
                f"""{MARK_EN}

**Call 112** for difficulty breathing, swelling of the face, eyes or lips, or when your child is confused, very sleepy or has a seizure.

**Call the hospital now** for, among other things:

- a temperature of 38.5 °C or higher, or below 36.0 °C;
- pain of 7 or more;
- no urine for 6 hours or more;
- a line or pump that is leaking, disconnected or alarming.

The numbers are under [When to call us](/call). This app is not an emergency service.
""",
            ),
        },
    ),
)


async def missing_examples(db: Reader) -> list[ExamplePage]:
    """The example pages whose address no page uses yet."""
    return [page for page in EXAMPLE_PAGES if not await store.slug_taken(db, page.slug)]


async def add_examples(tx: Transaction, actor_id: int | None) -> list[str]:
    """Add every missing example page at the end of the list; the slugs added."""
    added = []
    for page in await missing_examples(tx):
        await store.insert_page(tx, page.slug, page.texts, actor_id)
        added.append(page.slug)
    return added
