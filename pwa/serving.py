"""Serving with Hypercorn, with capability tokens kept out of the access log."""

from __future__ import annotations

import re
from typing import Any

from hypercorn.config import Config
from hypercorn.logging import Logger

# Invite, reset and calendar links carry secrets in the path.
_TOKEN_PATHS = re.compile(r"(/(?:invite|reset|calendar)/)[^/?\s]+")


def redact(path: str) -> str:
    return _TOKEN_PATHS.sub(r"\1[redacted]", path)


class RedactingLogger(Logger):
    """Hypercorn's logger with token-bearing paths redacted in access lines."""

    def atoms(self, request: Any, response: Any, request_time: float) -> Any:
        atoms = super().atoms(request, response, request_time)
        safe = {key: value for key, value in atoms.items() if key.lower() not in {"{cookie}i", "{set-cookie}o"}}
        for key in ("r", "R", "U", "Uq", "{referer}i"):
            if key in safe:
                safe[key] = redact(str(safe[key]))
        return safe


def hypercorn_config(host: str, port: int) -> Config:
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = "-"
    config.errorlog = "-"
    config.logger_class = RedactingLogger
    return config
