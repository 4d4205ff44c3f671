"""The deployment guide documents every setting (so nothing is configurable in secret)."""

from __future__ import annotations

from pathlib import Path

from pwa.config import SETTINGS

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"


def test_every_setting_is_in_the_deployment_guide() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    missing = [setting.name for setting in SETTINGS if f"`PWA_{setting.name}`" not in text]
    assert missing == []
