"""Messages as the phone's outbox sends them: a message body and a batch post."""

from __future__ import annotations

import uuid
from typing import Any

from tests.helpers.reports import SAME_ORIGIN


def message(child_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "child_id": child_id,
        "body": "Is it normal that she sleeps so much?",
        "urgent": False,
    }
    body.update(overrides)
    return body


async def post_messages(client: Any, *messages: Any, headers: Any = None) -> Any:
    return await client.post(
        "/api/messages", json={"messages": list(messages)}, headers=headers or SAME_ORIGIN
    )
