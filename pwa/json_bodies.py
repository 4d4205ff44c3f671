"""Every JSON API body is checked once, before its view runs, so malformed input is a 400.

A body must be strict UTF-8, parse as JSON without NaN or Infinity, nest at most
``MAX_DEPTH`` deep and be at most ``MAX_JSON_BYTES`` long (413 beyond). Text with a lone
surrogate (``"\\ud800"``) parses but cannot be stored as UTF-8: it is a 400 too, except on
routes that check it per item (``@checks_text_per_item``: the report batch, where one bad
report must not refuse the others). Views then read the body with ``request.get_json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from quart import current_app, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

F = TypeVar("F", bound=Callable[..., Any])

# The outbox packs its batches to stay under this (docs/api.md, static/js/outbox.js).
MAX_JSON_BYTES = 256 * 1024
MAX_DEPTH = 32
PER_ITEM_ATTRIBUTE = "_pwa_text_per_item"


def checks_text_per_item(view: F) -> F:
    """This view answers text that cannot be stored per item, instead of a 400 for all."""
    setattr(view, PER_ITEM_ATTRIBUTE, True)
    return view


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def parse(data: bytes) -> Any:
    """The JSON value in ``data``; BadRequest when it is not UTF-8, not JSON or too deep."""
    try:
        value = json.loads(
            data.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite
        )
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise BadRequest() from error
    if too_deep(value):
        raise BadRequest()
    return value


def too_deep(value: Any) -> bool:
    """Deeper than ``MAX_DEPTH`` (walked without recursion, so any depth is safe)."""
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict | list):
            if depth > MAX_DEPTH:
                return True
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, depth + 1) for child in children)
    return False


def storable_text(value: Any) -> bool:
    """True when every string in ``value`` (keys too) can be written as UTF-8."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            try:
                current.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(current, dict):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return True


async def check_body() -> None:
    """Refuse a JSON body that is too large (413) or malformed (400) before the view reads it."""
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise RequestEntityTooLarge()
    data = await request.get_data(cache=True, as_text=False)
    assert isinstance(data, bytes)  # as_text=False; the stubs cannot say so
    if len(data) > MAX_JSON_BYTES:
        raise RequestEntityTooLarge()
    if not data:
        return  # no body at all: the view decides (a test push needs none)
    value = parse(data)
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, PER_ITEM_ATTRIBUTE, False) and not storable_text(value):
        raise BadRequest()


async def batch(key: str, limit: int) -> list[Any]:
    """The list under ``key`` of an outbox upload ({"reports": [...]}, {"messages": [...]}):
    400 when the body has no such list, 413 when it holds more than ``limit`` items. The
    body is already known to be well-formed JSON within the size limit (check_body)."""
    body = await request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise BadRequest()
    items: list[Any] = body[key]
    if len(items) > limit:
        raise RequestEntityTooLarge()
    return items
