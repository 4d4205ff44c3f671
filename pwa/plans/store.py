"""Plans, visits, medication periods, the template and the packing list: rows and SQL."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from .. import hospital_texts
from ..db import Reader, Transaction, from_db, now_text
from ..hospital_texts import Shown
from .schedule import (
    MedicationPeriodRule,
    PlannedMedication,
    PlannedVisit,
    PlanTemplate,
    ShortVisitRule,
    aware,
    from_local_text,
    to_local_text,
)


@dataclass(frozen=True)
class Plan:
    id: int
    child_id: int
    start_date: date
    courses: int
    revision: int


@dataclass(frozen=True)
class Visit:
    id: int
    plan_id: int
    child_id: int
    course_number: int
    kind: str
    starts: datetime  # local wall-clock time in ``time_zone``
    ends: datetime
    time_zone: str
    location: str
    family_note: str
    status: str
    uid: str
    sequence: int
    changed_at: datetime | None
    # The nurse's title for a short visit ('' : the kind's name), and the kind's facts.
    title: str = ""
    kind_name_en: str = ""
    kind_name_nl: str = ""
    is_stay: bool = False
    # A short visit (one day, a duration) rather than one planned by dates.
    short: bool = False
    # The kind's name and the nurse's note in the family languages (pwa/hospital_texts.py).
    kind_texts: Mapping[str, str] = field(default_factory=dict, compare=False)
    note_texts: Mapping[str, str] = field(default_factory=dict, compare=False)
    # The language the nurse wrote ``family_note`` in: "nl" or "en".
    family_note_language: str = "nl"

    def kind_shown(self, locale: str | None = None) -> Shown:
        """The kind's name in the reader's language, else Dutch, else English."""
        names = {"en": self.kind_name_en, "nl": self.kind_name_nl, **self.kind_texts}
        shown = hospital_texts.pick(names, locale)
        return shown if shown else Shown(self.kind, "en", shown.reader)

    def kind_name(self, locale: str) -> str:
        return str(self.kind_shown(locale))

    def name(self, locale: str) -> str:
        """What the family reads: the nurse's title, else the kind's name."""
        return self.title or self.kind_name(locale)

    def note(self, locale: str | None = None) -> Shown:
        """The nurse's note for the family in the reader's language, else as the nurse
        wrote it (empty: no note)."""
        written = {self.family_note_language: self.family_note}
        return hospital_texts.pick({**written, **self.note_texts}, locale)

    @property
    def minutes(self) -> int:
        return int((self.ends - self.starts).total_seconds() // 60)

    @property
    def starts_at(self) -> datetime:
        return aware(self.starts, self.time_zone)

    @property
    def ends_at(self) -> datetime:
        return aware(self.ends, self.time_zone)

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Visit:
        facts: list[Any] = json.loads(row["kind_facts"]) if row["kind_facts"] else ["", "", 0, None]
        name_en, name_nl, is_stay, minutes = facts
        return cls(
            id=row["id"],
            plan_id=row["plan_id"],
            child_id=row["child_id"],
            course_number=row["course_number"],
            kind=row["kind"],
            starts=from_local_text(row["starts_local"]),
            ends=from_local_text(row["ends_local"]),
            time_zone=row["time_zone"],
            location=row["location"],
            family_note=row["family_note"],
            status=row["status"],
            uid=row["uid"],
            sequence=row["sequence"],
            changed_at=from_db(row["changed_at"]),
            title=row["title"],
            kind_name_en=name_en,
            kind_name_nl=name_nl,
            is_stay=bool(is_stay),
            short=minutes is not None,
            kind_texts=json.loads(row["kind_texts"] or "{}"),
            note_texts=json.loads(row["note_texts"] or "{}"),
            family_note_language=row["family_note_language"],
        )


@dataclass(frozen=True)
class MedicationPeriod:
    id: int
    course_number: int
    name: str
    first_date: date
    last_date: date
    plan_id: int = 0
    # The visit that starts the period's course: moving it moves the period.
    visit_id: int | None = None
    changed_at: datetime | None = None
    # Which home medicine of the admin's list this is (pwa/doses/medicines.py), and the
    # prescribed amount as the nurse typed it: shown as it is, never calculated with.
    medicine_id: int | None = None
    prescription: str = ""


MEDICATION_COLUMNS = (
    "id, course_number, name, first_date, last_date, plan_id, visit_id, changed_at, "
    "medicine_id, prescription"
)


def medication_from_row(row: sqlite3.Row) -> MedicationPeriod:
    return MedicationPeriod(
        row["id"],
        row["course_number"],
        row["name"],
        date.fromisoformat(row["first_date"]),
        date.fromisoformat(row["last_date"]),
        row["plan_id"],
        row["visit_id"],
        from_db(row["changed_at"]),
        row["medicine_id"],
        row["prescription"],
    )


@dataclass(frozen=True)
class PackingItem:
    id: int
    position: int
    text_en: str
    text_nl: str
    # The item in the family languages (pwa/hospital_texts.py).
    texts: Mapping[str, str] = field(default_factory=dict, compare=False)

    def shown(self, locale: str | None = None) -> Shown:
        """The item in the reader's language, else Dutch, else English."""
        return hospital_texts.pick({"en": self.text_en, "nl": self.text_nl, **self.texts}, locale)

    def text(self, locale: str) -> str:
        return str(self.shown(locale))


@dataclass(frozen=True)
class PackingLine:
    """One item as the admin saves it: English, Dutch, and the family languages given."""

    text_en: str
    text_nl: str
    texts: Mapping[str, str] = field(default_factory=dict)


VISIT_COLUMNS = """
    visit.id, visit.plan_id, treatment_plan.child_id, visit.course_number, visit.kind,
    visit.starts_local, visit.ends_local, visit.time_zone, visit.location, visit.family_note,
    visit.family_note_language, visit.status, visit.uid, visit.sequence, visit.changed_at, visit.title,
    (SELECT json_array(visit_kind.name_en, visit_kind.name_nl, visit_kind.is_stay,
                       visit_kind.default_minutes)
       FROM visit_kind WHERE visit_kind.key = visit.kind) AS kind_facts,
    (SELECT json_group_object(language, body) FROM hospital_text
      WHERE subject = 'visit_kind' AND subject_key = visit.kind) AS kind_texts,
    (SELECT json_group_object(language, body) FROM hospital_text
      WHERE subject = 'visit_note' AND subject_key = CAST(visit.id AS TEXT)) AS note_texts
"""


# --- template ----------------------------------------------------------------------


async def select_template(db: Reader) -> PlanTemplate:
    row = await db.fetch_one("SELECT * FROM plan_template WHERE id = 1")
    assert row is not None, "migration 0002 seeds the template"
    return PlanTemplate(
        courses=row["courses"],
        spacing_days=row["spacing_days"],
        visit_kind=row["visit_kind"],
        visit_days=row["visit_days"],
        start_time=time.fromisoformat(row["start_time"]),
        end_time=time.fromisoformat(row["end_time"]),
        time_zone=row["time_zone"],
        location=row["location"],
        medication_periods=tuple(
            MedicationPeriodRule(item["name"], int(item["first_day"]), int(item["last_day"]))
            for item in json.loads(row["medication_periods"])
        ),
        short_visits=tuple(
            ShortVisitRule(
                item["kind"],
                int(item["course"]),
                int(item["day"]),
                time.fromisoformat(item["time"]),
                int(item["minutes"]),
            )
            for item in json.loads(row["short_visits"])
        ),
    )


async def update_template(tx: Transaction, template: PlanTemplate) -> None:
    await tx.execute(
        """
        UPDATE plan_template
           SET courses = :courses, spacing_days = :spacing_days, visit_kind = :visit_kind,
               visit_days = :visit_days, start_time = :start_time, end_time = :end_time,
               time_zone = :time_zone, location = :location,
               medication_periods = :medication_periods, short_visits = :short_visits,
               updated_at = :now
         WHERE id = 1
        """,
        {
            "courses": template.courses,
            "spacing_days": template.spacing_days,
            "visit_kind": template.visit_kind,
            "visit_days": template.visit_days,
            "start_time": template.start_time.strftime("%H:%M"),
            "end_time": template.end_time.strftime("%H:%M"),
            "time_zone": template.time_zone,
            "location": template.location,
            "medication_periods": json.dumps(
                [
                    {"name": m.name, "first_day": m.first_day, "last_day": m.last_day}
                    for m in template.medication_periods
                ]
            ),
            "short_visits": json.dumps(
                [
                    {
                        "kind": rule.kind,
                        "course": rule.course,
                        "day": rule.day,
                        "time": rule.at.strftime("%H:%M"),
                        "minutes": rule.minutes,
                    }
                    for rule in template.short_visits
                ]
            ),
            "now": now_text(),
        },
    )


# --- plans and visits -------------------------------------------------------------


async def insert_plan(
    tx: Transaction,
    *,
    child_id: int,
    start_date: date,
    visits: list[PlannedVisit],
    medications: list[PlannedMedication],
    created_by: int | None,
) -> int:
    now = now_text()
    row = await tx.fetch_one(
        """
        INSERT INTO treatment_plan (child_id, start_date, courses, created_by, created_at, updated_at)
        VALUES (:child_id, :start_date, :courses, :created_by, :now, :now)
        RETURNING id
        """,
        {
            "child_id": child_id,
            "start_date": start_date.isoformat(),
            "courses": max((visit.course_number for visit in visits), default=0),
            "created_by": created_by,
            "now": now,
        },
    )
    assert row is not None
    plan_id = int(row["id"])
    for planned in visits:
        await insert_visit(tx, plan_id, planned, family_note="")
    for medication in medications:
        await tx.execute(
            """
            INSERT INTO medication_period (plan_id, course_number, name, first_date, last_date)
            VALUES (:plan_id, :course_number, :name, :first_date, :last_date)
            """,
            {
                "plan_id": plan_id,
                "course_number": medication.course_number,
                "name": medication.name,
                "first_date": medication.first_date.isoformat(),
                "last_date": medication.last_date.isoformat(),
            },
        )
    # Each period belongs to its course: it points at the visit that starts it. A template
    # row naming a medicine of the admin's list (by key or name) makes it that medicine.
    await tx.execute(
        """
        UPDATE medication_period
           SET visit_id = (SELECT visit.id FROM visit
                            WHERE visit.plan_id = medication_period.plan_id
                              AND visit.course_number = medication_period.course_number
                              AND visit.kind IN (SELECT key FROM visit_kind
                                                  WHERE default_minutes IS NULL)
                            ORDER BY visit.starts_local, visit.id LIMIT 1),
               medicine_id = (SELECT home_medicine.id FROM home_medicine
                               WHERE lower(medication_period.name)
                                     IN (home_medicine.key, lower(home_medicine.name_en),
                                         lower(home_medicine.name_nl))
                               ORDER BY home_medicine.position LIMIT 1)
         WHERE plan_id = :plan_id
        """,
        {"plan_id": plan_id},
    )
    return plan_id


async def insert_visit(
    tx: Transaction,
    plan_id: int,
    planned: PlannedVisit,
    *,
    family_note: str,
    family_note_language: str = "nl",
    status: str = "planned",
) -> int:
    row = await tx.fetch_one(
        """
        INSERT INTO visit (plan_id, course_number, kind, title, starts_local, ends_local, time_zone,
                           location, family_note, family_note_language, status, uid, created_at)
        VALUES (:plan_id, :course_number, :kind, :title, :starts, :ends, :time_zone, :location,
                :family_note, :family_note_language, :status, :uid, :now)
        RETURNING id
        """,
        {
            "plan_id": plan_id,
            "course_number": planned.course_number,
            "kind": planned.kind,
            "title": planned.title,
            "starts": to_local_text(planned.starts),
            "ends": to_local_text(planned.ends),
            "time_zone": planned.time_zone,
            "location": planned.location,
            "family_note": family_note,
            "family_note_language": family_note_language,
            "status": status,
            "uid": f"{uuid.uuid4()}@immuno-companion",
            "now": now_text(),
        },
    )
    assert row is not None
    return int(row["id"])


async def update_visit(
    tx: Transaction,
    visit_id: int,
    *,
    kind: str,
    starts: datetime,
    ends: datetime,
    time_zone: str,
    location: str,
    family_note: str,
    status: str,
    title: str = "",
    family_note_language: str | None = None,
) -> None:
    """Save a nurse's change: bump the calendar SEQUENCE and mark it changed for families.
    ``family_note_language`` None keeps the language the note was in."""
    await tx.execute(
        """
        UPDATE visit
           SET kind = :kind, title = :title, starts_local = :starts, ends_local = :ends, time_zone = :time_zone,
               location = :location, family_note = :family_note,
               family_note_language = COALESCE(:family_note_language, family_note_language),
               status = :status,
               sequence = sequence + 1, changed_at = :now
         WHERE id = :id
        """,
        {
            "id": visit_id,
            "kind": kind,
            "title": title,
            "starts": to_local_text(starts),
            "ends": to_local_text(ends),
            "time_zone": time_zone,
            "location": location,
            "family_note": family_note,
            "family_note_language": family_note_language,
            "status": status,
            "now": now_text(),
        },
    )


async def bump_revision(tx: Transaction, plan_id: int) -> int:
    row = await tx.fetch_one(
        """
        UPDATE treatment_plan SET revision = revision + 1, updated_at = :now
         WHERE id = :id RETURNING revision
        """,
        {"id": plan_id, "now": now_text()},
    )
    assert row is not None
    return int(row["revision"])


def _plan(row: sqlite3.Row) -> Plan:
    return Plan(
        row["id"],
        row["child_id"],
        date.fromisoformat(row["start_date"]),
        row["courses"],
        row["revision"],
    )


async def select_plan(db: Reader, child_id: int) -> Plan | None:
    row = await db.fetch_one(
        "SELECT id, child_id, start_date, courses, revision FROM treatment_plan WHERE child_id = :child_id",
        {"child_id": child_id},
    )
    return _plan(row) if row else None


async def select_visits(db: Reader, plan_id: int) -> list[Visit]:
    rows = await db.fetch_all(
        f"""
        SELECT {VISIT_COLUMNS}
          FROM visit JOIN treatment_plan ON treatment_plan.id = visit.plan_id
         WHERE visit.plan_id = :plan_id
         ORDER BY visit.starts_local, visit.id
        """,  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"plan_id": plan_id},
    )
    return [Visit.from_row(row) for row in rows]


async def select_visit(db: Reader, visit_id: int) -> Visit | None:
    """A visit by id, for staff."""
    row = await db.fetch_one(
        f"""
        SELECT {VISIT_COLUMNS}
          FROM visit JOIN treatment_plan ON treatment_plan.id = visit.plan_id
         WHERE visit.id = :id
        """,  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"id": visit_id},
    )
    return Visit.from_row(row) if row else None


async def select_visit_by_uid(db: Reader, uid: str) -> Visit | None:
    """A visit by its calendar UID (what the FHIR API gives as its identifier)."""
    row = await db.fetch_one(
        f"""
        SELECT {VISIT_COLUMNS}
          FROM visit JOIN treatment_plan ON treatment_plan.id = visit.plan_id
         WHERE visit.uid = :uid
        """,  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"uid": uid},
    )
    return Visit.from_row(row) if row else None


async def select_visit_for_caregiver(db: Reader, visit_id: int, caregiver_id: int) -> Visit | None:
    """A visit only if it belongs to one of this caregiver's children (else None -> 404)."""
    row = await db.fetch_one(
        f"""
        SELECT {VISIT_COLUMNS}
          FROM visit
          JOIN treatment_plan ON treatment_plan.id = visit.plan_id
          JOIN caregiver_child ON caregiver_child.child_id = treatment_plan.child_id
          JOIN child ON child.id = treatment_plan.child_id
         WHERE visit.id = :id AND caregiver_child.caregiver_id = :caregiver_id AND child.closed_at IS NULL
        """,  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"id": visit_id, "caregiver_id": caregiver_id},
    )
    return Visit.from_row(row) if row else None


async def select_visits_starting_between(db: Reader, first: date, last: date) -> list[Visit]:
    """Visits of open records whose local start date lies in [first, last]."""
    rows = await db.scan(
        f"""
        SELECT {VISIT_COLUMNS}
          FROM visit
          JOIN treatment_plan ON treatment_plan.id = visit.plan_id
          JOIN child ON child.id = treatment_plan.child_id
         WHERE visit.starts_local >= :first AND visit.starts_local < :after AND child.closed_at IS NULL
         ORDER BY visit.starts_local, visit.id
        """,  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"first": first.isoformat(), "after": date.fromordinal(last.toordinal() + 1).isoformat()},
    )
    return [Visit.from_row(row) for row in rows]


async def select_medications(db: Reader, plan_id: int) -> list[MedicationPeriod]:
    rows = await db.fetch_all(
        f"SELECT {MEDICATION_COLUMNS} FROM medication_period WHERE plan_id = :plan_id ORDER BY first_date, id",  # noqa: S608  # nosec B608  # fixed column list; the value is bound
        {"plan_id": plan_id},
    )
    return [medication_from_row(row) for row in rows]


# --- what to bring ----------------------------------------------------------------


async def select_packing_items(db: Reader) -> list[PackingItem]:
    rows = await db.fetch_all(
        "SELECT id, position, text_en, text_nl FROM packing_item ORDER BY position, id"
    )
    texts = await hospital_texts.select_subject(db, "packing_item")
    return [
        PackingItem(
            row["id"],
            row["position"],
            row["text_en"],
            row["text_nl"],
            texts.get(str(row["id"]), {}),
        )
        for row in rows
    ]


async def replace_packing_items(
    tx: Transaction, items: Sequence[PackingLine | tuple[str, str]]
) -> None:
    """The whole list anew, with each item's words in the family languages (the old
    items' words go with them: migration 0030's trigger)."""
    await tx.execute("DELETE FROM packing_item")
    for position, item in enumerate(items, start=1):
        line = item if isinstance(item, PackingLine) else PackingLine(*item)
        row = await tx.fetch_one(
            """
            INSERT INTO packing_item (position, text_en, text_nl) VALUES (:position, :en, :nl)
            RETURNING id
            """,
            {"position": position, "en": line.text_en, "nl": line.text_nl},
        )
        assert row is not None
        await hospital_texts.save(tx, "packing_item", str(row["id"]), line.texts)


# --- what the family has seen ------------------------------------------------------


async def select_seen_at(db: Reader, caregiver_id: int, child_id: int) -> datetime | None:
    """When the caregiver last acknowledged changes; before that, when they joined."""
    row = await db.fetch_one(
        """
        SELECT COALESCE(schedule_seen.seen_at, caregiver_child.linked_at) AS seen_at
          FROM caregiver_child
          LEFT JOIN schedule_seen ON schedule_seen.caregiver_id = caregiver_child.caregiver_id
                                 AND schedule_seen.child_id = caregiver_child.child_id
         WHERE caregiver_child.caregiver_id = :caregiver_id AND caregiver_child.child_id = :child_id
        """,
        {"caregiver_id": caregiver_id, "child_id": child_id},
    )
    return from_db(row["seen_at"]) if row else None


async def mark_seen(tx: Transaction, caregiver_id: int, child_id: int) -> None:
    await tx.execute(
        """
        INSERT INTO schedule_seen (caregiver_id, child_id, seen_at) VALUES (:caregiver_id, :child_id, :now)
        ON CONFLICT (caregiver_id, child_id) DO UPDATE SET seen_at = excluded.seen_at
        """,
        {"caregiver_id": caregiver_id, "child_id": child_id, "now": now_text()},
    )


async def select_next_visit_per_child(db: Reader, today: date) -> dict[int, Visit]:
    """Each child's first visit not yet over (by local date), for the nurses' list.

    One row per plan straight from SQLite (not every future visit of every child, each
    turned into a Visit only to keep the first).
    """
    rows = await db.scan(
        f"""
        SELECT {VISIT_COLUMNS}
          FROM (SELECT visit.*, ROW_NUMBER() OVER (PARTITION BY visit.plan_id
                                                   ORDER BY visit.starts_local, visit.id) AS position
                  FROM visit
                 WHERE visit.ends_local >= :today AND visit.status != 'cancelled') AS visit
          JOIN treatment_plan ON treatment_plan.id = visit.plan_id
         WHERE visit.position = 1
        """,  # noqa: S608  # nosec B608  # fixed column lists and names only; every value is a bound parameter
        {"today": today.isoformat()},
    )
    visits = (Visit.from_row(row) for row in rows)
    return {visit.child_id: visit for visit in visits}
