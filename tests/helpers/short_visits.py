"""Short visits as a nurse adds them: the form's fields, posted to the child's plan."""

from __future__ import annotations

from typing import Any

from tests.conftest import post_form


def scan_fields(**extra: str) -> dict[str, str]:
    """A 90-minute scan on 12 March 2027 at 10:30 (Amsterdam), as the form posts it."""
    return {
        "kind": "scan",
        "title": "",
        "location": "Radiology, level 1",
        "start_date": "2027-03-12",
        "start_time": "10:30",
        "duration": "",
        "time_zone": "Europe/Amsterdam",
        "family_note": "",
        "status": "planned",
        **extra,
    }


async def add_short_visit(nurse: Any, child_id: int, **extra: str) -> Any:
    """Post the nurse's "Add a short visit" form; the response."""
    return await post_form(
        nurse, f"/nurse/children/{child_id}/short-visits/new", scan_fields(**extra)
    )
