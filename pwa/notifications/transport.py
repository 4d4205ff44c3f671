"""The transport: one Web Push request to one device, and what each answer means.

The meaning of an answer is one small table (``POLICY``, docs/reminders.md's response
table): whether the delivery is done, what happens to the device, whether to try again
later, and whether an admin must hear of it. The sender applies the verdicts; nothing
here touches the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from pywebpush import WebPushException, webpush_async

from .endpoints import EndpointPolicy, EndpointRefused, NoRedirects
from .keys import VapidKeys
from .store import Subscription

log = logging.getLogger(__name__)

# A subscription that never once worked is switched off after this many 400 answers.
NEVER_WORKED_LIMIT = 3


@dataclass(frozen=True)
class Answer:
    """What one send came back with."""

    status: int | None  # HTTP status, None for a timeout or connection error
    retry_after: int | None = None  # seconds, from a Retry-After header
    refused: bool = False  # not sent: the endpoint is not one this server connects to


class Device(Enum):
    """What an answer means for the device it went to."""

    WORKS = "works"  # a success counted
    GONE = "gone"  # the push service forgot it: so do we
    FAILING = "failing"  # a failure counted
    NEVER_WORKED = "never_worked"  # a failure counted; off after NEVER_WORKED_LIMIT if never worked
    SWITCHED_OFF = "switched_off"  # a failure counted and the device switched off
    UNTOUCHED = "untouched"  # our fault, not the device's


@dataclass(frozen=True)
class Problem:
    """Something a person must look at: logged, and listed for the admin (push_problem).
    The texts name the status, job and device ids only, never an endpoint."""

    kind: str
    detail: str  # str.format'ed with status, job and device
    level: int
    message: str  # likewise, for the log


@dataclass(frozen=True)
class Verdict:
    delivery: str | None  # the delivery's state now; None: still pending (or gone with its device)
    device: Device
    retry: bool = False
    problem: Problem | None = None


DELIVERED = Verdict("sent", Device.WORKS)
GONE = Verdict(None, Device.GONE)
RETRY = Verdict(None, Device.FAILING, retry=True)
FAILED = Verdict("failed", Device.FAILING)
VAPID_REJECTED = Verdict(
    "failed",
    Device.FAILING,
    problem=Problem(
        "vapid_rejected",
        "status {status}, job {job}",
        logging.ERROR,
        "push service refused our VAPID credentials ({status}) for job {job}",
    ),
)
# Never followed (NoRedirects): a push service has no reason to redirect.
REDIRECTED = Verdict(
    "failed",
    Device.FAILING,
    problem=Problem(
        "push_redirect",
        "status {status}, device {device}",
        logging.WARNING,
        "a push service answered {status} (redirect not followed), job {job}",
    ),
)
# A stored endpoint this server will not connect to: the device is switched off (the
# phone is asked to subscribe again on its next app open).
REFUSED = Verdict(
    "failed",
    Device.SWITCHED_OFF,
    problem=Problem(
        "endpoint_refused",
        "device {device}",
        logging.WARNING,
        "device {device} has a push endpoint outside PUSH_SERVICE_HOSTS: switched off",
    ),
)
POLICY: dict[int | None, Verdict] = {
    200: DELIVERED,
    201: DELIVERED,
    202: DELIVERED,
    400: Verdict("failed", Device.NEVER_WORKED),
    401: VAPID_REJECTED,
    403: VAPID_REJECTED,
    404: GONE,
    410: GONE,
    408: RETRY,
    413: Verdict(
        "failed",
        Device.UNTOUCHED,
        problem=Problem(
            "payload_too_large",
            "job {job}",
            logging.ERROR,
            "push payload too large for job {job}: our bug, not retried",
        ),
    ),
    429: RETRY,
    None: RETRY,  # a timeout or connection error
}


def verdict(answer: Answer) -> Verdict:
    """The table's verdict on an answer: exact statuses first, then 3xx, 5xx, the rest."""
    status = answer.status
    if answer.refused:
        return REFUSED
    if status in POLICY:
        return POLICY[status]
    assert status is not None  # None is in the table
    if 300 <= status < 400:
        return REDIRECTED
    if status >= 500:
        return RETRY
    return FAILED


class Transport:
    """Sends one encrypted, VAPID-signed message to one device."""

    def __init__(self, keys: VapidKeys, endpoints: EndpointPolicy, timeout: float) -> None:
        self.keys = keys
        self.endpoints = endpoints
        self.timeout = timeout

    async def send(
        self,
        session: aiohttp.ClientSession,
        subscription: Subscription,
        data: str,
        *,
        ttl: int,
        topic: str,
        urgent: bool,
    ) -> Answer:
        """One request, redirects never followed; the same ``topic`` on every send of a
        job lets the push service replace an undelivered earlier copy."""
        try:
            # Checked again before each connection: a row stored under an older, wider
            # setting (or before endpoints were checked at all) is never connected to.
            refused = self.endpoints.check(subscription.endpoint) != subscription.endpoint
        except EndpointRefused:
            refused = True
        if refused:
            return Answer(None, refused=True)
        try:
            response = await webpush_async(
                subscription_info=subscription.info(),
                data=data,
                vapid_private_key=self.keys.vapid,
                # pywebpush fills in aud and exp by mutating this dict: a fresh one each call.
                vapid_claims={"sub": self.keys.subject},
                ttl=ttl,
                timeout=self.timeout,
                headers={"Topic": topic, "Urgency": "high" if urgent else "normal"},
                aiohttp_session=NoRedirects(session),
            )
        except WebPushException as error:
            if error.response is None:
                _connection_failed(subscription, error)
                return Answer(None)
            return _answer(error.response)
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            _connection_failed(subscription, error)
            return Answer(None)
        return _answer(response)


def _connection_failed(subscription: Subscription, error: BaseException) -> None:
    """Log a push connection that failed (TLS, DNS, refused, timeout): a whole push
    service unreachable shows up in the log, not only as a count on each device. The
    endpoint's path is a capability and stays out; the host and the error's kind say enough."""
    log.warning(
        "push connection to %s failed (%s), device %s: retried later",
        urlsplit(subscription.endpoint).hostname,
        type(error).__name__,
        subscription.id,
    )


def _answer(response: Any) -> Answer:
    status = getattr(response, "status", None)
    if status is None:
        status = getattr(response, "status_code", None)
    return Answer(int(status) if status is not None else None, _retry_after(response))


def _retry_after(response: Any) -> int | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0, int(value))
    except ValueError:
        return None
