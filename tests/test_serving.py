"""Serving concerns: tokens kept out of access logs, the scheme behind a trusted proxy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quart import request

from pwa.app import create_app
from pwa.security import Access, access
from pwa.serving import RedactingLogger, redact
from tests.conftest import test_config


def test_capability_tokens_are_redacted_from_paths() -> None:
    assert (
        redact("GET /invite/ABCDEFGHIJKLMNOPQRSTUVWXYZ HTTP/1.1")
        == "GET /invite/[redacted] HTTP/1.1"
    )
    assert redact("/reset/ABCD?x=1") == "/reset/[redacted]?x=1"
    assert redact("/calendar/TOKEN.ics") == "/calendar/[redacted]"
    assert redact("/schedule/visits/3") == "/schedule/visits/3"
    assert (
        redact("GET /login/oidc/callback?code=SECRETCODE&state=abc HTTP/1.1")
        == "GET /login/oidc/callback?[redacted] HTTP/1.1"
    )


def test_access_log_atoms_hide_tokens_and_cookies() -> None:
    from hypercorn.config import Config

    logger = RedactingLogger(Config())
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/invite/SECRETCODE",
        "query_string": b"",
        "scheme": "https",
        "http_version": "1.1",
        "client": ("127.0.0.1", 5000),
        "headers": [(b"cookie", b"__Host-session=abc"), (b"referer", b"https://x/reset/SECRET2")],
    }
    atoms = logger.atoms(scope, {"status": 200, "headers": []}, 0.01)
    text = " ".join(str(value) for value in atoms.values())
    assert "SECRETCODE" not in text and "SECRET2" not in text and "abc" not in text


async def _scheme_seen(tmp_path: Path, hops: int, header: str | None) -> str:
    app = create_app(test_config(tmp_path, TRUSTED_PROXIES=hops))

    @access(Access.PUBLIC)
    async def scheme() -> str:
        return request.scheme

    app.add_url_rule("/scheme", "scheme", scheme)
    async with app.test_app():
        headers = {"X-Forwarded-Proto": header} if header else {}
        response = await app.test_client().get("/scheme", headers=headers)
        return str(await response.get_data(as_text=True))


async def test_scheme_is_taken_from_a_trusted_proxy_only(tmp_path: Path) -> None:
    assert await _scheme_seen(tmp_path / "a", 0, "https") == "http"
    assert await _scheme_seen(tmp_path / "b", 1, "https") == "https"
    assert (
        await _scheme_seen(tmp_path / "c", 1, "https, http") == "http"
    )  # the proxy's own entry wins
    assert await _scheme_seen(tmp_path / "d", 1, None) == "http"
