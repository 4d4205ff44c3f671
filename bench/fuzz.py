"""Fuzz every JSON endpoint of the served app: generated cases per endpoint, no 5xx, no hang,
no garbage stored.

    .venv/bin/python bench/fuzz.py [--cases 10000] [--seed 14] [--timeout 10]

The real app runs under Hypercorn (`pwa serve` in a subprocess, bench/common.py) on a
fresh database with two families; the fuzzer signs in as one family's caregiver over the
sign-in page and sends, per endpoint found in the app's URL map (bench/fuzzing/targets.py),
``--cases`` requests drawn by hypothesis from ``--seed`` (bench/fuzzing/cases.py): valid
requests with fields broken, arbitrary JSON, raw bytes, 10 MB bodies; one in ten signed
out, some cross-origin or with another content type. Then it reads the database file
(read-only) and checks every row by the app's rules (bench/fuzzing/garbage.py).

Prints per endpoint: cases, status counts, 5xx, hangs (no answer within ``--timeout``),
and the stored garbage; exits non-zero on any 5xx, hang, garbage or 5xx in the server's
log. tests/test_fuzz.py runs a small version.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.common import Client, machine, make_families
from bench.fuzzing.cases import generate
from bench.fuzzing.garbage import MAX_LISTED, rows_checked, stored_garbage
from bench.fuzzing.runner import Tally, run_cases
from bench.fuzzing.targets import Context, app_rules, discover, valid_message, valid_report
from tests.helpers.served import Server

SETUP_REPORTS = 20  # stored before the fuzz: photos need a report, corrections one to correct
SETUP_MESSAGES = 20  # and a message's photo needs a message


@dataclass
class FuzzResult:
    seed: int
    tallies: list[Tally] = field(default_factory=list)
    garbage: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)  # rows read by the garbage check
    log_5xx: int = 0  # 5xx in the server's access log, whoever sent them
    tracebacks: int = 0  # "unhandled error" lines in the server's log
    alive: bool = True  # the server still answered /healthz afterwards

    @property
    def ok(self) -> bool:
        return (
            self.alive
            and not self.garbage
            and not self.log_5xx
            and not self.tracebacks
            and all(
                not (tally.five_xx or tally.hangs or tally.unanswered) for tally in self.tallies
            )
        )

    def lines(self) -> list[str]:
        out = [line for tally in self.tallies for line in tally_lines(tally)]
        rows = ", ".join(f"{count:,} {table}" for table, count in self.checked.items())
        out.append(
            f"stored garbage: {len(self.garbage)} (every table's text; rows checked: {rows})"
        )
        out.extend(f"    {problem}" for problem in self.garbage[:MAX_LISTED])
        total = sum(tally.cases for tally in self.tallies)
        out.append(
            f"total: {total:,} cases on {len(self.tallies)} endpoints, seed {self.seed}: "
            f"5xx {sum(tally.five_xx for tally in self.tallies)} (server log: {self.log_5xx}, "
            f"tracebacks: {self.tracebacks}), hangs {sum(len(tally.hangs) for tally in self.tallies)}, "
            f"stored garbage {len(self.garbage)}, server {'up' if self.alive else 'DOWN'} "
            f"afterwards -> {'ok' if self.ok else 'FAILED'}"
        )
        return out


def tally_lines(tally: Tally) -> list[str]:
    """One endpoint's line, and the first 5xx and hangs to reproduce."""
    return [
        f"{tally.endpoint}: {tally.cases:,} cases in {tally.seconds:.0f} s "
        f"({tally.reached:,} signed in past the same-origin and content-type checks): "
        f"{tally.statuses_text()}; 5xx {tally.five_xx}, hangs {len(tally.hangs)}, "
        f"closed unanswered {len(tally.unanswered)}",
        *(f"    5xx: {error}" for error in tally.server_errors),
        *(f"    hang: {hang}" for hang in tally.hangs[:MAX_LISTED]),
        *(f"    no answer: {dropped}" for dropped in tally.unanswered[:MAX_LISTED]),
    ]


async def setup(
    server: Server, session: aiohttp.ClientSession, seed: int = 14
) -> tuple[Client, Context, int, int]:
    """Two families; the first signed in with some stored reports and messages:
    (client, context, account, child)."""
    families = await make_families(server.instance, 2)
    server.start()
    client = Client(session, server.url)
    await client.sign_in(families[0].email)
    own = Context(families[0].child_id, families[1].child_id)
    rng = random.Random(seed)  # the same ids for the same seed: the same cases follow
    reports = [
        valid_report(own, str(uuid.UUID(int=rng.getrandbits(128), version=4)), 5 + number)
        for number in range(SETUP_REPORTS)
    ]
    status, body = await client.sync(reports)
    if status != 200 or body is None or {r["status"] for r in body["results"]} != {"stored"}:
        raise RuntimeError(f"the setup reports were not stored: {status} {body}")
    messages = [
        valid_message(own, str(uuid.UUID(int=rng.getrandbits(128), version=4)), number)
        for number in range(SETUP_MESSAGES)
    ]
    status, text = await client.request(
        "POST", "/api/messages", json={"messages": messages}, headers={"Origin": server.url}
    )
    if status != 200 or text.count('"stored"') != SETUP_MESSAGES:
        raise RuntimeError(f"the setup messages were not stored: {status} {text[:200]}")
    context = Context.make(
        families[0].child_id,
        families[1].child_id,
        [r["id"] for r in reports],
        seed,
        [m["id"] for m in messages],
    )
    return client, context, families[0].account_id, families[0].child_id


async def run_fuzz(
    folder: Path,
    *,
    cases: int,
    seed: int,
    hang_after: float = 10,
    concurrency: int = 8,
    big: int = 3,
    progress: bool = False,
) -> FuzzResult:
    """Serve the app from ``folder``, fuzz every JSON endpoint, check the database."""
    server = Server(folder / "instance")
    result = FuzzResult(seed)
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
            client, context, account_id, child_id = await setup(server, session, seed)
            for target in discover(app_rules()):
                batch = generate(target, context, cases, seed, big=big)
                tally = await run_cases(
                    server.url,
                    client.cookie_header,
                    target.name,
                    batch,
                    hang_after=hang_after,
                    concurrency=concurrency,
                )
                result.tallies.append(tally)
                if progress:
                    print("\n".join(tally_lines(tally)), flush=True)
            result.alive = (await client.request("GET", "/healthz"))[0] == 200
    finally:
        server.stop()
    log = server.log.read_text(errors="replace") if server.log.exists() else ""
    result.log_5xx = len(re.findall(r'" 5\d\d ', log))
    result.tracebacks = log.count("unhandled error")
    result.checked = rows_checked(server.database)
    result.garbage = stored_garbage(
        server.database, account_id=account_id, child_id=child_id, photos=server.instance / "photos"
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000, help="cases per endpoint")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--timeout", type=float, default=10, help="seconds before a request is a hang"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as folder:
        result = asyncio.run(
            run_fuzz(
                Path(folder),
                cases=args.cases,
                seed=args.seed,
                hang_after=args.timeout,
                concurrency=args.concurrency,
                progress=True,
            )
        )
    print("\n".join(result.lines()))
    print(f"total run {time.perf_counter() - started:.0f} s")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
