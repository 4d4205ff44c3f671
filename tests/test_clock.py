"""One owner for "now" and for the hospital's zone: ``pwa/clock.py``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from pwa import clock

PWA = Path(__file__).resolve().parent.parent / "pwa"
ROOT = PWA.parent


def python_sources() -> list[Path]:
    return [path for path in PWA.rglob("*.py") if path.name != "clock.py"]


def test_only_the_clock_reads_the_system_clock() -> None:
    readers = re.compile(r"datetime\.now\(|date\.today\(|datetime\.utcnow\(")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in python_sources()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if readers.search(line)
    ]
    assert offenders == []


def test_only_the_clock_names_the_hospitals_zone() -> None:
    sources = [
        *python_sources(),
        *(ROOT / "templates").rglob("*.html"),
        *(ROOT / "static" / "js").rglob("*.js"),
    ]
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), 1)
        # Help texts may show the zone as an example of what to type.
        if clock.HOSPITAL_ZONE_NAME in line
        and "like Europe/Amsterdam" not in line
        and "for example Europe/Amsterdam" not in line
        and not line.lstrip().startswith(("#", '"""', "*"))
    ]
    assert offenders == []


def test_today_is_the_hospitals_date_not_utcs() -> None:
    # 23:30 UTC on 31 March is already 1 April in Amsterdam (UTC+2 in summer time).
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert clock.today(late) == date(2026, 4, 1)
    assert clock.local(late).hour == 1


def test_pages_tell_their_scripts_the_zone(tmp_path: Path) -> None:
    base = (ROOT / "templates" / "base.html").read_text()
    assert "data-zone=" in base
    dates_js = (ROOT / "static" / "js" / "dates.js").read_text()
    assert "dataset.zone" in dates_js
