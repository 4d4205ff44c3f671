"""The security event log: sign-ins, refusals and session ends, one JSON line each on the
``pwa.security`` logger, so that the hospital's log collector can alert on them.

Each line says when (UTC), where (client address, method, path with capability tokens
redacted), who (account id, when known) and what (the event). It never holds a password,
a code, a token, a cookie or an e-mail address: a person who types their password into
the e-mail field must not find it in a log. JSON encoding keeps any CR, LF or quote a
client sends inside its string, so no one can forge a log line (docs/security.md).
"""

from __future__ import annotations

import json
import logging
import sys

from quart import Quart, g, has_request_context, request

from .clock import utcnow
from .serving import redact

LOGGER_NAME = "pwa.security"
log = logging.getLogger(LOGGER_NAME)

# Refusals a browser of ours never causes on its own: worth a warning.
REFUSED_STATUSES = {403: "access.denied", 429: "rate_limited"}


def record(
    event: str, *, level: int = logging.WARNING, account_id: int | None = None, **detail: object
) -> None:
    """Write one security event with when, where and who; ``detail`` must hold no secret."""
    fields: dict[str, object] = {
        "event": event,
        "at": utcnow().isoformat(timespec="milliseconds"),
    }
    if has_request_context():
        # Imported here: pwa.security imports this module for its CSRF and origin events.
        from .security import client_address

        account = g.get("account")
        fields["account"] = (
            account_id if account_id is not None else (account.id if account else None)
        )
        fields["client"] = client_address()
        fields["method"] = request.method
        fields["path"] = redact(request.path)
    else:
        fields["account"] = account_id
    fields.update(detail)
    log.log(level, "%s", json.dumps(fields, ensure_ascii=True, default=str))


def record_refusal(status: int) -> None:
    """An error page on its way out: log the refusals that signal probing."""
    event = REFUSED_STATUSES.get(status)
    if event is not None:
        record(event, status=status)


def init_app(app: Quart) -> None:
    """Send the events to standard error (the journal under systemd) unless the hospital
    configured a handler of its own for ``pwa.security``."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        log.addHandler(handler)
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
