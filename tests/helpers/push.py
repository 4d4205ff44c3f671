"""Push helpers: a device subscribed straight in the database, one sender run, and a
subscription as the browser hands it over."""

from __future__ import annotations

from typing import Any

import aiohttp
from quart import Quart

from pwa.db import Database
from pwa.notifications import store as push_store
from pwa.notifications.sender import Sender
from tests.helpers.push_service import Device, PushService

SUBSCRIPTIONS = "/api/push/subscriptions"


async def subscribe(db: Database, app: Quart, account_id: int, device: Device) -> int:
    info = device.subscription_json()
    async with db.transaction() as connection:
        return await push_store.upsert_subscription(
            connection,
            account_id=account_id,
            endpoint=info["endpoint"],
            p256dh=info["keys"]["p256dh"],
            auth=info["keys"]["auth"],
            vapid_public_key=app.extensions["vapid"].public_key,
            device_label="test phone",
        )


async def run_sender(
    app: Quart, db: Database, *, push_timeout: float = 2.0, name: str = "test"
) -> Any:
    async with aiohttp.ClientSession() as session:
        return await Sender(
            db,
            app.extensions["vapid"],
            endpoints=app.extensions["push_endpoints"],
            origin=app.config["PUBLIC_URL"],
            timeout=push_timeout,
            name=name,
            mail=app.extensions.get("mail"),
        ).run_once(session)


def browser_subscription(push_service: PushService, **extra: Any) -> dict[str, Any]:
    """What PushSubscription.toJSON() gives, for a real key pair the fake service knows."""
    return {**push_service.new_device().subscription_json(), "expirationTime": None, **extra}
