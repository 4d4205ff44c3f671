"""A real OpenID provider for the single sign-on tests: node's `oidc-provider` package
(tests/oidc/provider.mjs), installed with `npm ci` when missing and started on 127.0.0.1
and a free port, with the app registered as a client and accounts a test can change.

The npm packages go to a cache folder outside the checkout (one per version of
tests/oidc), so the project's tree holds only our own files.

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc.jwk import RSAKey

from tests.helpers.served import HOST, free_port

SOURCE_DIR = Path(__file__).resolve().parents[1] / "oidc"
SOURCES = ("package.json", "package-lock.json", "provider.mjs")
CLIENT_ID = "immuno-companion"
OTHER_CLIENT_ID = "another-ward-app"
STARTUP_SECONDS = 30


def _install_dir() -> Path:
    """Where this version of tests/oidc is installed: the user's cache, named by content."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((SOURCE_DIR / name).read_bytes())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "immuno-companion" / f"oidc-provider-{digest.hexdigest()[:12]}"


PROVIDER_DIR = _install_dir()


def ensure_installed() -> None:
    """`npm ci` once per version of tests/oidc (`make test` runs it first), into a fresh
    folder that is moved into place whole: two test workers never see half an install."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    assert npm, "npm is missing: Node 20 and npm are needed for the sign-on tests"
    PROVIDER_DIR.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=PROVIDER_DIR.parent, prefix=".installing-"))
    for name in SOURCES:
        shutil.copy2(SOURCE_DIR / name, staging / name)
    subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
        [npm, "ci", "--no-audit", "--no-fund"], cwd=staging, check=True
    )
    try:
        staging.rename(PROVIDER_DIR)
    except OSError:  # another worker finished first: its install is the same
        shutil.rmtree(staging, ignore_errors=True)


def signing_keys() -> dict[str, Any]:
    """A private JWK set for a provider to sign ID tokens with (two providers may share it)."""
    key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig"})
    return {"keys": [key.as_dict(private=True)]}


@dataclass
class OpenIdProvider:
    """One running provider: its issuer, the app's client and the accounts file."""

    folder: Path
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    jwks: dict[str, Any] = field(default_factory=signing_keys)
    port: int = field(default_factory=free_port)
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    other_client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    process: subprocess.Popen[str] | None = None

    @property
    def issuer(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def accounts_file(self) -> Path:
        return self.folder / "accounts.json"

    def settings(self, **extra: Any) -> dict[str, Any]:
        """The app's settings for this provider (PWA_OIDC_* without the prefix)."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_NURSE_ROLES": "ward-nurse, oncology-nurse",
            "OIDC_ADMIN_ROLES": "app-admin",
            "OIDC_NAME": "Hospital Login",
            **extra,
        }

    def set_account(self, username: str, **claims: Any) -> None:
        """Add or change one person at the provider (read again at each sign-in)."""
        accounts = self.accounts()
        person = accounts.get(username, {"sub": f"sub-{secrets.token_hex(6)}"})
        person.update(claims)
        accounts[username] = person
        self.accounts_file.write_text(json.dumps(accounts))

    def accounts(self) -> dict[str, Any]:
        if not self.accounts_file.exists():
            return {}
        found: dict[str, Any] = json.loads(self.accounts_file.read_text())
        return found

    def subject(self, username: str) -> str:
        return str(self.accounts()[username]["sub"])

    def start(self) -> None:
        ensure_installed()
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.accounts_file.exists():
            self.accounts_file.write_text("{}")
        config = {
            "issuer": self.issuer,
            "port": self.port,
            "accounts_file": str(self.accounts_file),
            "cookie_key": secrets.token_urlsafe(24),
            "jwks": self.jwks,
            "clients": [
                self._client(CLIENT_ID, self.client_secret),
                self._client(OTHER_CLIENT_ID, self.other_client_secret),
            ],
        }
        config_file = self.folder / f"provider-{self.port}.json"
        config_file.write_text(json.dumps(config))
        node = shutil.which("node")
        assert node, "node is missing: Node 20 is needed for the sign-on tests"
        with (self.folder / f"provider-{self.port}.log").open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603 - node from PATH, our own script
                [node, str(PROVIDER_DIR / "provider.mjs"), str(config_file)],
                cwd=PROVIDER_DIR,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"the provider did not start: {self.log_text()}")

    def _client(self, client_id: str, secret: str) -> dict[str, Any]:
        return {
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": self.redirect_uris,
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        }

    def log_text(self) -> str:
        path = self.folder / f"provider-{self.port}.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


@contextmanager
def running_provider(
    folder: Path,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    jwks: dict[str, Any] | None = None,
    client_secret: str | None = None,
) -> Iterator[OpenIdProvider]:
    provider = OpenIdProvider(folder, redirect_uris, post_logout_redirect_uris)
    if jwks is not None:
        provider.jwks = jwks
    if client_secret is not None:
        provider.client_secret = client_secret
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


def sign_in_at_provider(
    browser: httpx2.Client, authorize_url: str, username: str, password: str, back_to: str
) -> str:
    """Go through the provider as a person would, up to the redirect back to the app.

    ``browser`` keeps the provider's cookies (its own session), like a real browser.
    Returns the URL the provider sends the browser back to (starting with ``back_to``).
    """
    url = authorize_url
    for _ in range(12):
        if url.startswith(back_to):
            return url
        response = browser.get(url)
        if response.status_code in {302, 303}:
            url = urljoin(url, response.headers["location"])
            continue
        assert response.status_code == 200, response.text
        assert 'name="password"' in response.text, response.text
        form_action = urljoin(url, _form_action(response.text))
        posted = browser.post(form_action, data={"username": username, "password": password})
        if posted.status_code == 200:
            raise AssertionError(f"the provider refused the sign-in: {posted.text}")
        url = urljoin(form_action, posted.headers["location"])
    raise AssertionError(f"no way back to {back_to}: stuck at {url}")


def _form_action(html: str) -> str:
    marker = 'action="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


async def id_token_from(
    provider: OpenIdProvider,
    client_id: str,
    client_secret: str,
    browser: httpx2.Client,
    username: str,
    password: str,
    nonce: str,
    redirect_uri: str = "https://localhost/login/oidc/callback",
) -> str:
    """A real ID token the provider issues to ``client_id`` for this person and nonce,
    obtained as that client would (code flow with PKCE), for the app to judge."""
    metadata = browser.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    verifier = secrets.token_urlsafe(48)
    async with AsyncOAuth2Client(
        client_id,
        client_secret,
        scope="openid email profile",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    ) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier
        )
        back = sign_in_at_provider(browser, url, username, password, redirect_uri)
        token = await client.fetch_token(
            metadata["token_endpoint"], code=query_of(back)["code"], code_verifier=verifier
        )
    return str(token["id_token"])
