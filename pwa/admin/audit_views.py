"""The admin's audit log search: who did what to which child, and when. Looking at the
log is itself written to the log."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from quart import g, request
from quart.typing import ResponseReturnValue
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

from .. import audit
from ..accounts import staff
from ..clock import HOSPITAL_ZONE
from ..db import get_db
from ..families import store as families
from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..ids import parse_page
from ..rendering import render_template
from ..security import Access, CsrfForm, access
from . import blueprint
from .audit_labels import ACTION_LABELS, action_label

MAX_PAGE = 10_000
SEARCH_FIELDS = ("actor", "action", "child", "since", "until")


class AuditSearchForm(CsrfForm):
    """A GET search: nothing changes, and a token would only end up in URLs and logs."""

    class Meta:
        csrf = False

    actor = SelectField(_l("Who"), default="")
    action = SelectField(_l("What"), default="")
    child = SelectField(_l("Which child"), default="")
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("Until (date, included)"), validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.since.data and self.until.data and self.until.data < self.since.data:
            self.until.errors.append(gettext("The end date cannot be before the start date."))
            valid = False
        return bool(valid)

    def to_filter(self) -> audit.AuditFilter:
        actor: int | str | None = None
        if self.actor.data == audit.FAMILIES:
            actor = audit.FAMILIES
        elif self.actor.data:
            actor = int(self.actor.data)
        return audit.AuditFilter(
            actor=actor,
            action=self.action.data or None,
            child_id=int(self.child.data) if self.child.data else None,
            since=_start_of(self.since.data) if self.since.data else None,
            until=_start_of(self.until.data + timedelta(days=1)) if self.until.data else None,
        )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=HOSPITAL_ZONE)


async def _choose_from(form: AuditSearchForm) -> None:
    """Fill the lists with what there is to choose: staff, actions and children."""
    db = get_db()
    anyone = SelectChoice("", gettext("Anyone"))
    form.actor.choices = [
        anyone,
        SelectChoice(audit.FAMILIES, gettext("Families (any caregiver)")),
        *(
            SelectChoice(str(member.id), member.display_name)
            for member in await staff.select_staff(db)
        ),
    ]
    form.action.choices = [
        SelectChoice("", gettext("Anything")),
        *(
            SelectChoice(action, f"{action_label(action)} ({action})")
            if action in ACTION_LABELS
            else SelectChoice(action, action)
            for action in await audit.select_actions(db)
        ),
    ]
    form.child.choices = [
        SelectChoice("", gettext("Any child")),
        *(
            SelectChoice(str(child.id), f"{child.nickname} (#{child.id})")
            for child in await families.select_all_children(db)
        ),
    ]


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return parse_page(raw, MAX_PAGE)


def _filter_args() -> dict[str, str]:
    """The search as query arguments, for the newer/older links (only the form's own)."""
    return {key: request.args[key] for key in SEARCH_FIELDS if request.args.get(key)}


@blueprint.route("/audit")
@access(Access.ADMIN)
async def audit_log() -> ResponseReturnValue:
    form = AuditSearchForm(request.args)
    await _choose_from(form)
    page = _page_number()
    rows: list[audit.AuditRow] = []
    older = False
    status = 200
    if form.validate():
        query = form.to_filter()
        rows, older = await audit.search(get_db(), query, page)
        async with get_db().transaction() as tx:
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="audit.searched",
                child_id=query.child_id,
                detail=_describe(query, page),
            )
    else:
        status = 400
    html = await render_template(
        "admin/audit.html",
        form=form,
        rows=rows,
        page=page,
        older=older,
        filter_args=_filter_args(),
        action_label=action_label,
    )
    return html, status


def _describe(query: audit.AuditFilter, page: int) -> str:
    """The search in a few words for its own audit row."""
    parts = [
        f"{name}={value.isoformat() if isinstance(value, datetime) else value}"
        for name, value in (
            ("actor", query.actor),
            ("action", query.action),
            ("child", query.child_id),
            ("since", query.since),
            ("until", query.until),
        )
        if value is not None
    ]
    return " ".join([*parts, f"page={page}"])
