"""How a simulated phone writes and sends: reports whose every field varies, small photos,
and the outbox's retry loop, with every send and answer noted in a Ledger (bench/ledger.py).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import aiohttp

from bench.common import Client
from bench.ledger import Ledger, SentPhoto

# Answers a phone gives that never make a report red on their own (two ambers do).
_CHOICES = {
    "pain_where": ("belly", "legs", "back", "head", "chest", "other"),
    "swelling": ("none", "legs", "body"),
    "rash": ("none", "some", "a_lot"),
    "breathing": ("normal", "fast"),
    "urine": ("normal", "less"),
    "vomiting": ("none", "some", "a_lot"),
    "diarrhoea": ("none", "some"),
    "eyes": ("normal", "pupils", "light"),
    "nerves": ("normal", "tingling", "headache"),
    "line": ("fine", "red"),
}
_NOTES = (
    "",
    "Slept badly, ate a little.",
    "Huilde veel vannacht 😢, nu rustiger.",
    "Tried the paracetamol at 14:00 — helped a bit.",
    "Rash on both arms; photo sent.",
)
_OFFSETS = (UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5)))


def new_report(
    child_id: int,
    *,
    rng: random.Random | None = None,
    observed_at: datetime | None = None,
    corrects: str | None = None,
) -> dict[str, Any]:
    """A report as the phone's outbox holds it: its own UUID, and answers, a note, a level
    and a time zone that vary, so that a stored field the server dropped or changed shows."""
    rng = rng or random.Random()
    moment = observed_at or datetime.now(UTC) - timedelta(minutes=rng.randint(1, 600))
    items: dict[str, Any] = {
        "temperature": round(rng.uniform(36.4, 37.9), 1),
        "pain": rng.randint(0, 6),
    }
    for key in rng.sample(sorted(_CHOICES), rng.randint(0, 4)):
        items[key] = rng.choice(_CHOICES[key])
    report = {
        "id": str(uuid.uuid4()),
        "child_id": child_id,
        "observed_at": moment.astimezone(rng.choice(_OFFSETS)).isoformat(),
        "items": items,
        "note": rng.choice(_NOTES),
        "client_level": rng.choice(("green", "amber", "red")),
    }
    if corrects is not None:
        report["corrects"] = corrects
    return report


def new_photo(report_id: str, account_id: int, rng: random.Random) -> SentPhoto:
    """A small flat-coloured picture for a stored report."""
    colour = (rng.randrange(30, 226), rng.randrange(30, 226), rng.randrange(30, 226))
    return SentPhoto(
        str(uuid.uuid4()), report_id, account_id, (rng.randint(24, 64), rng.randint(24, 64)), colour
    )


async def sync_until_confirmed(
    client: Client,
    reports: list[dict[str, Any]],
    *,
    deadline: float,
    errors: list[str],
    ledger: Ledger,
    account_id: int,
    conflicting: bool = False,
) -> list[dict[str, Any]]:
    """Send a batch until the server answers it; retry network errors with the same UUIDs.

    Every send and the answer go into ``ledger``, which judges the answer. Returns the
    per-report results ([] when the deadline passed without one). 5xx answers are
    recorded in ``errors`` (the checks fail on any) and retried.
    """
    while True:
        if not conflicting:
            ledger.sending(reports, account_id)
        try:
            status, body = await client.sync(reports)
        except (aiohttp.ClientError, TimeoutError, OSError):
            if time.monotonic() > deadline:
                return []
            await asyncio.sleep(0.05)
            continue
        if status >= 500:
            errors.append(f"HTTP {status}")
            if time.monotonic() > deadline:
                return []
            await asyncio.sleep(0.05)
            continue
        if status != 200 or body is None:
            raise RuntimeError(f"sync answered {status}")
        results: list[dict[str, Any]] = body["results"]
        ledger.answered(reports, results, conflicting=conflicting)
        return results


async def upload_until_answered(
    client: Client, photo: SentPhoto, *, deadline: float, errors: list[str], ledger: Ledger
) -> None:
    """Upload a photo until the server answers, like the phone's photo queue."""
    while True:
        ledger.photo_sending(photo)
        try:
            status, body = await client.upload_photo(photo)
        except (aiohttp.ClientError, TimeoutError, OSError):
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(0.05)
            continue
        if status >= 500:
            errors.append(f"HTTP {status} (photo)")
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(0.05)
            continue
        ledger.photo_answered(photo, status, body)
        return
