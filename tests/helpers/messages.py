"""Messages as the phone's outbox sends them: a message body, a batch post, and a
message's photo uploaded after it."""

from __future__ import annotations

import io
import uuid
from typing import Any

from werkzeug.datastructures import FileStorage

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


async def upload_photo(
    client: Any,
    message_uuid: str,
    data: bytes,
    photo_id: str | None = None,
    *,
    headers: Any = None,
) -> Any:
    """One photo for a message, as static/js/photos.js uploads it after the message."""
    return await client.post(
        f"/api/messages/{message_uuid}/photos",
        form={"photo_id": photo_id or str(uuid.uuid4())},
        files={
            "photo": FileStorage(io.BytesIO(data), filename="photo.jpg", content_type="image/jpeg")
        },
        headers=SAME_ORIGIN if headers is None else headers,
    )


async def sent_message(client: Any, child_id: int, **overrides: Any) -> str:
    """A message stored through the outbox's batch post; its client UUID."""
    body = message(child_id, **overrides)
    response = await post_messages(client, body)
    assert (await response.get_json())["results"][0]["status"] == "stored"
    return str(body["id"])
