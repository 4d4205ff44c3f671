"""E-mail through the hospital's relay: the settings, one message, one send, and what each
answer of the relay means (as ``transport.POLICY`` does for push services).

Sending is aiosmtplib, always encrypted to a relay elsewhere (STARTTLS on 587 or TLS on
465); plain SMTP only to a relay on this machine. Nothing here touches the database: the
notification sender decides what to send and records the verdicts, so a relay that is slow
or down delays a job, never a web request.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import aiosmtplib

from ..clock import utcnow
from ..config import ConfigError

log = logging.getLogger(__name__)

SECURITIES = ("starttls", "tls", "none")
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    security: str
    username: str
    password: str
    sender: str  # "Name <address>"
    ca_file: str
    timeout: float

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings | None:
        """The relay's settings; None when no relay is set (the app then sends no e-mail);
        ConfigError for settings that would send mail in the clear or from nobody."""
        host = str(config["SMTP_HOST"]).strip()
        if not host:
            return None
        security = str(config["SMTP_SECURITY"]).strip().lower()
        if security not in SECURITIES:
            raise ConfigError("PWA_SMTP_SECURITY must be 'starttls', 'tls' or 'none'")
        if security == "none" and host not in LOCAL_HOSTS:
            raise ConfigError(
                "PWA_SMTP_SECURITY=none sends health-adjacent mail in the clear: only for a "
                "relay on this machine (127.0.0.1); use starttls or tls"
            )
        sender = str(config["SMTP_FROM"]).strip()
        if "@" not in parseaddr(sender)[1]:
            raise ConfigError("PWA_SMTP_FROM must hold an e-mail address")
        port = int(config["SMTP_PORT"])
        if not 0 < port < 65536:
            raise ConfigError("PWA_SMTP_PORT: no such port")
        return cls(
            host=host,
            port=port,
            security=security,
            username=str(config["SMTP_USERNAME"]),
            password=str(config["SMTP_PASSWORD"]),
            sender=sender,
            ca_file=str(config["SMTP_CA_FILE"]).strip(),
            timeout=float(config["SMTP_TIMEOUT_SECONDS"]),
        )


@dataclass(frozen=True)
class Mail:
    """What one e-mail says: plain text, a subject and a link into the app."""

    to: str
    subject: str
    body: str


def compose(settings: MailSettings, mail: Mail, *, message_id: str, origin: str) -> EmailMessage:
    """The message as sent. ``message_id`` is the same on every try of one job, so a mail
    program shows a resend after a lost answer as the same message."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = formataddr(("", mail.to))
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    domain = urlsplit(origin).hostname or "localhost"
    message["Message-ID"] = f"<{message_id}@{domain}>"
    # No tracking, no remote images, no HTML: the text and a link, as the privacy notice says.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    return message


class Verdict(Enum):
    """What an attempt means for its job."""

    SENT = "sent"
    RETRY = "retry"  # the relay is busy or down, or said "try later" (4xx)
    FAILED = "failed"  # the relay refused it for good (5xx): retrying cannot help


@dataclass(frozen=True)
class MailAnswer:
    verdict: Verdict
    code: int | None  # the relay's reply code, None when it could not be reached
    detail: str  # for the log and the admin's status page; never the message or address


def _tls_context(settings: MailSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


async def send(settings: MailSettings, message: EmailMessage) -> MailAnswer:
    """One conversation with the relay for one message."""
    context = _tls_context(settings) if settings.security != "none" else None
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.host,
            port=settings.port,
            username=settings.username or None,
            password=settings.password or None,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            tls_context=context,
            timeout=settings.timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = [response.code for response in error.recipients]
        code = codes[0] if codes else None
        return _by_code(code, "recipient refused")
    except aiosmtplib.SMTPResponseException as error:
        return _by_code(error.code, "relay refused")
    except (aiosmtplib.SMTPException, TimeoutError, OSError, ssl.SSLError) as error:
        log.warning(
            "mail relay %s:%s unreachable (%s): retried later",
            settings.host,
            settings.port,
            type(error).__name__,
        )
        return MailAnswer(Verdict.RETRY, None, type(error).__name__)
    return MailAnswer(Verdict.SENT, 250, "sent")


def _by_code(code: int | None, what: str) -> MailAnswer:
    if code is not None and 400 <= code < 500:
        return MailAnswer(Verdict.RETRY, code, f"{what} for now ({code})")
    log.warning("mail %s (%s): not retried", what, code)
    return MailAnswer(Verdict.FAILED, code, f"{what} ({code})")
