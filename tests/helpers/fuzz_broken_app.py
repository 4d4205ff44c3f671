"""A throwaway Quart app served as `pwa serve` serves the real one (same Hypercorn
configuration), with a route that raises and one that never answers in time: proof that
bench/fuzz.py counts a 500 and a hang (tests/test_fuzz.py).

    .venv/bin/python -m tests.helpers.fuzz_broken_app --host 127.0.0.1 --port 8002
"""

from __future__ import annotations

import argparse
import asyncio

from hypercorn.asyncio import serve
from quart import Quart

from pwa.serving import hypercorn_config

app = Quart(__name__)


@app.route("/api/broken", methods=["POST"])
async def broken() -> str:
    raise RuntimeError("a bug in a view")


@app.route("/api/slow", methods=["POST"])
async def slow() -> str:
    await asyncio.sleep(60)
    return "too late"


@app.route("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    args = parser.parse_args()
    asyncio.run(serve(app, hypercorn_config(args.host, args.port)))


if __name__ == "__main__":
    main()
