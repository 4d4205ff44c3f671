"""FHIR search: the parameters the API understands, and searchset Bundles paged with links.

Dates are local calendar dates (YYYY-MM-DD) with the prefixes ``eq`` (or none), ``ge``,
``gt``, ``le`` and ``lt``; several values narrow the range together, as FHIR's AND.
Pages are ``_count`` entries long (at most 200) and are followed through the Bundle's
``next`` link; the server never hands out more than a page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from ..exports.record import DateRange
from .outcomes import FhirError

DEFAULT_COUNT = 50
MAX_COUNT = 200
MAX_OFFSET = 1_000_000
PREFIXES = ("eq", "ge", "gt", "le", "lt")


@dataclass(frozen=True)
class Page:
    count: int
    offset: int


def page_of(args: MultiDict[str, str]) -> Page:
    return Page(
        _integer(args.get("_count"), "_count", DEFAULT_COUNT, 1, MAX_COUNT),
        _integer(args.get("_offset"), "_offset", 0, 0, MAX_OFFSET),
    )


def _integer(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise FhirError(400, "invalid", f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def date_range(values: Sequence[str], name: str) -> DateRange:
    """The FHIR date prefixes over local dates, as the export's DateRange."""
    first: date | None = None
    last: date | None = None
    for value in values:
        prefix = value[:2] if value[:2] in PREFIXES else "eq"
        text = value[2:] if value[:2] in PREFIXES else value
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise FhirError(
                400,
                "invalid",
                f"{name} must be a date written as YYYY-MM-DD, with ge, le, gt or lt.",
            ) from None
        if len(text) != 10:
            raise FhirError(400, "invalid", f"{name} must be a date written as YYYY-MM-DD.")
        low = {"eq": day, "ge": day, "gt": day + timedelta(days=1)}.get(prefix)
        high = {"eq": day, "le": day, "lt": day - timedelta(days=1)}.get(prefix)
        if low is not None:
            first = max(first, low) if first else low
        if high is not None:
            last = min(last, high) if last else high
    return DateRange(first, last)


def patient_id(args: MultiDict[str, str]) -> int | None:
    """``patient=12``, ``patient=Patient/12`` or ``subject=Patient/12``; None when absent."""
    raw = args.get("patient") or args.get("subject")
    if raw is None:
        return None
    text = raw.removeprefix("Patient/")
    if not text.isdigit() or not 0 < int(text) < 2**63:
        raise FhirError(400, "invalid", "patient must be a Patient id such as Patient/12.")
    return int(text)


def token(raw: str) -> tuple[str | None, str]:
    """``system|code`` or ``code`` (any system)."""
    if "|" in raw:
        system, _, code = raw.partition("|")
        return system or None, code
    return None, raw


def bundle(
    resources: Sequence[dict[str, Any]],
    *,
    page: Page,
    base_url: str,
    path: str,
    args: Mapping[str, Any],
) -> dict[str, Any]:
    """One page of a searchset, with self/next/previous links that keep the search."""
    shown = resources[page.offset : page.offset + page.count]
    kept = [(name, value) for name, value in _pairs(args) if name not in {"_offset", "_count"}]

    def link(offset: int) -> str:
        query = urlencode([*kept, ("_count", str(page.count)), ("_offset", str(offset))])
        return f"{base_url}{path}?{query}"

    links = [{"relation": "self", "url": link(page.offset)}]
    if page.offset + page.count < len(resources):
        links.append({"relation": "next", "url": link(page.offset + page.count)})
    if page.offset > 0:
        links.append({"relation": "previous", "url": link(max(0, page.offset - page.count))})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base_url}/fhir/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in shown
        ],
    }


def _pairs(args: Mapping[str, Any]) -> list[tuple[str, str]]:
    if isinstance(args, MultiDict):
        return list(args.items(multi=True))
    return [(name, str(value)) for name, value in args.items()]
