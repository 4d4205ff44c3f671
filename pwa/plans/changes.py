"""Changing a plan: every change is one transaction that saves the visit, bumps the plan's
revision and the visit's calendar sequence, and writes the audit row. Reminders (issue 6)
are re-planned in the same transaction, so they can never disagree with the schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from .. import audit
from ..notifications import planner as reminders
from . import store
from .schedule import PlannedVisit, PlanTemplate, generate, to_local_text


@dataclass(frozen=True)
class VisitDraft:
    """What a nurse entered for a visit."""

    course_number: int
    kind: str
    starts: datetime
    ends: datetime
    time_zone: str
    location: str
    family_note: str
    status: str = "planned"


async def create_plan(
    connection: aiosqlite.Connection,
    *,
    child_id: int,
    start: date,
    template: PlanTemplate,
    actor_id: int | None,
) -> int:
    visits, medications = generate(template, start)
    plan_id = await store.insert_plan(
        connection,
        child_id=child_id,
        start_date=start,
        visits=visits,
        medications=medications,
        created_by=actor_id,
    )
    await audit.record(
        connection,
        actor_id=actor_id,
        action="plan.created",
        child_id=child_id,
        detail=f"start {start.isoformat()}",
    )
    await reminders.plan_whole_plan(connection, plan_id)
    return plan_id


async def add_visit(
    connection: aiosqlite.Connection, plan: store.Plan, draft: VisitDraft, actor_id: int
) -> int:
    visit_id = await store.insert_visit(
        connection,
        plan.id,
        PlannedVisit(
            draft.course_number,
            draft.kind,
            draft.starts,
            draft.ends,
            draft.time_zone,
            draft.location,
        ),
        family_note=draft.family_note,
        status=draft.status,
    )
    # A new visit is news for the family, like a moved one.
    await connection.execute(
        "UPDATE visit SET changed_at = created_at WHERE id = :id", {"id": visit_id}
    )
    await store.bump_revision(connection, plan.id)
    await reminders.plan_visit(connection, visit_id, changed=True)
    await audit.record(
        connection,
        actor_id=actor_id,
        action="visit.added",
        child_id=plan.child_id,
        detail=f"visit {visit_id}: {draft.kind} {to_local_text(draft.starts)}",
    )
    return visit_id


async def change_visit(
    connection: aiosqlite.Connection, visit: store.Visit, draft: VisitDraft, actor_id: int
) -> None:
    moved = (
        draft.starts != visit.starts
        or draft.ends != visit.ends
        or draft.time_zone != visit.time_zone
    )
    status = draft.status
    if moved and status in {"planned", "confirmed"}:
        status = "changed"
    await store.update_visit(
        connection,
        visit.id,
        kind=draft.kind,
        starts=draft.starts,
        ends=draft.ends,
        time_zone=draft.time_zone,
        location=draft.location,
        family_note=draft.family_note,
        status=status,
    )
    await store.bump_revision(connection, visit.plan_id)
    await reminders.plan_visit(connection, visit.id, changed=True)
    detail = f"visit {visit.id}: {to_local_text(visit.starts)} -> {to_local_text(draft.starts)}; status {visit.status} -> {status}"
    await audit.record(
        connection,
        actor_id=actor_id,
        action="visit.changed",
        child_id=visit.child_id,
        detail=detail,
    )


async def cancel_visit(connection: aiosqlite.Connection, visit: store.Visit, actor_id: int) -> None:
    await change_visit(
        connection,
        visit,
        VisitDraft(
            visit.course_number,
            visit.kind,
            visit.starts,
            visit.ends,
            visit.time_zone,
            visit.location,
            visit.family_note,
            "cancelled",
        ),
        actor_id,
    )
