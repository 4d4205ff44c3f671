"""Access control, generated from the matrix in docs/access.md.

The document is the contract: these tests fail when a route is missing from it, when the
code declares another policy, or when a role gets another answer than the matrix says.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from quart import Quart
from werkzeug.routing import Rule

from pwa.security import Access, access_of
from tests.conftest import People, sign_in

DOC = Path(__file__).resolve().parent.parent / "docs" / "access.md"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
ROLES = ("anonymous", "caregiver", "nurse", "admin")


def _table_rows(heading: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("| ---"):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows[1:]  # without the header row


def documented_routes() -> dict[str, tuple[str, set[str], str]]:
    return {
        endpoint: (rule, {m.strip() for m in methods.split(",")}, policy)
        for endpoint, rule, methods, policy in _table_rows("Routes")
    }


def policy_matrix() -> dict[str, dict[str, str]]:
    return {
        row[0]: dict(zip(ROLES, row[1:], strict=True)) for row in _table_rows("Policies by role")
    }


def app_routes(app: Quart) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)


async def test_every_route_declares_a_policy_and_is_documented(app: Quart) -> None:
    documented = documented_routes()
    async with app.app_context():
        for rule in app_routes(app):
            level = access_of(rule.endpoint)
            assert level is not None, f"{rule.endpoint} has no @access declaration"
            assert rule.endpoint in documented, f"{rule.endpoint} is missing from docs/access.md"
            doc_rule, doc_methods, doc_policy = documented[rule.endpoint]
            assert doc_rule == rule.rule
            assert doc_methods == set(rule.methods or ()) - IGNORED_METHODS
            assert doc_policy == level.value, f"{rule.endpoint}: code says {level.value}"
    assert set(documented) == {rule.endpoint for rule in app_routes(app)}, "stale rows in docs"


def test_matrix_covers_every_policy() -> None:
    assert set(policy_matrix()) == {level.value for level in Access}


async def test_an_undeclared_route_is_refused_for_everyone(app: Quart, people: People) -> None:
    async def forgotten() -> str:
        return "should never be served"

    app.add_url_rule("/forgotten", "forgotten", forgotten)
    for client in (app.test_client(), await _signed_in(app, "nurse@example.org", staff=True)):
        response = await client.get("/forgotten")
        assert response.status_code == 403
        assert "should never be served" not in await response.get_data(as_text=True)


async def _signed_in(app: Quart, email: str, *, staff: bool = False):  # type: ignore[no-untyped-def]
    client = app.test_client()
    await sign_in(client, email, staff=staff)
    return client


def _url_for_rule(rule: Rule, people: People) -> str:
    values = {"child_id": people.child_id, "caregiver_id": people.parent_id, "invite_id": 1}
    url = rule.rule
    for match in re.finditer(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>", rule.rule):
        converter, options, key = match.group(1), match.group(2), match.group(3)
        fallback: int | str = 1 if converter == "int" else "ABCD"
        if converter == "any" and options:
            fallback = options.split(",")[0].strip()  # the first name the rule allows
        url = url.replace(match.group(0), str(values.get(key, fallback)))
    if rule.endpoint == "static":
        url = "/static/css/app.css"
    return url


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_gets_what_the_matrix_says(app: Quart, people: People, role: str) -> None:
    emails = {
        "caregiver": "parent@example.org",
        "nurse": "nurse@example.org",
        "admin": "admin@example.org",
    }
    if role == "anonymous":
        client = app.test_client()
    else:
        client = await _signed_in(app, emails[role], staff=role != "caregiver")
    matrix = policy_matrix()
    checked = 0
    async with app.app_context():
        rules = [(rule, access_of(rule.endpoint)) for rule in app_routes(app)]
    for rule, level in rules:
        assert level is not None
        expected = matrix[level.value][role]
        url = _url_for_rule(rule, people)
        for method in sorted(set(rule.methods or ()) - IGNORED_METHODS):
            response = await client.open(url, method=method)
            status = response.status_code
            where = f"{role} {method} {url}"
            if expected == "allow":
                assert status not in {401, 403}, where
                assert not (status == 302 and response.location.startswith("/login?next=")), where
            elif expected == "deny":
                assert status == 403, where
            elif expected == "token":
                assert status == 401, where  # a hospital system's bearer token, never a cookie
            else:
                assert expected == "sign in"
                if method == "GET" and not url.startswith("/api/"):
                    assert status == 302 and response.location.startswith("/login?next="), where
                else:
                    assert status == 401, where
            checked += 1
    assert checked >= len(rules)


async def test_family_cannot_switch_to_another_familys_child(family_client, people: People) -> None:
    from tests.conftest import csrf_from

    page = await family_client.get("/")
    token = csrf_from(await page.get_data(as_text=True))
    response = await family_client.post(
        "/children/switch", form={"csrf_token": token, "child_id": str(people.other_child_id)}
    )
    assert response.status_code == 404
    home = await (await family_client.get("/")).get_data(as_text=True)
    assert "Robin" not in home and "Sam" in home


async def test_nurse_asking_for_a_missing_child_gets_404(nurse_client) -> None:
    response = await nurse_client.get("/nurse/children/999999")
    assert response.status_code == 404
