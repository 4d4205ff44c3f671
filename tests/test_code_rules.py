"""Rules the whole code base keeps, checked over every source file: no HTML or code built
from strings in the browser, no shell, no unsafe deserialisers or XML parsers on the
server, and no template that turns escaping off (OWASP ASVS 5.0 V1, V3.2)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted([*(ROOT / "static" / "js").glob("*.js"), *(ROOT / "service_worker").glob("*.js")])
PYTHON = sorted((ROOT / "pwa").rglob("*.py"))
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))

# Each of these turns text into markup or code: scripts write text with textContent.
SCRIPT_SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\s*\("
    r"|new\s+Function\b|setTimeout\s*\(\s*[\"'`]|setInterval\s*\(\s*[\"'`]"
)
# Modules that run commands or build objects from bytes an attacker may control.
FORBIDDEN_MODULES = {"subprocess", "pickle", "marshal", "shelve", "yaml", "xml", "lxml"}
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_OS_CALLS = {"system", "popen", "execv", "execvp", "spawnl"}
TEMPLATE_UNSAFE = re.compile(r"\|\s*safe\b|autoescape\s+false|Markup\s*\(")


def test_the_sources_are_where_the_rules_look() -> None:
    assert len(SCRIPTS) > 10 and len(PYTHON) > 50 and len(TEMPLATES) > 30


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_scripts_never_build_markup_or_code_from_strings(script: Path) -> None:
    found = SCRIPT_SINKS.findall(script.read_text(encoding="utf-8"))
    assert found == [], f"{script.name}: {found}"


def test_the_script_rule_would_catch_a_sink() -> None:
    assert SCRIPT_SINKS.search('note.innerHTML = "<b>" + text;')
    assert SCRIPT_SINKS.search("setTimeout('go()', 10)")
    assert not SCRIPT_SINKS.search("note.textContent = text;")


def _dangerous(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                found.append(node.module)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_BUILTINS:
                found.append(f"{func.id}()")
            elif (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "os"
                and func.attr in FORBIDDEN_OS_CALLS
            ):
                found.append(f"os.{func.attr}()")
    return found


def test_the_server_runs_no_shell_and_deserialises_no_untrusted_objects() -> None:
    found = {
        str(path.relative_to(ROOT)): hits
        for path in PYTHON
        if (hits := _dangerous(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert found == {}


def test_the_python_rule_would_catch_a_shell_or_pickle() -> None:
    assert _dangerous(ast.parse("import subprocess"))
    assert _dangerous(ast.parse("from pickle import loads"))
    assert _dangerous(ast.parse("os.system(command)"))
    assert _dangerous(ast.parse("eval(text)"))
    assert not _dangerous(ast.parse("import json, re\njson.loads(body)\nre.compile(p)"))


def test_no_template_turns_escaping_off() -> None:
    found = [
        str(path.relative_to(ROOT))
        for path in TEMPLATES
        if TEMPLATE_UNSAFE.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
