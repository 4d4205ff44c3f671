"""Where to go after signing in: only a path on this site, never another site."""

from __future__ import annotations

from quart import request


def safe_next(default: str = "/") -> str:
    """Only same-site paths: never send someone to another site after signing in."""
    target = request.args.get("next", "")
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        # Browsers drop tabs and newlines from URLs ("/\t/evil" is "//evil"); a newline
        # cannot go into a Location header at all.
        and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in target)
    ):
        return target
    return default
