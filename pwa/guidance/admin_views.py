"""The admin's guidance pages: list, write (with a preview), reorder, mark as reviewed for
clinical use, remove, and add the example pages. Every change is in the audit log."""

from __future__ import annotations

from typing import Literal

from quart import flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import audit
from ..accounts.forms import PlainForm
from ..db import Transaction, get_db
from ..i18n import gettext
from ..rendering import render_template
from ..security import Access, access, not_found_unless, require_csrf
from . import blueprint, examples, store
from .forms import GuidanceForm, language_name
from .render import to_html
from .store import GuidancePage


def _titles(texts: dict[str, tuple[str, str]]) -> str:
    """The page's titles for the audit log ("nl: Pijn thuis; en: Pain at home")."""
    return "; ".join(f"{language}: {title}" for language, (title, _) in texts.items())


def _words(page: GuidancePage | None) -> dict[str, tuple[str, str]]:
    """language: (title, body) of a saved page; nothing for a new one."""
    texts = page.texts if page else {}
    return {language: (text.title, text.body_markdown) for language, text in texts.items()}


async def _record(tx: Transaction, *, action: str, detail: str) -> None:
    await audit.record(tx, actor_id=g.account.id, action=action, detail=detail)


@blueprint.route("/admin/guidance")
@access(Access.ADMIN)
async def admin_list() -> ResponseReturnValue:
    db = get_db()
    return await render_template(
        "guidance/admin_list.html",
        pages=await store.select_pages(db),
        missing_examples=await examples.missing_examples(db),
        form=PlainForm(),
        language_name=language_name,
    )


async def _page_or_404(page_id: int) -> GuidancePage:
    found = await store.select_page(get_db(), page_id)
    not_found_unless(found)
    assert found is not None
    return found


async def _form_page(form: GuidanceForm, existing: GuidancePage | None) -> ResponseReturnValue:
    """The form again: with the preview when asked for, with errors when there are some."""
    previewing = request.method == "POST" and (await request.form).get("action") == "preview"
    previews = []
    if previewing:
        previews = [
            (code, language_name(code), text.title.data or "", to_html(text.body.data or ""))
            for code, text in form.language_forms()
            if not text.is_blank()
        ]
    page = await render_template(
        "guidance/admin_form.html",
        form=form,
        existing=existing,
        previews=previews,
        language_name=language_name,
        plain_form=PlainForm(),
    )
    return page, 400 if form.errors else 200


async def _slug_is_free(form: GuidanceForm, existing: GuidancePage | None) -> bool:
    other_than = existing.id if existing else None
    if await store.slug_taken(get_db(), form.slug.data, other_than=other_than):
        form.slug.errors = [*form.slug.errors, gettext("Another page has this address.")]
        return False
    return True


async def _save(form: GuidanceForm, existing: GuidancePage | None) -> str:
    """Save the page and its audit row in one transaction; what to tell the admin."""
    texts = form.texts()
    saved = gettext("The page is saved. Families see it the next time they look.")
    async with get_db().transaction() as tx:
        if existing is None:
            await store.insert_page(tx, form.slug.data, texts, g.account.id)
            await _record(
                tx, action="guidance.created", detail=f"{form.slug.data}; {_titles(texts)}"
            )
            return saved
        changed = await store.update_page(tx, existing, form.slug.data, texts, g.account.id)
        unmarked = changed and existing.reviewed
        note = "; words changed, review mark removed" if unmarked else ""
        await _record(
            tx, action="guidance.updated", detail=f"{form.slug.data}; {_titles(texts)}{note}"
        )
    if unmarked:
        return gettext("The page is saved. Its words changed, so it needs a clinical review again.")
    return saved


async def _edit(existing: GuidancePage | None) -> ResponseReturnValue:
    if request.method == "GET":
        data = GuidanceForm.data_from(existing.slug if existing else "", _words(existing))
        return await _form_page(GuidanceForm(data=data), existing)
    form = await GuidanceForm.from_request()
    valid = form.validate()
    valid = await _slug_is_free(form, existing) and valid
    if (await request.form).get("action") == "preview" or not valid:
        return await _form_page(form, existing)
    await flash(await _save(form, existing))
    return redirect(url_for("guidance.admin_list"))


@blueprint.route("/admin/guidance/new", methods=["GET", "POST"])
@access(Access.ADMIN)
async def admin_new() -> ResponseReturnValue:
    return await _edit(None)


@blueprint.route("/admin/guidance/<int:page_id>", methods=["GET", "POST"])
@access(Access.ADMIN)
async def admin_edit(page_id: int) -> ResponseReturnValue:
    return await _edit(await _page_or_404(page_id))


@blueprint.route("/admin/guidance/<int:page_id>/move", methods=["POST"])
@access(Access.ADMIN)
async def admin_move(page_id: int) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    page = await _page_or_404(page_id)
    direction: Literal["up", "down"] = (
        "up" if (await request.form).get("direction") == "up" else "down"
    )
    async with get_db().transaction() as tx:
        if await store.move_page(tx, page.id, direction):
            await _record(tx, action="guidance.reordered", detail=f"{page.slug} {direction}")
    return redirect(url_for("guidance.admin_list") + f"#page-{page.id}")


@blueprint.route("/admin/guidance/<int:page_id>/review", methods=["POST"])
@access(Access.ADMIN)
async def admin_review(page_id: int) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    page = await _page_or_404(page_id)
    reviewed = (await request.form).get("reviewed") == "1"
    async with get_db().transaction() as tx:
        await store.set_review(tx, page.id, g.account.id if reviewed else None)
        if reviewed:
            await _record(tx, action="guidance.reviewed", detail=page.slug)
        else:
            await _record(tx, action="guidance.review_removed", detail=page.slug)
    if reviewed:
        await flash(gettext("The page is marked as reviewed for clinical use."))
    else:
        await flash(gettext("The review mark is removed."))
    return redirect(url_for("guidance.admin_edit", page_id=page.id))


@blueprint.route("/admin/guidance/<int:page_id>/remove", methods=["POST"])
@access(Access.ADMIN)
async def admin_remove(page_id: int) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    page = await _page_or_404(page_id)
    async with get_db().transaction() as tx:
        await store.delete_page(tx, page.id)
        await _record(tx, action="guidance.removed", detail=f"{page.slug}; {_titles(_words(page))}")
    await flash(gettext("The page is removed. Phones drop it the next time the list is opened."))
    return redirect(url_for("guidance.admin_list"))


@blueprint.route("/admin/guidance/examples", methods=["POST"])
@access(Access.ADMIN)
async def admin_examples() -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    async with get_db().transaction() as tx:
        added = await examples.add_examples(tx, g.account.id)
        if added:
            await _record(tx, action="guidance.examples_added", detail=", ".join(added))
    await flash(
        gettext("The example pages are added. Have them reviewed before families use them.")
    )
    return redirect(url_for("guidance.admin_list"))
