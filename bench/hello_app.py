"""A bare Quart "hello" app served exactly as `pwa serve` serves the real one (same
Hypercorn configuration, one worker, access log on): the throughput benchmark's yardstick.

    .venv/bin/python bench/hello_app.py --host 127.0.0.1 --port 8001
"""

from __future__ import annotations

import argparse
import asyncio

from hypercorn.asyncio import serve
from quart import Quart

from pwa.serving import hypercorn_config

app = Quart(__name__)


@app.route("/")
async def hello() -> str:
    return "hello"


@app.route("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    asyncio.run(serve(app, hypercorn_config(args.host, args.port)))


if __name__ == "__main__":
    main()
