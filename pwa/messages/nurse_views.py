"""The nurses' side: the list of conversations, one conversation (opening it is audited
and reads the family's messages), answering, and the same claim as for reports."""

from __future__ import annotations

import uuid

from quart import g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import audit
from ..accounts.forms import PlainForm
from ..clock import utcnow
from ..db import get_db
from ..families import store as families
from ..families.store import Child
from ..hospital import hospital_settings
from ..notifications import escalation
from ..rendering import render_template
from ..reviews import claims
from ..security import Access, access, not_found_unless, require_csrf
from . import blueprint, store, sync
from .forms import ClaimForm, WardMessageForm
from .thread import select_entries


@blueprint.route("/nurse/messages")
@access(Access.STAFF)
async def conversations() -> ResponseReturnValue:
    db = get_db()
    return await render_template(
        "messages/nurse_list.html",
        conversations=await store.select_conversations(db),
        hospital=await hospital_settings(db),
        now=utcnow(),
    )


async def _child(child_id: int) -> Child:
    found = await families.select_child(get_db(), child_id)
    not_found_unless(found)
    assert found is not None
    return found


async def _render(child: Child, form: WardMessageForm | None = None) -> str:
    db = get_db()
    return await render_template(
        "messages/nurse_conversation.html",
        conversation_child=child,
        caregivers=await families.select_caregivers(db, child.id),
        entries=await select_entries(db, child.id),
        claim=await claims.select_hold(db, claims.of_conversation(child.id)),
        form=form or WardMessageForm(message_id=str(uuid.uuid4())),
        claim_form=PlainForm(),
        told=await escalation.select_told_about_messages(db, child.id),
    )


@blueprint.route("/nurse/messages/<int:child_id>", methods=["GET", "POST"])
@access(Access.STAFF)
async def conversation(child_id: int) -> ResponseReturnValue:
    """Open a conversation: logged as a look at the child's data, and the family's
    messages count as read by this nurse from now on. POST answers the family."""
    child = await _child(child_id)
    if request.method == "POST":
        return await _answer(child)
    async with get_db().transaction() as tx:
        await audit.record(
            tx,
            actor_id=g.account.id,
            action="conversation.viewed",
            child_id=child.id,
            detail=f"child {child.id}",
        )
        await store.mark_read(tx, child.id, from_ward=False, reader_id=g.account.id)
    return await _render(child)


def _needs_confirmation(holder: claims.Claim | None, confirmed_from: str | None) -> bool:
    return claims.held_by_other(holder, g.account.id) and confirmed_from != str(
        holder.nurse_id if holder else ""
    )


async def _ask_first(
    child: Child, holder: claims.Claim, form: ClaimForm | WardMessageForm
) -> ResponseReturnValue:
    """Nothing is saved until the nurse confirms taking the conversation over."""
    return await render_template(
        "messages/take_over.html",
        conversation_child=child,
        holder=holder,
        form=form,
        action=request.path,
    ), 409


async def _answer(child: Child) -> ResponseReturnValue:
    """Write to the family; asks first when a colleague holds the conversation."""
    form = await WardMessageForm.from_request()
    if not form.validate():
        return await _render(child, form), 400
    held = claims.of_conversation(child.id)
    db = get_db()
    async with db.transaction() as tx:
        holder = await claims.select_hold(tx, held)
        confirm = _needs_confirmation(holder, form.take_over_from.data)
        if not confirm and (holder is None or holder.nurse_id != g.account.id):
            await claims.take(tx, held, g.account.id, holder)
    if confirm:
        assert holder is not None
        return await _ask_first(child, holder, form)
    draft, result = sync.parse(
        {
            "id": form.message_id.data or str(uuid.uuid4()),
            "child_id": child.id,
            "body": form.body.data or "",
            "urgent": False,
        }
    )
    if draft is not None:
        result = await sync.store_from_ward(db, draft, g.account.id)
    if result.status not in {"stored", "duplicate"}:
        form.body.errors = [*form.body.errors, *result.errors.values()]
        return await _render(child, form), 400
    return redirect(url_for("messages.conversation", child_id=child.id))


@blueprint.route("/nurse/messages/<int:child_id>/claim", methods=["POST"])
@access(Access.STAFF)
async def claim(child_id: int) -> ResponseReturnValue:
    """Take the conversation on; taking it from a colleague is confirmed first."""
    child = await _child(child_id)
    form = await ClaimForm.from_request()
    await require_csrf(form)
    held = claims.of_conversation(child.id)
    async with get_db().transaction() as tx:
        holder = await claims.select_hold(tx, held)
        confirm = _needs_confirmation(holder, form.take_over_from.data)
        if not confirm:
            await claims.take(tx, held, g.account.id, holder)
    if confirm:
        assert holder is not None
        return await _ask_first(child, holder, form)
    return redirect(url_for("messages.conversation", child_id=child.id))


@blueprint.route("/nurse/messages/<int:child_id>/release", methods=["POST"])
@access(Access.STAFF)
async def release(child_id: int) -> ResponseReturnValue:
    child = await _child(child_id)
    await require_csrf(await PlainForm.from_request())
    async with get_db().transaction() as tx:
        await claims.let_go(tx, claims.of_conversation(child.id), g.account.id)
    return redirect(url_for("messages.conversation", child_id=child.id))
