"""How the FHIR Bundle shows a corrected report, so a superseded value never reads as valid.

A family corrects a report by sending a new one that points at it (``corrects``); both
stay in our records and both are exported, because a nurse may have acted on the old one.
The superseded report's QuestionnaireResponse and Observations are ``entered-in-error``
(R4: withdrawn, although real-world decisions may have been based on them), with a note
naming the report that replaced them. The current correction's Observations are
``corrected`` and its QuestionnaireResponse ``amended`` (both still valid results in R4),
and a Provenance records the revision: its targets are the correction's resources, its
entity (role ``revision``) the superseded report. R4 has no ``replaces`` element on these
resources, and its ``replaces`` extension is for definitional resources only.
"""

from __future__ import annotations

from typing import Any

from ..i18n import gettext
from .record import ExportedReport, local_iso

RFC_3986 = "urn:ietf:rfc:3986"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"


def response_status(exported: ExportedReport) -> str:
    if not exported.current:
        return "entered-in-error"
    return "amended" if exported.report.corrects_uuid else "completed"


def observation_status(exported: ExportedReport) -> str:
    if not exported.current:
        return "entered-in-error"
    return "corrected" if exported.report.corrects_uuid else "final"


def superseded_note(exported: ExportedReport) -> list[dict[str, Any]]:
    """An Observation ``note`` saying what replaced it; empty while the report is current."""
    link = exported.superseded_by
    if link is None:
        return []
    text = gettext(
        "Superseded: the family corrected this report in report %(id)s, sent %(when)s. "
        "Do not use this value.",
        id=link.correction_uuid,
        when=local_iso(link.correction_received_at),
    )
    return [{"text": text}]


def reference_to_report(
    report_uuid: str, response_url: str, in_bundle: bool, kind: str = "QuestionnaireResponse"
) -> dict[str, Any]:
    """A reference to a report's QuestionnaireResponse: by fullUrl when it is in this
    Bundle, always with its identifier (it may lie outside the exported dates)."""
    reference: dict[str, Any] = {
        "type": kind,
        "identifier": {"system": RFC_3986, "value": f"urn:uuid:{report_uuid}"},
    }
    if in_bundle:
        reference["reference"] = response_url
    return reference


def provenance(
    exported: ExportedReport, targets: list[str], corrected: list[dict[str, Any]]
) -> dict[str, Any]:
    """The revision a correction made: its resources (``targets``, fullUrls) revise the
    report it corrects (``corrected``: references to that report's resources)."""
    report = exported.report
    return {
        "resourceType": "Provenance",
        "target": [{"reference": url} for url in targets],
        "recorded": local_iso(report.received_at),
        "activity": {"coding": [{"system": DATA_OPERATION, "code": "UPDATE", "display": "revise"}]},
        "agent": [
            {
                "type": {
                    "coding": [{"system": PARTICIPANT_TYPE, "code": "author", "display": "Author"}]
                },
                "who": {
                    "type": "RelatedPerson",
                    "display": report.author_name or gettext("A caregiver"),
                },
            }
        ],
        "entity": [{"role": "revision", "what": what} for what in corrected],
    }
