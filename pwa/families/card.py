"""One child's emergency card: everything a doctor who has never seen such a child needs,
gathered from where it already lives (the child, the plan, the reports, the red-flag
rules, the hospital's numbers) plus the fields the care team fills in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from babel.numbers import format_decimal

from .. import clock
from ..db import Reader
from ..diary import store as diary
from ..diary.history import Corrections
from ..hospital import HospitalSettings, hospital_settings
from ..hospital_texts import Shown
from ..i18n import format_region, gettext
from ..i18n import lazy_gettext as _l
from ..plans import store as plans
from ..plans.progress import Progress, progress
from ..redflags import store as redflags
from ..redflags.reasons import in_language
from ..redflags.rules import Rule
from .card_store import CardFields, StoredCard, select_card
from .store import Child

# The diary question the card's weight comes from, and the one the fever rules judge.
WEIGHT_ITEM = "weight"
FEVER_ITEM = "temperature"
LINES_WITH_A_CATHETER = ("port", "tunnelled", "picc")


@dataclass(frozen=True)
class Weight:
    kg: float
    on: date  # the day weighed, in the hospital's zone
    by_team: bool  # the team's own weighing, else a family's report


@dataclass(frozen=True)
class EmergencyCard:
    child: Child
    plan: Progress | None  # None: the child has no treatment plan yet
    stored: StoredCard | None  # None: the team has filled in nothing yet
    weight: Weight | None
    # The hospital's red temperature rules in the page's words (or marked as another's).
    fever_reasons: list[Shown]
    hospital: HospitalSettings

    @property
    def fields(self) -> CardFields:
        return self.stored.fields if self.stored else CardFields()

    @property
    def has_central_line(self) -> bool:
        return self.fields.central_line in LINES_WITH_A_CATHETER


# Each kind of central line in words, as the team's form offers it and the card says it.
CENTRAL_LINE_LABELS = {
    "port": _l("Port (implanted under the skin)"),
    "tunnelled": _l("Tunnelled line (Broviac/Hickman)"),
    "picc": _l("PICC line"),
    "none": _l("No central line"),
}


def central_line_label(kind: str) -> str:
    label = CENTRAL_LINE_LABELS.get(kind)
    return str(label) if label is not None else gettext("Not filled in by the team yet")


def kilograms(value: float) -> str:
    """A weight with one decimal as the page's language writes it: '21.6', '21,6'."""
    return str(format_decimal(value, "0.0", locale=format_region()))


def fever_rules(rules: Sequence[Rule]) -> list[Rule]:
    """The red rules on temperature the hospital has switched on: when to call at once."""
    return [rule for rule in rules if rule.item == FEVER_ITEM and rule.level == "red"]


def latest_weight(
    team: CardFields, readings: Sequence[diary.Reading], corrections: Corrections
) -> Weight | None:
    """The newest weight known: the team's weighing or the family's newest current report
    (a report a later one corrected never counts), the team's on the same day."""
    current = next((r for r in readings if not corrections.is_superseded(r.client_uuid)), None)
    found = []
    if current is not None:
        found.append(Weight(current.value, clock.local(current.observed_at).date(), False))
    if team.weight_kg is not None and team.weighed_on is not None:
        found.append(Weight(team.weight_kg, team.weighed_on, True))
    return max(found, key=lambda weight: (weight.on, weight.by_team), default=None)


async def build_card(db: Reader, child: Child, now: datetime) -> EmergencyCard:
    stored = await select_card(db, child.id)
    plan = await plans.select_plan(db, child.id)
    readings = await diary.select_readings(db, child.id, WEIGHT_ITEM)
    links = await diary.select_correction_links(db, child.id) if readings else []
    fields = stored.fields if stored else CardFields()
    return EmergencyCard(
        child=child,
        plan=progress(plan, await plans.select_visits(db, plan.id), now) if plan else None,
        stored=stored,
        weight=latest_weight(fields, readings, Corrections.from_links(links)),
        fever_reasons=in_language(fever_rules(await redflags.select_rules(db))),
        hospital=await hospital_settings(db),
    )
