"""What the family's history page needs besides the reports: corrections linked both ways
and report times in the page's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..plans.formatting import clock, short_date
from .forms import HOME_ZONE
from .items import ITEMS
from .store import CorrectionLink


@dataclass(frozen=True)
class Corrections:
    """For a child: which report corrects which. Both reports stay visible."""

    corrects: dict[str, CorrectionLink] = field(default_factory=dict)  # by the correction
    corrected_by: dict[str, list[CorrectionLink]] = field(default_factory=dict)  # by the original

    @classmethod
    def from_links(cls, links: Sequence[CorrectionLink]) -> Corrections:
        corrections = cls()
        for link in links:
            corrections.corrects[link.correction_uuid] = link
            corrections.corrected_by.setdefault(link.corrected_uuid, []).append(link)
        return corrections

    def of(self, client_uuid: str) -> CorrectionLink | None:
        """The link to the report this one corrects, if it is a correction."""
        return self.corrects.get(client_uuid)

    def for_report(self, client_uuid: str) -> list[CorrectionLink]:
        """The later reports that correct this one, oldest first."""
        return self.corrected_by.get(client_uuid, [])

    def is_superseded(self, client_uuid: str) -> bool:
        return client_uuid in self.corrected_by


def report_time(moment: datetime) -> str:
    """'27 Nov 2026, 08:33' in the hospital's zone and the page's language."""
    local = moment.astimezone(HOME_ZONE)
    return f"{short_date(local)}, {clock(local)}"


def answer_keys(items: Mapping[str, Any]) -> list[str]:
    """A report's answered items in the form's order (stored answers are sorted by key)."""
    return [item.key for item in ITEMS if item.key in items]
