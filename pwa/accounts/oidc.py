"""Staff single sign-on through the hospital's OpenID provider: the protocol side.

Authlib does the OpenID Connect work, as a client of the provider that is independent of
any web framework: discovery from ``<issuer>/.well-known/openid-configuration``, the
authorization code flow with PKCE (S256), the token request, the ID token's signature
against the provider's published keys (JWKS, fetched again when a new key id appears)
and its nonce, expiry and ``at_hash``. This module adds what Authlib leaves to its caller:
the settings, the audience and issuer the ID token must name (Authlib checks neither
unless told), the discovery document's own issuer, and which role in the app a person's
roles claim maps to. Who that person is in the app is pwa/accounts/identities.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.integrations.base_client import BaseApp, OAuthError
from authlib.integrations.base_client.async_app import AsyncOAuth2Mixin
from authlib.integrations.base_client.async_openid import AsyncOpenIDMixin
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc.errors import JoseError
from quart import current_app

SCOPE = "openid email profile"
PROVIDER_TIMEOUT_SECONDS = 10
# Seconds of clock difference allowed between the provider and the app for exp and iat.
LEEWAY_SECONDS = 120
CALLBACK_PATH = "/login/oidc/callback"
SIGNED_OUT_PATH = "/login/oidc/signed-out"


@dataclass(frozen=True)
class SignOnSettings:
    """The PWA_OIDC_* settings and PWA_STAFF_LOCAL_LOGIN, read once per use."""

    issuer: str
    client_id: str
    client_secret: str
    roles_claim: str
    nurse_roles: frozenset[str]
    admin_roles: frozenset[str]
    name: str
    public_url: str
    local_staff_login: bool

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SignOnSettings:
        return cls(
            issuer=str(config["OIDC_ISSUER"]).strip(),
            client_id=str(config["OIDC_CLIENT_ID"]).strip(),
            client_secret=str(config["OIDC_CLIENT_SECRET"]),
            roles_claim=str(config["OIDC_ROLES_CLAIM"]).strip() or "roles",
            nurse_roles=_role_values(config["OIDC_NURSE_ROLES"]),
            admin_roles=_role_values(config["OIDC_ADMIN_ROLES"]),
            name=str(config["OIDC_NAME"]).strip(),
            public_url=str(config["PUBLIC_URL"]).rstrip("/"),
            local_staff_login=bool(config["STAFF_LOCAL_LOGIN"]),
        )

    @property
    def configured(self) -> bool:
        return bool(self.issuer and self.client_id)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"

    @property
    def callback_url(self) -> str:
        return f"{self.public_url}{CALLBACK_PATH}"

    @property
    def signed_out_url(self) -> str:
        return f"{self.public_url}{SIGNED_OUT_PATH}"

    def role_for(self, claims: Mapping[str, Any]) -> str | None:
        """The app's role for these claims: admin wins over nurse; None when none maps."""
        values = claims.get(self.roles_claim)
        if isinstance(values, str):
            values = values.split()
        if not isinstance(values, list):
            return None
        held = {str(value) for value in values}
        if held & self.admin_roles:
            return "admin"
        if held & self.nurse_roles:
            return "nurse"
        return None


def _role_values(raw: object) -> frozenset[str]:
    return frozenset(part.strip() for part in str(raw).split(",") if part.strip())


def sign_on_settings() -> SignOnSettings:
    return SignOnSettings.from_config(current_app.config)


@dataclass(frozen=True)
class Pending:
    """What the sign-in step keeps (in the signed pre-sign-in cookie) for the callback."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str

    def as_dict(self) -> dict[str, str]:
        return {
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
            "next": self.next_path,
        }

    @classmethod
    def from_dict(cls, data: object) -> Pending | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                str(data["state"]),
                str(data["nonce"]),
                str(data["code_verifier"]),
                str(data["next"]),
            )
        except KeyError:
            return None


@dataclass(frozen=True)
class ProviderPerson:
    """Who the provider says signed in, from a validated ID token."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    role: str | None
    id_token: str


class SignOnRefused(Exception):
    """The provider's answer cannot be trusted or was a refusal; ``reason`` is for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderUnavailable(Exception):
    """The provider did not answer (or not as an OpenID provider): try again later."""


class _ProviderClient(AsyncOAuth2Mixin, AsyncOpenIDMixin, BaseApp):
    """Authlib's framework-independent OpenID client over httpx."""

    client_cls = AsyncOAuth2Client


def _client(settings: SignOnSettings) -> _ProviderClient:
    """One client per issuer and app, so the discovery document and keys are kept."""
    key = ("oidc_client", settings.issuer, settings.client_id)
    client: _ProviderClient | None = current_app.extensions.get(key)  # type: ignore[call-overload]
    if client is None:
        client = _ProviderClient(
            framework=None,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            server_metadata_url=settings.discovery_url,
            client_kwargs={
                "scope": SCOPE,
                "code_challenge_method": "S256",
                "timeout": PROVIDER_TIMEOUT_SECONDS,
            },
        )
        current_app.extensions[key] = client  # type: ignore[index]
    return client


async def _metadata(client: _ProviderClient, settings: SignOnSettings) -> dict[str, Any]:
    """The discovery document, which must name the configured issuer (OIDC Discovery 4.3)."""
    try:
        metadata: dict[str, Any] = await client.load_server_metadata()
    except (httpx2.HTTPError, ValueError) as error:
        raise ProviderUnavailable(str(error)) from error
    if metadata.get("issuer") != settings.issuer:
        client.server_metadata.clear()
        raise ProviderUnavailable("the discovery document names another issuer")
    return metadata


async def begin(settings: SignOnSettings, next_path: str) -> tuple[str, Pending]:
    """The provider's authorization URL (state, nonce, PKCE challenge) and what to keep."""
    client = _client(settings)
    await _metadata(client, settings)
    try:
        started = await client.create_authorization_url(settings.callback_url)
    except (httpx2.HTTPError, RuntimeError) as error:
        raise ProviderUnavailable(str(error)) from error
    pending = Pending(started["state"], started["nonce"], started["code_verifier"], next_path)
    return str(started["url"]), pending


async def finish(
    settings: SignOnSettings, pending: Pending | None, answer: Mapping[str, str]
) -> ProviderPerson:
    """Check the provider's answer, redeem the code and validate the ID token."""
    if pending is None:
        raise SignOnRefused("no_sign_in_started")
    if answer.get("error"):
        raise SignOnRefused(f"provider_error:{answer.get('error', '')[:40]}")
    if not answer.get("state") or answer.get("state") != pending.state:
        raise SignOnRefused("state_mismatch")
    code = answer.get("code")
    if not code:
        raise SignOnRefused("no_code")
    client = _client(settings)
    await _metadata(client, settings)
    try:
        token = await client.fetch_access_token(
            redirect_uri=settings.callback_url, code=code, code_verifier=pending.code_verifier
        )
    except OAuthError as error:
        # invalid_grant: a code used before, expired, or issued for another client.
        raise SignOnRefused(f"code_refused:{error.error}") from error
    except httpx2.HTTPError as error:
        raise ProviderUnavailable(str(error)) from error
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignOnRefused("no_id_token")
    claims = await validate_id_token(
        settings, id_token, pending.nonce, access_token=token.get("access_token")
    )
    return ProviderPerson(
        issuer=settings.issuer,
        subject=str(claims["sub"]),
        email=str(claims.get("email") or "").strip(),
        email_verified=claims.get("email_verified") is True,
        name=str(claims.get("name") or "").strip(),
        role=settings.role_for(claims),
        id_token=id_token,
    )


async def validate_id_token(
    settings: SignOnSettings, id_token: str, nonce: str, *, access_token: str | None = None
) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, expiry and nonce hold."""
    client = _client(settings)
    await _metadata(client, settings)
    token: dict[str, Any] = {"id_token": id_token}
    if access_token:
        token["access_token"] = access_token
    try:
        claims = await client.parse_id_token(
            token,
            nonce=nonce,
            claims_options={
                "iss": {"essential": True, "value": settings.issuer},
                "aud": {"essential": True, "value": settings.client_id},
                "sub": {"essential": True},
                "exp": {"essential": True},
            },
            leeway=LEEWAY_SECONDS,
        )
    except (JoseError, ValueError) as error:
        raise SignOnRefused(f"id_token_invalid:{type(error).__name__}") from error
    except httpx2.HTTPError as error:
        raise ProviderUnavailable(str(error)) from error
    return dict(claims)


async def logout_url(settings: SignOnSettings, id_token: str) -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated logout);
    None when the provider has no end_session_endpoint or cannot be reached."""
    client = _client(settings)
    try:
        metadata = await _metadata(client, settings)
    except ProviderUnavailable:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = await client.create_logout_url(
        post_logout_redirect_uri=settings.signed_out_url,
        id_token_hint=id_token,
        client_id=settings.client_id,
    )
    return str(result["url"])
