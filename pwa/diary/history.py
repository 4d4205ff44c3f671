"""What the family's history page needs besides the reports: each report's state (a
nurse's review and replies), corrections linked both ways, and times in the page's
language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..i18n import format_datetime
from .items import ITEMS
from .store import CorrectionLink


@dataclass(frozen=True)
class Corrections:
    """For a child: which report corrects which. Both reports stay visible."""

    corrects: dict[str, CorrectionLink] = field(default_factory=dict)  # by the correction
    corrected_by: dict[str, list[CorrectionLink]] = field(default_factory=dict)  # by the original
    # By every report of a family of corrections: the link that brought its newest report.
    newest: dict[str, CorrectionLink] = field(default_factory=dict)

    @classmethod
    def from_links(cls, links: Sequence[CorrectionLink]) -> Corrections:
        """``links`` oldest first, as ``select_correction_links`` gives them."""
        corrections = cls()
        for link in links:
            corrections.corrects[link.correction_uuid] = link
            corrections.corrected_by.setdefault(link.corrected_uuid, []).append(link)
            # A correction joins the family of the report it corrects and is its newest.
            family = corrections.newest.get(link.corrected_uuid)
            members = [uid for uid, seen in corrections.newest.items() if seen is family]
            for uid in {*members, link.corrected_uuid, link.correction_uuid}:
                corrections.newest[uid] = link
        return corrections

    def of(self, client_uuid: str) -> CorrectionLink | None:
        """The link to the report this one corrects, if it is a correction."""
        return self.corrects.get(client_uuid)

    def for_report(self, client_uuid: str) -> list[CorrectionLink]:
        """The later reports that correct this one, oldest first."""
        return self.corrected_by.get(client_uuid, [])

    def superseded_by(self, client_uuid: str) -> CorrectionLink | None:
        """The link to the report that replaces this one, or None while this one is current.

        Of a report and all its corrections (corrections of corrections, or several
        corrections of one report), only the newest sent is current: the family's latest
        word on that reading. Every other report of the family is superseded by it.
        """
        newest = self.newest.get(client_uuid)
        if newest is None or newest.correction_uuid == client_uuid:
            return None
        return newest

    def is_superseded(self, client_uuid: str) -> bool:
        return self.superseded_by(client_uuid) is not None


def report_time(moment: datetime) -> str:
    """'Fri 27 Nov, 08:33' in the hospital's zone and the page's language."""
    return format_datetime(moment)


def answer_keys(items: Mapping[str, Any]) -> list[str]:
    """A report's answered items in the form's order (stored answers are sorted by key)."""
    return [item.key for item in ITEMS if item.key in items]
