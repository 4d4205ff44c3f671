"""Push fan-out: 10,000 due reminders (jobs and subscriptions in the database) sent by the
real sender to the strict fake push service (in its own process, on 127.0.0.1), against
the cost of the encryption alone (pywebpush's aes128gcm encryption and VAPID signing of
the same 10,000 messages, without sending).

    .venv/bin/python bench/push_fanout.py [--families 1000] [--per-family 10]

Budget (docs/performance.md): the same order of time as the encryption alone (the ratio is shown).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.common import give_due_reminders, machine, make_families
from tests.helpers.served import ROOT, push_test_service

ORDER_OF_MAGNITUDE = 10.0


async def prepare(
    instance: Path, families_count: int, per_family: int, subscriptions: list[dict[str, object]]
) -> None:
    from pwa.app import create_app
    from pwa.db import Database

    families = await make_families(instance, families_count)
    app = create_app({"INSTANCE_PATH": str(instance)})
    db = Database(app.config["DATABASE"], read_connections=1)
    await db.open()
    now = datetime.now(UTC)
    try:
        async with db.transaction() as connection:
            for family, info in zip(families, subscriptions, strict=True):
                await give_due_reminders(
                    connection,
                    family,
                    info,
                    app.extensions["vapid"].public_key,
                    per_family,
                    now,
                )
    finally:
        await db.close()


async def send_all(instance: Path, origin: str) -> tuple[float, int, dict[str, int]]:
    from pwa.app import create_app
    from pwa.db import Database
    from pwa.notifications.sender import Sender

    app = create_app({"INSTANCE_PATH": str(instance), **push_test_service(origin)})
    db = Database(app.config["DATABASE"], read_connections=4)
    await db.open()
    runs = 0
    try:
        sender = Sender(
            db,
            app.extensions["vapid"],
            endpoints=app.extensions["push_endpoints"],
            origin=app.config["PUBLIC_URL"],
            timeout=10,
            name="fanout",
        )
        started = time.perf_counter()
        async with aiohttp.ClientSession() as session:
            while True:
                summary = await sender.run_once(session)
                runs += 1
                if summary.claimed == 0:
                    break
        elapsed = time.perf_counter() - started
        states = await db.fetch_all(
            "SELECT status, COUNT(*) AS n FROM notification_job GROUP BY status"
        )
        return elapsed, runs, {row["status"]: row["n"] for row in states}
    finally:
        await db.close()


def encryption_only(
    instance: Path, subscriptions: list[dict[str, object]], count: int, origin: str
) -> float:
    """What webpush_async computes before it sends: VAPID signature and aes128gcm body."""
    from pywebpush import Vapid, WebPusher

    from pwa.app import create_app
    from pwa.notifications import payloads

    app = create_app({"INSTANCE_PATH": str(instance)})
    keys = app.extensions["vapid"]
    data = payloads.Message(
        "Immuno Companion", "The care team replied — open the app.", "/diary", "report:1:reply"
    ).encode(app.config["PUBLIC_URL"])
    vapid: Vapid = keys.vapid
    started = time.perf_counter()
    for number in range(count):
        info = subscriptions[number % len(subscriptions)]
        claims = {"sub": keys.subject, "aud": origin, "exp": int(time.time()) + 12 * 3600}
        headers = vapid.sign(claims)
        WebPusher(info)._prepare_send_data(data, headers, ttl=3600, content_encoding="aes128gcm")
    return time.perf_counter() - started


def stats(origin: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{origin}/stats", timeout=10) as response:  # noqa: S310 - 127.0.0.1  # nosec B310  # a fixed http://127.0.0.1 URL built by the script itself
        return dict(json.loads(response.read()))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--families", type=int, default=1000, help="one phone each")
    parser.add_argument("--per-family", type=int, default=10, help="due reminders per family")
    args = parser.parse_args()
    total = args.families * args.per_family
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-push-") as folder:
        subscriptions_file = Path(folder) / "subscriptions.json"
        service = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                str(ROOT / "bench" / "push_service_process.py"),
                str(args.families),
                str(subscriptions_file),
            ],
            stdin=subprocess.PIPE,
            cwd=ROOT,
        )
        try:
            deadline = time.monotonic() + 120
            while not subscriptions_file.exists() or not subscriptions_file.read_text():
                if time.monotonic() > deadline or service.poll() is not None:
                    raise RuntimeError("the fake push service did not start")
                time.sleep(0.1)
            time.sleep(0.2)
            published = json.loads(subscriptions_file.read_text())
            origin, subscriptions = published["origin"], published["subscriptions"]
            instance = Path(folder) / "instance"
            started = time.perf_counter()
            asyncio.run(prepare(instance, args.families, args.per_family, subscriptions))
            print(
                f"{total} due reminders for {args.families} phones planned in "
                f"{time.perf_counter() - started:.0f} s"
            )
            elapsed, runs, states = asyncio.run(send_all(instance, origin))
            counted = stats(origin)
            crypto = encryption_only(instance, subscriptions, total, origin)
        finally:
            assert service.stdin is not None
            service.stdin.close()
            try:
                service.wait(timeout=10)
            except subprocess.TimeoutExpired:
                service.kill()
                service.wait()
    ratio = elapsed / crypto
    print(
        f"sender: {total} reminders in {elapsed:.1f} s over {runs} runs = {total / elapsed:.0f} "
        f"sends/s; job states {states}"
    )
    print(
        f"push service: {counted['accepted']} accepted, {counted['distinct_topics']} distinct "
        "Topics, "
        f"at most {counted['most_per_topic']} per Topic, {counted['rejected_count']} rejected, "
        f"largest encrypted body {counted['largest_body']} bytes"
    )
    print(f"encryption + VAPID signing alone: {crypto:.1f} s = {total / crypto:.0f} messages/s")
    verdict = "ok" if ratio <= ORDER_OF_MAGNITUDE else "MISSED"
    print(
        f"ratio sending / encryption alone: {ratio:.1f} (budget: same order of time, <= "
        f"{ORDER_OF_MAGNITUDE:.0f}): {verdict}"
    )
    delivered = counted["accepted"] == total and counted["distinct_topics"] == total
    return 0 if delivered and ratio <= ORDER_OF_MAGNITUDE else 1


if __name__ == "__main__":
    sys.exit(main())
