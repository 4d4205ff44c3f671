"""docs/asvs.md stays true: every test it names exists, every row has a valid status and a
unique, well-formed id, and the summary counts are the rows' counts."""

from __future__ import annotations

import ast
import re
from collections import Counter
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "asvs.md"
STATUSES = ("met", "partly", "not met", "n/a")
ROW = re.compile(
    r"^\| (?P<id>[^|]+?) \| (?P<what>[^|]+?) \| (?P<status>[^|]+?) \| (?P<proof>.+) \|$"
)
ID = re.compile(r"^(1[0-7]|[1-9])\.[1-9][0-9]?\.[1-9][0-9]?$")
TEST_REFERENCE = re.compile(r"tests/[\w/]+\.py::[\w:]+")
SUMMARY = re.compile(r"^\| (met|partly|not met|n/a) \| (\d+) \|$", re.M)


def rows(text: str) -> list[dict[str, str]]:
    """The requirement rows of every chapter table (the header and rule rows left out)."""
    found = []
    for line in text.splitlines():
        match = ROW.match(line)
        # Chapter rows start with a digit; header, rule and summary rows do not.
        if match and match["id"][0].isdigit():
            found.append(match.groupdict())
    return found


@cache
def defined_tests(path: Path) -> frozenset[str]:
    """``name`` and ``Class::name`` for every test function of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}::{item.name}")
    return frozenset(name for name in names if name.split("::")[-1].startswith("test_"))


def missing_tests(text: str) -> list[str]:
    """References to a file or test function that does not exist."""
    missing = []
    for reference in TEST_REFERENCE.findall(text):
        file_name, name = reference.split("::", 1)
        path = ROOT / file_name
        if not path.is_file() or name not in defined_tests(path):
            missing.append(reference)
    return missing


def test_every_referenced_test_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert len(TEST_REFERENCE.findall(text)) > 100
    assert missing_tests(text) == []


def test_a_renamed_test_would_be_caught() -> None:
    good = "`tests/test_security.py::test_server_error_page_is_generic`"
    assert missing_tests(good) == []
    assert missing_tests(good.replace("is_generic", "is_plain")) != []
    assert missing_tests("`tests/test_nowhere.py::test_x`") != []
    nested = "`tests/test_accounts.py::TestBehindOneTrustedProxy::test_per_account_limit_holds_across_addresses`"
    assert missing_tests(nested) == []


def test_every_row_has_a_valid_status_a_proof_and_a_unique_id() -> None:
    found = rows(DOC.read_text(encoding="utf-8"))
    assert len(found) > 200
    assert [row["id"] for row in found if not ID.match(row["id"])] == []
    assert [row["id"] for row in found if row["status"] not in STATUSES] == []
    assert [row["id"] for row in found if len(row["proof"].strip()) < 6] == []
    counts = Counter(row["id"] for row in found)
    assert [identifier for identifier, n in counts.items() if n > 1] == []


def test_ids_follow_the_chapters_in_order() -> None:
    found = [tuple(int(part) for part in row["id"].split(".")) for row in rows(DOC.read_text())]
    assert found == sorted(found)


def test_summary_counts_match_the_rows() -> None:
    text = DOC.read_text(encoding="utf-8")
    summary = {status: int(count) for status, count in SUMMARY.findall(text)}
    counted = Counter(row["status"] for row in rows(text))
    assert summary == {status: counted.get(status, 0) for status in STATUSES}
    total = re.search(r"^\| total \| (\d+) \|$", text, re.M)
    assert total and int(total.group(1)) == sum(counted.values())


def test_met_rows_name_their_proof() -> None:
    """A row marked met names a test, a document section, or says it rests on code review."""
    weak = [
        row["id"]
        for row in rows(DOC.read_text(encoding="utf-8"))
        if row["status"] == "met"
        and not TEST_REFERENCE.search(row["proof"])
        and "](" not in row["proof"]
        and "code review" not in row["proof"]
        and "above" not in row["proof"]
    ]
    assert weak == []
