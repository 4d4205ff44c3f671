"""The repository stands on its own: nothing in it cites a document a clone does not have.

Code, comments, tests, docs, templates, the Makefile and the README point to the
project's own docs/ and files. A reference to an issue tracker thread or to a planning
file kept outside the repository means nothing to the next maintainer, so the text that
was there belongs in docs/ instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Folders made by tools, not written by us (and other projects' text in node_modules).
SKIPPED_FOLDERS = {
    ".git",
    ".venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "build",
    "dist",
    "instance",
    "results",
}
SKIPPED_FILES = {"package-lock.json"}

# The names are split so that this file does not cite them itself.
_OUTSIDE_FILES = "|".join(name + r"\.md" for name in ("DESIGN", "QUALITY", "CLINICAL", "STYLE"))
CITATIONS = {
    "a planning file outside the repository": re.compile(rf"\b(?:{_OUTSIDE_FILES})\b"),
    "a folder outside the repository": re.compile(r"\.\./" + "shared"),
    "the task's brief": re.compile(r"\bthe " + r"brief\b", re.IGNORECASE),
    "an issue by number": re.compile(r"\b" + r"issues? #?\d", re.IGNORECASE),
    "an issue's finding": re.compile(r"\b" + r"findings? \d", re.IGNORECASE),
    "an issue by itself": re.compile(r"\b(?:the|this|that) (?:\w+ )?" + r"issue(?:'s)?\b"),
    "an issue or pull request as #N": re.compile(
        r"(?:\(|\b(?:see|fixes|fixed|closes|closed|in|issue|PR|pull request) )" + r"#\d+\b",
        re.IGNORECASE,
    ),
}
# Paths the repository names on purpose that are made by tools or stand for any file.
PATH_REFERENCE = re.compile(
    r"(?<![\w./-])((?:docs|pwa|tests|bench|static|templates|service_worker|\.ci)/[\w./-]*\w)"
)
MADE_BY_TOOLS = ("bench/node_modules", "bench/results", "docs/screenshots/tmp", "pwa/_assets")
# tests/test_asvs_list.py proves its own check with a test file that does not exist.
NAMED_ON_PURPOSE = {"bench/NAME.py", "tests/test_nowhere.py"}


def _text_files() -> Iterator[tuple[Path, str]]:
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if set(relative.parts) & SKIPPED_FOLDERS or path.name in SKIPPED_FILES:
            continue
        if not path.is_file() or path.name.endswith(".egg-info"):
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary: images, compiled catalogues
        try:
            yield path, data.decode("utf-8")
        except UnicodeDecodeError:
            continue


def citations(text: str) -> list[str]:
    """What in ``text`` cites something a clone of the repository cannot read."""
    found = []
    for what, pattern in CITATIONS.items():
        found += [f"{what}: {match.group(0)!r}" for match in pattern.finditer(text)]
    return found


def missing_paths(text: str) -> list[str]:
    """The repository paths ``text`` names that are not in the repository."""
    missing = []
    for match in PATH_REFERENCE.finditer(text):
        reference = match.group(1).rstrip(".").split("::")[0]
        if reference.startswith(MADE_BY_TOOLS) or reference in NAMED_ON_PURPOSE:
            continue
        if not (ROOT / reference).exists():
            missing.append(reference)
    return missing


def test_the_scan_reads_code_tests_docs_templates_and_the_build_files() -> None:
    names = {str(path.relative_to(ROOT)) for path, _ in _text_files()}
    expected = {"Makefile", "README.md", ".ci/run", "pyproject.toml", "docs/api.md"}
    assert expected <= names
    assert any(name.startswith("templates/") for name in names)
    assert any(name.startswith("pwa/migrations/") for name in names)
    assert not any(name.startswith((".venv/", "bench/node_modules/")) for name in names)


def test_nothing_cites_an_issue_or_a_file_outside_the_repository() -> None:
    found = {
        str(path.relative_to(ROOT)): hits
        for path, text in _text_files()
        if (hits := citations(text))
    }
    assert found == {}


def test_every_repository_path_that_is_named_exists() -> None:
    found = {
        str(path.relative_to(ROOT)): missing
        for path, text in _text_files()
        if (missing := missing_paths(text))
    }
    assert found == {}


@pytest.mark.parametrize(
    "text",
    [
        "see " + "DESIGN" + ".md, section 3",
        "-- " + "Issue" + " 19: outcomes can change",
        '"""' + "Issue" + " 14, finding" + ' 7: sessions"""',
        "(" + "issue" + " 6)",
        "as " + "the" + " brief says",
        "the " + "shell issue" + " touches",
        "the " + "issue's" + " example",
        "# fixed in " + "#12",
        "../" + "shared/notes.txt",
    ],
)
def test_the_rule_catches_each_kind_of_citation(text: str) -> None:
    assert citations(text) != []


@pytest.mark.parametrize(
    "text",
    [
        "docs/clinical.md lists the example rules",
        "background: #fff; color: #000;",
        'assert "#4242" in rows[1]',
        "the nurse issues a reset code",
        'outcome["issue"][0]',
        "check 9 of reliability.md",
    ],
)
def test_the_rule_lets_the_projects_own_references_be(text: str) -> None:
    assert citations(text) == []


def test_a_path_that_is_not_in_the_repository_is_found() -> None:
    assert missing_paths("see docs/" + "nowhere.md and docs/api.md") == ["docs/" + "nowhere.md"]
    assert missing_paths("tests/test_smoke.py::test_x, bench/results/run.json") == []
