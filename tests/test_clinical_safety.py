"""The hazard log (docs/clinical-safety.md) and the tests agree: every hazard names the
tests that prove its control, those tests exist, and each of them names the hazard back
in its docstring. A control whose test was renamed or deleted fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "docs" / "clinical-safety.md"
HEADING = re.compile(r"^### (H\d+) ", re.MULTILINE)
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def hazards() -> dict[str, str]:
    """Each hazard id with the text of its section."""
    text = LOG.read_text(encoding="utf-8")
    starts = list(HEADING.finditer(text))
    sections = {}
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        sections[match.group(1)] = text[match.start() : end]
    return sections


def docstrings(path: Path) -> dict[str, str]:
    """Every test function's docstring in a file, by name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name: ast.get_docstring(node) or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def named_hazards(docstring: str) -> set[str]:
    """The hazards a docstring says it proves: 'Hazard H<n>: ...' or 'Hazards H<n> and H<m>'."""
    named: set[str] = set()
    for group in re.findall(r"\bHazards? (H\d+(?:(?:, | and | & |/)H\d+)*)", docstring):
        named |= set(re.findall(r"H\d+", group))
    return named


def test_the_log_lists_hazards_in_order() -> None:
    found = list(hazards())
    assert found, "docs/clinical-safety.md lists no hazards"
    # In order and each once; a number may be skipped (branches reserve theirs ahead).
    numbers = [int(hazard.removeprefix("H")) for hazard in found]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1


@pytest.mark.parametrize("hazard", list(hazards()))
def test_each_hazard_is_proven_by_tests_that_name_it(hazard: str) -> None:
    section = hazards()[hazard]
    for row in ("cause", "effect", "control", "risk"):
        assert f"| {row}" in section, f"{hazard} has no '{row}' row"
    references = TEST_REFERENCE.findall(section)
    assert references, f"{hazard} names no test"
    for file, name in references:
        path = ROOT / file
        assert path.is_file(), f"{hazard}: {file} does not exist"
        functions = docstrings(path)
        assert name in functions, f"{hazard}: {file} has no test {name}"
        assert hazard in named_hazards(functions[name]), (
            f"{hazard}: {file}::{name} does not name the hazard in its docstring"
        )


def test_every_hazard_a_test_names_is_in_the_log() -> None:
    """A test that claims to prove a hazard the log does not list is a broken link too."""
    listed = set(hazards())
    named: dict[str, set[str]] = {}
    for path in (ROOT / "tests").rglob("test_*.py"):
        for name, docstring in docstrings(path).items():
            for hazard in named_hazards(docstring):
                named.setdefault(hazard, set()).add(f"{path.relative_to(ROOT)}::{name}")
    unknown = {hazard: tests for hazard, tests in named.items() if hazard not in listed}
    assert not unknown, f"tests name hazards the log does not list: {unknown}"
