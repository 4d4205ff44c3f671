"""Nurse planning pages: a child's plan, adding and changing visits, the next 14 days."""

from __future__ import annotations

from datetime import timedelta

from babel.lists import format_list
from quart import g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import audit, clock
from ..accounts.forms import PlainForm
from ..clock import utcnow
from ..db import get_db
from ..doses import medicines
from ..families import store as families
from ..fhir import appointments
from ..i18n import FAMILY_LOCALES, current_locale, format_region, ngettext
from ..plans import changes, kinds, moves, overview
from ..plans import store as plans
from ..plans.schedule import aware, overlapping
from ..rendering import render_template
from ..security import Access, access, not_found_unless, require_csrf
from . import blueprint
from .planning_forms import PlanForm, ShortVisitForm, VisitForm, kind_choices

UPCOMING_DAYS = 14


async def _child(child_id: int) -> families.Child:
    child = await families.select_child(get_db(), child_id)
    not_found_unless(child)
    assert child is not None
    return child


@blueprint.route("/children/<int:child_id>/plan", methods=["GET", "POST"])
@access(Access.STAFF)
async def plan(child_id: int) -> ResponseReturnValue:
    db = get_db()
    child = await _child(child_id)
    existing = await plans.select_plan(db, child.id)
    template = await plans.select_template(db)
    form = await PlanForm.from_request()
    if request.method == "POST" and existing is None and form.validate():
        async with db.transaction() as tx:
            await changes.create_plan(
                tx,
                child_id=child.id,
                start=form.start_date.data,
                template=template,
                actor_id=g.account.id,
            )
        return redirect(url_for("nurse.plan", child_id=child.id))
    await audit.record_read(db, actor_id=g.account.id, action="plan.viewed", child_id=child.id)
    view = await overview.for_staff(db, child.id, utcnow())
    return await render_template(
        "nurse/plan.html",
        child=child,
        view=view,
        template=template,
        form=form,
        now=utcnow(),
        course_visits={visit.id: visit for visit in view.visits},
        medicine_names={
            medicine.id: medicine.name() for medicine in await medicines.select_all(db)
        },
        held=await appointments.select_held(db, existing.id) if existing else {},
        imported=await appointments.select_imported_ids(db, existing.id) if existing else set(),
    )


async def _ask_note_languages(
    form: VisitForm | ShortVisitForm, child_id: int, visit: plans.Visit | None
) -> None:
    """The note's family languages: those the child's caregivers read, filled with the
    visit's saved words when the form is new."""
    languages = await families.select_caregiver_languages(get_db(), child_id)
    form.keep_note_languages(languages & set(FAMILY_LOCALES))
    if request.method == "GET" and visit is not None:
        for code, words in visit.note_texts.items():
            if f"family_note_{code}" in form:
                form[f"family_note_{code}"].data = words


def _written_in(visit: plans.Visit) -> dict[str, str]:
    """The language the visit's note is in; with no note yet, the form offers the
    nurse's page language (the field's default)."""
    return {"family_note_language": visit.family_note_language} if visit.family_note else {}


def _draft(form: VisitForm) -> changes.VisitDraft:
    return changes.VisitDraft(
        course_number=form.course_number.data,
        kind=form.kind.data,
        starts=form.starts,
        ends=form.ends,
        time_zone=form.time_zone.data,
        location=(form.location.data or "").strip(),
        family_note=(form.family_note.data or "").strip(),
        family_note_language=form.family_note_language.data,
        status=form.status.data,
        family_notes=form.family_notes(),
    )


async def _active_visits(plan_id: int) -> list[plans.Visit]:
    return [visit for visit in await plans.select_visits(get_db(), plan_id) if not visit.cancelled]


async def _offer_kinds(form: VisitForm | ShortVisitForm, keep: str | None = None) -> None:
    """Fill the form's kinds from the admin's list: short kinds or those planned by dates."""
    form.kind.choices = kind_choices(
        await kinds.select_all(get_db()),
        current_locale(),
        short=isinstance(form, ShortVisitForm),
        keep=keep,
    )


def _overlaps(
    visits: list[plans.Visit], form: VisitForm, ignore_id: int | None
) -> list[plans.Visit]:
    """Other active visits planned by dates that this one would overlap (a warning, not a
    block; a scan during a stay is no clash)."""
    starts, ends = aware(form.starts, form.time_zone.data), aware(form.ends, form.time_zone.data)
    others = [(v.id, v.starts_at, v.ends_at) for v in visits if not v.short]
    ids = overlapping(starts, ends, others, ignore_id)
    return [visit for visit in visits if visit.id in ids]


@blueprint.route("/children/<int:child_id>/visits/new", methods=["GET", "POST"])
@access(Access.STAFF)
async def add_visit(child_id: int) -> ResponseReturnValue:
    db = get_db()
    child = await _child(child_id)
    current_plan = await plans.select_plan(db, child.id)
    not_found_unless(current_plan)
    assert current_plan is not None
    form = await VisitForm.from_request()
    await _offer_kinds(form)
    await _ask_note_languages(form, child.id, None)
    clashes: list[plans.Visit] = []
    if request.method == "POST" and form.validate():
        clashes = _overlaps(await _active_visits(current_plan.id), form, None)
        if not clashes or form.confirm_overlap.data:
            async with db.transaction() as tx:
                await changes.add_visit(tx, current_plan, _draft(form), g.account.id)
            return redirect(url_for("nurse.plan", child_id=child.id))
    return await render_template(
        "nurse/visit_form.html", child=child, form=form, visit=None, clashes=clashes
    )


def _later_label(courses: list[int], days: int) -> str:
    """The button that moves the later courses along: "... courses 4 and 5 by 7 days"."""
    if not courses:
        return ""
    names = format_list([str(course) for course in courses], locale=format_region())
    if days > 0 and len(courses) == 1:
        return ngettext(
            "Save and also move course %(courses)s by %(num)s day",
            "Save and also move course %(courses)s by %(num)s days",
            days,
            courses=names,
        )
    if days > 0:
        return ngettext(
            "Save and also move courses %(courses)s by %(num)s day",
            "Save and also move courses %(courses)s by %(num)s days",
            days,
            courses=names,
        )
    if len(courses) == 1:
        return ngettext(
            "Save and also move course %(courses)s %(num)s day earlier",
            "Save and also move course %(courses)s %(num)s days earlier",
            -days,
            courses=names,
        )
    return ngettext(
        "Save and also move courses %(courses)s %(num)s day earlier",
        "Save and also move courses %(courses)s %(num)s days earlier",
        -days,
        courses=names,
    )


@blueprint.route("/children/<int:child_id>/visits/<int:visit_id>", methods=["GET", "POST"])
@access(Access.STAFF)
async def edit_visit(child_id: int, visit_id: int) -> ResponseReturnValue:
    db = get_db()
    child = await _child(child_id)
    visit = await plans.select_visit(db, visit_id)
    not_found_unless(visit and visit.child_id == child.id)
    assert visit is not None
    if visit.short:
        return redirect(url_for("nurse.edit_short_visit", child_id=child.id, visit_id=visit.id))
    if request.method == "GET":
        form = VisitForm(
            course_number=visit.course_number,
            kind=visit.kind,
            start_date=visit.starts.date(),
            start_time=visit.starts.time(),
            end_date=visit.ends.date(),
            end_time=visit.ends.time(),
            time_zone=visit.time_zone,
            location=visit.location,
            family_note=visit.family_note,
            **_written_in(visit),
            status=visit.status,
        )
    else:
        form = await VisitForm.from_request()
    await _offer_kinds(form, keep=visit.kind)
    await _ask_note_languages(form, child.id, visit)
    clashes: list[plans.Visit] = []
    spacing: list[moves.TooClose] = []
    later: list[plans.Visit] = []
    days = 0
    template_spacing = 0
    if request.method == "POST" and form.validate():
        visits = await _active_visits(visit.plan_id)
        days = (form.starts.date() - visit.starts.date()).days
        if form.status.data != "cancelled" and days:
            template_spacing = (await plans.select_template(db)).spacing_days
            spacing = moves.too_close(visits, visit, form.starts, template_spacing)
            later = moves.later_visits(visits, visit)
        move_later = bool(later) and form.later.data == "move" and form.answered_spacing(days)
        if move_later:
            moving = {other.id for other in later}
            visits = [moves.shifted(v, days) if v.id in moving else v for v in visits]
        if form.status.data != "cancelled":
            clashes = _overlaps(visits, form, visit.id)
        spacing_ok = not spacing or form.answered_spacing(days)
        if spacing_ok and (not clashes or form.confirm_overlap.data):
            async with db.transaction() as tx:
                await changes.change_visit(tx, visit, _draft(form), g.account.id)
                if move_later:
                    await moves.move_later(tx, later, days, g.account.id, moved=visit)
            return redirect(url_for("nurse.plan", child_id=child.id))
    return await render_template(
        "nurse/visit_form.html",
        child=child,
        form=form,
        visit=visit,
        clashes=clashes,
        spacing=spacing,
        later_label=_later_label(sorted({other.course_number for other in later}), days),
        days=days,
        template_spacing=template_spacing,
        cancel_form=PlainForm(),
    )


@blueprint.route("/children/<int:child_id>/visits/<int:visit_id>/cancel", methods=["POST"])
@access(Access.STAFF)
async def cancel_visit(child_id: int, visit_id: int) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    db = get_db()
    child = await _child(child_id)
    visit = await plans.select_visit(db, visit_id)
    not_found_unless(visit and visit.child_id == child.id and not visit.cancelled)
    assert visit is not None
    async with db.transaction() as tx:
        await changes.cancel_visit(tx, visit, g.account.id)
    return redirect(url_for("nurse.plan", child_id=child.id))


async def _short_draft(form: ShortVisitForm, plan_id: int) -> changes.VisitDraft:
    """A short visit as the nurse entered it: its length is the kind's usual one unless
    given, and it belongs to the course that has started by its day (course 1 before)."""
    kind = await kinds.select_kind(get_db(), form.kind.data)
    assert kind is not None and kind.default_minutes is not None, "the form offers short kinds"
    minutes = form.duration.data or kind.default_minutes
    starts = form.starts
    started = sorted(
        (day, course)
        for course, day in moves.course_starts(await plans.select_visits(get_db(), plan_id)).items()
        if day <= starts.date()
    )
    return changes.VisitDraft(
        course_number=started[-1][1] if started else 1,
        kind=kind.key,
        starts=starts,
        ends=starts + timedelta(minutes=minutes),
        time_zone=form.time_zone.data,
        location=(form.location.data or "").strip(),
        family_note=(form.family_note.data or "").strip(),
        family_note_language=form.family_note_language.data,
        status=form.status.data,
        title=(form.title.data or "").strip(),
        family_notes=form.family_notes(),
    )


@blueprint.route("/children/<int:child_id>/short-visits/new", methods=["GET", "POST"])
@access(Access.STAFF)
async def add_short_visit(child_id: int) -> ResponseReturnValue:
    """A scan, a hearing test, a check: kind, title, place, day, time and length."""
    db = get_db()
    child = await _child(child_id)
    current_plan = await plans.select_plan(db, child.id)
    not_found_unless(current_plan)
    assert current_plan is not None
    form = await ShortVisitForm.from_request()
    await _offer_kinds(form)
    await _ask_note_languages(form, child.id, None)
    if request.method == "POST" and form.validate():
        draft = await _short_draft(form, current_plan.id)
        async with db.transaction() as tx:
            await changes.add_visit(tx, current_plan, draft, g.account.id)
        return redirect(url_for("nurse.plan", child_id=child.id))
    return await render_template("nurse/short_visit_form.html", child=child, form=form, visit=None)


@blueprint.route("/children/<int:child_id>/short-visits/<int:visit_id>", methods=["GET", "POST"])
@access(Access.STAFF)
async def edit_short_visit(child_id: int, visit_id: int) -> ResponseReturnValue:
    """Move or change a short visit: the same change rules as any visit (revision,
    calendar sequence, the family's banner, reminders planned again, audit)."""
    db = get_db()
    child = await _child(child_id)
    visit = await plans.select_visit(db, visit_id)
    not_found_unless(visit and visit.child_id == child.id and visit.short)
    assert visit is not None
    if request.method == "GET":
        form = ShortVisitForm(
            kind=visit.kind,
            title=visit.title,
            location=visit.location,
            start_date=visit.starts.date(),
            start_time=visit.starts.time(),
            duration=visit.minutes,
            time_zone=visit.time_zone,
            family_note=visit.family_note,
            **_written_in(visit),
            status=visit.status,
        )
    else:
        form = await ShortVisitForm.from_request()
    await _offer_kinds(form, keep=visit.kind)
    await _ask_note_languages(form, child.id, visit)
    if request.method == "POST" and form.validate():
        draft = await _short_draft(form, visit.plan_id)
        async with db.transaction() as tx:
            await changes.change_visit(tx, visit, draft, g.account.id)
        return redirect(url_for("nurse.plan", child_id=child.id))
    return await render_template(
        "nurse/short_visit_form.html",
        child=child,
        form=form,
        visit=visit,
        cancel_form=PlainForm(),
    )


@blueprint.route("/upcoming")
@access(Access.STAFF)
async def upcoming() -> ResponseReturnValue:
    """Admissions and other visits starting in the next 14 days, for the ward's planning."""
    db = get_db()
    today = clock.today()
    visits = await plans.select_visits_starting_between(
        db, today, today + timedelta(days=UPCOMING_DAYS)
    )
    children = {child.id: child for child in await families.select_all_children(db)}
    rows = [
        (visit, children[visit.child_id])
        for visit in visits
        if not visit.cancelled and visit.child_id in children
    ]
    return await render_template("nurse/upcoming.html", rows=rows, days=UPCOMING_DAYS, today=today)
