"""Demo data for development: an admin, a nurse and a family, so every page has content.

Refused in production. Later features extend ``load`` so the demo shows all the app does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from quart import Quart

from . import audit
from .accounts import store as accounts
from .accounts.passwords import hash_password
from .clock import HOSPITAL_ZONE_NAME, utcnow
from .db import Database, Transaction
from .diary.demo_reports import add_demo_reports
from .doses.demo_doses import add_demo_doses
from .families import store as families
from .guidance import examples as guidance_examples
from .notifications import planner
from .notifications import store as reminders
from .plans import changes
from .plans import store as plans
from .plans.schedule import PlannedVisit

# The demo family is between courses: course 1 done, course 2 starts in a few days.
DEMO_DAYS_TO_NEXT_ADMISSION = 3


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    display_name: str


DEMO_LOGINS = (
    DemoLogin("admin", "admin@demo.example", "admin-lantern-orchard", "Ada"),
    DemoLogin("nurse", "nurse@demo.example", "nurse-harbour-tulip", "Noor"),
    DemoLogin("caregiver", "parent@demo.example", "parent-meadow-kite", "Pat"),
)
DEMO_CHILD = "Sam"


async def load(app: Quart, db: Database, today: date | None = None) -> bool:
    """Create the demo accounts and child; False when the database already has accounts.

    ``today`` defaults to the date where the plan's visits are (the template's zone): the
    family's countdown is counted there, and a UTC server is a day behind Amsterdam late in
    the evening, when the demo would otherwise say "in 2 days".
    """
    if app.config["ENV"] == "production":
        raise RuntimeError("demo data is for development only")
    if await db.fetch_one("SELECT 1 FROM account LIMIT 1") is not None:
        return False
    async with app.app_context():
        hashes = {login.email: hash_password(login.password) for login in DEMO_LOGINS}
    template = await plans.select_template(db)
    if today is None:
        today = utcnow().astimezone(ZoneInfo(template.time_zone)).date()
    plan_start = today + timedelta(days=DEMO_DAYS_TO_NEXT_ADMISSION - template.spacing_days)
    async with db.transaction() as tx:
        ids = {}
        for login in DEMO_LOGINS:
            ids[login.role] = await accounts.insert_account(
                tx,
                email=login.email,
                display_name=login.display_name,
                role=login.role,
                password_hash=hashes[login.email],
                totp_secret=app.config["DEMO_TOTP_SECRET"] if login.role != "caregiver" else None,
                privacy_version="2026-11" if login.role == "caregiver" else None,
                is_demo=True,
            )
        child_id = await families.insert_child(
            tx,
            nickname=DEMO_CHILD,
            birth_date=date(today.year - 6, 3, 14),
            hospital_number="DEMO-0001",
            created_by=ids["nurse"],
        )
        await families.link_caregiver(tx, ids["caregiver"], child_id)
        # The demo nurse has red-report alerts on, so enabling push shows what nurses get.
        await reminders.save_preference(tx, ids["nurse"], reminders.Preference(red_alerts=True))
        await audit.record(
            tx,
            actor_id=ids["nurse"],
            action="child.created",
            child_id=child_id,
            detail="demo",
        )
        plan_id = await changes.create_plan(
            tx,
            child_id=child_id,
            start=plan_start,
            template=template,
            actor_id=ids["nurse"],
        )
        await _add_short_visits(tx, plan_id, plan_start + timedelta(days=template.spacing_days))
        await tx.execute(
            """
            UPDATE visit SET location = 'Ward 5 (immunotherapy)', status = 'confirmed',
                   family_note = 'Please be at the ward desk at 09:00. Bring this week''s notes.',
                   family_note_language = 'en'
             WHERE course_number = 2
            """
        )
        await tx.execute("UPDATE visit SET status = 'completed' WHERE course_number = 1")
        # The example guidance pages, as the admin's "add the example pages" button adds them.
        await guidance_examples.add_examples(tx, ids["admin"])
    await add_demo_reports(
        db, child_id=child_id, caregiver_id=ids["caregiver"], nurse_id=ids["nurse"], today=today
    )
    await add_demo_doses(
        db,
        child_id=child_id,
        caregiver_id=ids["caregiver"],
        today=today,
        until=today + timedelta(days=DEMO_DAYS_TO_NEXT_ADMISSION - 1),
    )
    return True


async def _add_short_visits(tx: Transaction, plan_id: int, course_2: date) -> None:
    """A hearing test a week before course 1 (done) and a scan on day 16 of course 2: the
    demo shows short visits beside the stays (the next visit stays course 2's stay)."""
    zone = HOSPITAL_ZONE_NAME
    hearing = datetime.combine(course_2 - timedelta(days=42), time(10, 0))
    scan = datetime.combine(course_2 + timedelta(days=15), time(10, 30))
    for planned, status in (
        (
            PlannedVisit(
                1,
                "hearing_test",
                hearing,
                hearing + timedelta(minutes=60),
                zone,
                "Audiology, outpatient clinic",
            ),
            "completed",
        ),
        (
            PlannedVisit(
                2,
                "scan",
                scan,
                scan + timedelta(minutes=90),
                zone,
                "Radiology, level 1",
                "MIBG scan",
            ),
            "confirmed",
        ),
    ):
        visit_id = await plans.insert_visit(tx, plan_id, planned, family_note="", status=status)
        await planner.plan_visit(tx, visit_id, changed=False)
