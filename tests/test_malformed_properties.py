"""Property tests: no 5xx from any JSON endpoint or form with ids, and every valid report
of a batch is stored whatever else the batch holds (docs/api.md, "JSON API rules")."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pwa.db import Database
from tests.conftest import People, get_csrf
from tests.helpers.messages import message, post_messages
from tests.helpers.reports import FORM, JSON_HEADERS, SAME_ORIGIN, bad_reports, post, report

BOUNDED = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Text as a phone, a bug or an attacker sends it: lone surrogates and odd digits included.
nasty_text = st.one_of(
    st.text(max_size=12),
    st.text(st.characters(categories=["Nd", "No", "Cs", "Zs", "Cc"]), max_size=6),
    st.sampled_from(["²", "٣", "\ud800", "0", "-1", str(2**63), str(2**64), "1e5", " 7"]),
)
huge_ints = st.one_of(st.integers(), st.integers(min_value=2**62, max_value=2**80).map(lambda n: n))
json_values = st.recursive(
    # Finite floats: a body with NaN or Infinity is not JSON (the raw-body test sends it).
    st.none()
    | st.booleans()
    | huge_ints
    | st.floats(allow_nan=False, allow_infinity=False)
    | nasty_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(nasty_text, children, max_size=3)
    ),
    max_leaves=10,
)


def encode(fields: dict[str, Any]) -> str:
    """Form or query text as a browser sends it, lone surrogates as their raw bytes."""
    return urlencode(fields, doseq=True, errors="surrogatepass")


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


raw_bodies = st.one_of(
    st.binary(max_size=64),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.integers(min_value=1, max_value=3000).map(nested),
    st.sampled_from([b'{"reports": NaN}', b'{"reports": [1e999]}', b'"\\ud800"', b"\xff{}"]),
)


@BOUNDED
@given(
    endpoint=st.sampled_from(["/api/reports", "/api/messages", "/api/push/subscriptions"]),
    body=raw_bodies,
)
async def test_no_json_body_gets_a_5xx(
    family_client: Any, people: People, endpoint: str, body: bytes
) -> None:
    response = await family_client.post(endpoint, data=body, headers=JSON_HEADERS)
    assert response.status_code < 500, (endpoint, body[:80])


@BOUNDED
@given(
    data=st.lists(
        st.one_of(
            st.just(("valid", None)),
            st.tuples(st.just("bad"), st.sampled_from(sorted(bad_reports(1)))),
            # A valid report with one field swapped for something nasty.
            st.tuples(
                st.just("mutant"),
                st.tuples(
                    st.sampled_from(["id", "child_id", "observed_at", "items", "note", "corrects"]),
                    st.one_of(
                        st.integers(min_value=2**63, max_value=2**80),
                        st.sampled_from(["\ud800", "a\udfffb", "²"]),
                        huge_ints,
                        nasty_text,
                        json_values,
                    ),
                ),
            ),
            st.tuples(st.just("raw"), json_values),
        ),
        min_size=1,
        max_size=6,
    )
)
@example(data=[("valid", None), ("mutant", ("child_id", 2**64)), ("valid", None)])
@example(data=[("valid", None), ("mutant", ("note", "fever \ud83d")), ("valid", None)])
async def test_every_valid_report_of_a_batch_is_stored(
    family_client: Any, db: Database, people: People, data: list[Any]
) -> None:
    batch, valid = [], []
    for kind, detail in data:
        if kind == "valid":
            good = report(people.child_id, note=f"valid {uuid.uuid4()}")
            batch.append(good)
            valid.append(good)
        elif kind == "bad":
            batch.append(bad_reports(people.child_id)[detail])
        elif kind == "mutant":
            field, value = detail
            batch.append({**report(people.child_id), field: value})
        else:
            batch.append(detail)
    response = await post(family_client, *batch)
    assert response.status_code == 200
    results = (await response.get_json())["results"]
    assert len(results) == len(batch)
    for good in valid:
        row = await db.fetch_one("SELECT note FROM report WHERE client_uuid = ?", (good["id"],))
        assert row is not None and row["note"] == good["note"]


@BOUNDED
@given(
    data=st.lists(
        st.one_of(
            st.just(("valid", None)),
            st.tuples(
                st.sampled_from(["id", "child_id", "body", "urgent"]),
                st.one_of(
                    st.integers(min_value=2**63, max_value=2**80),
                    st.sampled_from(["\ud800", "a\udfffb", "²", "", "x" * 2001]),
                    huge_ints,
                    nasty_text,
                    json_values,
                ),
            ),
            st.tuples(st.just("raw"), json_values),
        ),
        min_size=1,
        max_size=6,
    )
)
@example(data=[("valid", None), ("child_id", 2**64), ("valid", None)])
@example(data=[("valid", None), ("body", "fever \ud83d"), ("valid", None)])
async def test_every_valid_message_of_a_batch_is_stored(
    family_client: Any, db: Database, people: People, data: list[Any]
) -> None:
    batch, valid = [], []
    for kind, detail in data:
        if kind == "valid":
            good = message(people.child_id, body=f"valid {uuid.uuid4()}")
            batch.append(good)
            valid.append(good)
        elif kind == "raw":
            batch.append(detail)
        else:
            batch.append({**message(people.child_id), kind: detail})
    response = await post_messages(family_client, *batch)
    assert response.status_code == 200
    results = (await response.get_json())["results"]
    assert len(results) == len(batch)
    for good in valid:
        row = await db.fetch_one("SELECT body FROM message WHERE client_uuid = ?", (good["id"],))
        assert row is not None and row["body"] == good["body"]


@BOUNDED
@given(ids=st.lists(nasty_text, max_size=4), child=nasty_text, page=nasty_text)
async def test_forms_and_pages_with_ids_never_answer_5xx(
    family_client: Any, nurse_client: Any, admin_client: Any, ids: list[str], child: str, page: str
) -> None:
    token = await get_csrf(nurse_client, "/nurse/queue")
    body = encode({"csrf_token": token, "report_id": ids})
    response = await nurse_client.post("/nurse/queue/review-green", data=body, headers=FORM)
    assert response.status_code < 500
    token = await get_csrf(family_client, "/")
    body = encode({"csrf_token": token, "child_id": child})
    response = await family_client.post("/children/switch", data=body, headers=FORM)
    assert response.status_code < 500
    query = encode({"page": page})
    search = encode({"page": page, "actor": child, "child": child, "since": page})
    assert (await admin_client.get(f"/admin/audit?{search}")).status_code < 500
    assert (await family_client.get(f"/settings/access-log?{query}")).status_code < 500
    segment = quote(child, safe="", errors="surrogatepass")
    for path in [f"/nurse/children/{segment}", f"/schedule/visits/{segment}"]:
        client = nurse_client if path.startswith("/nurse") else family_client
        response = await client.get(path, headers=SAME_ORIGIN)
        assert response.status_code < 500, path
