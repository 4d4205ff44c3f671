"""Invite and reset codes through the nurse's pages, and joining with one as a parent does."""

from __future__ import annotations

import re
from typing import Any

from quart.typing import TestClientProtocol
from quart.wrappers import Response

from tests.conftest import csrf_from, post_form

NEW_PASSWORD = "violet-harbour-lantern-seven"


async def body_text(response: Response) -> str:
    return await response.get_data(as_text=True)


def grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_from(html: str, kind: str) -> str:
    """The code in the link a nurse hands out (the page shows it once)."""
    match = re.search(rf"https://localhost/{kind}/([A-Z2-7]+)<", html)
    assert match, f"page shows no {kind} link"
    code = match.group(1)
    assert len(code) == 26  # 130 random bits
    assert grouped(code) in html  # also shown in groups of four, to read out
    return code


async def make_invite(nurse: TestClientProtocol, child_id: int, note: str = "mother") -> str:
    response = await post_form(
        nurse,
        f"/nurse/children/{child_id}/invites",
        {"note": note},
        csrf_path=f"/nurse/children/{child_id}",
    )
    assert response.status_code == 200, await body_text(response)
    html = await body_text(response)
    assert "data:image/svg+xml" in html  # the QR code a parent scans
    return code_from(html, "invite")


async def make_reset(nurse: TestClientProtocol, child_id: int, caregiver_id: int) -> Any:
    return await post_form(
        nurse,
        f"/nurse/children/{child_id}/caregivers/{caregiver_id}/reset",
        {},
        csrf_path=f"/nurse/children/{child_id}",
    )


async def join(
    client: TestClientProtocol,
    code: str,
    *,
    name: str = "Alex",
    email: str = "alex@example.org",
    password: str = NEW_PASSWORD,
    confirm: str | None = None,
    accept: bool = True,
    headers: dict[str, str] | None = None,
) -> Response:
    page = await client.get(f"/invite/{code}", headers=headers)
    assert page.status_code == 200, await body_text(page)
    form = {
        "csrf_token": csrf_from(await body_text(page)),
        "display_name": name,
        "email": email,
        "password": password,
        "confirm": password if confirm is None else confirm,
    }
    if accept:
        form["accept_privacy"] = "y"
    return await client.post(f"/invite/{code}", form=form, headers=headers)
