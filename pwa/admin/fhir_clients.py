"""Admin pages for hospital systems that use the FHIR API: register one (name, public
key set, allowed scopes), see its client id, switch it off (docs/deploy.md)."""

from __future__ import annotations

from quart import current_app, flash, g, redirect, request, url_for
from quart.typing import ResponseReturnValue

from .. import audit
from ..accounts.forms import PlainForm
from ..db import get_db
from ..fhir import clients, resources
from ..i18n import gettext
from ..rendering import render_template
from ..security import Access, access, not_found_unless, require_csrf
from . import blueprint
from .fhir_client_forms import FhirClientForm


@blueprint.route("/hospital-systems", methods=["GET", "POST"])
@access(Access.ADMIN)
async def fhir_clients() -> ResponseReturnValue:
    """The registered systems, and a form to add one."""
    db = get_db()
    form = await FhirClientForm.from_request()
    if request.method == "POST" and form.validate():
        assert form.key_set is not None
        async with db.transaction() as tx:
            client = await clients.insert_client(
                tx,
                name=form.clean_name(),
                jwks=form.key_set,
                scopes=list(form.scopes.data),
                created_by=g.account.id,
            )
            await audit.record(
                tx,
                actor_id=g.account.id,
                action="fhir_client.added",
                detail=f"{client.id} {client.name}: {' '.join(sorted(client.scopes))}",
            )
        await flash(
            gettext(
                "%(name)s is registered. Its client id is %(client_id)s.",
                name=client.name,
                client_id=client.client_id,
            )
        )
        return redirect(url_for("admin.fhir_clients"))
    return await render_template(
        "admin/fhir_clients.html",
        systems=await clients.select_all(db),
        form=form,
        disable_form=PlainForm(),
        token_url=resources.token_url(str(current_app.config["PUBLIC_URL"]).rstrip("/")),
    )


@blueprint.route("/hospital-systems/<int:system_id>/disable", methods=["POST"])
@access(Access.ADMIN)
async def disable_fhir_client(system_id: int) -> ResponseReturnValue:
    await require_csrf(await PlainForm.from_request())
    db = get_db()
    system = await clients.select_client(db, system_id)
    not_found_unless(system and system.active)
    assert system is not None
    async with db.transaction() as tx:
        await clients.disable_client(tx, system.id)
        await audit.record(
            tx,
            actor_id=g.account.id,
            action="fhir_client.disabled",
            detail=f"{system.id} {system.name}",
        )
    await flash(gettext("%(name)s can no longer use the FHIR API.", name=system.name))
    return redirect(url_for("admin.fhir_clients"))
