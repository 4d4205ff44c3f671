"""The cases of each endpoint: hypothesis's own engine draws them, seeded, so a run can be
repeated case for case (`--seed`).

Most cases are a valid request with fields broken (values.mutated); the rest are valid
requests, arbitrary JSON, raw bytes (invalid UTF-8, BOMs, UTF-16, truncated JSON, empty)
and a few 10 MB bodies. Seven in ten are sent signed in, same-origin and of the right
content type, so that they reach the views and not only the checks in front of them.
"""

from __future__ import annotations

import json
import random
import uuid
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from bench.fuzzing.targets import Context, Target, valid_report, valid_subscription
from bench.fuzzing.values import dumps, json_trees, mutated, nasty_text

BIG_BODY = 10 * 1024 * 1024
BOUNDARY = "fuzzboundary7MA4YWxk"
TOKEN = st.text(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:", min_size=1, max_size=150
)


@dataclass(frozen=True)
class Case:
    """One request: where, what body, which headers; ``big`` bodies are built when sent."""

    method: str
    path: str
    body: bytes = b""
    content_type: str | None = "application/json"
    signed_in: bool = True
    origin: str = "same"  # same | none | foreign | fetch-site (Sec-Fetch-Site only)
    big: str = ""  # "", "note", "bytes" or "nesting": a 10 MB body of that kind
    chunked: bool = False

    def payload(self, rng_seed: int) -> bytes:
        """The body as sent: 10 MB ones are made here, so that cases stay small."""
        if self.big == "note":
            return b'{"reports":[{"note":"' + b"a" * BIG_BODY + b'"}]}'
        if self.big == "bytes":
            return random.Random(rng_seed).randbytes(BIG_BODY)
        if self.big == "nesting":
            return b"[" * BIG_BODY
        return self.body


# --- bodies ------------------------------------------------------------------------------


def valid_dose(context: Context) -> st.SearchStrategy[Any]:
    """Doses as the phone's outbox sends them (docs/api.md, "Doses"): the family's child or
    another's, a period id that may or may not be its own, a dose time of the last days."""

    def build(dose_id: Any, period: int, days_ago: int, at: str, outcome: str, own: bool) -> Any:
        day = datetime.now(UTC) - timedelta(days=days_ago)
        return {
            "id": str(dose_id),
            "child_id": context.child_id if own else context.other_child_id,
            "period_id": period,
            "day": day.date().isoformat(),
            "time": at,
            "outcome": outcome,
            "note": "",
            "recorded_at": datetime.now(UTC).isoformat(),
        }

    return st.builds(
        build,
        st.uuids(),
        st.integers(1, 20),
        st.integers(0, 3),
        st.sampled_from(["08:00", "20:00", "13:37"]),
        st.sampled_from(["given", "partly", "vomited", "refused", "missed"]),
        st.integers(0, 9).map(bool),
    )


def valid_bodies(target: Target, context: Context) -> st.SearchStrategy[Any]:
    """Valid JSON documents for ``target`` (the view accepts them, or names what is missing)."""
    if target.rule == "/api/reports":
        report = st.builds(
            lambda report_id, minutes, own, corrects: {
                **valid_report(context, str(report_id), minutes),
                **({} if own else {"child_id": context.other_child_id}),
                **({"corrects": corrects} if corrects else {}),
            },
            st.uuids(),
            st.integers(min_value=1, max_value=60 * 24 * 80),
            st.integers(0, 9).map(bool),
            st.one_of(st.none(), st.sampled_from(context.stored_reports or [""])),
        )
        return st.lists(report, min_size=1, max_size=3).map(lambda reports: {"reports": reports})
    if target.rule == "/api/messages":
        message = st.builds(
            lambda message_id, body, urgent, own: {
                "id": str(message_id),
                "child_id": context.child_id if own else context.other_child_id,
                "body": body,
                "urgent": urgent,
            },
            st.uuids(),
            st.text(min_size=1, max_size=200),
            st.booleans(),
            st.integers(0, 9).map(bool),
        )
        return st.lists(message, min_size=1, max_size=3).map(lambda items: {"messages": items})
    if target.rule == "/api/doses":
        return st.lists(valid_dose(context), min_size=1, max_size=3).map(
            lambda items: {"doses": items}
        )
    if target.method == "DELETE":
        # A small set of tokens, so that some deletes find a subscription stored before.
        return st.integers(0, 40).map(
            lambda number: {
                "endpoint": valid_subscription(context, f"t{number}", 0, "")["endpoint"]
            }
        )
    if target.rule == "/api/push/subscriptions":
        return st.builds(
            lambda token, key, label: valid_subscription(context, token, key, label),
            st.one_of(TOKEN, st.integers(0, 40).map(lambda number: f"t{number}")),
            st.integers(0, 7),
            st.text(max_size=30),
        )
    return st.just({})  # the test push reads nothing from its body


def raw_bytes(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Bodies that are not JSON or not UTF-8, as a broken client or an attacker sends them."""
    document = valid.map(lambda value: json.dumps(value).encode())
    return st.one_of(
        st.binary(max_size=300),
        st.sampled_from([b"", b"null", b"[]", b"{}", b'"x"', b"0", b"\xff{}", b"\xc3\x28"]),
        document.map(lambda data: b"\xef\xbb\xbf" + data),  # a UTF-8 byte order mark
        document.map(lambda data: data.decode().encode("utf-16")),
        st.tuples(document, st.floats(0, 1)).map(
            lambda pair: pair[0][: int(len(pair[0]) * pair[1])]
        ),
        st.tuples(
            document,
            st.floats(0, 1),
            st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc0\xaf", b"\x00"]),
        ).map(
            lambda parts: (
                parts[0][: int(len(parts[0]) * parts[1])]
                + parts[2]
                + parts[0][int(len(parts[0]) * parts[1]) :]
            )
        ),
    )


def written(documents: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Documents as bodies: mostly escaped (``\\ud800`` in the text), else with lone
    surrogates as the bytes no UTF-8 decoder accepts."""
    escaped = st.sampled_from([True, True, True, False])
    return st.builds(
        lambda value, ascii_only: dumps(value, ascii_only=ascii_only), documents, escaped
    )


def json_kinds(target: Target, context: Context) -> list[tuple[float, st.SearchStrategy[bytes]]]:
    """(share of the cases, body strategy) for a JSON endpoint: mostly mutated valid bodies."""
    valid = valid_bodies(target, context)
    return [
        (0.70, written(mutated(valid))),
        (0.05, written(valid)),
        (0.10, written(json_trees)),
        (0.15, raw_bytes(valid)),
    ]


# --- requests ----------------------------------------------------------------------------


def segment(text: str) -> str:
    """Text as one URL path segment, lone surrogates as the bytes a client would send."""
    return quote(text, safe="", errors="surrogatepass") or "x"


def multipart(
    photo_id: str, photo: bytes, *, names: tuple[str, str] = ("photo_id", "photo")
) -> bytes:
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{names[0]}"\r\n\r\n'
    file_head = (
        f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="{names[1]}"; '
        'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    )
    return (
        head.encode()
        + photo_id.encode("utf-8", "surrogatepass")
        + file_head.encode()
        + photo
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def photo_kinds(
    stored: list[str], context: Context
) -> list[tuple[float, st.SearchStrategy[tuple[str, bytes]]]]:
    """(share, strategy of (id in the path, body)) for a photo upload: ``stored`` are the
    reports or messages of the signed-in family that a photo may be added to."""
    report = st.one_of(
        st.sampled_from(stored or [str(uuid.uuid4())]),
        st.uuids().map(str),
        nasty_text.map(segment),
        st.sampled_from([str(2**64), "²", "%00", "..", "%2e%2e"]),
    )
    own_report = st.sampled_from(stored or [str(uuid.uuid4())])
    photo_id = st.one_of(st.uuids().map(str), nasty_text)
    photo = st.one_of(
        st.just(context.png),
        st.binary(max_size=2000),
        st.floats(0, 1).map(lambda share: context.png[: int(len(context.png) * share)]),
        st.binary(max_size=200).map(lambda tail: context.png + tail),
    )
    names = st.sampled_from([("photo_id", "photo"), ("photo_id", "file"), ("id", "photo")])
    form = st.builds(lambda i, p, n: multipart(i, p, names=n), photo_id, photo, names)
    return [
        (0.55, st.tuples(own_report, form)),
        (0.15, st.tuples(report, form)),
        (0.15, st.tuples(own_report, form.map(lambda data: data[: len(data) // 2]))),
        (0.15, st.tuples(own_report, st.binary(max_size=300))),
    ]


JSON_TYPES = [
    "application/json; charset=utf-8",
    "text/plain",
    None,
    "application/x-www-form-urlencoded",
    "multipart/form-data",
]
PHOTO_TYPES = ["multipart/form-data", "application/json", None, "text/plain"]


def dress(case: Case, rng: random.Random) -> Case:
    """Headers as most requests send them, or not: one in ten signed out, one in ten from
    another origin or none, one in ten with another content type."""
    roll = rng.random()
    if roll < 0.1:
        case = replace(case, signed_in=False)
    elif roll < 0.2:
        case = replace(case, origin=rng.choice(["none", "foreign", "fetch-site"]))
    elif roll < 0.3 and case.method != "GET":
        types = PHOTO_TYPES if case.content_type != "application/json" else JSON_TYPES
        case = replace(case, content_type=rng.choice(types))
    return case


def draw(strategy: st.SearchStrategy[Any], count: int, run_seed: int) -> list[Any]:
    """``count`` examples of ``strategy`` from hypothesis's engine, seeded (generation only:
    nothing is shrunk or replayed from a database). A small strategy may run out of new
    examples: its examples are then used again."""
    found: list[Any] = []

    @settings(
        max_examples=max(count, 1),
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(run_seed)
    @given(strategy)
    def collect(example: Any) -> None:
        found.append(example)

    if count > 0:
        collect()
    return [found[number % len(found)] for number in range(count)] if found else []


def undressed(target: Target, context: Context, count: int, run_seed: int) -> list[Case]:
    """The endpoint's cases before their headers are varied, kind by kind in fixed shares."""
    if target.kind == "query":
        query = st.dictionaries(nasty_text, nasty_text, max_size=3).map(
            lambda fields: "&".join(f"{segment(k)}={segment(v)}" for k, v in fields.items())
        )
        return [
            Case(target.method, f"{target.rule}?{q}", content_type=None)
            for q in draw(query, count, run_seed)
        ]
    if target.kind == "multipart":
        kinds: list[tuple[float, st.SearchStrategy[Any]]] = list(
            photo_kinds(context.owners(target), context)
        )
    else:
        kinds = list(json_kinds(target, context))
    made: list[Case] = []
    for number, (share, strategy) in enumerate(kinds):
        wanted = count - len(made) if number == len(kinds) - 1 else round(count * share)
        for example in draw(strategy, wanted, run_seed + number):
            if target.kind == "multipart":
                path = target.rule.replace("<client_uuid>", example[0])
                made.append(
                    Case(
                        target.method, path, example[1], f"multipart/form-data; boundary={BOUNDARY}"
                    )
                )
            else:
                made.append(Case(target.method, target.rule, example))
    return made


def big_cases(target: Target, path: str) -> list[Case]:
    """10 MB bodies: a valid document with a huge note (declared length), random bytes and an
    opening bracket repeated (both sent chunked, without a declared length)."""
    content_type = (
        "application/json"
        if target.kind != "multipart"
        else f"multipart/form-data; boundary={BOUNDARY}"
    )
    return [
        Case(target.method, path, content_type=content_type, big="note"),
        Case(target.method, path, content_type=content_type, big="bytes", chunked=True),
        Case(target.method, path, content_type=content_type, big="nesting", chunked=True),
    ]


def generate(
    target: Target, context: Context, count: int, run_seed: int, *, big: int = 3
) -> list[Case]:
    """``count`` cases for ``target``, the same ones for the same seed, in a shuffled order."""
    endpoint_seed = run_seed * 1_000_003 + zlib.crc32(target.name.encode())
    path = target.rule.replace("<client_uuid>", (context.owners(target) or [str(uuid.uuid4())])[0])
    extra = big_cases(target, path)[:big] if target.kind != "query" else []
    rng = random.Random(endpoint_seed)
    cases = [
        dress(case, rng) for case in undressed(target, context, count - len(extra), endpoint_seed)
    ]
    rng.shuffle(cases)
    return cases + extra
