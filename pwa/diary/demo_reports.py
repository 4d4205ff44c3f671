"""The demo family's diary: ten days of reports, so history, trends and the nurses' queue
have something to show. One is red (38.7 °C yesterday evening) and nobody reviewed it;
an older one has a nurse's reply the family has not read yet, so home shows its banner.

Reports go through ``sync.store_draft`` like any phone's, so the server's rules give them
their levels. Ids and times follow from the demo's ``today`` alone: ``pwa demo --today``
builds the same diary every time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from .. import audit
from ..clock import HOSPITAL_ZONE
from ..db import Database, to_db
from .sync import Draft, store_draft

# uuid5 names under this namespace give the demo reports stable ids.
DEMO_NAMESPACE = uuid.UUID("5a1d2c4e-7b8f-4e0a-9c3d-2f6b8e1a0d47")


@dataclass(frozen=True)
class DemoReport:
    days_ago: int
    at: time
    items: dict[str, Any]
    note: str = ""
    corrects: int | None = None  # index in DEMO_REPORTS of the report this one corrects
    sent_after: timedelta = field(default=timedelta(minutes=3))


DEMO_REPORTS: tuple[DemoReport, ...] = (
    DemoReport(9, time(8, 30), {"pain": 2, "temperature": 36.9, "weight": 21.4}),
    DemoReport(8, time(19, 10), {"pain": 3, "pain_where": "belly", "temperature": 37.1}),
    DemoReport(
        7,
        time(8, 15),
        {
            "pain": 4,
            "pain_where": "legs",
            "temperature": 37.4,
            "weight": 21.5,
            "isotretinoin_taken": "yes",
            "lips_skin": "dry",
        },
        "Legs hurt when walking to school.",
    ),
    DemoReport(
        6,
        time(8, 40),
        {
            "pain": 2,
            "temperature": 36.8,
            "weight": 21.4,
            "isotretinoin_taken": "yes",
            "lips_skin": "dry",
            "mood": "usual",
        },
    ),
    DemoReport(5, time(8, 20), {"pain": 1, "temperature": 37.0, "weight": 26.1}),
    DemoReport(
        5,
        time(8, 20),
        {"pain": 1, "temperature": 37.0, "weight": 21.6},
        "Weight typed wrong this morning: it is 21.6 kg.",
        corrects=4,
        sent_after=timedelta(hours=3),
    ),
    DemoReport(
        4,
        time(20, 30),
        {"pain": 2, "temperature": 37.3},
        "Tired after the trip to the park, went to bed early.",
    ),
    DemoReport(3, time(8, 10), {"pain": 3, "temperature": 37.2, "weight": 21.7, "rash": "some"}),
    DemoReport(
        2,
        time(7, 50),
        {
            "pain": 2,
            "temperature": 37.6,
            "weight": 21.8,
            "isotretinoin_taken": "yes",
            "lips_skin": "cracked",
        },
    ),
    DemoReport(
        1,
        time(18, 40),
        {"pain": 5, "pain_where": "belly", "temperature": 38.7, "weight": 21.8},
        "Warm and quiet after dinner, does not want to eat.",
    ),
)


# The nurse answered the report about sore legs (index 2) two hours after it came in.
REPLIED_REPORT = 2
REPLY_AFTER = timedelta(hours=2)
DEMO_REPLY = (
    "Leg pain like this is common between courses; paracetamol as agreed is fine.\n"
    "Call us if Sam starts to limp, the pain wakes him at night or he gets a fever."
)


def demo_uuid(index: int) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"demo-report-{index}"))


async def add_demo_reports(
    db: Database, *, child_id: int, caregiver_id: int, nurse_id: int, today: date
) -> list[str]:
    """Store the demo diary for this child as this caregiver, and the nurse's reply to
    one report; the reports' levels."""
    levels = []
    for index, entry in enumerate(DEMO_REPORTS):
        observed = datetime.combine(
            today - timedelta(days=entry.days_ago), entry.at, tzinfo=HOSPITAL_ZONE
        )
        draft = Draft(
            client_uuid=demo_uuid(index),
            child_id=child_id,
            observed_at=observed,
            items=dict(entry.items),
            note=entry.note,
            corrects=demo_uuid(entry.corrects) if entry.corrects is not None else None,
            client_level=None,
        )
        result = await store_draft(db, draft, caregiver_id)
        if result.status != "stored" or result.level is None:
            raise RuntimeError(f"demo report {index} was not stored: {result.as_json()}")
        levels.append(result.level)
        # As if the phone sent it a few minutes later (the server would say "now").
        async with db.transaction() as tx:
            await tx.execute(
                "UPDATE report SET received_at = :received WHERE client_uuid = :uuid",
                {"received": to_db(observed + entry.sent_after), "uuid": draft.client_uuid},
            )
    await _add_demo_reply(db, child_id=child_id, nurse_id=nurse_id, today=today)
    return levels


async def _add_demo_reply(db: Database, *, child_id: int, nurse_id: int, today: date) -> None:
    """The nurse reviewed one older report and replied; the family has not opened it."""
    entry = DEMO_REPORTS[REPLIED_REPORT]
    observed = datetime.combine(
        today - timedelta(days=entry.days_ago), entry.at, tzinfo=HOSPITAL_ZONE
    )
    at = to_db(observed + entry.sent_after + REPLY_AFTER)
    uuid_ = demo_uuid(REPLIED_REPORT)
    async with db.transaction() as tx:
        await tx.execute(
            """
            INSERT INTO report_review (report_id, nurse_id, outcome, reviewed_at)
            SELECT id, :nurse, 'reviewed', :at FROM report WHERE client_uuid = :uuid
            """,
            {"nurse": nurse_id, "at": at, "uuid": uuid_},
        )
        await tx.execute(
            """
            INSERT INTO report_reply (report_id, nurse_id, body, created_at)
            SELECT id, :nurse, :body, :at FROM report WHERE client_uuid = :uuid
            """,
            {"nurse": nurse_id, "body": DEMO_REPLY, "at": at, "uuid": uuid_},
        )
        await audit.record(
            tx,
            actor_id=nurse_id,
            action="report.reviewed",
            child_id=child_id,
            detail=f"{uuid_} reviewed",
        )
