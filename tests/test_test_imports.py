"""Tests share code only through conftest.py and tests/helpers/, never by importing another
test module: a test module imported for its helpers is collected twice under two names,
and a helper kept in a test file is found only by those who know where it hides.

The one exception: tests that exercise a benchmark script itself import it from bench/
(tests/test_fuzz.py runs bench/fuzz.py, tests/test_reliability.py small versions of the
load, crash, flaky-push and backup checks). The served app they all start is
tests/helpers/served.py, which the benchmarks import in turn.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
SHARED = ("tests.conftest", "tests.helpers")
EXERCISE_BENCH = {"tests/test_fuzz.py", "tests/test_reliability.py"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str) -> list[str]:
    """Every module ``source`` (the text of ``module``) imports, relative ones resolved."""
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if node.module is None:
                found += [f"{target}.{alias.name}" for alias in node.names]
            else:
                found.append(target)
    return found


def refused(path: str, modules: list[str]) -> list[str]:
    """The imports of the test file ``path`` (relative to the root) that break the rule."""
    bad = []
    for name in modules:
        top = name.split(".")[0]
        if (top == "tests" and not name.startswith(SHARED) and name != "tests") or (
            top == "bench" and path not in EXERCISE_BENCH
        ):
            bad.append(name)
    return bad


def test_tests_import_shared_code_only_from_conftest_and_helpers() -> None:
    found = {}
    for path in sorted(TESTS.rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        modules = imported_modules(path.read_text(encoding="utf-8"), _module_name(path))
        if bad := refused(relative, modules):
            found[relative] = bad
    assert found == {}


def test_the_rule_refuses_a_test_module_and_bench_outside_the_exception() -> None:
    source = "from tests.test_push import subscribe\nfrom .test_diary import outbox\n"
    modules = imported_modules(source, "tests.browser.test_offline")
    assert modules == ["tests.test_push", "tests.browser.test_diary"]
    assert refused("tests/browser/test_offline.py", modules) == modules
    assert refused("tests/test_smoke.py", ["bench.common"]) == ["bench.common"]
    assert refused("tests/test_fuzz.py", ["bench.fuzz"]) == []
    shared = ["tests.conftest", "tests.helpers.push", "tests.helpers", "pwa.db"]
    assert refused("tests/test_push.py", shared) == []
    assert imported_modules("from . import browser", "tests.helpers.webkit") == [
        "tests.helpers.browser"
    ]
