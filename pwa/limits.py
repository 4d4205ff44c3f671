"""Rate limits: strict ones on credentials and codes, a generous default everywhere else.

Every route is either limited (its own limits, or the default) or explicitly exempt with
``rate_exempt``; tests/test_security.py walks the routes to keep it that way.
"""

from __future__ import annotations

from datetime import timedelta

from quart import Quart, g, request
from quart_rate_limiter import RateLimit, RateLimiter, rate_exempt, rate_limit

from .security import client_address

__all__ = [
    "code_limits",
    "credential_limits",
    "init_app",
    "password_change_limits",
    "rate_exempt",
    "rate_limit",
]

WINDOW = timedelta(minutes=15)
PER_CLIENT = 10
PER_ACCOUNT = 5


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
    per client in pwa/accounts/lockout.py, shared by every server process.
    """
    return [RateLimit(PER_CLIENT * 2, WINDOW, by_client, unless_post)]


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
