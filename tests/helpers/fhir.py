"""A hospital system as the FHIR tests play it: its own key pair, the SMART Backend
Services assertion it signs itself, its registration, and the token it gets back.

Only public keys ever reach the app; the private key stays in the test, as it would stay
in the integration engine.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey
from quart import Quart

from pwa.clock import utcnow
from pwa.db import Database
from pwa.fhir import clients
from pwa.fhir.clients import Client
from pwa.fhir.tokens import ASSERTION_TYPE

READ = clients.READ_ALL
WRITE = clients.APPOINTMENT_WRITE
NUMBER_SYSTEM = "urn:immuno-companion:patient-number"
KIND_SYSTEM = "https://localhost/fhir/CodeSystem/visit-kind"
VISIT_SYSTEM = "urn:oid:2.16.840.1.113883.2.4.3.11.999.1"  # the EHR's own appointment ids


@dataclass
class SystemKey:
    """A private key the hospital system keeps; ``alg`` is RS384 or ES384."""

    key: RSAKey | ECKey
    alg: str

    @classmethod
    def new(cls, alg: str = "RS384") -> SystemKey:
        if alg == "ES384":
            return cls(ECKey.generate_key("P-384", parameters={"kid": str(uuid.uuid4())}), alg)
        return cls(RSAKey.generate_key(2048, parameters={"kid": str(uuid.uuid4())}), alg)

    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def private_jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=True)]}

    def assertion(
        self,
        client_id: str,
        token_url: str,
        *,
        expires_in: timedelta = timedelta(minutes=4),
        jti: str | None = None,
        now: datetime | None = None,
        **claims: Any,
    ) -> str:
        """A client assertion as SMART Backend Services asks for (iss = sub = client id)."""
        moment = now or utcnow()
        payload = {
            "iss": client_id,
            "sub": client_id,
            "aud": token_url,
            "exp": int((moment + expires_in).timestamp()),
            "jti": jti or str(uuid.uuid4()),
            **claims,
        }
        header = {"alg": self.alg, "typ": "JWT", "kid": self.key.kid}
        return jwt.encode(header, payload, self.key, algorithms=[self.alg])


async def register(
    db: Database, name: str, key: SystemKey, scopes: list[str], admin_id: int | None = None
) -> Client:
    """Register a system as the admin page does (its own page is tested on its own)."""
    async with db.transaction() as tx:
        return await clients.insert_client(
            tx, name=name, jwks=key.public_jwks(), scopes=scopes, created_by=admin_id
        )


def token_form(assertion: str, scope: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        "scope": scope,
    }


async def token_in_app(app: Quart, assertion: str, scope: str) -> tuple[int, dict[str, Any]]:
    """The token endpoint through the app's test client: (status, JSON body)."""
    response = await app.test_client().post("/fhir/auth/token", form=token_form(assertion, scope))
    return response.status_code, json.loads(await response.get_data(as_text=True))


async def bearer(app: Quart, client: Client, key: SystemKey, scope: str) -> dict[str, str]:
    status, body = await token_in_app(
        app, key.assertion(client.client_id, "https://localhost/fhir/auth/token"), scope
    )
    assert status == 200, body
    return {"Authorization": f"Bearer {body['access_token']}"}


def token_over_http(base_url: str, client: Client, key: SystemKey, scope: str) -> str:
    """A real HTTP token request against a served app, as the integration engine makes it."""
    token_url = f"{base_url}/fhir/auth/token"
    data = urllib.parse.urlencode(
        token_form(key.assertion(client.client_id, token_url), scope)
    ).encode()
    request = urllib.request.Request(token_url, data=data, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # nosec B310 - 127.0.0.1
        return str(json.loads(response.read())["access_token"])


def appointment(
    identifier: str,
    number: str,
    start: str,
    end: str,
    *,
    kind: str = "admission",
    status: str = "booked",
    location: str | None = None,
) -> dict[str, Any]:
    """An Appointment as the EHR sends it: its own id, the patient by hospital number, and
    a location (which the app does not take)."""
    participants: list[dict[str, Any]] = [
        {
            "actor": {"type": "Patient", "identifier": {"system": NUMBER_SYSTEM, "value": number}},
            "status": "accepted",
        }
    ]
    if location:
        participants.append(
            {"actor": {"type": "Location", "display": location}, "status": "accepted"}
        )
    return {
        "resourceType": "Appointment",
        "identifier": [{"system": VISIT_SYSTEM, "value": identifier}],
        "status": status,
        "serviceType": [{"coding": [{"system": KIND_SYSTEM, "code": kind}]}],
        "start": start,
        "end": end,
        "participant": participants,
    }


def transaction(*appointments: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": item,
                "request": {
                    "method": "PUT",
                    "url": f"Appointment?identifier={VISIT_SYSTEM}|{item['identifier'][0]['value']}",
                },
            }
            for item in appointments
        ],
    }
