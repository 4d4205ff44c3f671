"""Rate limits: strict ones on credentials and codes, a generous default everywhere else.

Every route is either limited (its own limits, or the default) or explicitly exempt with
``rate_exempt``; tests/test_security.py walks the routes to keep it that way. Routes
marked ``failures_counted`` also count their failures (wrong passwords and codes, unknown
calendar tokens) in the database, shared by every server process (pwa/accounts/lockout.py):
those limits refuse guessing without refusing the many right answers of one address.
These in-memory limits are per process (docs/deploy.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from quart import Quart, g, request
from quart_rate_limiter import RateLimit, RateLimiter, rate_exempt, rate_limit

from .security import client_address

__all__ = [
    "code_limits",
    "credential_limits",
    "failures_counted",
    "init_app",
    "password_change_limits",
    "rate_exempt",
    "rate_limit",
]

F = TypeVar("F", bound=Callable[..., Any])

WINDOW = timedelta(minutes=15)
PER_CLIENT = 10
PER_ACCOUNT = 5
# Sign-in form posts from one client address, right or wrong: only a cap on the work of
# hashing, far above a ward's shift change behind one address (40 nurses, a password and
# a code each, are 80 posts). Guessing is limited by counted failures instead.
SIGN_IN_POSTS_PER_CLIENT = 300
FAILURES_COUNTED_ATTRIBUTE = "_pwa_failures_counted"


def failures_counted(view: F) -> F:
    """Mark a view whose failed attempts are counted and limited in the database."""
    setattr(view, FAILURES_COUNTED_ATTRIBUTE, True)
    return view


async def by_client() -> str:
    return f"client:{client_address()}"


async def by_account() -> str:
    """The signed-in account, however many addresses its session is used from.

    Limits run before the access check: nobody signed in counts by client address.
    """
    account = g.get("account")
    if account is not None:
        return f"account:{account.id}"
    return await by_client()


async def unless_post() -> bool:
    return request.method != "POST"


def credential_limits() -> list[RateLimit]:
    """Sign-in and second-factor posts per client, right or wrong: a cap on hashing work.

    Wrong ones are what guessing is, and are limited per account, per known device and
    per client in pwa/accounts/lockout.py; right ones never count there.
    """
    return [RateLimit(SIGN_IN_POSTS_PER_CLIENT, WINDOW, by_client, unless_post)]


def password_change_limits() -> list[RateLimit]:
    """Current-password checks of a signed-in session: per client and per account."""
    return [
        RateLimit(PER_CLIENT, WINDOW, by_client, unless_post),
        RateLimit(PER_ACCOUNT, WINDOW, by_account, unless_post),
    ]


def code_limits() -> list[RateLimit]:
    """Invite and reset links: every look-up is a guess, so GETs count too."""
    return [RateLimit(PER_CLIENT * 2, WINDOW, by_client)]


def init_app(app: Quart) -> None:
    RateLimiter(
        app,
        key_function=by_client,
        default_limits=[
            RateLimit(app.config["GENERAL_LIMIT_PER_MINUTE"], timedelta(minutes=1), by_client)
        ],
        enabled=app.config["RATE_LIMITS_ENABLED"],
    )
