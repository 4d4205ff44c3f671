"""Admin pages: the settings overview, the plan template and the "what to bring" list
(the diary questions and red-flag rules are in ``clinical``)."""

from __future__ import annotations

from typing import Any

from quart import current_app, flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError
from wtforms import SelectChoice

from .. import audit
from ..db import get_db
from ..i18n import current_locale, gettext
from ..i18n import lazy_gettext as _l
from ..plans import kinds
from ..plans import store as plans
from ..plans.schedule import PlanTemplate
from ..rendering import render_template
from ..security import Access, access
from . import blueprint
from .forms import PackingForm, TemplateForm
from .language_fields import check_other_languages, others_unchanged

# The settings pages listed on the admin home, in order: (endpoint, title, what it is for).
SETTINGS_PAGES = (
    (
        "admin.template",
        _l("Treatment plan template"),
        _l("Courses, spacing, stay length and times, and home-medication periods for new plans."),
    ),
    (
        "admin.visit_kinds",
        _l("Kinds of visit"),
        _l("Stays, scans, hearing tests and other visits: names, usual length, reminders."),
    ),
    (
        "admin.packing",
        _l("What to bring"),
        _l("The checklist families see before each stay, in each family's language."),
    ),
    (
        "admin.diary_items",
        _l("Diary questions"),
        _l("Which questions the symptom diary asks families."),
    ),
    (
        "admin.rules_list",
        _l("Red-flag rules"),
        _l('When a report means "tell the team today" or "call the hospital now".'),
    ),
    (
        "admin.medicines_page",
        _l("Home medicines"),
        _l(
            "The medicines nurses choose for a home-medication period, named in each family's language."
        ),
    ),
    (
        "admin.dose_flag",
        _l("Doses at home: when to flag a child"),
        _l("When missed, refused or vomited doses mark a child on the nurses' list."),
    ),
    (
        "admin.checkins",
        _l("Daily check-ins"),
        _l("Which days after a stay or of a medication period ask families for a report."),
    ),
    # By path where another page owns the route: linked once that route exists.
    (
        "/admin/guidance",
        _l("Guidance for families"),
        _l("The ward's own pages for families: a course, pain at home, when to call."),
    ),
    (
        "/admin/reminders",
        _l("Reminders"),
        _l("When families get reminders before visits and medication."),
    ),
    (
        "admin.hospital_settings",
        _l("Hospital settings"),
        _l("Name, phone numbers, staffed hours and review targets."),
    ),
    (
        "admin.accounts_page",
        _l("Staff accounts"),
        _l("Nurses and admins: add, disable, reset the second step."),
    ),
    (
        "admin.fhir_clients",
        _l("Hospital systems"),
        _l("Systems such as the EHR's integration engine that read and book visits through FHIR."),
    ),
    (
        "admin.audit_log",
        _l("Audit log"),
        _l("Who opened or changed what, and when."),
    ),
    (
        "/admin/status",
        _l("Status"),
        _l("Push delivery and problems that need a person."),
    ),
)


def linkable_pages() -> list[tuple[str, Any, Any]]:
    """(url, title, about) of each settings page whose route exists, each page once.

    An entry names an endpoint or a path; one whose route is not there (yet) is skipped,
    so the home page never links to a 404 and picks new pages up once they land.
    """
    adapter = current_app.url_map.bind("localhost")
    seen: set[str] = set()
    found = []
    for target, title, about in SETTINGS_PAGES:
        try:
            endpoint = adapter.match(target, method="GET")[0] if target.startswith("/") else target
            url = url_for(endpoint)
        except (HTTPException, BuildError):
            continue
        if endpoint not in seen:
            seen.add(endpoint)
            found.append((url, title, about))
    return found


@blueprint.route("/")
@access(Access.ADMIN)
async def home() -> ResponseReturnValue:
    return await render_template("admin/home.html", pages=linkable_pages())


def _template_summary(template: PlanTemplate) -> str:
    """The saved values in a few words, for the audit log (no personal data in it)."""
    periods = ", ".join(f"{m.name} {m.first_day}-{m.last_day}" for m in template.medication_periods)
    return (
        f"{template.courses} x {template.visit_kind} every {template.spacing_days} days, "
        f"{template.visit_days} days {template.start_time:%H:%M}-{template.end_time:%H:%M} "
        f"{template.time_zone}; medication: {periods or 'none'}; short visits: "
        + (
            ", ".join(
                f"{rule.kind} course {rule.course} day {rule.day} {rule.at:%H:%M} {rule.minutes}min"
                for rule in template.short_visits
            )
            or "none"
        )
    )


def _offer_kinds(
    form: TemplateForm, short_kinds: list[kinds.VisitKind], current: PlanTemplate
) -> None:
    """The active short kinds, and any the saved template names though switched off."""
    named = {rule.kind for rule in current.short_visits}
    form.offer_kinds(
        [
            SelectChoice(kind.key, kind.name(current_locale()))
            for kind in short_kinds
            if kind.active or kind.key in named
        ]
    )


@blueprint.route("/template", methods=["GET", "POST"])
@access(Access.ADMIN)
async def template() -> ResponseReturnValue:
    db = get_db()
    current = await plans.select_template(db)
    short_kinds = [kind for kind in await kinds.select_all(db) if kind.short]
    if request.method == "POST":
        form = await TemplateForm.from_request()
        _offer_kinds(form, short_kinds, current)
        if form.validate():
            saved = form.to_template({kind.key: kind.default_minutes or 60 for kind in short_kinds})
            async with db.transaction() as tx:
                await plans.update_template(tx, saved)
                await audit.record(
                    tx,
                    actor_id=g.account.id,
                    action="template.updated",
                    detail=_template_summary(saved),
                )
            await flash(
                gettext(
                    "The template is saved. New plans follow it; existing plans keep their dates."
                )
            )
            return redirect(url_for("admin.template"))
    else:
        form = TemplateForm(data=TemplateForm.data_from(current))
        _offer_kinds(form, short_kinds, current)
    return await render_template(
        "admin/template.html", form=form, is_example=current == PlanTemplate()
    )


@blueprint.route("/packing", methods=["GET", "POST"])
@access(Access.ADMIN)
async def packing() -> ResponseReturnValue:
    db = get_db()
    items = await plans.select_packing_items(db)
    if request.method == "POST":
        form = await PackingForm.from_request()
        if form.validate():
            lines = form.items()
            async with db.transaction() as tx:
                await plans.replace_packing_items(tx, lines)
                languages = sorted({code for line in lines for code in line.texts})
                await audit.record(
                    tx,
                    actor_id=g.account.id,
                    action="packing.updated",
                    detail=f"{len(lines)} items"
                    + (f"; also in {', '.join(languages)}" if languages else ""),
                )
            await flash(
                gettext("The list is saved. Families see it from their next visit to the app.")
            )
            # Line for line: an item whose English or Dutch words changed while another
            # language kept its words (hazard H30).
            if any(
                others_unchanged(
                    old.texts,
                    new.texts,
                    source_changed=(old.text_en, old.text_nl) != (new.text_en, new.text_nl),
                )
                for old, new in zip(items, lines, strict=False)
            ):
                await flash(check_other_languages())
            return redirect(url_for("admin.packing"))
    else:
        form = PackingForm(data=PackingForm.data_from(items))
    return await render_template("admin/packing.html", form=form, items=items)
