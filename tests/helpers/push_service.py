"""A fake Web Push service on 127.0.0.1, strict like the real ones.

It checks each request's VAPID token (ES256 signature with the key in the header, ``aud``
equal to its own origin, ``exp`` within 24 hours, ``sub`` a mailto: or https: URL),
decrypts the aes128gcm body with the subscription's private key (as the browser would),
records what arrived, and answers with scripted statuses.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypercorn.asyncio import serve
from hypercorn.config import Config


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    """A browser's push subscription: a real P-256 key pair and a 16-byte auth secret."""

    name: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


@dataclass
class Delivery:
    device: str
    headers: dict[str, str]
    payload: dict[str, Any]
    encrypted_size: int
    claims: dict[str, Any]
    status: int

    @property
    def notification(self) -> dict[str, Any]:
        """The notification the phone shows (the Declarative Web Push member)."""
        shown: dict[str, Any] = self.payload["notification"]
        return shown

    @property
    def path(self) -> str:
        """Where a tap opens the app: the path of the absolute ``navigate`` address."""
        return urlsplit(str(self.notification["navigate"])).path


@dataclass
class Script:
    status: int = 201
    retry_after: int | None = None
    delay: float = 0.0


@dataclass
class PushService:
    host: str = "127.0.0.1"
    port: int = 0
    devices: dict[str, Device] = field(default_factory=dict)
    received: list[Delivery] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    scripts: dict[str, deque[Script]] = field(default_factory=lambda: defaultdict(deque))

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def new_device(self, name: str | None = None) -> Device:
        name = name or b64url(os.urandom(6))
        device = Device(
            name,
            f"{self.origin}/push/{name}",
            ec.generate_private_key(ec.SECP256R1()),
            os.urandom(16),
        )
        self.devices[name] = device
        return device

    def script(self, device: Device, *answers: Script) -> None:
        self.scripts[device.name].extend(answers)

    def for_device(self, device: Device) -> list[Delivery]:
        return [delivery for delivery in self.received if delivery.device == device.name]

    # --- the ASGI app ------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {key.decode().lower(): value.decode() for key, value in scope["headers"]}
        status, extra = await self._handle(scope["path"], headers, body)
        await send({"type": "http.response.start", "status": status, "headers": extra})
        await send({"type": "http.response.body", "body": b""})

    async def _handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]]]:
        name = path.rsplit("/", 1)[-1]
        device = self.devices.get(name)
        if device is None:
            return 404, []
        try:
            claims = self._check_vapid(headers.get("authorization", ""))
            if headers.get("content-encoding") != "aes128gcm":
                raise ValueError("content encoding must be aes128gcm")
            if "ttl" not in headers:
                raise ValueError("TTL header missing")
            plain = http_ece.decrypt(
                body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
            )
            payload = json.loads(plain)
            check_declarative(payload)
        except Exception as error:  # the point of a strict fake: report anything off
            self.rejected.append(f"{name}: {error}")
            return 400, []
        answer = self.scripts[name].popleft() if self.scripts[name] else Script()
        if answer.delay:
            await asyncio.sleep(answer.delay)
        self.received.append(Delivery(name, headers, payload, len(body), claims, answer.status))
        extra = (
            [(b"retry-after", str(answer.retry_after).encode())]
            if answer.retry_after is not None
            else []
        )
        return answer.status, extra

    def _check_vapid(self, authorization: str) -> dict[str, Any]:
        if not authorization.lower().startswith("vapid "):
            raise ValueError("no VAPID authorization")
        parts = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
        token, key = parts["t"], parts["k"]
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64url(header_b64))
        if header.get("alg") != "ES256":
            raise ValueError("VAPID token must be ES256")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        raw = unb64url(signature_b64)
        signature = encode_dss_signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        )
        public.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        claims: dict[str, Any] = json.loads(unb64url(claims_b64))
        if claims.get("aud") != self.origin:
            raise ValueError(f"aud {claims.get('aud')} is not {self.origin}")
        if not time.time() < int(claims["exp"]) <= time.time() + 24 * 3600:
            raise ValueError("exp must be in the next 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise ValueError("sub must be a mailto: or https: URL")
        return claims

    # --- serving -----------------------------------------------------------------

    async def start(self) -> tuple[asyncio.Task[None], asyncio.Event]:
        if not self.port:  # else the port the app under test was told to allow
            with socket.socket() as probe:
                probe.bind((self.host, 0))
                self.port = probe.getsockname()[1]
        config = Config()
        config.bind = [f"{self.host}:{self.port}"]
        config.accesslog = None
        config.errorlog = None
        stop = asyncio.Event()
        task = asyncio.create_task(serve(self, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection(self.host, self.port)
                writer.close()
                await writer.wait_closed()
                break
            except OSError:
                await asyncio.sleep(0.02)
        return task, stop


def check_declarative(payload: Any) -> None:
    """Raise unless ``payload`` is a Declarative Web Push message a phone can show on its
    own: ``web_push`` 8030, a non-empty title and body, an absolute https or local http
    address to open, and nothing a lock screen could show but those."""
    if not isinstance(payload, dict) or payload.get("web_push") != 8030:
        raise ValueError("not a Declarative Web Push message (web_push 8030)")
    shown = payload.get("notification")
    if not isinstance(shown, dict):
        raise ValueError("notification member missing")
    for key in ("title", "body"):
        if not isinstance(shown.get(key), str) or not shown[key].strip():
            raise ValueError(f"notification {key} missing or empty: the push would show nothing")
    navigate = urlsplit(str(shown.get("navigate", "")))
    if navigate.scheme not in ("https", "http") or not navigate.netloc:
        raise ValueError("notification navigate must be an absolute address")
    extra = set(shown) - {"title", "body", "navigate", "tag", "lang", "dir", "silent"}
    if extra:
        raise ValueError(f"unexpected notification members {sorted(extra)}")
