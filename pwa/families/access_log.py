"""Families see who at the hospital looked at their child's data (from the audit log)."""

from __future__ import annotations

from quart import request
from quart.typing import ResponseReturnValue

from .. import audit
from ..db import get_db
from ..i18n import lazy_gettext as _l
from ..ids import parse_page
from ..rendering import render_template
from ..security import Access, access
from . import blueprint
from .context import family_context

# What each kind of staff read means, in the family's words.
READ_WORDS = {
    "child.viewed": _l("opened the child's page"),
    "report.viewed": _l("opened a report"),
    "photo.viewed": _l("opened a photo"),
    "plan.viewed": _l("opened the treatment plan"),
    "fhir.viewed": _l("read the data into the hospital's records"),
}
EXPORT_WORDS = _l("exported the data")
OTHER_READ_WORDS = _l("looked at the child's data")
MAX_PAGE = 10_000


def what_happened(action: str) -> object:
    if action.startswith("export."):
        return EXPORT_WORDS
    return READ_WORDS.get(action, OTHER_READ_WORDS)


@blueprint.route("/settings/access-log")
@access(Access.FAMILY)
async def who_looked() -> ResponseReturnValue:
    _, child = await family_context()
    raw = request.args.get("page", "1")
    page = parse_page(raw, MAX_PAGE)
    entries: list[audit.AuditEntry] = []
    older = False
    if child is not None:
        entries, older = await audit.select_staff_reads(get_db(), child.id, page)
    return await render_template(
        "families/access_log.html",
        entries=entries,
        page=page,
        older=older,
        what_happened=what_happened,
    )
