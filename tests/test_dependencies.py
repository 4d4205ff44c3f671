"""Every package the code imports is declared in pyproject.toml, pinned to one version.

A dependency that arrives only because another package happens to pull it in can vanish
or change under the app with that other package's next release.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _declared(*groups: str) -> dict[str, Requirement]:
    project = PYPROJECT["project"]
    lines = list(project["dependencies"])
    for group in groups:
        lines += project["optional-dependencies"][group]
    requirements = [Requirement(line) for line in lines]
    return {_canonical(requirement.name): requirement for requirement in requirements}


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _imported_top_level(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        if "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"pwa", "tests", "bench", "__future__"}


@pytest.mark.parametrize(
    ("folder", "groups"),
    # The app needs only its own dependencies; tests, benchmarks and the screenshot
    # tool (docs/tools) may use the test group too.
    [("pwa", ()), ("tests", ("test",)), ("bench", ("test",)), ("docs/tools", ("test",))],
)
def test_every_imported_package_is_declared_and_pinned(
    folder: str, groups: tuple[str, ...]
) -> None:
    declared = _declared(*groups)
    providers = packages_distributions()
    missing = {}
    for module in sorted(_imported_top_level(ROOT / folder)):
        distributions = {_canonical(name) for name in providers.get(module, [module])}
        if not distributions & declared.keys():
            missing[module] = sorted(distributions)
    assert missing == {}, f"imported in {folder}/ but not declared: {missing}"
    unpinned = [str(r) for r in declared.values() if not str(r.specifier).startswith("==")]
    assert unpinned == []
