"""Sending the cases to a served app and counting the answers: statuses, 5xx, hangs.

A request that gets no answer within the time-out is a hang. A connection the server
closed without an answer ("closed") is a failure too, unless the request was larger than
the server reads (a body over 256 KB, a URL over 16 KB, the 10 MB bodies): then it may
answer 413 or 431 and close before the client has sent it all, and the client sees the
connection closed while still writing. Every request
has a connection of its own, so one case's refusal never closes another's.
"""

from __future__ import annotations

import asyncio
import io
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.fuzzing.cases import Case

FOREIGN_ORIGIN = "https://attacker.example"
# Past these the server may answer (413, 431) before it has read the request, and close:
# the app's largest JSON body, and Hypercorn's limit for a request line with headers.
READ_WHOLE_BODY = 256 * 1024
READ_WHOLE_HEAD = 16 * 1024
CHUNK = 256 * 1024


@dataclass
class Tally:
    """What one endpoint answered."""

    endpoint: str
    cases: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)  # the first few, to reproduce
    hangs: list[str] = field(default_factory=list)
    # Closed without an answer, though the body was small enough to read: no answer at all.
    unanswered: list[str] = field(default_factory=list)
    reached: int = 0  # signed-in cases answered by the view, not by the checks before it
    seconds: float = 0.0

    @property
    def five_xx(self) -> int:
        return sum(count for status, count in self.statuses.items() if status.startswith("5"))

    def note(self, case: Case, status: str) -> None:
        self.cases += 1
        self.statuses[status] += 1
        if status.startswith("5") and len(self.server_errors) < 5:
            self.server_errors.append(
                f"{status} {case.method} {case.path[:120]} {case.body[:120]!r}"
            )
        described = (
            f"{case.method} {case.path[:120]} ({len(case.path):,} characters) "
            f"{case.big or case.body[:120]!r} ({len(case.body):,} bytes)"
        )
        if status == "hang":
            self.hangs.append(described)
        if status == "closed" and not oversized(case):
            self.unanswered.append(described)
        if case.signed_in and case.origin == "same" and status not in {"401", "403", "415"}:
            self.reached += 1

    def statuses_text(self) -> str:
        return ", ".join(f"{status}: {count:,}" for status, count in sorted(self.statuses.items()))


def oversized(case: Case) -> bool:
    """A request the server may refuse before reading it all (then closing is fair)."""
    return bool(case.big) or len(case.body) > READ_WHOLE_BODY or len(case.path) > READ_WHOLE_HEAD


def request_headers(case: Case, base: str, cookie: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    if case.signed_in and cookie:
        headers["Cookie"] = cookie
    if case.origin == "same":
        headers["Origin"] = base
    elif case.origin == "foreign":
        headers["Origin"] = FOREIGN_ORIGIN
    elif case.origin == "fetch-site":
        headers["Sec-Fetch-Site"] = "same-origin"
    return headers


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


async def send(
    session: aiohttp.ClientSession,
    base: str,
    cookie: str,
    case: Case,
    hang_after: float,
    index: int,
) -> str:
    """The status of one case as text ("200", "hang", "closed")."""
    body = case.payload(index)
    data: Any = body if body or case.method != "GET" else None
    if case.chunked:
        data = _chunks(body)
    elif len(body) > CHUNK:
        data = io.BytesIO(body)  # aiohttp writes it in parts, with its length declared
    try:
        async with session.request(
            case.method,
            f"{base}{case.path}",
            data=data,
            headers=request_headers(case, base, cookie),
            skip_auto_headers=("Content-Type",),
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=hang_after),
        ) as response:
            await response.read()
            return str(response.status)
    except TimeoutError:
        return "hang"
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError):
        return "closed"


async def run_cases(
    base: str, cookie: str, endpoint: str, cases: list[Case], *, hang_after: float, concurrency: int
) -> Tally:
    """Send every case, ``concurrency`` at a time, each on its own connection's terms."""
    tally = Tally(endpoint)
    queue: asyncio.Queue[tuple[int, Case]] = asyncio.Queue()
    for numbered in enumerate(cases):
        queue.put_nowait(numbered)
    loop = asyncio.get_running_loop()
    started = loop.time()
    # No cookie jar: a case sent signed out must never carry a cookie another case got.
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.DummyCookieJar(),
        connector=aiohttp.TCPConnector(limit=concurrency, force_close=True),
    ) as session:

        async def worker() -> None:
            while not queue.empty():
                index, case = queue.get_nowait()
                tally.note(case, await send(session, base, cookie, case, hang_after, index))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    tally.seconds = loop.time() - started
    return tally
