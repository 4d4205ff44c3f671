"""Every answer says what it is and in which encoding, and methods nobody needs are
refused (OWASP ASVS 5.0 4.1.1, 13.4.4)."""

from __future__ import annotations

import pytest
from quart.typing import TestClientProtocol as Client

from tests.conftest import People


@pytest.mark.parametrize("path", ["/login", "/privacy", "/offline", "/no-such-page"])
async def test_pages_are_html_in_utf_8(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


async def test_scripts_and_json_say_their_type_and_encoding(
    family_client: Client, people: People
) -> None:
    script = await family_client.get("/sw.js")
    assert script.mimetype == "text/javascript" and script.mimetype_params["charset"] == "utf-8"
    key = await family_client.get("/api/push/public-key")
    # RFC 8259: JSON is UTF-8 and defines no charset parameter.
    assert key.status_code == 200 and key.mimetype == "application/json"
    assert isinstance(await key.get_json(), dict)


@pytest.mark.parametrize("path", ["/", "/login", "/api/reports", "/static/js/outbox.js"])
async def test_trace_is_refused(client: Client, path: str) -> None:
    response = await client.open(path, method="TRACE")
    assert response.status_code == 405
    assert "TRACE" not in response.headers.get("Allow", "")
