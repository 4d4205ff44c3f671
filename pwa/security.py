"""Security wiring shared by every page: headers, route access policies, CSRF forms,
the JSON same-origin rule and the client address used for rate limits."""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

from quart import Quart, current_app, g, redirect, request, session, url_for
from quart.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, Forbidden, NotFound, Unauthorized, UnsupportedMediaType
from wtforms import Form
from wtforms.csrf.session import SessionCSRF
from wtforms.validators import ValidationError

from . import json_bodies, security_events
from .i18n import current_locale, lazy_gettext

F = TypeVar("F", bound=Callable[..., Any])

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # QR codes are rendered as data: URIs; nothing else may come from elsewhere.
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    # Invite, reset and calendar links carry capability tokens: never leak them onward.
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class Access(StrEnum):
    """Who may call a route. Every route declares one; undeclared routes are refused."""

    PUBLIC = "public"
    SIGNED_IN = "signed-in"
    FAMILY = "family"
    STAFF = "staff"
    ADMIN = "admin"
    # A hospital system with a bearer token (SMART Backend Services): the FHIR API's
    # own hook checks the token and its scopes (pwa/fhir/); a session cookie never counts.
    SYSTEM = "system"


ACCESS_ATTRIBUTE = "_pwa_access"
# Quart's own static route serves shipped files only.
BUILTIN_ACCESS = {"static": Access.PUBLIC}
ROLES_ALLOWED = {
    Access.SIGNED_IN: {"caregiver", "nurse", "admin"},
    Access.FAMILY: {"caregiver"},
    Access.STAFF: {"nurse", "admin"},
    Access.ADMIN: {"admin"},
}


def access(level: Access) -> Callable[[F], F]:
    """Declare who may call this view (checked before the view runs)."""

    def decorator(view: F) -> F:
        setattr(view, ACCESS_ATTRIBUTE, level)
        return view

    return decorator


def access_of(endpoint: str | None) -> Access | None:
    if endpoint is None:
        return None
    if endpoint in BUILTIN_ACCESS:
        return BUILTIN_ACCESS[endpoint]
    view = current_app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTRIBUTE, None)


async def enforce_access() -> ResponseReturnValue | None:
    """Before each request: apply the matched route's declared policy."""
    if request.endpoint is None:
        return None  # no route matched: the 404 handler answers
    level = access_of(request.endpoint)
    if level is None:
        # Fail closed: a route nobody thought about is nobody's.
        raise Forbidden()
    if level is Access.PUBLIC or level is Access.SYSTEM:
        return None
    account = g.get("account")
    if account is None:
        if request.path.startswith("/api/") or request.method in UNSAFE_METHODS:
            raise Unauthorized()
        target = request.full_path.rstrip("?")
        if g.get("session_expired"):
            return redirect(url_for("accounts.login", next=target, expired=1))
        return redirect(url_for("accounts.login", next=target))
    if account.role not in ROLES_ALLOWED[level]:
        raise Forbidden()
    return None


def is_same_origin() -> bool:
    """True when the browser says this request came from one of our own pages."""
    origin = request.headers.get("Origin")
    if origin:
        # Compared with PUBLIC_URL, never with the Host header: a page on another name
        # that resolves to this server (DNS rebinding), or a client that sets Host by
        # hand, sends the same foreign name as both Origin and Host.
        return origin == public_origin(current_app.config["PUBLIC_URL"])
    return request.headers.get("Sec-Fetch-Site") == "same-origin"


DEFAULT_PORTS = {"http": 80, "https": 443}


def public_origin(url: str) -> str:
    """The origin of a URL as a browser writes it in an Origin header (RFC 6454):
    lower-case scheme and host, no default port, no path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    port = parts.port
    if port is None or port == DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


async def enforce_json_rule() -> None:
    """State-changing API calls must be same-origin JSON (a form post cannot forge them)."""
    if request.method not in UNSAFE_METHODS or not request.path.startswith("/api/"):
        return
    # Photo uploads are one multipart file each (docs/api.md); everything else is JSON.
    expected = "multipart/form-data" if request.path.endswith("/photos") else "application/json"
    if request.mimetype != expected:
        raise UnsupportedMediaType()
    if not is_same_origin():
        raise Forbidden()
    if expected == "application/json":
        await json_bodies.check_body()


def security_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """Our headers for this app. With staff single sign-on, forms may also lead to the
    hospital's OpenID provider: signing out is a form whose answer sends the browser on
    to the provider's sign-out page, and browsers hold a form's redirects to form-action."""
    issuer = str(config.get("OIDC_ISSUER") or "").strip()
    if not issuer:
        return SECURITY_HEADERS
    policy = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {public_origin(issuer)}"
    )
    return {**SECURITY_HEADERS, "Content-Security-Policy": policy}


def add_security_headers(response: Any) -> Any:
    # A view may set its own value (a stricter policy, say); ours fill in the rest. One
    # pass over the response's few headers instead of a search for each of ours.
    present = {name.lower() for name, _ in response.headers.items()}
    ours: dict[str, str] = current_app.extensions.get("security_headers", SECURITY_HEADERS)
    response.headers.extend(
        [(name, value) for name, value in ours.items() if name.lower() not in present]
    )
    if request.endpoint == "static":
        if request.args.get("v"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
    else:
        # Pages and JSON may carry health data: never store them in shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def client_address() -> str:
    """The client's address, trusting only the configured number of proxies.

    Each trusted proxy appends the address it saw to X-Forwarded-For, so the entry
    ``TRUSTED_PROXIES`` from the right is the first one a client cannot forge.
    """
    hops = int(current_app.config["TRUSTED_PROXIES"])
    if hops > 0:
        # A proxy may add its own header line instead of appending to the client's:
        # all lines together, in order, are the list.
        forwarded = [
            part.strip()
            for line in request.headers.getlist("X-Forwarded-For")
            for part in line.split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or "unknown"


async def require_csrf(form: CsrfForm) -> None:
    """For button-only forms: a missing or stale token is a bad request, nothing more."""
    if not form.validate():
        raise BadRequest()


def not_found_unless(condition: object) -> None:
    """Foreign ids look exactly like missing ones."""
    if not condition:
        raise NotFound()


# --- forms -----------------------------------------------------------------------


def cookie_never_arrived() -> bool:
    """Before sign-in, the CSRF secret rides in a cookie: did the browser send none at all?

    A browser that refuses the cookie (cookies off, or Secure cookies over plain http)
    fails every form the same way; telling it "expired" would send it round in circles.
    """
    if g.get("session_row") is not None:
        return False
    return current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


class _TranslatedSessionCSRF(SessionCSRF):
    """Session CSRF with one plain, translated message for every failure."""

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        try:
            super().validate_csrf_token(form, field)
        except ValidationError as error:
            security_events.record("csrf.refused")
            # A token we rendered came back but the cookie that pairs with it did not.
            if field.data and "##" in field.data and cookie_never_arrived():
                message = lazy_gettext(
                    "Your browser did not keep our sign-in cookie. Allow cookies for this "
                    "site, or open it over https."
                )
            else:
                message = lazy_gettext(
                    "This form has expired. Please check your entries and send it again."
                )
            raise ValidationError(str(message)) from error


def csrf_context() -> MutableMapping[str, Any]:
    """Where the CSRF secret lives: the server-side session, or the pre-sign-in cookie."""
    session_row = g.get("session_row")
    if session_row is not None:
        return {"csrf": session_row.csrf_secret}
    session.permanent = True
    return session


class CsrfForm(Form):
    """Base for every form: CSRF bound to the session, messages in the page's language."""

    class Meta:
        csrf = True
        csrf_class = _TranslatedSessionCSRF
        csrf_field_name = "csrf_token"

        @property
        def csrf_secret(self) -> bytes:
            return str(current_app.config["SECRET_KEY"]).encode()

        @property
        def csrf_context(self) -> MutableMapping[str, Any]:
            return csrf_context()

        @property
        def csrf_time_limit(self) -> timedelta:
            # A form may stay open as long as the session that rendered it can live.
            limit = g.get("session_lifetime")
            if isinstance(limit, timedelta):
                return limit
            return timedelta(minutes=int(current_app.config["PRE_LOGIN_MINUTES"]))

        @property
        def locales(self) -> list[str]:
            return [current_locale()]

    @classmethod
    async def from_request(cls, **kwargs: Any) -> Any:
        """Build the form from the posted body (read first, as Quart needs)."""
        formdata = await request.form if request.method in UNSAFE_METHODS else None
        return cls(formdata=formdata, **kwargs)


def csrf_token() -> str:
    """A token for hand-written forms (the language switch in every page's footer)."""
    return str(CsrfForm().csrf_token.current_token)


def init_app(app: Quart) -> None:
    """Register after the session loader: who is asking decides before what they send."""
    app.extensions["security_headers"] = security_headers(app.config)
    app.before_request(enforce_access)
    app.before_request(enforce_json_rule)
    app.after_request(add_security_headers)
