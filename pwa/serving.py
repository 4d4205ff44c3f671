"""Serving with Hypercorn, with capability tokens kept out of the access log."""

from __future__ import annotations

import re
from typing import Any

from hypercorn.config import Config
from hypercorn.logging import Logger

# Invite, reset and calendar links carry secrets in the path; the hospital sign-in's
# callback carries its authorization code (and state) in the query.
_TOKEN_PATHS = re.compile(r"(/(?:invite|reset|calendar)/)[^/?\s]+")
_SIGN_ON_ANSWER = re.compile(r"(/login/oidc/callback\?)[^\s]+")


def redact(path: str) -> str:
    return _SIGN_ON_ANSWER.sub(r"\1[redacted]", _TOKEN_PATHS.sub(r"\1[redacted]", path))


class RedactingLogger(Logger):
    """Hypercorn's logger with token-bearing paths redacted in access lines."""

    def atoms(self, request: Any, response: Any, request_time: float) -> Any:
        atoms = super().atoms(request, response, request_time)
        safe = {
            key: value
            for key, value in atoms.items()
            if key.lower() not in {"{cookie}i", "{set-cookie}o"}
        }
        for key in ("r", "R", "U", "Uq", "f", "{referer}i"):
            if key in safe:
                safe[key] = redact(str(safe[key]))
        return safe


def hypercorn_config(
    host: str, port: int, certfile: str | None = None, keyfile: str | None = None
) -> Config:
    """Hypercorn's settings; with a certificate and key it serves https itself."""
    config = Config()
    config.bind = [f"{host}:{port}"]
    if certfile and keyfile:
        config.certfile = certfile
        config.keyfile = keyfile
    config.accesslog = "-"
    config.errorlog = "-"
    config.logger_class = RedactingLogger
    return config


class ForwardedScheme:
    """Behind a TLS-terminating proxy, take the scheme the trusted proxy saw.

    Secure cookies, same-origin checks and HSTS reason about https; without this every
    request would look like plain http to the app. Only the configured number of proxies
    is trusted, as for client addresses (pwa/security.py).
    """

    def __init__(self, app: Any, trusted_proxies: int) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted_proxies > 0:
            values = [
                part.strip().decode("latin1").lower()
                for name, value in scope["headers"]
                if name.lower() == b"x-forwarded-proto"
                for part in value.split(b",")
                if part.strip()
            ]
            if len(values) >= self.trusted_proxies and values[-self.trusted_proxies] in (
                "http",
                "https",
            ):
                scope = dict(scope)
                secure = values[-self.trusted_proxies] == "https"
                scope["scheme"] = (
                    ("https" if secure else "http")
                    if scope["type"] == "http"
                    else ("wss" if secure else "ws")
                )
        await self.app(scope, receive, send)
