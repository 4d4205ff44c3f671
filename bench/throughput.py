"""Server throughput, side by side: the signed-in family home page and a report post
against a bare Quart "hello" route, both served by Hypercorn exactly as `pwa serve` does
(one worker, access log on), driven by Debian's wrk in the same run.

    .venv/bin/python bench/throughput.py [--seconds 10] [--connections 16]

Budget (docs/performance.md): home >= 50 % of hello's requests/second. The home page is served as
deployed, from its page cache (pwa/pagecache.py) after the first visit; a second server
on the same database with the cache off (PWA_PAGE_CACHE_PAGES=0) shows what rendering it
on every visit costs (reported, not the budget's number). Needs `wrk`
(`apt-get install -y wrk`). Rate limits are switched off (PWA_RATE_LIMITS_ENABLED=false):
one address sends everything. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.common import Client, machine
from tests.helpers.served import Server, run

BUDGET = 0.5
DEMO_PARENT = ("parent@demo.example", "parent-meadow-kite")
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}

# A JSON batch of one green report with a fresh UUID per request (v4 layout from
# math.random), so every post is a real insert, never a "duplicate".
POST_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = "{origin}"
wrk.headers["Cookie"] = "{cookie}"
local counter = 0
local hex = "0123456789abcdef"
local function uuid4()
  local out = {{}}
  for i = 1, 32 do
    local v = math.random(1, 16)
    if i == 13 then v = 5 end
    if i == 17 then v = math.random(9, 12) end
    out[#out + 1] = hex:sub(v, v)
  end
  local s = table.concat(out)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-"
    .. s:sub(17, 20) .. "-" .. s:sub(21, 32)
end
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({{}}):sub(8), 16))
end
request = function()
  counter = counter + 1
  local body = '{{"reports":[{{"id":"' .. uuid4() .. '","child_id":{child_id},' ..
    '"observed_at":"{observed_at}","items":{{"temperature":37.1,"pain":1}},"note":""}}]}}'
  return wrk.format(nil, nil, nil, body)
end
"""


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int


def _latency(text: str, percentile: str) -> float:
    match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no {percentile}% latency in wrk output:\n{text}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(
    name: str,
    url: str,
    seconds: int,
    connections: int,
    *,
    headers: dict[str, str],
    script: Path | None = None,
) -> Result:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for header, value in headers.items():
        command += ["-H", f"{header}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    output = subprocess.run(  # noqa: S603 - wrk with our own arguments
        command, capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad_match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors_match = re.search(r"Socket errors:.*", output)
    bad = int(bad_match.group(1)) if bad_match else 0
    if errors_match:
        print(f"  {name}: {errors_match.group(0)}")
    return Result(name, rps, _latency(output, "50"), _latency(output, "99"), requests, bad)


async def sign_in(base: str) -> str:
    async with aiohttp.ClientSession() as session:
        client = Client(session, base)
        await client.sign_in(*DEMO_PARENT)
        status, _ = await client.request("GET", "/")
        if status != 200:
            raise RuntimeError(f"home answered {status} after sign-in")
        return client.session_cookie


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10, help="length of each measured wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="alternate the targets this many times; best round counts",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: install Debian's with `apt-get install -y wrk`", file=sys.stderr)
        return 2
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as folder:
        instance = Path(folder) / "instance"
        run("demo", instance=instance)
        app = Server(
            instance, env_extra={"PWA_RATE_LIMITS_ENABLED": "false", "PWA_SENDER_IN_APP": "false"}
        )
        # Same instance folder (database, secret key): the same cookie signs in to both.
        uncached = Server(
            instance,
            env_extra={
                "PWA_RATE_LIMITS_ENABLED": "false",
                "PWA_SENDER_IN_APP": "false",
                "PWA_PAGE_CACHE_PAGES": "0",
            },
        )
        hello = Server(Path(folder) / "hello" / "instance")
        hello.instance.mkdir(parents=True)
        app.start()
        uncached.start()
        hello.start(("bench/hello_app.py",))
        try:
            cookie = asyncio.run(sign_in(app.url))
            with sqlite3.connect(app.database) as connection:
                child_id = connection.execute(
                    "SELECT id FROM child ORDER BY id LIMIT 1"
                ).fetchone()[0]
                before = connection.execute("SELECT COUNT(*) FROM report").fetchone()[0]
            script = Path(folder) / "post.lua"
            observed = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
            script.write_text(
                POST_SCRIPT.format(
                    origin=app.url, cookie=cookie, child_id=child_id, observed_at=observed
                )
            )
            targets: dict[str, Callable[[int], Result]] = {
                "hello": lambda s: wrk("hello", f"{hello.url}/", s, args.connections, headers={}),
                "home": lambda s: wrk(
                    "home", f"{app.url}/", s, args.connections, headers={"Cookie": cookie}
                ),
                "home, no cache": lambda s: wrk(
                    "home, no cache",
                    f"{uncached.url}/",
                    s,
                    args.connections,
                    headers={"Cookie": cookie},
                ),
                "report post": lambda s: wrk(
                    "report post",
                    f"{app.url}/api/reports",
                    s,
                    args.connections,
                    headers={},
                    script=script,
                ),
            }
            for measure in targets.values():  # warm up: imports, template compilation, caches
                measure(2)
            best: dict[str, Result] = {}
            for _ in range(args.rounds):
                for name, measure in targets.items():
                    result = measure(args.seconds)
                    if name not in best or result.rps > best[name].rps:
                        best[name] = result
        finally:
            app.stop()  # lets the requests still in flight when wrk stopped finish
            uncached.stop()
            hello.stop()
        with sqlite3.connect(app.database) as connection:
            after = connection.execute("SELECT COUNT(*) FROM report").fetchone()[0]
        statuses = Counter(
            re.findall(
                r'"(GET|POST) (/[^ ?]*)[^"]*" (\d+)', app.log.read_text() + uncached.log.read_text()
            )
        )
    base = best["hello"].rps
    print(
        f"\nwrk -t1 -c{args.connections} -d{args.seconds}s, best of {args.rounds} rounds, "
        "Hypercorn 1 worker"
    )
    print(f"{'target':<16}{'req/s':>8}{'p50 ms':>10}{'p99 ms':>10}{'vs hello':>10}{'non-2xx':>9}")
    for result in best.values():
        print(
            f"{result.name:<16}{result.rps:>8.0f}{result.p50_ms:>10.2f}{result.p99_ms:>10.2f}"
            f"{result.rps / base:>9.0%}{result.bad:>9}"
        )
    print(f"reports stored during the run: {after - before}")
    print(
        "app responses:",
        ", ".join(f"{m} {p} {s}: {n}" for (m, p, s), n in sorted(statuses.items())),
    )
    ratio = best["home"].rps / base
    failed = any(result.bad for result in best.values())
    print(
        f"home / hello = {ratio:.0%} (budget >= {BUDGET:.0%}): "
        f"{'ok' if ratio >= BUDGET else 'MISSED'}"
    )
    return 1 if failed or ratio < BUDGET else 0


if __name__ == "__main__":
    sys.exit(main())
