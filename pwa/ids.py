"""Row ids that arrive from outside (URL paths, query strings, forms, JSON), checked once.

An id is ASCII digits for a number from 1 to 2**63 - 1, SQLite's largest integer. A larger
one makes the database driver raise OverflowError, and ``str.isdigit`` accepts ``²`` and
other Unicode digits that ``int`` then rejects or reads as a different number. Everything
else is "no such id": the caller answers 404, 400 or an ``invalid`` item.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[1-9][0-9]{0,18}")


def parse_id(raw: object) -> int | None:
    """The id ``raw`` names (text of ASCII digits, or a JSON integer), or None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 1 <= raw <= MAX_ID else None
    if not isinstance(raw, str) or not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


def parse_page(raw: object, last: int) -> int:
    """A page number from a query string: 1 for anything that is not one, at most ``last``."""
    return min(parse_id(raw) or 1, last)


class IdConverter(BaseConverter):
    """``<int:...>`` in every route: only ids (see above); anything else is a 404."""

    regex = r"[0-9]+"
    weight = 50  # as werkzeug's own integer converter, so rules keep their order

    def to_python(self, value: str) -> Any:
        found = parse_id(value)
        if found is None:
            raise ValidationError()
        return found

    def to_url(self, value: Any) -> str:
        return str(int(value))
