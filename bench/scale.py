"""Scale: 500 children with full treatment plans and 500,000 reports over six months,
then the server time of the nurses' and families' busiest pages, and the query plans.

    .venv/bin/python bench/scale.py [--children 500] [--reports 500000] [--runs 15]
                                    [--backlog-days 1]

The rows are bulk-inserted with plain sqlite3 into a freshly migrated database in a
temporary folder (levels about 80/15/5 % green/amber/red; reports older than a day are
reviewed, as a working ward keeps up, newer ones half: about 1,400 wait in the queue).
Pages are timed in-process with Quart's test client, median of --runs.
Budget (docs/performance.md): < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PASSWORD, machine
from pwa.config import DEMO_TOTP_SECRET as TOTP_SECRET

BUDGET_MS = 50.0
SIX_MONTHS = timedelta(days=182)


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def generate(
    database: str,
    children: int,
    reports: int,
    password_hash: str,
    seed: int = 8,
    backlog_days: float = 1.0,
) -> dict[str, Any]:
    """Bulk rows: a nurse, one caregiver per child, plans, visits, medication, reports, reviews."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    created = _ts(now - SIX_MONTHS - timedelta(days=7))
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = OFF")  # a bulk load, not the app's writes
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("BEGIN")
    connection.execute(
        "INSERT INTO account (email, display_name, role, password_hash, totp_secret, created_at) "
        "VALUES ('nurse@scale.example', 'Nurse', 'nurse', ?, ?, ?)",
        (password_hash, TOTP_SECRET, created),
    )
    nurse_id = connection.execute(
        "SELECT id FROM account WHERE email = 'nurse@scale.example'"
    ).fetchone()[0]
    accounts = [
        (
            f"parent{n}@scale.example",
            f"Parent {n}",
            "caregiver",
            password_hash,
            "2026-11",
            created,
            created,
        )
        for n in range(children)
    ]
    connection.executemany(
        "INSERT INTO account (email, display_name, role, password_hash, privacy_version, "
        "privacy_accepted_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        accounts,
    )
    first_parent = connection.execute(
        "SELECT MIN(id) FROM account WHERE role = 'caregiver'"
    ).fetchone()[0]
    connection.executemany(
        "INSERT INTO child (id, nickname, birth_date, created_by, created_at) VALUES (?, ?, ?, ?, "
        "?)",
        [(n + 1, f"Child {n:03d}", "2019-05-31", nurse_id, created) for n in range(children)],
    )
    connection.executemany(
        "INSERT INTO caregiver_child (caregiver_id, child_id, linked_at) VALUES (?, ?, ?)",
        [(first_parent + n, n + 1, created) for n in range(children)],
    )
    # Full plans: five admissions 35 days apart, isotretinoin between, started over the
    # last six months (so some are finished, some running, some about to start).
    visits, medications = [], []
    for n in range(children):
        start = (now - timedelta(days=rng.randint(0, 182))).date()
        connection.execute(
            "INSERT INTO treatment_plan (id, child_id, start_date, courses, created_by, "
            "created_at, updated_at) "
            "VALUES (?, ?, ?, 5, ?, ?, ?)",
            (n + 1, n + 1, start.isoformat(), nurse_id, created, created),
        )
        for course in range(5):
            course_start = start + timedelta(days=35 * course)
            begin = datetime.combine(course_start, datetime.min.time()).replace(hour=9)
            end = datetime.combine(course_start + timedelta(days=6), datetime.min.time()).replace(
                hour=17
            )
            visits.append(
                (
                    n + 1,
                    course + 1,
                    "admission",
                    begin.isoformat(timespec="minutes"),
                    end.isoformat(timespec="minutes"),
                    "Europe/Amsterdam",
                    "",
                    "",
                    "planned",
                    f"{uuid.uuid4()}@scale",
                    created,
                )
            )
            medications.append(
                (
                    n + 1,
                    course + 1,
                    "isotretinoin",
                    (course_start + timedelta(days=18)).isoformat(),
                    (course_start + timedelta(days=31)).isoformat(),
                )
            )
    connection.executemany(
        "INSERT INTO visit (plan_id, course_number, kind, starts_local, ends_local, time_zone, "
        "location, family_note, "
        "status, uid, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        visits,
    )
    connection.executemany(
        "INSERT INTO medication_period (plan_id, course_number, name, first_date, last_date) "
        "VALUES (?, ?, ?, ?, ?)",
        medications,
    )
    # Each period belongs to the visit that starts its course, as the app stores it.
    connection.execute(
        "UPDATE medication_period SET visit_id = (SELECT visit.id FROM visit"
        " WHERE visit.plan_id = medication_period.plan_id"
        " AND visit.course_number = medication_period.course_number"
        " ORDER BY visit.starts_local, visit.id LIMIT 1)"
    )
    # Reports: spread evenly over six months, in batches to keep memory flat.
    recent = now - timedelta(days=backlog_days)
    span = SIX_MONTHS.total_seconds()
    levels = ("green",) * 80 + ("amber",) * 15 + ("red",) * 5
    made = 0
    report_id = 0
    while made < reports:
        batch, reviews = [], []
        for _ in range(min(50_000, reports - made)):
            report_id += 1
            child_id = rng.randint(1, children)
            observed = now - timedelta(seconds=rng.uniform(600, span))
            received = observed + timedelta(seconds=rng.uniform(1, 3600))
            level = rng.choice(levels)
            items = json.dumps(
                {"pain": rng.randint(0, 8), "temperature": round(rng.uniform(36.2, 39.0), 1)},
                sort_keys=True,
            )
            batch.append(
                (
                    report_id,
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    child_id,
                    first_parent + child_id - 1,
                    _ts(observed),
                    _ts(received),
                    items,
                    "",
                    level,
                    level,
                    "[]",
                    hashlib.sha256(items.encode()).hexdigest(),
                )
            )
            if received < recent or rng.random() < 0.5:
                reviews.append(
                    (
                        report_id,
                        nurse_id,
                        "reviewed",
                        _ts(received + timedelta(minutes=rng.randint(5, 600))),
                    )
                )
        connection.executemany(
            "INSERT INTO report (id, client_uuid, child_id, author_id, observed_at, received_at, "
            "items, note, level, "
            "client_level, matched_rules, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?)",
            batch,
        )
        connection.executemany(
            "INSERT INTO report_review (report_id, nurse_id, outcome, reviewed_at) VALUES (?, ?, "
            "?, ?)",
            reviews,
        )
        made += len(batch)
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    counts = {
        table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        for table in ("child", "visit", "report", "report_review")
    }
    connection.close()
    counts["queue"] = counts["report"] - counts["report_review"]
    counts["first_parent"] = first_parent
    return counts


QUERIES = {
    "review queue": """
        SELECT report.id FROM report
          JOIN report_queue ON report_queue.report_id = report.id
          JOIN child ON child.id = report.child_id
          LEFT JOIN report_claim ON report_claim.report_id = report.id
         WHERE child.closed_at IS NULL
         ORDER BY CASE report.level WHEN 'red' THEN 0 WHEN 'amber' THEN 1 ELSE 2 END,
                  report.received_at, report.id
    """,
    "child's reports (history, nurse report page)": """
        SELECT report.id FROM report WHERE report.child_id = 7 AND report.observed_at >= ''
         ORDER BY report.observed_at DESC, report.id DESC LIMIT 200
    """,
    "child's corrections": """
        SELECT report.id FROM report JOIN report AS corrected ON corrected.id = report.corrects_id
         WHERE report.child_id = 7 ORDER BY report.received_at, report.id
    """,
    "next visit per child (children list)": """
        SELECT visit.id FROM visit JOIN treatment_plan ON treatment_plan.id = visit.plan_id
         WHERE visit.ends_local >= '2026-11-27' AND visit.status != 'cancelled'
         ORDER BY visit.starts_local, visit.id
    """,
    "unread replies (family home)": """
        SELECT report.client_uuid FROM report_reply
          JOIN report ON report.id = report_reply.report_id
          JOIN caregiver_child ON caregiver_child.child_id = report.child_id
         WHERE caregiver_child.caregiver_id = 3 AND report_reply.read_at IS NULL
         ORDER BY report_reply.id DESC
    """,
    "look-back for a new report (sync)": """
        SELECT observed_at, items FROM report
         WHERE child_id = 7 AND observed_at >= '2026-11-26' AND observed_at < '2026-11-27'
    """,
}


def query_plans(database: str) -> dict[str, list[str]]:
    connection = sqlite3.connect(database)
    try:
        return {
            name: [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}")]
            for name, sql in QUERIES.items()
        }
    finally:
        connection.close()


async def time_pages(
    instance: Path, runs: int, counts: dict[str, Any]
) -> dict[str, tuple[float, int]]:
    """Median server time (ms) and size of each page, in-process through Quart's test client."""
    from pwa.accounts import second_factor
    from pwa.app import create_app
    from tests.conftest import HttpsClient, csrf_from

    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "RATE_LIMITS_ENABLED": False,
            "SENDER_IN_APP": False,
            "TESTING": True,
            # Time the work of building each page, not a kept copy of the family home.
            "PAGE_CACHE_PAGES": 0,
        }
    )
    app.test_client_class = HttpsClient  # type: ignore[assignment]
    results: dict[str, tuple[float, int]] = {}
    async with app.test_app():
        nurse = app.test_client()
        page = await (await nurse.get("/login")).get_data(as_text=True)
        form = {"csrf_token": csrf_from(page), "email": "nurse@scale.example", "password": PASSWORD}
        assert (await nurse.post("/login", form=form)).status_code == 302
        page = await (await nurse.get("/login/code")).get_data(as_text=True)
        code = second_factor.current_code(TOTP_SECRET)
        assert (
            await nurse.post("/login/code", form={"csrf_token": csrf_from(page), "code": code})
        ).status_code == 302
        family = app.test_client()
        page = await (await family.get("/login")).get_data(as_text=True)
        form = {
            "csrf_token": csrf_from(page),
            "email": "parent6@scale.example",
            "password": PASSWORD,
        }
        assert (await family.post("/login", form=form)).status_code == 302
        report_uuid = (
            await app.extensions["db"].fetch_one(
                "SELECT client_uuid FROM report WHERE child_id = 7 ORDER BY id DESC LIMIT 1"
            )
        )["client_uuid"]
        pages = {
            "nurse review queue /nurse/queue": (nurse, "/nurse/queue"),
            "nurse children list /nurse/children": (nurse, "/nurse/children"),
            "nurse child page /nurse/children/7": (nurse, "/nurse/children/7"),
            "nurse report page /nurse/reports/<id>": (nurse, f"/nurse/reports/{report_uuid}"),
            "family history /diary": (family, "/diary"),
            "family home /": (family, "/"),
        }
        for name, (client, path) in pages.items():
            timings = []
            size = 0
            for _ in range(runs + 2):
                started = time.perf_counter()
                response = await client.get(path)
                body = await response.get_data()
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}")
                size = len(body)
            results[name] = (statistics.median(timings[2:]), size)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--children", type=int, default=500)
    parser.add_argument("--reports", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--backlog-days",
        type=float,
        default=1.0,
        help="reports newer than this are reviewed only half (the queue's size)",
    )
    args = parser.parse_args()

    from pwa.accounts.passwords import hash_password
    from pwa.app import create_app
    from pwa.schema import migrate

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        instance = Path(folder) / "instance"
        app = create_app(
            {"INSTANCE_PATH": str(instance), "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 64}
        )
        database = app.config["DATABASE"]
        migrate(database)

        async def cheap_hash() -> str:
            async with app.app_context():
                return hash_password(PASSWORD)

        password_hash = asyncio.run(cheap_hash())
        started = time.perf_counter()
        counts = generate(
            database, args.children, args.reports, password_hash, backlog_days=args.backlog_days
        )
        size_mb = Path(database).stat().st_size / 1e6
        print(
            f"generated {counts['child']} children, {counts['visit']} visits, {counts['report']} "
            "reports "
            f"({counts['queue']} not yet reviewed) in {time.perf_counter() - started:.0f} s; "
            f"database {size_mb:.0f} MB"
        )
        print("\nquery plans (EXPLAIN QUERY PLAN):")
        for name, steps in query_plans(database).items():
            print(f"  {name}:")
            for step in steps:
                print(f"    {step}")
        results = asyncio.run(time_pages(instance, args.runs, counts))
    print(
        f"\nserver time, median of {args.runs} (in-process, Quart test client); budget < "
        f"{BUDGET_MS:.0f} ms"
    )
    missed = False
    for name, (median, size) in results.items():
        ok = median < BUDGET_MS
        missed |= not ok
        print(f"  {name:<40}{median:>8.1f} ms {size / 1024:>8.0f} KiB  {'ok' if ok else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
