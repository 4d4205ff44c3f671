"""Pages stay fast while the hospital's mail relay is stuck: e-mail is sent only by the
notification sender, outside web requests, so a relay that hangs, refuses or is down never
slows a page.

    .venv/bin/python bench/relay_stall.py [--seconds 20] [--clients 2] [--timeout 10]
        [--mail-per-second 5] [--relays none silent refusing down]

`pwa demo` data served by `pwa serve` with the sender in the app (every second), once per
relay (bench/relays.py): none set; one that accepts connections and never says a word
(each send hangs PWA_SMTP_TIMEOUT_SECONDS); one that answers every message "451 4.3.0 Try
again later" (aiosmtpd, STARTTLS and a password like a real relay); one that is down.
E-mail escalations about red reports nobody took up fall due throughout (--mail-per-second).
Meanwhile signed-in parents load the family home and post reports, and a signed-in nurse
loads the queue, --clients of each at once, for --seconds. Prints p50/p95/max latency
and requests/s per page and relay, and what the sender did with the e-mail meanwhile.
Then stops the app as systemd does (SIGTERM) and reports how long it took to exit and
whether /healthz answered meanwhile: the app lets the sender finish its run first.

Passes when every request answered 200 and, with each relay set, the sender tried to send
e-mail and no e-mail job ended unsent. Latencies are reported, not judged: compare the
rows (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.common import Client, machine
from bench.phone import new_report
from bench.relays import DESCRIPTIONS, NONE, RELAYS, MailCounts, give_mail_work, mail_counts, relay
from pwa.config import DEMO_TOTP_SECRET
from tests.helpers.served import Server, run

PARENT = ("parent@demo.example", "parent-meadow-kite")
NURSE = ("nurse@demo.example", "nurse-harbour-tulip")
PAGES = ("family home", "nurse queue", "report POST")
# Longer than systemd's default stop timeout (90 s): how long a stop really takes.
STOP_WAIT = 180
# Seconds of e-mail falling due before the load starts (start-up, sign-in) and after it.
MAIL_MARGIN = 15


@dataclass
class StallRun:
    """One relay's run: each page's latencies (ms) and answers, and the sender's e-mail."""

    relay: str
    seconds: float
    timings: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PAGES})
    answers: dict[str, Counter[str]] = field(default_factory=lambda: {p: Counter() for p in PAGES})
    relay_hits: int | None = None
    mail: MailCounts | None = None
    stop: Stop | None = None
    load_average: float = 0.0  # the machine's, at the end of the run: other work skews timings

    @property
    def all_answered(self) -> bool:
        return all(set(answers) == {"200"} for answers in self.answers.values())

    @property
    def mail_ok(self) -> bool:
        """With a relay, the sender tried it (the relay saw it, where it can tell) and lost nothing."""
        if self.relay == NONE:
            return True
        return (
            self.mail is not None
            and self.mail.attempted
            and self.mail.lost == 0
            and self.relay_hits != 0
        )

    @property
    def ok(self) -> bool:
        return self.all_answered and self.mail_ok

    def rows(self) -> list[str]:
        lines = []
        for page in PAGES:
            timings = sorted(self.timings[page])
            p95 = statistics.quantiles(timings, n=20)[18] if len(timings) > 1 else float("nan")
            lines.append(
                f"{DESCRIPTIONS[self.relay]:<31}{page:<13}{len(timings):>9}"
                f"{len(timings) / self.seconds:>8.0f}{statistics.median(timings):>8.1f}"
                f"{p95:>8.1f}{max(timings):>8.1f}  {dict(self.answers[page])}"
            )
        return lines

    def mail_line(self) -> str:
        hits = "" if self.relay_hits is None else f"relay reached {self.relay_hits} times; "
        if self.relay == NONE:
            hits = "nothing to send through (each job is cancelled); "
        mail = self.mail.summary() if self.mail else "not read"
        return (
            f"  {DESCRIPTIONS[self.relay]}: {hits}{mail}; load average {self.load_average:.1f}; "
            f"app {self.stop.summary() if self.stop else 'not stopped'} -> "
            f"{'ok' if self.ok else 'FAILED'}"
        )


async def signed_in_clients(
    session: aiohttp.ClientSession, url: str, clients: int
) -> tuple[list[Client], list[Client], list[Client]]:
    """Parents for the home page and for posting (a session each), and nurses sharing one
    session (the second factor lets a staff account sign in once per 30 s)."""
    homes = [Client(session, url) for _ in range(clients)]
    posters = [Client(session, url) for _ in range(clients)]
    await asyncio.gather(*(client.sign_in(*PARENT) for client in homes + posters))
    nurse = Client(session, url)
    await nurse.sign_in_staff(*NURSE, DEMO_TOTP_SECRET)
    nurses = [nurse]
    for _ in range(clients - 1):
        tab = Client(session, url)
        tab.cookies = dict(nurse.cookies)
        nurses.append(tab)
    return homes, nurses, posters


def _post(client: Client, child_id: int, rng: random.Random) -> Callable[[], Awaitable[str]]:
    async def send() -> str:
        status, body = await client.sync([new_report(child_id, rng=rng)])
        stored = body is not None and body["results"][0]["status"] == "stored"
        return str(status) if stored or status != 200 else "200 but not stored"

    return send


def _get(client: Client, path: str) -> Callable[[], Awaitable[str]]:
    async def get() -> str:
        return str((await client.request("GET", path))[0])

    return get


async def keep_asking(
    page: str, ask: Callable[[], Awaitable[str]], deadline: float, result: StallRun
) -> None:
    """One client asking again as soon as it has its answer, until the deadline."""
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            answer = await ask()
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            answer = type(error).__name__
        result.timings[page].append((time.perf_counter() - started) * 1000)
        result.answers[page][answer] += 1


async def load(server: Server, result: StallRun, clients: int, child_id: int) -> None:
    rng = random.Random(7)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        homes, nurses, posters = await signed_in_clients(session, server.url, clients)
        deadline = time.monotonic() + result.seconds
        await asyncio.gather(
            *(keep_asking("family home", _get(c, "/"), deadline, result) for c in homes),
            *(
                keep_asking("nurse queue", _get(c, "/nurse/queue"), deadline, result)
                for c in nurses
            ),
            *(
                keep_asking("report POST", _post(c, child_id, rng), deadline, result)
                for c in posters
            ),
        )


@dataclass(frozen=True)
class Plan:
    """How long and how hard each run is."""

    seconds: float = 20
    clients: int = 2  # of each page at once
    smtp_timeout: float = 10  # what a silent relay costs each send
    mail_per_second: float = 5  # e-mail jobs falling due


async def run_stall(folder: Path, demo: Path, kind: str, plan: Plan) -> StallRun:
    """One run against a copy of the demo instance with the relay ``kind``, in ``folder``."""
    instance = folder / "instance"
    shutil.copytree(demo, instance)
    work = await give_mail_work(instance, plan.seconds + MAIL_MARGIN, plan.mail_per_second)
    result = StallRun(kind, plan.seconds)
    async with relay(kind, folder, smtp_timeout=plan.smtp_timeout) as stuck:
        env = {"PWA_SENDER_IN_APP": "true", "PWA_SENDER_INTERVAL_SECONDS": "1", **stuck.env}
        server = Server(instance, env_extra=env)
        server.start()
        try:
            await load(server, result, plan.clients, work.child_id)
            result.mail = mail_counts(server.database)
            result.relay_hits = stuck.hits()
            result.load_average = os.getloadavg()[0]
        finally:
            result.stop = await asyncio.to_thread(stop_watching, server)
    return result


@dataclass(frozen=True)
class Stop:
    """How the app stopped: seconds from SIGTERM to exit, and /healthz meanwhile."""

    seconds: float
    killed: bool  # still running after STOP_WAIT: SIGKILL
    answered: int
    refused: int

    def summary(self) -> str:
        end = "killed" if self.killed else "exited"
        return (
            f"{end} {self.seconds:.1f} s after SIGTERM, /healthz answered "
            f"{self.answered} and refused {self.refused} checks meanwhile"
        )


def stop_watching(server: Server, wait: float = STOP_WAIT) -> Stop:
    """Stop the app as systemd does (SIGTERM; SIGKILL after ``wait``), asking /healthz
    twice a second meanwhile: the app first lets the sender finish its run."""
    process = server.process
    assert process is not None
    started = time.monotonic()
    process.terminate()
    answered = refused = 0
    while process.poll() is None and time.monotonic() - started < wait:
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1):  # noqa: S310 - 127.0.0.1  # nosec B310  # a fixed http://127.0.0.1 URL built by the script itself
                answered += 1
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            refused += 1
        time.sleep(0.5)
    killed = process.poll() is None
    server.kill()
    return Stop(time.monotonic() - started, killed, answered, refused)


async def run_all(folder: Path, kinds: tuple[str, ...], plan: Plan) -> list[StallRun]:
    demo = folder / "demo" / "instance"
    run("demo", instance=demo)
    # A relay named twice runs twice (the spread between them is the machine's noise).
    return [
        await run_stall(folder / f"{number}-{kind}", demo, kind, plan)
        for number, kind in enumerate(kinds)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=2, help="of each page at once")
    parser.add_argument("--timeout", type=float, default=10, help="PWA_SMTP_TIMEOUT_SECONDS")
    parser.add_argument("--mail-per-second", type=float, default=5, help="e-mail jobs due")
    parser.add_argument(
        "--relays", nargs="+", choices=RELAYS, default=list(RELAYS), help="in this order"
    )
    args = parser.parse_args()
    plan = Plan(args.seconds, args.clients, args.timeout, args.mail_per_second)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-relay-stall-") as folder:
        runs = asyncio.run(run_all(Path(folder), tuple(args.relays), plan))
    print(
        f"{plan.clients} clients per page, {plan.seconds:g} s per relay, sender every 1 s, "
        f"{plan.mail_per_second:g} e-mails due per second, "
        f"PWA_SMTP_TIMEOUT_SECONDS={plan.smtp_timeout:g}"
    )
    print(
        f"{'relay':<31}{'page':<13}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'max ms':>8}  answers"
    )
    for result in runs:
        print("\n".join(result.rows()))
    print("e-mail meanwhile:")
    for result in runs:
        print(result.mail_line())
    return 0 if all(result.ok for result in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
