"""Changing a plan: every change is one transaction that saves the visit, bumps the plan's
revision and the visit's calendar sequence, and writes the audit row. Reminders
(docs/reminders.md) are re-planned in the same transaction, so they can never disagree with the schedule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .. import audit, hospital_texts
from ..db import Transaction
from ..notifications import planner as reminders
from . import course_store, store
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
    # A short visit's title ('' : the kind's name).
    title: str = ""
    # The note in the family languages the nurse was asked for ({language: note}, an
    # empty one removes that language); None leaves them as they are (an import, a move).
    family_notes: Mapping[str, str] | None = None
    # The language the note is written in, "nl" or "en"; None keeps the visit's (a new
    # visit's note is then taken as Dutch).
    family_note_language: str | None = None


async def create_plan(
    tx: Transaction,
    *,
    child_id: int,
    start: date,
    template: PlanTemplate,
    actor_id: int | None,
) -> int:
    visits, medications = generate(template, start)
    plan_id = await store.insert_plan(
        tx,
        child_id=child_id,
        start_date=start,
        visits=visits,
        medications=medications,
        created_by=actor_id,
    )
    await audit.record(
        tx,
        actor_id=actor_id,
        action="plan.created",
        child_id=child_id,
        detail=f"start {start.isoformat()}",
    )
    await reminders.plan_whole_plan(tx, plan_id)
    return plan_id


async def add_visit(
    tx: Transaction,
    plan: store.Plan,
    draft: VisitDraft,
    actor_id: int | None,
    *,
    client_id: int | None = None,
) -> int:
    """A new visit; ``client_id`` is the hospital system (pwa/fhir/) that booked it, when
    no nurse did."""
    visit_id = await store.insert_visit(
        tx,
        plan.id,
        PlannedVisit(
            draft.course_number,
            draft.kind,
            draft.starts,
            draft.ends,
            draft.time_zone,
            draft.location,
            draft.title,
        ),
        family_note=draft.family_note,
        family_note_language=draft.family_note_language or "nl",
        status=draft.status,
    )
    if draft.family_notes:
        await hospital_texts.save(tx, "visit_note", str(visit_id), draft.family_notes)
    # A new visit is news for the family, like a moved one.
    await tx.execute("UPDATE visit SET changed_at = created_at WHERE id = :id", {"id": visit_id})
    await store.bump_revision(tx, plan.id)
    await reminders.plan_visit(tx, visit_id, changed=True)
    await audit.record(
        tx,
        actor_id=actor_id,
        action="visit.added",
        child_id=plan.child_id,
        detail=f"visit {visit_id}: {draft.kind} {to_local_text(draft.starts)}",
        client_id=client_id,
    )
    return visit_id


async def change_visit(
    tx: Transaction,
    visit: store.Visit,
    draft: VisitDraft,
    actor_id: int | None,
    *,
    notify: bool = True,
    client_id: int | None = None,
) -> None:
    """Save a visit; when its start day moves, its course's medication periods move with it.

    ``notify=False`` when this is one of several courses moved together: the family is
    told once, by the change that started it. ``client_id``: the hospital system that
    made the change (pwa/fhir/), when no nurse did.
    """
    moved = (
        draft.starts != visit.starts
        or draft.ends != visit.ends
        or draft.time_zone != visit.time_zone
    )
    status = draft.status
    if moved and status in {"planned", "confirmed"}:
        status = "changed"
    if moved:
        await course_store.record_change(
            tx,
            plan_id=visit.plan_id,
            visit_id=visit.id,
            was_first=to_local_text(visit.starts),
            was_last=to_local_text(visit.ends),
        )
    await store.update_visit(
        tx,
        visit.id,
        kind=draft.kind,
        starts=draft.starts,
        ends=draft.ends,
        time_zone=draft.time_zone,
        location=draft.location,
        family_note=draft.family_note,
        family_note_language=draft.family_note_language,
        status=status,
        title=draft.title,
    )
    if draft.family_notes is not None:
        await hospital_texts.save(tx, "visit_note", str(visit.id), draft.family_notes)
    await store.bump_revision(tx, visit.plan_id)
    await reminders.plan_visit(tx, visit.id, changed=notify)
    detail = f"visit {visit.id}: {to_local_text(visit.starts)} -> {to_local_text(draft.starts)}; status {visit.status} -> {status}"
    await audit.record(
        tx,
        actor_id=actor_id,
        action="visit.changed",
        child_id=visit.child_id,
        detail=detail,
        client_id=client_id,
    )
    days = (draft.starts.date() - visit.starts.date()).days
    if days:
        for period in await course_store.select_course_medications(tx, visit.id):
            await change_medication(
                tx,
                period,
                period.first_date + timedelta(days=days),
                period.last_date + timedelta(days=days),
                actor_id,
                child_id=visit.child_id,
                reason=f"moved with visit {visit.id}",
                client_id=client_id,
            )


async def change_medication(
    tx: Transaction,
    period: store.MedicationPeriod,
    first: date,
    last: date,
    actor_id: int | None,
    *,
    child_id: int,
    reason: str,
    client_id: int | None = None,
) -> None:
    """New dates for a home-medication period: audited, with its reminders re-planned
    (jobs for days it no longer covers are cancelled)."""
    await course_store.update_medication(tx, period, first, last)
    await reminders.replan_medication(tx, period.id, first, last)
    await audit.record(
        tx,
        actor_id=actor_id,
        action="medication.changed",
        child_id=child_id,
        detail=(
            f"period {period.id} ({period.name}, course {period.course_number}): "
            f"{period.first_date.isoformat()}..{period.last_date.isoformat()} -> "
            f"{first.isoformat()}..{last.isoformat()}; {reason}"
        ),
        client_id=client_id,
    )


async def cancel_visit(tx: Transaction, visit: store.Visit, actor_id: int) -> None:
    await change_visit(
        tx,
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
            visit.title,
        ),
        actor_id,
    )


async def edit_medication(
    tx: Transaction,
    period: store.MedicationPeriod,
    first: date,
    last: date,
    actor_id: int,
    *,
    child_id: int,
) -> None:
    """A nurse's new dates for one period; the family is told like after a visit change."""
    await change_medication(tx, period, first, last, actor_id, child_id=child_id, reason="edited")
    await store.bump_revision(tx, period.plan_id)
    if period.visit_id is not None:
        await reminders.plan_visit(tx, period.visit_id, changed=True)


async def prescribe(
    tx: Transaction,
    period: store.MedicationPeriod,
    medicine_id: int | None,
    prescription: str,
    actor_id: int,
    *,
    child_id: int,
) -> None:
    """The nurse names the period's medicine and types the prescription; audited without
    the text itself (the audit log outlives the record)."""
    await course_store.update_prescription(tx, period.id, medicine_id, prescription)
    await audit.record(
        tx,
        actor_id=actor_id,
        action="medication.prescribed",
        child_id=child_id,
        detail=(
            f"period {period.id} (course {period.course_number}): medicine "
            f"{period.medicine_id} -> {medicine_id}; prescription "
            f"{'changed' if prescription != period.prescription else 'kept'}"
        ),
    )
