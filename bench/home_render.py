"""In-process cost of building the signed-in family home page, in English and Dutch.

    .venv/bin/python bench/home_render.py [--runs 400] [--rounds 3]

`pwa demo` data in a temporary folder; the demo parent signs in through Quart's test
client, then the home page is requested --runs times per language and round with any
kept copy switched off (PWA_PAGE_CACHE_PAGES=0 where the setting exists), so every
request reads the data and renders the template. Prints the median and the 10th/90th
percentile per language of the best round. No budget: this measures what one rendering
costs, for before/after comparisons in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine
from tests.helpers.served import run

DEMO_PARENT = ("parent@demo.example", "parent-meadow-kite")
LANGUAGES = ("en", "nl")


async def sign_in(app: Any) -> Any:
    """A test client signed in as the demo parent."""
    from tests.conftest import csrf_from

    client = app.test_client()
    page = await (await client.get("/login")).get_data(as_text=True)
    email, password = DEMO_PARENT
    form = {"csrf_token": csrf_from(page), "email": email, "password": password}
    response = await client.post("/login", form=form)
    if response.status_code != 302:
        raise RuntimeError(f"sign-in answered {response.status_code}")
    return client


async def time_home(instance: Path, runs: int, rounds: int) -> dict[str, list[float]]:
    """Milliseconds per home page request, per language, of the round with the best median."""
    from pwa.app import create_app
    from tests.conftest import HttpsClient

    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "RATE_LIMITS_ENABLED": False,
            "SENDER_IN_APP": False,
            "TESTING": True,
            "PAGE_CACHE_PAGES": 0,
        }
    )
    app.test_client_class = HttpsClient  # type: ignore[assignment]
    best: dict[str, list[float]] = {}
    async with app.test_app():
        client = await sign_in(app)
        for _ in range(rounds):
            for language in LANGUAGES:
                headers = {"Accept-Language": language}
                timings = []
                for _ in range(runs + 20):  # the first 20 warm up: compiling, caches
                    started = time.perf_counter()
                    response = await client.get("/", headers=headers)
                    await response.get_data()
                    timings.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"home answered {response.status_code}")
                kept = sorted(timings[20:])
                if language not in best or statistics.median(kept) < statistics.median(
                    best[language]
                ):
                    best[language] = kept
    return best


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-home-render-") as folder:
        instance = Path(folder) / "instance"
        run("demo", instance=instance)
        best = asyncio.run(time_home(instance, args.runs, args.rounds))
    print(f"family home, rendered on every request; best of {args.rounds} rounds of {args.runs}")
    print(f"{'language':<10}{'median ms':>11}{'p10 ms':>9}{'p90 ms':>9}")
    for language, timings in best.items():
        p10 = timings[len(timings) // 10]
        p90 = timings[len(timings) * 9 // 10]
        print(f"{language:<10}{statistics.median(timings):>11.3f}{p10:>9.3f}{p90:>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
