"""Hypothesis strategies for what a broken phone, a bug or an attacker puts in a JSON body,
and the serialiser that writes them, raw tokens included (NaN, 1e999, 1,000-deep arrays).

``json.dumps`` cannot write a bare ``NaN`` into a document, nor nest 1,000 deep, nor a lone
surrogate as raw bytes: ``Raw`` leaves carry such text as it is sent.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class Raw:
    """JSON text written into the body as it is, valid or not."""

    text: str


def nested(depth: int, *, objects: bool = False) -> Raw:
    if objects:
        return Raw('{"a":' * depth + "1" + "}" * depth)
    return Raw("[" * depth + "]" * depth)


RAW_TOKENS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    "1E400",
    "-0",
    "1" + "0" * 400,
    "0." + "0" * 400 + "1",
    str(2**63),
    str(2**64),
    str(-(2**63) - 1),
    "1.0e-400",
    "tru",
    "undefined",
    "'single'",
    '"\\ud800"',
    '"\\udfff\\ud800"',
    '"\\u0000\\u001b[2J"',
    '"\\x41"',
    '"unterminated',
]
NASTY_STRINGS = [
    "\ud800",
    "a\udfffb",
    "fever \ud83d",
    "\x00",
    "\x1b[2J\x07",
    "line\r\nbreak\rcr",
    "\x7f\x85\x9b",
    "\u202eevil",
    "\ufeffbom",
    "²",
    "٣",
    "１",
    "0",
    "-1",
    " 7",
    "1e5",
    "",
    " ",
    "null",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
]
# Lengths just past the app's limits: note 2,000, label 80, endpoint 1,024, body 256 KB.
LONG_LENGTHS = [81, 1025, 2001, 8193, 70_000, 270_000]

# Branches are drawn about equally often: the repeated ones make long strings rarer.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(categories=["Cc", "Cs", "Cf", "Zs", "Nd", "No"]), max_size=12),
    st.sampled_from(NASTY_STRINGS),
    st.text(max_size=40),
    st.sampled_from(NASTY_STRINGS),
    st.tuples(st.sampled_from(LONG_LENGTHS), st.sampled_from("aé😢\x00")).map(
        lambda pair: pair[1] * pair[0]
    ),
)
huge_ints = st.one_of(
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**80),
    st.integers(min_value=-(2**80), max_value=-(2**63)),
)
raw_values = st.one_of(
    st.sampled_from(RAW_TOKENS).map(Raw),
    st.integers(min_value=33, max_value=5000).map(nested),
    st.integers(min_value=33, max_value=3000).map(lambda depth: nested(depth, objects=True)),
)
# Values that still parse as JSON (most mutations: they reach the field checks), then
# everything, raw tokens included.
plain_leaves = st.one_of(
    st.none(),
    st.booleans(),
    huge_ints,
    st.floats(allow_nan=False, allow_infinity=False),
    nasty_text,
)
leaves = plain_leaves | raw_values


def trees(leaf: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaf,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(nasty_text, children, max_size=4)
        ),
        max_leaves=12,
    )


plain_trees = trees(plain_leaves)
json_trees = trees(leaves)
replacements = st.one_of(plain_leaves, plain_leaves, plain_leaves, plain_trees, raw_values)


def dumps(value: Any, *, ascii_only: bool = True) -> bytes:
    """The body for ``value``: Raw leaves as they are; lone surrogates as ``\\ud800`` escapes
    (``ascii_only``) or as the bytes no UTF-8 decoder accepts (otherwise)."""
    return _text(value, ascii_only).encode("utf-8", "surrogatepass")


def _text(value: Any, ascii_only: bool) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(str(key), ensure_ascii=ascii_only)}:{_text(item, ascii_only)}"
                for key, item in value.items()
            )
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(_text(item, ascii_only) for item in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


# --- mutations of a valid body ---------------------------------------------------------

Path = tuple[Any, ...]


def paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every place in a document (the document itself too), parents before children."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(paths(item, (*prefix, index)))
    return found


def edit(document: Any, path: Path, operation: str, value: Any) -> Any:
    """A copy of ``document`` with one edit at ``path``: replace, delete, add a key, repeat."""
    if not path:
        return value if operation == "replace" else [document] * 3
    changed = copy.deepcopy(document)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if operation == "replace":
        parent[last] = value
    elif operation == "delete":
        del parent[last]
    elif operation == "add" and isinstance(parent[last], dict):
        parent[last][str(value)[:50] if not isinstance(value, str) else value] = value
    elif isinstance(parent[last], list) and parent[last] and len(repr(parent[last])) < 20_000:
        # Many copies: past the batch's 50 reports, or the same id twice in one batch.
        parent[last] = parent[last] * 51
    else:
        parent[last] = [parent[last], value]
    return changed


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[Any]) -> Any:
    """A valid body with one to three fields replaced by wrong types, huge numbers, raw
    tokens, nasty text or deep nesting, deleted, given extra keys, or repeated."""
    document = draw(valid)
    # Uniform choices (hypothesis would favour the first place: the whole document).
    rng = draw(st.randoms(use_true_random=True))
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(paths(document))
        operation = rng.choice(["replace", "replace", "replace", "delete", "add", "repeat"])
        if operation == "delete" and not path:
            operation = "replace"
        document = edit(document, path, operation, draw(replacements))
    return document
