"""FHIR reads: the CapabilityStatement and SMART configuration (no token), the token
endpoint, and read and search of every resource type (a bearer token with a read scope)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from quart import request
from quart.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from ..clock import utcnow
from ..db import get_db
from ..exports.record import local_iso
from ..limits import credential_limits, rate_limit
from ..security import Access, access
from . import blueprint, guard, reads, resources, search, tokens
from .outcomes import FhirError, error_response, fhir_response

blueprint.before_request(guard.load_grant)
blueprint.register_error_handler(FhirError, error_response)


def _software_version() -> str:
    try:
        return version("immuno-companion")
    except PackageNotFoundError:  # pragma: no cover - a checkout without metadata
        return "unknown"


def _refuse_other_formats() -> None:
    """JSON only: an explicit request for XML is refused rather than answered in JSON."""
    wanted = request.args.get("_format", "json")
    if "xml" in wanted or (
        "xml" in request.headers.get("Accept", "")
        and "json" not in request.headers.get("Accept", "")
    ):
        raise FhirError(406, "not-supported", "This server answers in application/fhir+json only.")


@blueprint.route("/metadata")
@access(Access.PUBLIC)
async def metadata() -> ResponseReturnValue:
    _refuse_other_formats()
    return fhir_response(
        resources.capability_statement(guard.base_url(), _software_version(), local_iso(utcnow()))
    )


@blueprint.route("/.well-known/smart-configuration")
@access(Access.PUBLIC)
async def smart_configuration() -> ResponseReturnValue:
    return resources.smart_configuration(guard.base_url())


@blueprint.route("/auth/token", methods=["POST"])
@access(Access.PUBLIC)
@rate_limit(limits=credential_limits())
async def token() -> ResponseReturnValue:
    """SMART Backend Services: a signed client assertion for a five-minute access token."""
    form = await request.form
    try:
        issued, _ = await tokens.issue(
            get_db(),
            grant_type=form.get("grant_type", ""),
            assertion_type=form.get("client_assertion_type", ""),
            assertion=form.get("client_assertion", ""),
            scope=form.get("scope", ""),
            token_url=resources.token_url(guard.base_url()),
        )
    except tokens.TokenRefused as refused:
        return {"error": refused.error, "error_description": refused.description}, refused.status
    return {
        "access_token": issued.token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "scope": " ".join(issued.scopes),
    }


def _context() -> reads.Context:
    return reads.Context(guard.base_url(), guard.number_system())


async def _search(resource_type: str, args: MultiDict[str, str]) -> list[reads.Found]:
    _refuse_other_formats()
    guard.require_read(resource_type)
    found: list[reads.Found] = await reads.SEARCHES[resource_type](get_db(), args, _context())
    return found


@blueprint.route("/Questionnaire/<string:id>")
@access(Access.PUBLIC)
async def read_questionnaire(id: str) -> ResponseReturnValue:
    """The diary's canonical URL answers with the Questionnaire (no personal data in it)."""
    _refuse_other_formats()
    found = await reads.questionnaires(get_db(), MultiDict({"_id": id}), _context())
    if not found:
        raise FhirError(404, "not-found", f"No Questionnaire {id}.")
    return fhir_response(found[0].resource)


@blueprint.route("/Questionnaire")
@access(Access.PUBLIC)
async def search_questionnaires() -> ResponseReturnValue:
    _refuse_other_formats()
    found = await reads.questionnaires(get_db(), request.args, _context())
    return fhir_response(
        search.bundle(
            [item.resource for item in found],
            page=search.page_of(request.args),
            base_url=guard.base_url(),
            path=request.path,
            args=request.args,
        )
    )


@blueprint.route("/<any(Patient, Appointment, QuestionnaireResponse, Observation, Flag):kind>")
@access(Access.SYSTEM)
async def search_type(kind: str) -> ResponseReturnValue:
    page = search.page_of(request.args)
    found = await _search(kind, request.args)
    shown = found[page.offset : page.offset + page.count]
    await guard.audit_reads(guard.grant(), (item.child_id for item in shown), f"{kind} search")
    return fhir_response(
        search.bundle(
            [item.resource for item in found],
            page=page,
            base_url=guard.base_url(),
            path=request.path,
            args=request.args,
        )
    )


@blueprint.route(
    "/<any(Patient, Appointment, QuestionnaireResponse, Observation, Flag):kind>/<string:id>"
)
@access(Access.SYSTEM)
async def read(kind: str, id: str) -> ResponseReturnValue:
    found = await _search(kind, MultiDict({"_id": id}))
    if not found:
        raise FhirError(404, "not-found", f"No {kind} {id}.")
    await guard.audit_reads(guard.grant(), [found[0].child_id], f"{kind} read {id}")
    return fhir_response(found[0].resource)
