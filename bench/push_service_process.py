"""The strict fake push service (tests/helpers/push_service.py) in a process of its own, so a
benchmark's sender does not share its CPU with the service's decryption.

    .venv/bin/python bench/push_service_process.py DEVICES SUBSCRIPTIONS_JSON

Makes DEVICES devices, writes their subscriptions (and the port) to SUBSCRIPTIONS_JSON,
serves on 127.0.0.1 until its standard input closes. GET /stats answers the counts.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.push_service import PushService


class CountingPushService(PushService):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/stats":
            accepted = [d for d in self.received if d.status in (200, 201, 202)]
            topics = Counter(d.headers.get("topic", "") for d in accepted)
            body = json.dumps(
                {
                    "received": len(self.received),
                    "accepted": len(accepted),
                    "distinct_topics": len(topics),
                    "most_per_topic": max(topics.values(), default=0),
                    "rejected": self.rejected[:5],
                    "rejected_count": len(self.rejected),
                    "largest_body": max((d.encrypted_size for d in self.received), default=0),
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await super().__call__(scope, receive, send)


async def main() -> None:
    count, target = int(sys.argv[1]), Path(sys.argv[2])
    service = CountingPushService()
    task, stop = await service.start()
    devices = [service.new_device().subscription_json() for _ in range(count)]
    published = json.dumps({"origin": service.origin, "subscriptions": devices})
    await asyncio.to_thread(target.write_text, published)
    await asyncio.get_running_loop().run_in_executor(
        None, sys.stdin.read
    )  # until the parent closes it
    stop.set()
    await task


if __name__ == "__main__":
    asyncio.run(main())
