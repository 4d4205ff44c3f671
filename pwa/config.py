"""Every setting of the app, declared once with its default and a line of help.

Values come from, in order: the mapping given to ``create_app``, environment variables
named ``PWA_<NAME>``, then the default. Secrets are never defaults: they come from the
environment or are generated into the instance folder on first run.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


# The push services of Chrome and Android (FCM), Firefox, Safari on iPhone, iPad and Mac,
# and Edge on Windows (WNS): what their browsers put in a subscription's endpoint.
# The demo nurse's and admin's authenticator secret (README, "Demo logins"): public, so
# production refuses demo accounts. Tests, benchmarks and screenshots sign in with it too.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"  # noqa: S105  # nosec B105  # public demo data

DEFAULT_PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com android.googleapis.com updates.push.services.mozilla.com "
    "web.push.apple.com *.push.apple.com *.notify.windows.com"
)

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ENV",
        "development",
        "'development' or 'production'; production refuses demo data and development secrets.",
    ),
    Setting(
        "INSTANCE_PATH",
        "instance",
        "Folder for the SQLite database, generated secrets and VAPID keys.",
    ),
    Setting(
        "DATABASE",
        "",
        "Path of the SQLite database file; empty means <INSTANCE_PATH>/immuno.sqlite3.",
    ),
    Setting(
        "SECRET_KEY",
        "",
        "Signs cookies and CSRF tokens; generated into the instance folder when empty.",
    ),
    Setting(
        "PUBLIC_URL",
        "http://127.0.0.1:8000",
        "Origin the app is reached at, used in invite links and QR codes; an http:// address "
        "in development gives cookies without Secure and __Host- (docs/deploy.md).",
    ),
    Setting("HOST", "127.0.0.1", "Address `pwa serve` binds to."),
    Setting("PORT", 8000, "Port `pwa serve` listens on."),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Number of reverse proxies in front of the app whose X-Forwarded-For entries are trusted.",
    ),
    Setting("READ_CONNECTIONS", 4, "Number of read-only SQLite connections kept open."),
    Setting(
        "PAGE_CACHE_PAGES",
        1000,
        "Rendered family home pages kept in memory per server process (0 turns this off).",
    ),
    Setting(
        "NURSE_IDLE_MINUTES",
        30,
        "A nurse or admin session ends after this many minutes without activity.",
    ),
    Setting(
        "NURSE_ABSOLUTE_HOURS",
        12,
        "A nurse or admin session ends this many hours after sign-in, active or not.",
    ),
    Setting(
        "FAMILY_IDLE_DAYS", 30, "A caregiver session ends after this many days without activity."
    ),
    Setting(
        "FAMILY_ABSOLUTE_DAYS",
        90,
        "A caregiver session ends this many days after sign-in, active or not.",
    ),
    Setting(
        "PRE_LOGIN_MINUTES",
        120,
        "Lifetime of the signed pre-sign-in cookie that carries CSRF and second-factor state.",
    ),
    Setting("INVITE_DAYS", 14, "An invite code expires this many days after it was made."),
    Setting("RESET_HOURS", 72, "A password reset code expires this many hours after it was made."),
    Setting("PASSWORD_MIN_SCORE", 3, "Lowest zxcvbn score (0-4) a new password must reach."),
    Setting("ARGON2_TIME_COST", 3, "argon2id iterations for password hashes."),
    Setting("ARGON2_MEMORY_KIB", 65536, "argon2id memory cost in KiB for password hashes."),
    Setting(
        "GENERAL_LIMIT_PER_MINUTE",
        600,
        "Requests per minute per client address on every other route.",
    ),
    Setting(
        "RATE_LIMITS_ENABLED",
        True,
        "Switch rate limiting off only for benchmarks that measure raw throughput.",
    ),
    Setting(
        "VAPID_PRIVATE_KEY",
        "",
        "PEM text of the P-256 VAPID private key; generated into the instance folder when empty.",
    ),
    Setting(
        "VAPID_SUBJECT",
        "mailto:it@hospital.example",
        "Contact the push services can reach (mailto: or https: URL), sent in every VAPID token.",
    ),
    Setting("PUSH_TIMEOUT_SECONDS", 10, "How long one request to a push service may take."),
    Setting(
        "PUSH_SERVICE_HOSTS",
        DEFAULT_PUSH_SERVICE_HOSTS,
        "Push services a phone's endpoint may name (https, port 443), separated by blanks or "
        "commas; *.domain allows any name under it (docs/security.md).",
    ),
    Setting(
        "PUSH_ALLOW_INSECURE_TEST_SERVICE",
        False,
        "Development and tests only: PUSH_SERVICE_HOSTS may list a local fake push service as "
        "127.0.0.1:<port>, reached over plain http (production refuses this).",
    ),
    Setting(
        "SENDER_INTERVAL_SECONDS",
        30,
        "How often the in-app sender loop looks for due notifications.",
    ),
    Setting(
        "SENDER_IN_APP",
        True,
        "Run the reminder sender inside the web server; switch off when `pwa send-reminders` runs from cron.",
    ),
    Setting(
        "SMTP_HOST",
        "",
        "The hospital's mail relay (host name); empty means the app sends no e-mail.",
    ),
    Setting("SMTP_PORT", 587, "The relay's port: 587 with STARTTLS, 465 with TLS."),
    Setting(
        "SMTP_SECURITY",
        "starttls",
        "'starttls' (port 587), 'tls' (port 465) or 'none' (a relay on this machine only).",
    ),
    Setting("SMTP_USERNAME", "", "User name at the relay, if it asks for one."),
    Setting("SMTP_PASSWORD", "", "Password at the relay, from the environment."),
    Setting(
        "SMTP_FROM",
        "",
        "Sender address of the app's e-mails, e.g. Immuno Companion <noreply@hospital.example>.",
    ),
    Setting(
        "SMTP_CA_FILE",
        "",
        "PEM file of the certificate authority the relay's certificate must chain to, when it "
        "is the hospital's own; empty trusts the system's authorities.",
    ),
    Setting("SMTP_TIMEOUT_SECONDS", 20, "How long one conversation with the relay may take."),
    Setting(
        "FHIR_PATIENT_NUMBER_SYSTEM",
        "urn:immuno-companion:patient-number",
        "Identifier system of the hospital patient number in FHIR exports (set the hospital's own, e.g. urn:oid:…).",
    ),
    Setting(
        "RETENTION_DAYS",
        365,
        "Days after a record is closed before `pwa purge` removes its personal data (a decision for the hospital).",
    ),
    Setting(
        "OIDC_ISSUER",
        "",
        "Staff single sign-on: the hospital's OpenID provider (issuer URL, e.g. Entra ID or "
        "Keycloak); empty means staff sign in with a password only (docs/deploy.md).",
    ),
    Setting("OIDC_CLIENT_ID", "", "The app's client id at the OpenID provider."),
    Setting("OIDC_CLIENT_SECRET", "", "The app's client secret at the OpenID provider."),
    Setting(
        "OIDC_ROLES_CLAIM",
        "roles",
        "The ID token claim that lists the person's roles (Entra ID app roles, Keycloak client roles).",
    ),
    Setting(
        "OIDC_NURSE_ROLES",
        "",
        "Role values (comma-separated) that make someone a nurse in the app.",
    ),
    Setting(
        "OIDC_ADMIN_ROLES",
        "",
        "Role values (comma-separated) that make someone an admin in the app; admin wins over nurse.",
    ),
    Setting(
        "OIDC_NAME",
        "",
        "The provider's name on the sign-in button (\"Sign in with <name>\"); empty means the hospital's name.",
    ),
    Setting(
        "STAFF_LOCAL_LOGIN",
        True,
        "Staff may sign in with a password and authenticator code; false leaves staff only the "
        "OpenID provider (families always keep their password).",
    ),
    Setting(
        "DEMO_TOTP_SECRET",
        DEMO_TOTP_SECRET,
        "Fixed TOTP secret of the demo nurse and admin (development only).",
    ),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class ConfigError(RuntimeError):
    """The configuration is unsafe or inconsistent; the app must not start."""


def _coerce(setting: Setting, raw: Any) -> Any:
    if isinstance(setting.default, bool):
        if isinstance(raw, str):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return bool(raw)
    if isinstance(setting.default, int):
        return int(raw)
    return str(raw)


def load(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Resolve every setting from overrides, environment and defaults."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(_BY_NAME) - _PASSTHROUGH
    if unknown:
        raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            values[setting.name] = _coerce(setting, overrides[setting.name])
        elif f"PWA_{setting.name}" in environ:
            values[setting.name] = _coerce(setting, environ[f"PWA_{setting.name}"])
        else:
            values[setting.name] = setting.default
    values.update({key: overrides[key] for key in _PASSTHROUGH if key in overrides})
    instance = Path(values["INSTANCE_PATH"]).resolve()
    values["INSTANCE_PATH"] = str(instance)
    if not values["DATABASE"]:
        values["DATABASE"] = str(instance / "immuno.sqlite3")
    return values


# Quart's own flags that tests may set directly.
_PASSTHROUGH = {"TESTING", "PROPAGATE_EXCEPTIONS"}


def ensure_secret_key(values: dict[str, Any]) -> None:
    """Use the configured secret, or create one in the instance folder on first run."""
    if values["SECRET_KEY"]:
        return
    if values["ENV"] == "production":
        raise ConfigError("production needs PWA_SECRET_KEY set in the environment")
    path = Path(values["INSTANCE_PATH"]) / SECRET_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    values["SECRET_KEY"] = path.read_text().strip()


def plain_http_development(values: Mapping[str, Any]) -> bool:
    """True when a developer serves plain http: browsers other than Chromium drop Secure
    cookies there (WebKit even on 127.0.0.1), so cookies go without Secure and __Host-."""
    return values["ENV"] == "development" and str(values["PUBLIC_URL"]).startswith("http://")


def check_production(values: Mapping[str, Any]) -> None:
    """Refuse settings that are only safe on a developer's machine."""
    if values["ENV"] not in {"development", "production"}:
        raise ConfigError("ENV must be 'development' or 'production'")
    check_single_sign_on(values)
    if values["ENV"] != "production":
        return
    if len(values["SECRET_KEY"]) < 32:
        raise ConfigError("PWA_SECRET_KEY must be at least 32 characters in production")
    if not values["PUBLIC_URL"].startswith("https://"):
        raise ConfigError("PWA_PUBLIC_URL must be an https:// address in production")
    if values["OIDC_ISSUER"] and not str(values["OIDC_ISSUER"]).startswith("https://"):
        raise ConfigError("PWA_OIDC_ISSUER must be an https:// address in production")
    if values["PUSH_ALLOW_INSECURE_TEST_SERVICE"]:
        raise ConfigError(
            "PWA_PUSH_ALLOW_INSECURE_TEST_SERVICE is for development and tests, not production"
        )


def check_single_sign_on(values: Mapping[str, Any]) -> None:
    """Refuse a sign-on setup that would lock every staff member out."""
    if values["OIDC_ISSUER"] and not values["OIDC_CLIENT_ID"]:
        raise ConfigError("PWA_OIDC_ISSUER needs PWA_OIDC_CLIENT_ID as well")
    if not values["STAFF_LOCAL_LOGIN"] and not values["OIDC_ISSUER"]:
        raise ConfigError(
            "PWA_STAFF_LOCAL_LOGIN=false needs PWA_OIDC_ISSUER: staff would have no way to sign in"
        )
