"""The README starts with the two commands and shows pictures that exist."""

from __future__ import annotations

import re
from pathlib import Path

from pwa.config import DEMO_TOTP_SECRET

ROOT = Path(__file__).resolve().parent.parent


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_every_picture_and_doc_link_in_the_readme_exists() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(((?:docs)/[^)]+)\)", text)
    assert any(target.endswith(".png") for target in targets)
    missing = [target for target in targets if not (ROOT / target).exists()]
    assert missing == []


def test_the_demo_secret_is_declared_once_and_the_readme_shows_that_one() -> None:
    """The demo staff's authenticator secret lives in pwa/config.py; everything else
    imports it, and the README's "Demo logins" shows the same value."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{DEMO_TOTP_SECRET}`" in readme
    written = [
        str(path.relative_to(ROOT))
        for folder in ("pwa", "tests", "bench", "docs")
        for path in (ROOT / folder).rglob("*.py")
        if "node_modules" not in path.parts and DEMO_TOTP_SECRET in path.read_text(encoding="utf-8")
    ]
    assert written == ["pwa/config.py"]
