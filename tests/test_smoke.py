"""The two front pages answer with their people: a family's home, the nurse's list."""

from __future__ import annotations

from quart.typing import TestClientProtocol as Client


async def test_family_home_shows_child(family_client: Client) -> None:
    response = await family_client.get("/")
    assert response.status_code == 200
    assert "Sam" in await response.get_data(as_text=True)


async def test_nurse_sees_children(nurse_client: Client) -> None:
    response = await nurse_client.get("/nurse/children")
    assert response.status_code == 200
    text = await response.get_data(as_text=True)
    assert "Sam" in text and "Robin" in text
