"""A browser's push subscription as it arrives from the page: checked before it is stored.

The body is ``PushSubscription.toJSON()`` plus an optional ``label``. The endpoint must be
one the server will connect to (endpoints.py: a known push service, https, port 443) and
is stored as that check normalised it; the keys must be what a browser makes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from ..text_input import single_line
from .endpoints import EndpointPolicy, EndpointRefused

MAX_LABEL_LENGTH = 80
P256_POINT_BYTES = 65  # an uncompressed P-256 point: 0x04, x, y
AUTH_SECRET_BYTES = 16
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


class InvalidSubscription(ValueError):
    """The body is not a usable push subscription; the message names the part."""


@dataclass(frozen=True)
class NewDevice:
    endpoint: str
    p256dh: str
    auth: str
    label: str


def endpoint_digest(endpoint: str) -> str:
    """SHA-256 of an endpoint (hex): lets a page recognise its own device in a list
    without the server ever putting endpoints into pages or URLs."""
    return hashlib.sha256(endpoint.encode()).hexdigest()


def _unb64url(text: str) -> bytes:
    if not _BASE64URL.match(text):
        raise InvalidSubscription("keys must be base64url")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as error:
        raise InvalidSubscription("keys must be base64url") from error


def _check_keys(keys: object) -> tuple[str, str]:
    if not isinstance(keys, dict):
        raise InvalidSubscription("keys")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str):
        raise InvalidSubscription("keys")
    point = _unb64url(p256dh)
    if len(point) != P256_POINT_BYTES or point[0] != 0x04:
        raise InvalidSubscription("p256dh must be an uncompressed P-256 point")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as error:
        raise InvalidSubscription("p256dh is not a point on P-256") from error
    if len(_unb64url(auth)) != AUTH_SECRET_BYTES:
        raise InvalidSubscription("auth must be 16 bytes")
    return p256dh.rstrip("="), auth.rstrip("=")


def label_from_user_agent(user_agent: str) -> str:
    """A name for a device nobody named: the kind of device and browser, no version."""
    device = next(
        (
            name
            for pattern, name in (
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Android", "Android"),
                ("Macintosh", "Mac"),
                ("Windows", "Windows"),
                ("CrOS", "Chromebook"),
                ("Linux", "Linux"),
            )
            if pattern in user_agent
        ),
        "",
    )
    browser = next(
        (
            name
            for pattern, name in (
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("SamsungBrowser/", "Samsung Internet"),
                ("Chrome/", "Chrome"),
                ("CriOS/", "Chrome"),
                ("FxiOS/", "Firefox"),
                ("Safari/", "Safari"),
            )
            if pattern in user_agent
        ),
        "",
    )
    return " · ".join(part for part in (device, browser) if part)


def parse(body: Any, *, endpoints: EndpointPolicy, user_agent: str) -> NewDevice:
    """The device to store, or InvalidSubscription."""
    if not isinstance(body, dict):
        raise InvalidSubscription("body must be a JSON object")
    try:
        endpoint = endpoints.check(body.get("endpoint"))
    except EndpointRefused as error:
        raise InvalidSubscription(str(error)) from error
    p256dh, auth = _check_keys(body.get("keys"))
    label = body.get("label")
    if label is not None and not isinstance(label, str):
        raise InvalidSubscription("label")
    label = single_line(label or "")[:MAX_LABEL_LENGTH]
    return NewDevice(endpoint, p256dh, auth, label or label_from_user_agent(user_agent))
