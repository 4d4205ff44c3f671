"""docs/architecture.md holds true: the packages it names exist, each package has one
blueprint registered by its ``init_app`` (or says it has no routes), route modules never
import another package's route modules, and no module imports against the layer order
the page states. Imports are read with ``ast``, without running the code."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from quart import Quart

ROOT = Path(__file__).resolve().parent.parent
PWA = ROOT / "pwa"
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
FOUNDATION, SHARED, PACKAGE, ROUTES, ASSEMBLY = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Module:
    name: str  # dotted: pwa.diary.sync
    path: Path

    @property
    def package(self) -> str | None:
        """The app package (pwa.diary) this module belongs to, if any."""
        parts = self.name.split(".")
        return ".".join(parts[:2]) if len(parts) >= 2 and parts[1] in PACKAGES else None

    @property
    def is_init(self) -> bool:
        return self.path.name == "__init__.py"


PACKAGES = sorted(
    path.parent.name
    for path in PWA.glob("*/__init__.py")
    if path.parent.name not in {"migrations", "translations"}
)


def _modules() -> dict[str, Module]:
    found = {}
    for path in sorted(PWA.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = Module(".".join(parts), path)
    return found


MODULES = _modules()


def imports_of(module: Module) -> list[tuple[str, list[str]]]:
    """What ``module`` imports from the app: (module imported, names taken from it)."""
    own_package = module.name if module.is_init else module.name.rsplit(".", 1)[0]
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(module.path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names if alias.name.startswith("pwa")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = own_package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            elif (node.module or "").startswith("pwa"):
                target = node.module or ""
            else:
                continue
            names = [alias.name for alias in node.names]
            # `from . import views` names a module; `from . import blueprint` an object.
            submodules = [f"{target}.{name}" for name in names if f"{target}.{name}" in MODULES]
            objects = [name for name in names if f"{target}.{name}" not in MODULES]
            found += [(submodule, []) for submodule in submodules]
            if objects:
                found.append((target, objects))
    return found


def _init_app(package: str) -> ast.FunctionDef | None:
    tree = ast.parse(MODULES[f"pwa.{package}"].path.read_text(encoding="utf-8"))
    return next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "init_app"), None
    )


def route_modules(package: str) -> set[str]:
    """The modules a package's init_app imports to attach their routes."""
    init_app = _init_app(package)
    if init_app is None:
        return set()
    return {
        f"pwa.{package}.{alias.name}"
        for node in ast.walk(init_app)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None
        for alias in node.names
    }


ROUTE_MODULES = {name for package in PACKAGES for name in route_modules(package)} | {"pwa.health"}


def stated_layers() -> dict[str, int]:
    """The modules docs/architecture.md puts in layers 1, 2 and 5 by name."""
    section = DOC.split("## Layers", 1)[1].split("\n## ", 1)[0]
    layers: dict[str, int] = {}
    for number, item in re.findall(r"^(\d)\. (.+?)(?=^\d\. |\Z)", section, re.M | re.S):
        for name in re.findall(r"`(pwa(?:\.\w+)*)`", item):
            layers.setdefault(name, int(number))
    return layers


LAYERS = stated_layers()


def layer_of(module: str) -> int:
    if module in LAYERS:
        return LAYERS[module]
    if module in ROUTE_MODULES:
        return ROUTES
    parts = module.split(".")
    if len(parts) == 2 and parts[1] in PACKAGES:
        return ASSEMBLY  # a package's __init__: init_app imports its route modules
    if len(parts) >= 3 and parts[1] in PACKAGES:
        return PACKAGE
    raise AssertionError(f"{module} is in no layer of docs/architecture.md")


def upward_imports(module: Module) -> list[str]:
    """Imports of ``module`` from a layer above its own (a larger number)."""
    own = layer_of(module.name)
    bad = []
    for imported, names in imports_of(module):
        if imported == module.package and names == ["blueprint"]:
            continue  # a route module takes its package's blueprint
        if layer_of(imported) > own:
            bad.append(imported)
    return bad


def test_the_layers_are_stated_and_name_real_modules() -> None:
    assert {LAYERS["pwa.clock"], LAYERS["pwa.db"]} == {FOUNDATION}
    assert LAYERS["pwa.security"] == SHARED and LAYERS["pwa.app"] == ASSEMBLY
    assert sorted(name for name in LAYERS if name not in MODULES) == []


def test_every_package_the_doc_names_exists_and_every_package_is_named() -> None:
    named = set(re.findall(r"^\| `pwa/(\w+)/` \|", DOC, re.M))
    assert sorted(named - set(PACKAGES)) == []
    assert sorted(set(PACKAGES) - named) == []


def test_every_module_the_doc_names_exists() -> None:
    named = set(re.findall(r"`?(pwa/[\w/]+\.py)", DOC))
    assert sorted(path for path in named if not (ROOT / path).exists()) == []


def _blueprints(package: str) -> list[str]:
    tree = ast.parse(MODULES[f"pwa.{package}"].path.read_text(encoding="utf-8"))
    return [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", None) == "Blueprint"
        for target in node.targets
        if isinstance(target, ast.Name)
    ]


def _registers(init_app: ast.FunctionDef) -> list[str]:
    return [
        ast.unparse(node.args[0])
        for node in ast.walk(init_app)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "register_blueprint"
    ]


def _uses_blueprint(module: Module) -> bool:
    return any(
        imported == module.package and "blueprint" in names
        for imported, names in imports_of(module)
    )


def test_each_package_has_one_blueprint_registered_by_init_app_or_says_it_has_no_routes() -> None:
    for package in PACKAGES:
        init = MODULES[f"pwa.{package}"]
        init_app = _init_app(package)
        if not _blueprints(package):
            docstring = ast.get_docstring(ast.parse(init.path.read_text(encoding="utf-8")))
            assert init_app is None and "no routes" in (docstring or "").lower(), package
            inside = [m for m in MODULES.values() if m.name.startswith(f"pwa.{package}.")]
            assert not any(_uses_blueprint(m) for m in inside), package
            continue
        assert _blueprints(package) == ["blueprint"], package
        assert init_app is not None and _registers(init_app) == ["blueprint"], package
        # Every module that attaches routes to the blueprint is imported by init_app.
        users = {m.name for m in MODULES.values() if m.package and _uses_blueprint(m)}
        users = {name for name in users if name.startswith(f"pwa.{package}.")}
        assert users == route_modules(package), package


def test_create_app_registers_exactly_the_packages_blueprints(app: Quart) -> None:
    with_routes = {package for package in PACKAGES if _blueprints(package)}
    assert set(app.blueprints) == with_routes | {"health"}


def test_no_route_module_imports_another_packages_route_modules() -> None:
    found = {
        name: crossing
        for name in sorted(ROUTE_MODULES)
        if (
            crossing := [
                imported
                for imported, _ in imports_of(MODULES[name])
                if imported in ROUTE_MODULES and MODULES[imported].package != MODULES[name].package
            ]
        )
    }
    assert found == {}


def test_no_module_imports_against_the_layer_order() -> None:
    found = {name: bad for name, module in MODULES.items() if (bad := upward_imports(module))}
    assert found == {}


def test_the_clock_imports_nothing_from_the_app_and_the_database_only_the_clock() -> None:
    assert imports_of(MODULES["pwa.clock"]) == []
    assert {imported for imported, _ in imports_of(MODULES["pwa.db"])} <= {"pwa.clock"}


def test_the_layer_rule_would_catch_a_store_importing_a_view(tmp_path: Path) -> None:
    source = tmp_path / "store.py"
    source.write_text("from ..db import Database\nfrom . import views\n", encoding="utf-8")
    assert upward_imports(Module("pwa.diary.store", source)) == ["pwa.diary.views"]
    source.write_text("from .diary import sync\n", encoding="utf-8")
    assert upward_imports(Module("pwa.db", source)) == ["pwa.diary.sync"]
    source.write_text("from .. import app\n", encoding="utf-8")
    assert upward_imports(Module("pwa.nurse.views", source)) == ["pwa.app"]


def test_imports_are_resolved_relative_to_the_package() -> None:
    found = dict(imports_of(MODULES["pwa.diary.views"]))
    assert "pwa.diary.sync" in found and "pwa.db" in found
    assert ("pwa.diary", ["blueprint"]) in imports_of(MODULES["pwa.diary.views"])
