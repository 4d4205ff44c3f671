"""SMART Backend Services for the FHIR API: an admin registers a hospital system with its
public keys and scopes; the system signs its own assertion (RS384 or ES384) for a
five-minute token; expired, replayed, wrongly signed or wrongly addressed assertions are
refused, scopes are checked per request, and no session cookie opens /fhir."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from quart import Quart

from pwa.clock import utcnow
from pwa.db import Database
from pwa.fhir import clients
from tests.conftest import People, get_csrf, post_form, sign_in
from tests.helpers.fhir import (
    READ,
    WRITE,
    SystemKey,
    appointment,
    bearer,
    register,
    token_in_app,
)

TOKEN_URL = "https://localhost/fhir/auth/token"


async def _json(response: Any) -> dict[str, Any]:
    return dict(json.loads(await response.get_data(as_text=True)))


@pytest.mark.parametrize("alg", ["RS384", "ES384"])
async def test_a_signed_assertion_gets_a_five_minute_token_that_reads(
    app: Quart, db: Database, alg: str
) -> None:
    key = SystemKey.new(alg)
    system = await register(db, "HiX koppeling", key, [READ])
    status, body = await token_in_app(app, key.assertion(system.client_id, TOKEN_URL), READ)
    assert status == 200, body
    assert body["token_type"] == "bearer" and body["expires_in"] == 300
    assert body["scope"] == READ
    # Opaque and stored hashed: the token itself is nowhere in the database.
    rows = await db.fetch_all("SELECT token_hash FROM fhir_token")
    assert len(rows) == 1 and body["access_token"].encode() not in bytes(rows[0][0])
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    response = await app.test_client().get("/fhir/Flag", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    with time_machine.travel(utcnow() + timedelta(minutes=5, seconds=1), tick=False):
        late = await app.test_client().get("/fhir/Flag", headers=headers)
    assert late.status_code == 401
    assert (await _json(late))["resourceType"] == "OperationOutcome"


async def test_a_replayed_assertion_is_refused(app: Quart, db: Database) -> None:
    key = SystemKey.new()
    system = await register(db, "HiX", key, [READ])
    assertion = key.assertion(system.client_id, TOKEN_URL)
    assert (await token_in_app(app, assertion, READ))[0] == 200
    status, body = await token_in_app(app, assertion, READ)
    assert status == 401 and body["error"] == "invalid_client"
    assert "used before" in body["error_description"]


async def test_expired_far_future_and_misaddressed_assertions_are_refused(
    app: Quart, db: Database
) -> None:
    key = SystemKey.new()
    system = await register(db, "HiX", key, [READ])
    refused = {
        "expired": key.assertion(system.client_id, TOKEN_URL, expires_in=timedelta(seconds=-5)),
        "too far ahead": key.assertion(
            system.client_id, TOKEN_URL, expires_in=timedelta(minutes=6)
        ),
        "other audience": key.assertion(system.client_id, "https://elsewhere/token"),
        "sub not the client": key.assertion(system.client_id, TOKEN_URL, sub="someone"),
        "unknown client": key.assertion("not-a-client", TOKEN_URL),
    }
    for why, assertion in refused.items():
        status, body = await token_in_app(app, assertion, READ)
        assert (status, body["error"]) == (401, "invalid_client"), why
    assert await db.fetch_all("SELECT 1 FROM fhir_token") == []


async def test_an_assertion_signed_with_another_key_is_refused(app: Quart, db: Database) -> None:
    key, stranger = SystemKey.new(), SystemKey.new()
    system = await register(db, "HiX", key, [READ])
    # The stranger names the registered client but signs with a key of its own.
    status, body = await token_in_app(app, stranger.assertion(system.client_id, TOKEN_URL), READ)
    assert status == 401 and "signature" in body["error_description"]


async def test_a_scope_the_admin_did_not_allow_is_refused(app: Quart, db: Database) -> None:
    key = SystemKey.new()
    system = await register(db, "Reader only", key, [READ])
    status, body = await token_in_app(app, key.assertion(system.client_id, TOKEN_URL), WRITE)
    assert (status, body["error"]) == (400, "invalid_scope")
    status, body = await token_in_app(
        app, key.assertion(system.client_id, TOKEN_URL), "system/Observation.read"
    )
    assert status == 200 and body["scope"] == "system/Observation.read"


async def test_scopes_are_checked_on_every_request(app: Quart, db: Database) -> None:
    """A token for Observation only reads Observations; a read token never writes."""
    key = SystemKey.new()
    reader = await register(db, "Lab viewer", key, [READ])
    narrow = await bearer(app, reader, key, "system/Observation.read")
    client = app.test_client()
    assert (await client.get("/fhir/Observation?patient=1", headers=narrow)).status_code == 200
    flags = await client.get("/fhir/Flag", headers=narrow)
    assert flags.status_code == 403
    assert (await _json(flags))["issue"][0]["code"] == "forbidden"
    wide = await bearer(app, reader, key, READ)
    put = await client.put(
        "/fhir/Appointment?identifier=urn:x|1",
        headers={**wide, "Content-Type": "application/fhir+json"},
        data=json.dumps(
            appointment("1", "NL-1", "2027-03-01T09:00:00+01:00", "2027-03-01T17:00:00+01:00")
        ),
    )
    assert put.status_code == 403


async def test_another_systems_read_token_cannot_write(
    app: Quart, db: Database, people: People
) -> None:
    """Hazard H29: only a system allowed to write books visits."""
    writer_key, reader_key = SystemKey.new(), SystemKey.new("ES384")
    await register(db, "Booking engine", writer_key, [READ, WRITE])
    reader = await register(db, "Dashboard", reader_key, [READ])
    headers = await bearer(app, reader, reader_key, READ)
    response = await app.test_client().post(
        "/fhir",
        headers={**headers, "Content-Type": "application/fhir+json"},
        data=json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": []}),
    )
    assert response.status_code == 403
    assert await db.fetch_all("SELECT 1 FROM visit_import") == []


async def test_a_signed_in_nurses_cookie_opens_nothing_under_fhir(
    app: Quart, db: Database, people: People
) -> None:
    nurse = app.test_client()
    await sign_in(nurse, "nurse@example.org", staff=True)
    assert (await nurse.get("/nurse/children")).status_code == 200
    for path in ("/fhir/Patient?identifier=x", "/fhir/Flag", f"/fhir/Patient/{people.child_id}"):
        response = await nurse.get(path)
        assert response.status_code == 401, path
        assert response.mimetype == "application/fhir+json"
        assert (await _json(response))["issue"][0]["code"] == "login"
    bundle = await nurse.post(
        "/fhir",
        headers={"Content-Type": "application/fhir+json"},
        data=json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": []}),
    )
    assert bundle.status_code == 401


async def test_a_switched_off_system_loses_its_token_at_once(app: Quart, db: Database) -> None:
    key = SystemKey.new()
    system = await register(db, "Old engine", key, [READ])
    headers = await bearer(app, system, key, READ)
    async with db.transaction() as tx:
        await clients.disable_client(tx, system.id)
    assert (await app.test_client().get("/fhir/Flag", headers=headers)).status_code == 401
    status, _ = await token_in_app(app, key.assertion(system.client_id, TOKEN_URL), READ)
    assert status == 401


async def test_metadata_and_smart_configuration_need_no_token(app: Quart) -> None:
    client = app.test_client()
    metadata = await client.get("/fhir/metadata")
    assert metadata.status_code == 200 and metadata.mimetype == "application/fhir+json"
    capability = await _json(metadata)
    assert capability["fhirVersion"] == "4.0.1"
    CapabilityStatement.model_validate(capability)
    smart = await _json(await client.get("/fhir/.well-known/smart-configuration"))
    assert smart["token_endpoint"] == TOKEN_URL
    assert smart["token_endpoint_auth_signing_alg_values_supported"] == ["RS384", "ES384"]


# --- the admin's page ----------------------------------------------------------------


async def _admin(app: Quart) -> Any:
    admin = app.test_client()
    await sign_in(admin, "admin@example.org", staff=True)
    return admin


async def test_an_admin_registers_a_system_with_public_keys_only(
    app: Quart, db: Database, people: People
) -> None:
    admin = await _admin(app)
    home = await (await admin.get("/admin/")).get_data(as_text=True)
    assert "/admin/hospital-systems" in home
    key = SystemKey.new()
    private = await post_form(
        admin,
        "/admin/hospital-systems",
        {"name": "HiX", "jwks": json.dumps(key.private_jwks()), "scopes": READ},
    )
    page = await private.get_data(as_text=True)
    assert private.status_code == 200 and "holds a private key" in page
    assert key.public_jwks()["keys"][0]["n"] in page  # what the admin pasted stays in the form
    assert await clients.select_all(db) == []

    token = await get_csrf(admin, "/admin/hospital-systems")
    fields = [("csrf_token", token), ("name", "HiX"), ("jwks", json.dumps(key.public_jwks()))]
    response = await admin.post(
        "/admin/hospital-systems",
        data=urlencode([*fields, ("scopes", READ), ("scopes", WRITE)]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 302
    [system] = await clients.select_all(db)
    assert system.name == "HiX" and system.scopes == {READ, WRITE}
    listing = await (await admin.get("/admin/hospital-systems")).get_data(as_text=True)
    assert system.client_id in listing and TOKEN_URL in listing
    status, _ = await token_in_app(app, key.assertion(system.client_id, TOKEN_URL), WRITE)
    assert status == 200


async def test_the_admin_page_refuses_bad_key_sets_with_a_message(
    app: Quart, db: Database, people: People
) -> None:
    admin = await _admin(app)
    weak = {"keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}]}
    for jwks, words in (
        ("not json", "This is not a key set"),
        (json.dumps(weak), "P-384"),
        (json.dumps({"keys": []}), "holds no key"),
    ):
        response = await post_form(
            admin, "/admin/hospital-systems", {"name": "X", "jwks": jwks, "scopes": READ}
        )
        assert words in await response.get_data(as_text=True), jwks
    assert await clients.select_all(db) == []


async def test_only_admins_reach_the_hospital_systems_page(
    app: Quart, people: People, nurse_client: Any, family_client: Any
) -> None:
    assert (await nurse_client.get("/admin/hospital-systems")).status_code == 403
    assert (await family_client.get("/admin/hospital-systems")).status_code == 403


async def test_the_admin_switches_a_system_off_with_a_csrf_checked_button(
    app: Quart, db: Database, people: People
) -> None:
    key = SystemKey.new()
    system = await register(db, "Old engine", key, [READ])
    admin = await _admin(app)
    path = f"/admin/hospital-systems/{system.id}/disable"
    assert (await admin.post(path, form={"csrf_token": "forged"})).status_code == 400
    assert (await clients.select_all(db))[0].active
    response = await post_form(admin, path, {}, csrf_path="/admin/hospital-systems")
    assert response.status_code == 302
    assert not (await clients.select_all(db))[0].active
    assert "switched off" in await (await admin.get("/admin/hospital-systems")).get_data(
        as_text=True
    )
