"""Malformed input is a 400, a 404 or an ``invalid`` item, never a 500 (docs/api.md).

Ids beyond SQLite's 64 bits and Unicode digits in URL paths, query strings, forms and
JSON; JSON bodies that are not UTF-8, nest too deep, hold lone surrogates or NaN. And one
bad report never keeps the others of its batch from being stored.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from quart import Quart

from pwa.db import Database
from pwa.ids import MAX_ID, parse_id
from pwa.security import ACCESS_ATTRIBUTE, Access
from tests.conftest import People, get_csrf, post_form
from tests.helpers.reports import (
    FORM,
    JSON_HEADERS,
    SAME_ORIGIN,
    TWENTY_NINES,
    bad_reports,
    post,
    report,
)
from tests.helpers.rows import count

TOO_BIG = str(2**64)
NOT_ASCII = ["²", "٣", "１", "3²"]  # superscript, Arabic-Indic and full-width digits
JSON_ENDPOINTS = ["/api/reports", "/api/push/subscriptions"]


def test_parse_id_takes_ascii_ids_sqlite_can_hold_only() -> None:
    assert parse_id("1") == 1 and parse_id(str(MAX_ID)) == MAX_ID and parse_id(42) == 42
    for bad in [str(MAX_ID + 1), TOO_BIG, "0", "-1", "007", "", " 1", "1.0", *NOT_ASCII]:
        assert parse_id(bad) is None, bad
    for bad_value in [0, -1, MAX_ID + 1, True, 1.0, None, [1]]:
        assert parse_id(bad_value) is None, bad_value


def id_routes(app: Quart) -> list[tuple[str, str, Access | None]]:
    """Every rule with an id in its path: (path template, method, who may call it)."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        method = "GET" if "GET" in (rule.methods or set()) else "POST"
        level = getattr(app.view_functions[rule.endpoint], ACCESS_ATTRIBUTE, None)
        found.append((rule.rule, method, level))
    return found


async def test_ids_beyond_64_bits_in_any_url_path_are_404(
    app: Quart, family_client: Any, admin_client: Any
) -> None:
    routes = id_routes(app)
    assert len(routes) > 20
    for template, method, level in routes:
        client = family_client if level is Access.FAMILY else admin_client
        for raw in [TOO_BIG, TWENTY_NINES, "0", *NOT_ASCII]:
            path = re.sub(r"<int:\w+>", raw, template)
            response = await client.open(path, method=method, headers=SAME_ORIGIN)
            assert response.status_code == 404, (path, method, response.status_code)


@pytest.mark.parametrize("raw", [TOO_BIG, *NOT_ASCII, "-3", "x"])
async def test_page_numbers_in_query_strings_fall_back_to_the_first_page(
    admin_client: Any, family_client: Any, raw: str
) -> None:
    assert (await admin_client.get("/admin/audit", query_string={"page": raw})).status_code == 200
    response = await family_client.get("/settings/access-log", query_string={"page": raw})
    assert response.status_code == 200


@pytest.mark.parametrize("raw", [TOO_BIG, TWENTY_NINES, *NOT_ASCII, "", "0"])
async def test_child_switcher_refuses_bad_ids_with_404(
    family_client: Any, db: Database, people: People, raw: str
) -> None:
    response = await post_form(family_client, "/children/switch", {"child_id": raw}, csrf_path="/")
    assert response.status_code == 404


@pytest.mark.parametrize("raw", [TOO_BIG, TWENTY_NINES, *NOT_ASCII])
async def test_bulk_review_skips_ids_that_are_not_ids(
    nurse_client: Any, family_client: Any, db: Database, people: People, raw: str
) -> None:
    good = report(people.child_id, items={"pain": 1}, note="")
    assert (await (await post(family_client, good)).get_json())["results"][0]["status"] == "stored"
    row = await db.fetch_one("SELECT id FROM report WHERE client_uuid = ?", (good["id"],))
    assert row is not None
    token = await get_csrf(nurse_client, "/nurse/queue")
    body = urlencode({"csrf_token": token, "report_id": [raw, str(row["id"])]}, doseq=True)
    response = await nurse_client.post("/nurse/queue/review-green", data=body, headers=FORM)
    assert response.status_code == 302
    reviewed = await count(
        db, "SELECT COUNT(*) FROM report_review WHERE report_id = ?", (row["id"],)
    )
    assert reviewed == 1


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
@pytest.mark.parametrize(
    "body",
    [
        b'{"reports": [{"note": "\xff\xfe caf\xe9"}]}',  # Latin-1, not UTF-8
        b"\xed\xa0\x80",  # a surrogate encoded as UTF-8 bytes
        b"[" * 1000 + b"]" * 1000,
        b'{"a":' * 1000 + b"1" + b"}" * 1000,
        b"[" * 40 + b"]" * 40,  # parses, but deeper than any of our bodies
        b'{"reports": [], "x": NaN}',
        b'{"reports": [], "x": 1e999}',
        b'{"reports": [], "x": ' + b"9" * 5000 + b"}",
        b"",
        b"{",
    ],
)
async def test_malformed_json_bodies_are_400(
    family_client: Any, people: People, endpoint: str, body: bytes
) -> None:
    response = await family_client.post(endpoint, data=body, headers=JSON_HEADERS)
    assert response.status_code == 400


@pytest.mark.parametrize("surrogate", ["\ud800", "\udfff", "a\udc00b"])
async def test_lone_surrogates_in_a_push_body_are_400(
    family_client: Any, people: People, surrogate: str
) -> None:
    body = {"endpoint": f"https://push.example.org/{surrogate}", "keys": {"p256dh": surrogate}}
    response = await family_client.post(
        "/api/push/subscriptions", data=json.dumps(body), headers=JSON_HEADERS
    )
    assert response.status_code == 400


async def test_json_bodies_over_the_limit_are_413(family_client: Any, people: People) -> None:
    body = json.dumps({"endpoint": "https://push.example.org/", "x": "a" * 300_000})
    for endpoint in JSON_ENDPOINTS:
        response = await family_client.post(endpoint, data=body, headers=JSON_HEADERS)
        assert response.status_code == 413


async def test_one_bad_report_never_blocks_the_others_of_its_batch(
    family_client: Any, db: Database, people: People
) -> None:
    for name, bad in bad_reports(people.child_id).items():
        first, last = report(people.child_id), report(people.child_id)
        response = await post(family_client, first, bad, last)
        assert response.status_code == 200, name
        results = (await response.get_json())["results"]
        assert [r["status"] for r in results] == ["stored", "invalid", "stored"], name
        for stored in (first, last):
            row = await db.fetch_one(
                "SELECT note FROM report WHERE client_uuid = ?", (stored["id"],)
            )
            assert row is not None and row["note"] == stored["note"], name
    assert await count(db) == 2 * len(bad_reports(people.child_id))
