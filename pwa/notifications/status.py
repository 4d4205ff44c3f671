"""Is the reminder sender alive, and what needs a person? For /healthz and /admin/status.

The sender writes a heartbeat after every run (sender.py). Run inside the web server
(SENDER_IN_APP) it runs every SENDER_INTERVAL_SECONDS, so a heartbeat older than three
intervals means the loop has stopped and reminders are not going out. Run from cron
(`pwa send-reminders`), the app cannot know the schedule: it reports "off" and the admin
panel shows when the last run was.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..db import Reader, from_db, to_db

log = logging.getLogger(__name__)

STALE_AFTER_INTERVALS = 3
PROBLEMS_SHOWN = 20
# Monitoring probes /healthz every few seconds: log each stoppage once, not every probe.
_logged_stop: dict[str, datetime | None] = {}


@dataclass(frozen=True)
class SenderHealth:
    state: str  # "ok", "stale" or "off"
    in_app: bool
    last_beat: datetime | None
    stale_after: timedelta

    def age(self, now: datetime) -> timedelta | None:
        return now - self.last_beat if self.last_beat else None


@dataclass(frozen=True)
class Problem:
    at: datetime
    kind: str
    detail: str


def sender_in_app(config: Mapping[str, Any]) -> bool:
    """Whether this process runs the sender loop (as pwa/app.py decides at start-up)."""
    return bool(config["SENDER_IN_APP"]) and not config.get("TESTING")


async def sender_health(db: Reader, config: Mapping[str, Any], now: datetime) -> SenderHealth:
    row = await db.fetch_one("SELECT MAX(beat_at) AS beat_at FROM sender_heartbeat")
    last_beat = from_db(row["beat_at"]) if row else None
    stale_after = timedelta(seconds=STALE_AFTER_INTERVALS * int(config["SENDER_INTERVAL_SECONDS"]))
    in_app = sender_in_app(config)
    if not in_app:
        state = "off"
    elif last_beat is None or now - last_beat > stale_after:
        state = "stale"
        _log_stopped(last_beat)
    else:
        state = "ok"
    return SenderHealth(state, in_app, last_beat, stale_after)


def _log_stopped(last_beat: datetime | None) -> None:
    if "last_beat" in _logged_stop and _logged_stop["last_beat"] == last_beat:
        return
    _logged_stop["last_beat"] = last_beat
    when = to_db(last_beat) if last_beat else "never"
    log.error("the reminder sender has stopped: last run %s; reminders are not going out", when)


async def recent_problems(db: Reader) -> list[Problem]:
    rows = await db.fetch_all(
        "SELECT at, kind, detail FROM push_problem ORDER BY at DESC, id DESC LIMIT :limit",
        {"limit": PROBLEMS_SHOWN},
    )
    return [Problem(from_db(row["at"]), row["kind"], row["detail"]) for row in rows]
