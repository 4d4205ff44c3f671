"""Pages as a reader sees them: a page's HTML after a 200, and its text without tags."""

from __future__ import annotations

import re
from typing import Any


async def page_text(client: Any, path: str, **headers: str) -> str:
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, path
    return str(await response.get_data(as_text=True))


def plain(html: str) -> str:
    """A page's text as a reader sees it: no tags, runs of white space as one space."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
