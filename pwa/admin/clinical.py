"""Admin pages for the clinical settings: the diary items the report form asks, and the
red-flag rules that judge every report (routes on the admin blueprint).

The server applies the rules in force to every report it receives. Phones get the rules
with the report form page, so a change reaches a phone the next time it loads that page.
"""

from __future__ import annotations

import json
from typing import Any

from babel.numbers import format_decimal
from quart import flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import audit
from ..accounts.forms import PlainForm
from ..db import get_db
from ..diary import store as diary
from ..diary.items import BY_KEY
from ..i18n import current_locale, gettext
from ..redflags import store as rules
from ..redflags.rules import Rule
from ..rendering import render_template
from ..security import Access, access, not_found_unless, require_csrf
from . import blueprint
from .clinical_forms import SYMBOLS, DiaryItemsForm, RuleForm, new_rule_id
from .language_fields import check_other_languages, others_unchanged


@blueprint.route("/diary-items", methods=["GET", "POST"])
@access(Access.ADMIN)
async def diary_items() -> ResponseReturnValue:
    db = get_db()
    if request.method == "POST":
        form = await DiaryItemsForm.from_request()
        if form.validate():
            enabled = form.enabled()
            async with db.transaction() as tx:
                await diary.save_enabled_items(tx, enabled)
                off = sorted(set(BY_KEY) - enabled)
                await audit.record(
                    tx,
                    actor_id=g.account.id,
                    action="diary_items.updated",
                    detail=f"on: {', '.join(sorted(enabled)) or '-'}; off: {', '.join(off) or '-'}",
                )
            await flash(
                gettext("Saved. Families see these questions the next time they open the form.")
            )
            return redirect(url_for("admin.diary_items"))
    else:
        enabled = await diary.select_enabled_items(db)
        form = DiaryItemsForm(data={key: key in enabled for key in BY_KEY})
    return await render_template("admin/diary_items.html", form=form)


def _number(value: float) -> str:
    pattern = "0" if isinstance(value, int) else "0.0##"
    return str(format_decimal(value, format=pattern, locale=current_locale()))


def condition_text(rule: Rule) -> str:
    """'Temperature ≥ 38.0, 2 times within 24 hours' in the page's language."""
    item = BY_KEY.get(rule.item)
    label = str(item.label) if item else rule.item
    if rule.op == "in":
        names = dict(item.choices) if item else {}
        answers = ", ".join(str(names.get(answer, answer)) for answer in rule.value)
        text = gettext("%(question)s: %(answers)s", question=label, answers=answers)
    else:
        unit = f" {item.unit}" if item and item.unit else ""
        text = f"{label} {SYMBOLS.get(rule.op, rule.op)} {_number(rule.value)}{unit}"
    if rule.count > 1:
        text += ", " + gettext(
            "%(count)s times within %(hours)s hours", count=rule.count, hours=rule.within_hours
        )
    return text


@blueprint.route("/rules")
@access(Access.ADMIN)
async def rules_list() -> ResponseReturnValue:
    stored = await rules.select_all(get_db())
    return await render_template(
        "admin/rules.html",
        rules=stored,
        conditions={entry.row_id: condition_text(entry.rule) for entry in stored},
        form=PlainForm(),
    )


def _reworded_alone(before: Rule, after: Rule) -> bool:
    """The English or Dutch reason changed while a family language kept its words."""
    source = ("en", "nl")
    changed = any(before.reason.get(code) != after.reason.get(code) for code in source)
    others = {code: words for code, words in before.reason.items() if code not in source}
    return others_unchanged(others, after.reason, source_changed=changed)


async def _save_rule(form: RuleForm, existing: rules.StoredRule | None) -> int:
    db = get_db()
    async with db.transaction() as tx:
        if existing is not None and existing.rule.item == form.chosen_item().key:
            rule_id = existing.rule.id  # reports name the rules they matched by this id
        else:
            rule_id = new_rule_id(form.chosen_item().key, await rules.select_rule_ids(tx))
        rule = Rule.parse(form.definition(rule_id))
        if existing is None:
            row_id = await rules.insert_rule(tx, rule)
            what = "added"
        else:
            row_id = existing.row_id
            await rules.update_rule(tx, row_id, rule)
            what = "changed"
        await audit.record(
            tx,
            actor_id=g.account.id,
            action="rules.updated",
            detail=f"{what} {rule_json(rule)}",
        )
    return row_id


def rule_json(rule: Rule) -> str:
    """The whole definition for the audit log, so any earlier version can be put back."""
    return json.dumps(rule.as_json(), ensure_ascii=False, sort_keys=True)


async def _rule_form_page(form: RuleForm, existing: rules.StoredRule | None) -> str:
    return await render_template(
        "admin/rule_form.html",
        form=form,
        existing=existing,
        item=form.chosen_item(),
        remove_form=PlainForm(),
    )


async def _rule_form(existing: rules.StoredRule | None) -> ResponseReturnValue:
    if request.method == "GET":
        # The question is chosen first (a plain GET form), as its answers shape the rest.
        data: dict[str, Any] = RuleForm.data_from(existing.rule) if existing else {}
        chosen = request.args.get("item")
        if chosen in BY_KEY and chosen != data.get("item"):
            data.update(item=chosen, value="", answers=[])
        return await _rule_form_page(RuleForm(data=data), existing)
    form = await RuleForm.from_request()
    if form.validate():
        row_id = await _save_rule(form, existing)
        await flash(
            gettext(
                "The rule is saved. The server uses it for every report from now on; phones "
                "get it the next time the report form is opened."
            )
        )
        saved = await rules.select_one(get_db(), row_id)
        if existing and saved and _reworded_alone(existing.rule, saved.rule):
            await flash(check_other_languages())
        return redirect(url_for("admin.rules_list"))
    return await _rule_form_page(form, existing)


@blueprint.route("/rules/new", methods=["GET", "POST"])
@access(Access.ADMIN)
async def new_rule() -> ResponseReturnValue:
    return await _rule_form(None)


@blueprint.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@access(Access.ADMIN)
async def edit_rule(rule_id: int) -> ResponseReturnValue:
    existing = await rules.select_one(get_db(), rule_id)
    not_found_unless(existing)
    return await _rule_form(existing)


@blueprint.route("/rules/<int:rule_id>/switch", methods=["POST"])
@access(Access.ADMIN)
async def switch_rule(rule_id: int) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    db = get_db()
    existing = await rules.select_one(db, rule_id)
    not_found_unless(existing)
    assert existing is not None
    enabled = (await request.form).get("enabled") == "1"
    async with db.transaction() as tx:
        await rules.set_enabled(tx, rule_id, enabled)
        await audit.record(
            tx,
            actor_id=g.account.id,
            action="rules.updated",
            detail=f"{'switched on' if enabled else 'switched off'} {existing.rule.id}",
        )
    if enabled:
        await flash(gettext("The rule is switched on."))
    else:
        await flash(gettext("The rule is switched off. It stays in the list."))
    return redirect(url_for("admin.rules_list"))


@blueprint.route("/rules/<int:rule_id>/remove", methods=["POST"])
@access(Access.ADMIN)
async def remove_rule(rule_id: int) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    db = get_db()
    existing = await rules.select_one(db, rule_id)
    not_found_unless(existing)
    assert existing is not None
    async with db.transaction() as tx:
        await rules.delete_rule(tx, rule_id)
        await audit.record(
            tx,
            actor_id=g.account.id,
            action="rules.updated",
            detail=f"removed {rule_json(existing.rule)}",
        )
    await flash(gettext("The rule is removed."))
    return redirect(url_for("admin.rules_list"))
