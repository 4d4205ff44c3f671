"""Every JSON endpoint of the app, found in its URL map, with a valid request for each.

A route under /api/ that this module does not know is an error, not a silent gap: a new
endpoint must get a valid request here before the fuzz bench runs again.
"""

from __future__ import annotations

import base64
import io
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PUSH_HOST = "fcm.googleapis.com"  # a default push service: stored, never contacted here


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def tiny_png(colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """An 8 x 8 picture the photo upload accepts."""
    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(output, "PNG")
    return output.getvalue()


@dataclass
class Context:
    """What a valid request needs: the signed-in family's child, stored reports and
    messages (a photo needs one), keys."""

    child_id: int
    other_child_id: int  # another family's child: valid in form, never the caller's
    stored_reports: list[str] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)  # (p256dh, auth) pairs
    png: bytes = b""
    stored_messages: list[str] = field(default_factory=list)

    def owners(self, target: Target) -> list[str]:
        """The stored ids a photo upload of ``target`` names in its path."""
        if target.rule.startswith("/api/messages/"):
            return self.stored_messages
        return self.stored_reports

    @classmethod
    def make(
        cls,
        child_id: int,
        other_child_id: int,
        stored_reports: list[str],
        seed: int = 0,
        stored_messages: list[str] | None = None,
    ) -> Context:
        """With keys made from ``seed``: the same seed gives the same bodies."""
        rng = random.Random(seed)
        keys = []
        for _ in range(8):
            point = (
                ec.derive_private_key(rng.randrange(1, 2**255), ec.SECP256R1())
                .public_key()
                .public_bytes(
                    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
                )
            )
            keys.append((b64url(point), b64url(rng.randbytes(16))))
        return cls(
            child_id, other_child_id, stored_reports, keys, tiny_png(), stored_messages or []
        )


def valid_report(context: Context, report_id: str, minutes_ago: int) -> dict[str, Any]:
    """A report the server stores (the phone's outbox format, docs/api.md)."""
    moment = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "id": report_id,
        "child_id": context.child_id,
        "observed_at": moment.isoformat(),
        "items": {"pain": minutes_ago % 11, "temperature": 37.2, "rash": "some"},
        "note": "Slept badly, ate a little.",
        "client_level": "green",
    }


def valid_message(context: Context, message_id: str, number: int) -> dict[str, Any]:
    """A message to the ward the server stores (the message outbox's format, docs/api.md)."""
    return {
        "id": message_id,
        "child_id": context.child_id,
        "body": f"Question {number}: is this rash normal?",
        "urgent": False,
    }


def valid_subscription(context: Context, token: str, key: int, label: str) -> dict[str, Any]:
    """``PushSubscription.toJSON()`` plus a label, for a default push service."""
    p256dh, auth = context.keys[key % len(context.keys)]
    return {
        "endpoint": f"https://{PUSH_HOST}/fcm/send/{token}",
        "expirationTime": None,
        "keys": {"p256dh": p256dh, "auth": auth},
        "label": label,
    }


@dataclass(frozen=True)
class Target:
    """One endpoint and method; ``kind`` says how its body is made."""

    method: str
    rule: str
    kind: str  # "json", "multipart" or "query"

    @property
    def name(self) -> str:
        return f"{self.method} {self.rule}"


# Every /api/ route the app has, and the kind of body it takes (docs/api.md).
KNOWN: dict[tuple[str, str], str] = {
    ("POST", "/api/reports"): "json",
    ("POST", "/api/reports/<client_uuid>/photos"): "multipart",
    ("POST", "/api/messages"): "json",
    ("POST", "/api/messages/<client_uuid>/photos"): "multipart",
    ("POST", "/api/doses"): "json",
    ("POST", "/api/push/subscriptions"): "json",
    ("DELETE", "/api/push/subscriptions"): "json",
    ("POST", "/api/push/test"): "json",
    ("GET", "/api/push/public-key"): "query",
}


class UnknownEndpoint(RuntimeError):
    """The app has an /api/ route the fuzz bench cannot make a valid request for."""


def discover(rules: list[tuple[str, set[str]]]) -> list[Target]:
    """The targets of these (rule, methods) pairs: every method of every /api/ route."""
    found = []
    for rule, methods in sorted(rules):
        if not rule.startswith("/api/"):
            continue
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            kind = KNOWN.get((method, rule))
            if kind is None:
                raise UnknownEndpoint(f"{method} {rule}: add it to bench/fuzzing/targets.py")
            found.append(Target(method, rule, kind))
    return found


def app_rules(
    make_app: Callable[[dict[str, Any]], Any] | None = None,
) -> list[tuple[str, set[str]]]:
    """(rule, methods) of every route of the app as `pwa serve` builds it."""
    if make_app is None:
        from pwa.app import create_app

        make_app = create_app
    with tempfile.TemporaryDirectory(prefix="fuzz-routes-") as folder:
        app = make_app({"INSTANCE_PATH": folder})
        return [(rule.rule, set(rule.methods or ())) for rule in app.url_map.iter_rules()]
