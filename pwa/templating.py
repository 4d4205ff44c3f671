"""Everything a template can call besides its own context: filters and globals, in one place.

The functions live with the domain they describe; this module only names them for
templates, so a page's vocabulary is listed here and nowhere else. The locale's own
context (``locale``, ``text_direction``, ...) is added by ``pwa/i18n.py``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from quart import Quart, g, has_request_context, request, url_for

from . import clock, hospital_texts, i18n
from .admin.language_fields import language_fields
from .admin.language_fields import language_name as own_language_name
from .db import get_db
from .diary import photos, sync
from .diary.history import answer_keys, report_time
from .diary.labels import answer_label, item_label
from .doses.labels import outcome_label as dose_outcome_label
from .doses.labels import outcome_words as dose_outcome_words
from .doses.store import OUTCOMES as DOSE_OUTCOMES
from .families.card import central_line_label, kilograms
from .hospital import review_deadline, staffed_hours_data, staffed_hours_text
from .messages import store as messages
from .plans import formatting
from .reviews.outcomes import outcome_label
from .security import csrf_token
from .shared_names import shared_names
from .shell.pages import owner_tag

FILTERS: dict[str, Callable[..., Any]] = {
    "date": i18n.format_date,
    "datetime": i18n.format_datetime,
    "time": i18n.format_time,
    "weekday_date": formatting.weekday_date,
    "short_date": formatting.short_date,
    "clock": formatting.clock,
    "kind_label": formatting.kind_label,
    "visit_title": formatting.visit_title,
    "duration": formatting.duration,
    "status_label": formatting.status_label,
    "medication_label": formatting.medication_label,
    "report_time": report_time,
    "central_line_label": central_line_label,
    "kilograms": kilograms,
    "ltr": i18n.left_to_right,
    "time_ranges_together": i18n.time_ranges_together,
}

GLOBALS: dict[str, Any] = {
    # Pages hand the zone to their scripts (<html data-zone>, static/js/dates.js).
    "hospital_zone": clock.HOSPITAL_ZONE_NAME,
    "csrf_token": csrf_token,
    "plural_samples": i18n.plural_samples,
    # dir="…" for a text in another language than the page's (a Dutch fallback on an
    # Arabic page reads left to right; an Arabic text on a Dutch page right to left).
    "direction_of": i18n.text_direction,
    "staffed_hours_text": staffed_hours_text,
    "staffed_hours_data": staffed_hours_data,
    "review_deadline": review_deadline,
    "item_label": item_label,
    "answer_label": answer_label,
    "answer_keys": answer_keys,
    "outcome_label": outcome_label,
    # Family pages carry the tag in <body data-owner>: the outbox sends a report only
    # under the account that wrote it (static/js/outbox.js).
    "owner_tag": owner_tag,
    # The outbox (static/js/outbox.js) packs its batches to the server's limits.
    "outbox_max_reports": sync.MAX_BATCH,
    "outbox_max_bytes": sync.MAX_BODY,
    "max_photos": photos.MAX_PHOTOS,
    "dose_outcomes": DOSE_OUTCOMES,
    "dose_outcome_label": dose_outcome_label,
    "dose_outcome_words": dose_outcome_words,
    # A fresh id in each plain form that records something: sent twice, it is stored once.
    "uuid4": lambda: str(uuid.uuid4()),
    # The admin's lists say which family languages a hospital text has no words in yet.
    "missing_languages": hospital_texts.missing,
    "own_language_name": own_language_name,
    # The "Other languages" fields of an admin form (templates/admin/_languages.html).
    "language_fields": language_fields,
}


@cache
def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_function(static_root: Path) -> Callable[[str], str]:
    """``asset(path)``: a static URL carrying the file's content hash, cacheable forever."""
    urls: dict[tuple[str, str], str] = {}

    def asset(path: str) -> str:
        # Built once per file and mount point: every page links a handful of assets, and
        # ``url_for`` plus the path arithmetic cost more than the rest of a small page.
        key = (request.root_path if has_request_context() else "", path)
        url = urls.get(key)
        if url is None:
            url = urls[key] = url_for("static", filename=path, v=_file_hash(static_root / path))
        return url

    return asset


def init_app(app: Quart, static_root: Path) -> None:
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(
        GLOBALS, asset=asset_function(static_root), shared_names=shared_names
    )

    @app.context_processor
    async def who() -> dict[str, Any]:
        """Who is asking and which child they look at, on every page, and the menu's
        count of unread messages (the family's home page is kept only while no ward
        message arrives or is read: migration 0017 bumps its version)."""
        account = g.get("account")
        unread = 0
        if account is not None:
            db = get_db()
            unread = (
                await messages.count_unread_conversations(db)
                if account.is_staff
                else await messages.count_unread_for_caregiver(db, account.id)
            )
        return {
            "account": account,
            "unread_messages": unread,
            "children": g.get("children", []),
            "child": g.get("child"),
        }
