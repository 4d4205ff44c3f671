"""The README starts with the two commands and shows pictures that exist."""

from __future__ import annotations

import re
from pathlib import Path

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
